"""Bench: the appraisal domain on a province-sized round (170 units x 140 lines = 23,800 lines).

    .venv/bin/python -m bench.appraisal [--units 170] [--lines 140] [--database-url URL]

Builds the round with bench.open_round, a team (leader, one support member per field, one
appraiser), then times: the preview and the application of "field 2 of every unit to one
member", assigning every field of every unit, `coverage` of the whole round, `assignees_for`
every unit (the sheets' lookup) and for one unit, support + appraise + `approve_unit` of one
unit, and `verification_problems`. Prints wall and CPU seconds (the Python side; the machine
may be shared) and SQL statements per operation.
"""

import argparse
import os
import tempfile
import time

from sqlalchemy import event


class Counter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, *args, **kwargs):
        self.count += 1


def _people(session, fields):
    from flask_appbuilder.security.sqla.models import Role

    from app.models import AppUser, Unit
    from app.security import roles

    organiser = session.query(Unit).filter_by(code="SNV").one()

    def account(name, role):
        user = AppUser(username=name, first_name=name, last_name="Bench", active=True,
                       email=f"{name}@example.vn", unit_id=organiser.id,
                       roles=[session.query(Role).filter_by(name=role).one()])  # fmt: skip
        session.add(user)
        return user

    leader = account("bench.leader", roles.TEAM_LEADER)
    appraiser = account("bench.appraiser", roles.APPRAISER)
    support = [account(f"bench.support{f}", roles.SUPPORT_MEMBER) for f in range(1, fields + 1)]
    return leader, appraiser, support


def run(session, counter, units, lines):
    from app.domain import appraisal, approval, assignment, verification
    from app.domain.rounds import open_round
    from app.models import AppraisalTeam, Assessment, Criterion, ScoreLine, TeamMember
    from bench.open_round import build

    round_ = build(session, units, lines)
    open_round(session, round_, None)
    leader, appraiser, support = _people(session, 10)
    team = AppraisalTeam(round=round_, name="Bench team")
    team.members = [TeamMember(user=leader, role="leader")]
    team.members += [TeamMember(user=appraiser, role="appraiser")]
    team.members += [TeamMember(user=u, role="support") for u in support]
    session.add(team)
    round_.phase, round_.appraisal_start = "appraisal", round_.self_end
    round_.appraisal_end = round_.self_end.replace(year=2027)
    session.commit()
    unit_ids = [u.id for u in round_.units]
    tops = session.query(Criterion).filter_by(framework_id=round_.framework_id, parent_id=None)
    fields = {c.code: c for c in tops}
    now = round_.self_end.replace(month=6)
    figures = []

    def timed(label, func):
        counter.count = 0
        started, cpu = time.perf_counter(), time.process_time()
        result = func()
        elapsed = time.perf_counter() - started
        figures.append((label, elapsed, time.process_time() - cpu, counter.count))
        return result

    field_2 = (session, round_, team, unit_ids, fields["2"], support[1], "support", leader)
    timed(f"plan_assignment field 2 x {units} units", lambda: assignment.plan_assignment(*field_2))
    timed(
        f"apply_assignment field 2 x {units} units",
        lambda: assignment.apply_assignment(*field_2, now),
    )
    session.commit()
    timed("coverage, 1 field assigned", lambda: len(assignment.coverage(session, round_)))

    def assign_all():
        for f, code in enumerate(sorted(fields, key=int)):
            assignment.apply_assignment(session, round_, team, unit_ids, fields[code], support[f],
                                        "support", leader, now)  # fmt: skip
            assignment.apply_assignment(session, round_, team, unit_ids, fields[code], appraiser,
                                        "appraiser", leader, now)  # fmt: skip
        session.commit()

    timed("assign every field of every unit (20 applies)", assign_all)
    gaps = timed("coverage, fully assigned", lambda: assignment.coverage(session, round_))
    assert gaps == []
    held = timed(f"assignees_for {units} units", lambda: assignment.assignees_for(session, round_))
    timed("assignees_for 1 unit", lambda: assignment.assignees_for(session, round_, unit_ids[:1]))
    assessment = session.query(Assessment).filter_by(round_id=round_.id, unit_id=unit_ids[0]).one()
    for line in session.query(ScoreLine).filter_by(assessment_id=assessment.id):
        assessment.status = "submitted"
        who = held[line.id].support.user
        appraisal.save_support_score(session, line, "1", None, who, now=now)
        appraisal.appraise(session, line, appraiser, now=now)
    session.commit()
    report = timed(f"approve_unit ({lines} lines)", lambda: approval.approve_unit(
        session, assessment, leader, now=now))  # fmt: skip
    session.commit()
    assert len(report.approved) == lines, report.messages[:3]
    problems = timed("verification_problems", lambda: verification.verification_problems(
        session, round_))  # fmt: skip
    assert len(problems) == units - 1
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=170)
    parser.add_argument("--lines", type=int, default=140)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from tests.conftest import _postgres_database, make_app, prepare_database

    drop = None
    if args.database_url:
        url, drop = _postgres_database(args.database_url)
    else:
        url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.db")
    app = make_app(url)
    prepare_database(app, demo=False)
    from app.extensions import db

    with app.app_context():
        counter = Counter(db.engine)
        figures = run(db.session, counter, args.units, args.lines)
        db.session.remove()
        db.engine.dispose()
    print(f"{url.split(':')[0]}, {args.units} units x {args.lines} lines:")
    print(f"  {'operation':<48} {'wall s':>8} {'CPU s':>8} {'SQL':>6}")
    for label, seconds, cpu, statements in figures:
        print(f"  {label:<48} {seconds:8.3f} {cpu:8.3f} {statements:6d}")
    if drop:
        drop()


if __name__ == "__main__":
    main()
