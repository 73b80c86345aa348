"""What the concurrency tests share: a score sheet of many lines for XA001 (window open now,
every line given to canbo.xa, so the unit's leader lanhdao.xa and its staff both may write
them), removed at the end; threads that run requests together; a rendezvous that holds every
request at its first write until all of them have read the line.
"""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.domain.clock import utcnow
from app.domain.criteria_tree import code_sort_key
from app.models import (
    AppUser,
    Assessment,
    AuditEvent,
    Criterion,
    Framework,
    Round,
    ScoreLine,
    Unit,
)
from app.models.rounds import PHASE_SELF
from tests.conftest import login

FRAMEWORK_CODE = "TEST-CONCURRENCY"
LINES = 24  # leaves 1.1 .. 1.24, a number from 0 to 10 in steps of 0.5
NA_CODE = "2.1"  # one more leaf, which may be marked not applicable
USERS = ("lanhdao.xa", "canbo.xa")  # the leader and the staff of XA001


def build_sheet(s):
    """The sheet; returns {"assessment", "round", "framework", "lines": {code: id}}."""
    unit = s.query(Unit).filter_by(code="XA001").one()
    organiser = s.query(Unit).filter_by(code="SNV").one()
    staff = s.query(AppUser).filter_by(username="canbo.xa").one()
    framework = Framework(
        code=FRAMEWORK_CODE, name="Bộ tiêu chí thử lưu đồng thời", year=1999,
        unit_type_id=unit.unit_type_id, max_points=Decimal(10 * LINES + 2), frozen=True,
    )  # fmt: skip
    s.add(framework)
    tree = [("1", "Lĩnh vực lưu đồng thời", Decimal(10 * LINES), {})]
    tree += [(f"1.{i}", f"Tiêu chí {i}", Decimal(10), {"step": Decimal("0.5")})
             for i in range(1, LINES + 1)]  # fmt: skip
    tree += [("2", "Lĩnh vực có thể không áp dụng", Decimal(2), {}),
             (NA_CODE, "Tiêu chí có thể không áp dụng", Decimal(2),
              {"allow_not_applicable": True})]  # fmt: skip
    criteria = {}
    for code, title, top, extra in tree:
        parent = criteria.get(code.rsplit(".", 1)[0]) if "." in code else None
        criteria[code] = Criterion(
            framework=framework, parent=parent, code=code, sort_key=code_sort_key(code),
            title=title, max_points=top, rule="number", **extra,
        )  # fmt: skip
        s.add(criteria[code])
    now = utcnow()
    round_ = Round(
        name="Vòng thử lưu đồng thời", year=1999, framework=framework, organiser_unit=organiser,
        units=[unit], phase=PHASE_SELF, self_start=now - datetime.timedelta(days=1),
        self_end=now + datetime.timedelta(days=10),
    )  # fmt: skip
    s.add(round_)
    s.flush()
    assessment = Assessment(round_id=round_.id, unit_id=unit.id)
    s.add(assessment)
    s.flush()
    lines = {}
    for code, criterion in criteria.items():
        if "." in code:
            lines[code] = ScoreLine(
                assessment_id=assessment.id, criterion_id=criterion.id, preparer_id=staff.id
            )
            s.add(lines[code])
    s.commit()
    return {
        "assessment": assessment.id,
        "round": round_.id,
        "framework": framework.id,
        "lines": {code: line.id for code, line in lines.items()},
    }


def remove_sheet(s, ids):
    """Delete the sheet and the change log about it."""
    line_ids = list(ids["lines"].values())
    s.query(AuditEvent).filter(
        ((AuditEvent.entity == "score_line") & AuditEvent.entity_id.in_(line_ids))
        | ((AuditEvent.entity == "assessment") & (AuditEvent.entity_id == ids["assessment"]))
    ).delete(synchronize_session=False)
    s.query(ScoreLine).filter(ScoreLine.id.in_(line_ids)).delete(synchronize_session=False)
    s.query(Assessment).filter_by(id=ids["assessment"]).delete(synchronize_session=False)
    round_ = s.get(Round, ids["round"])
    round_.units = []
    s.flush()
    s.delete(round_)
    s.flush()
    for depth in (1, 0):  # children before parents (the tree's foreign key)
        for criterion in s.query(Criterion).filter_by(framework_id=ids["framework"]).all():
            if criterion.code.count(".") == depth:
                s.delete(criterion)
        s.flush()
    s.query(Framework).filter_by(id=ids["framework"]).delete()
    s.commit()


def reset_sheet(s, ids):
    """Every line back to empty, its change log too (the version keeps counting)."""
    s.expire_all()
    s.query(AuditEvent).filter(
        AuditEvent.entity == "score_line", AuditEvent.entity_id.in_(ids["lines"].values())
    ).delete(synchronize_session=False)
    for line in s.query(ScoreLine).filter(ScoreLine.id.in_(ids["lines"].values())):
        line.self_input = line.self_points = line.explanation = None
        line.not_applicable, line.not_applicable_reason = False, None
    s.commit()


def read_line(s, line_id):
    s.expire_all()
    return s.get(ScoreLine, line_id)


def audit_events(s, line_id, action):
    """The line's change log entries of one action, oldest first."""
    found = s.query(AuditEvent).filter_by(entity="score_line", entity_id=line_id, action=action)
    return found.order_by(AuditEvent.id).all()


def clients(app, count, users=USERS):
    """`count` logged-in test clients, taking the accounts in turn (two tabs of one person
    are two editors as well)."""
    return [login(app.test_client(), users[i % len(users)]) for i in range(count)]


def run_together(tasks, timeout=60):
    """Run the callables at the same moment, one thread each; their results, in order."""
    start = threading.Barrier(len(tasks))

    def run(task):
        start.wait(timeout=timeout)
        return task()

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        futures = [pool.submit(run, task) for task in tasks]
        return [future.result(timeout=timeout) for future in futures]


class Rendezvous:
    """Holds each thread at its first write (INSERT, UPDATE or DELETE: the flush, or the change
    log written just before it) until `parties` threads got there: every request has then
    read the line (and passed the version check) before any writes, so all but one meet the
    lost race at the database (UPDATE ... WHERE version = loaded)."""

    def __init__(self, parties, timeout=30):
        self.barrier = threading.Barrier(parties, timeout=timeout)
        self.local = threading.local()

    def __call__(self, _conn, _cursor, statement, _parameters, _context, _executemany):
        if statement.lstrip()[:6].upper() not in ("INSERT", "UPDATE", "DELETE"):
            return
        if not getattr(self.local, "held", False):
            self.local.held = True
            self.barrier.wait()

    @contextmanager
    def holding(self):
        event.listen(Engine, "before_cursor_execute", self)
        try:
            yield self
        finally:
            event.remove(Engine, "before_cursor_execute", self)
