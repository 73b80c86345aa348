"""Reminders 24 hours before a window closes, to whoever still has open lines (item 9).

`flask send-reminders` runs this every 15 minutes (cron). For every round still being worked
on (opened, not finalised, published or locked) and each of its windows, a unit is due when
the window is open for it now and its deadline (the window's end, or a later extension of
the organiser for that unit) falls within the next 24 hours. Open lines, per window:

- self-assessment: lines of a unit that has not submitted, neither survey nor marked not
  applicable, without a self score: to the line's preparer and to the unit's leaders;
- appraisal (first cycle) and supplement (lines under a council request): lines not
  approved yet: to the support member while the line is not scored (pending, returned), to
  the appraiser while it is not appraised (pending, scored, returned), to the leader of the
  team that decides on it while it is not approved;
- supplement, for the unit: requests still open (not answered): to the line's preparer and
  the unit's leaders.

One message per person, round, window and deadline, listing units and counts; it is recorded
in the change log (action "reminder_sent" on the person's account, the round, window and
deadline as its value) only once the SMTP server accepted it, and never sent twice. A message
that failed is tried again at the next run. An extension moves the deadline: a new reminder
goes out 24 hours before the new one.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.domain import audit
from app.domain.assignees import assignees_for
from app.domain.clock import format_local, utcnow
from app.domain.windows import deadline, window_open
from app.models.appraisal import MEMBER_LEADER, TeamMember
from app.models.audit import AuditEvent
from app.models.criteria import RULE_SURVEY, Criterion
from app.models.rounds import (
    PHASE_APPRAISAL,
    PHASE_SELF,
    PHASE_SUPPLEMENT,
    PHASE_VERIFICATION,
    WINDOW_APPRAISAL,
    WINDOW_KINDS,
    WINDOW_SELF,
    WINDOW_SUPPLEMENT,
    Round,
    round_unit,
)
from app.models.scoring import (
    APPRAISAL_APPROVED,
    APPRAISAL_PENDING,
    APPRAISAL_RETURNED,
    APPRAISAL_SCORED,
    CYCLE_FIRST,
    CYCLE_SUPPLEMENT,
    STATUS_SUBMITTED,
    Assessment,
    ScoreLine,
)
from app.models.supplement import REQUEST_OPEN, SupplementRequest
from app.models.units import Unit
from app.models.users import AppUser
from app.notifications import links
from app.notifications.delivery import record_failures, send_composed
from app.notifications.events import unit_leaders
from app.notifications.messages import REMINDER, Notice, compose, recipient

HORIZON = datetime.timedelta(hours=24)
REMINDER_SENT = "reminder_sent"
_ACTIVE_PHASES = (PHASE_SELF, PHASE_APPRAISAL, PHASE_SUPPLEMENT, PHASE_VERIFICATION)
# Tasks, in the order a message lists them.
SELF_SCORE, SUPPORT, APPRAISE, APPROVE, ANSWER = "self", "support", "appraise", "approve", "answer"


def _task_label(task):
    return {
        SELF_SCORE: _("not self-scored yet"),
        SUPPORT: _("not scored yet"),
        APPRAISE: _("not appraised yet"),
        APPROVE: _("not approved yet"),
        ANSWER: _("with a supplement request not answered yet"),
    }[task]


def _window_label(window):
    return {
        WINDOW_SELF: _("self-assessment window"),
        WINDOW_APPRAISAL: _("appraisal window"),
        WINDOW_SUPPLEMENT: _("supplement window"),
    }[window]


@dataclass
class Summary:
    due: int = 0  # messages due (not sent before)
    sent: int = 0
    failed: int = 0


def reminder_key(round_id, window, end):
    """The change log's record of one reminder: round, window and deadline (local time)."""
    return f"round {round_id} · {window} · {format_local(end)}"


class _Work:
    """Open lines per (person, deadline): {(user id, end): {(unit id, task): {line ids}}}."""

    def __init__(self):
        self.lines = defaultdict(lambda: defaultdict(set))

    def add(self, user_id, end, unit_id, task, line_id):
        if user_id is not None:
            self.lines[(user_id, end)][(unit_id, task)].add(line_id)


def due_units(session, round_, window, now, horizon=HORIZON):
    """{unit id: deadline} of the round's units whose `window` is open now and closes within
    `horizon`."""
    unit_ids = [u for (u,) in session.query(round_unit.c.unit_id).filter_by(round_id=round_.id)]
    due = {}
    for unit_id in unit_ids:
        end = deadline(round_, window, unit_id, now)
        if end is not None and now < end <= now + horizon:
            if window_open(round_, window, unit_id, now):
                due[unit_id] = end
    return due


def _lines(session, round_, due, column, *conditions, join=None):
    """[(line id, unit id, `column`)] of the due units' scored lines (neither survey nor not
    applicable) meeting `conditions`."""
    query = session.query(ScoreLine.id, Assessment.unit_id, column)
    if join is not None:
        query = query.join(*join)
    return (
        query.join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(
            Assessment.round_id == round_.id,
            Assessment.unit_id.in_(list(due)),
            Criterion.rule != RULE_SURVEY,
            ScoreLine.not_applicable.is_(False),
            *conditions,
        )
        .all()
    )


def _self_work(session, round_, due, work):
    lines = _lines(
        session, round_, due, ScoreLine.preparer_id,
        Assessment.status != STATUS_SUBMITTED, ScoreLine.self_points.is_(None),
    )  # fmt: skip
    _unit_work(session, due, lines, SELF_SCORE, work)


def _unit_work(session, due, lines, task, work):
    """Lines of the unit: to their preparer (of that unit) and to the unit's leaders."""
    leaders = defaultdict(list)
    for leader in unit_leaders(session, {unit_id for _line, unit_id, _p in lines}):
        leaders[leader.unit_id].append(leader.id)
    for line_id, unit_id, preparer_id in lines:
        for user_id in {preparer_id, *leaders[unit_id]}:
            work.add(user_id, due[unit_id], unit_id, task, line_id)


def _team_work(session, round_, due, cycle, work):
    lines = _lines(
        session, round_, due, ScoreLine.appraisal_state,
        ScoreLine.appraisal_cycle == cycle, ScoreLine.appraisal_state != APPRAISAL_APPROVED,
    )  # fmt: skip
    if not lines:
        return
    held = assignees_for(session, round_, list(due))
    team_ids = {a.team_id for h in held.values() for a in (h.support, h.appraiser) if a}
    leaders = defaultdict(list)
    for team_id, user_id in session.query(TeamMember.team_id, TeamMember.user_id).filter(
        TeamMember.team_id.in_(team_ids), TeamMember.role == MEMBER_LEADER
    ):
        leaders[team_id].append(user_id)
    for line_id, unit_id, state in lines:
        holders, end = held.get(line_id), due[unit_id]
        if holders is None:
            continue
        if holders.support is not None and state in (APPRAISAL_PENDING, APPRAISAL_RETURNED):
            work.add(holders.support.user_id, end, unit_id, SUPPORT, line_id)
        if holders.appraiser is not None and state in (
            APPRAISAL_PENDING, APPRAISAL_SCORED, APPRAISAL_RETURNED,
        ):  # fmt: skip
            work.add(holders.appraiser.user_id, end, unit_id, APPRAISE, line_id)
        deciding = holders.appraiser or holders.support
        if deciding is not None:
            for leader_id in leaders[deciding.team_id]:
                work.add(leader_id, end, unit_id, APPROVE, line_id)


def _answer_work(session, round_, due, work):
    lines = _lines(
        session, round_, due, ScoreLine.preparer_id, SupplementRequest.status == REQUEST_OPEN,
        join=(SupplementRequest, SupplementRequest.score_line_id == ScoreLine.id),
    )  # fmt: skip
    _unit_work(session, due, lines, ANSWER, work)


def _open_work(session, round_, window, due):
    work = _Work()
    if window == WINDOW_SELF:
        _self_work(session, round_, due, work)
    elif window == WINDOW_APPRAISAL:
        _team_work(session, round_, due, CYCLE_FIRST, work)
    else:
        _team_work(session, round_, due, CYCLE_SUPPLEMENT, work)
        _answer_work(session, round_, due, work)
    return work


def _notices(session, round_, window, due, work):
    user_ids = {user_id for user_id, _end in work.lines}
    users = {u.id: u for u in session.query(AppUser).filter(AppUser.id.in_(user_ids))}
    names = dict(session.query(Unit.id, Unit.name).filter(Unit.id.in_(list(due))))
    sheets = dict(
        session.query(Assessment.unit_id, Assessment.id).filter(
            Assessment.round_id == round_.id, Assessment.unit_id.in_(list(due))
        )
    )
    order = (SELF_SCORE, ANSWER, SUPPORT, APPRAISE, APPROVE)
    notices = []
    for (user_id, end), tasks in work.lines.items():
        to = recipient(users.get(user_id))
        if to is None:
            continue
        context = {"round": round_.name, "window": _window_label(window), "end": format_local(end)}
        group = (round_.id, window, end)
        for unit_id, task in sorted(tasks, key=lambda k: (names.get(k[0], ""), order.index(k[1]))):
            target = links.SHEET if task in (SELF_SCORE, ANSWER) else links.APPRAISAL
            item = {
                "unit": names.get(unit_id, ""), "task": _task_label(task),
                "count": len(tasks[(unit_id, task)]),
                "link": (target, {"assessment_id": sheets.get(unit_id)}),
            }  # fmt: skip
            notices.append(Notice(REMINDER, to, group, context, item))
    return notices


def _already_sent(session, notices):
    keys = {reminder_key(*n.group) for n in notices}
    user_ids = {n.to.user_id for n in notices}
    if not notices:
        return set()
    rows = session.query(AuditEvent.entity_id, AuditEvent.new_value).filter(
        AuditEvent.action == REMINDER_SENT,
        AuditEvent.entity == "user",
        AuditEvent.entity_id.in_(user_ids),
        AuditEvent.new_value.in_(keys),
    )
    return set(rows.all())


def due_reminders(session, now=None, horizon=HORIZON):
    """The reminder notices due at `now` and not sent before (reads only)."""
    now = now or utcnow()
    rounds = (
        session.query(Round)
        .options(selectinload(Round.grants))
        .filter(Round.phase.in_(_ACTIVE_PHASES), Round.locked.is_(False))
        .order_by(Round.id)
        .all()
    )
    notices = []
    for round_ in rounds:
        for window in WINDOW_KINDS:
            due = due_units(session, round_, window, now, horizon)
            if due:
                work = _open_work(session, round_, window, due)
                notices.extend(_notices(session, round_, window, due, work))
    sent = _already_sent(session, notices)
    return [n for n in notices if (n.to.user_id, reminder_key(*n.group)) not in sent]


def send_reminders(session, now=None):
    """Send the reminders due at `now` (needs an app context); the caller commits the
    change log's record of what was sent and what failed. Returns a Summary."""
    composed = compose(due_reminders(session, now))
    summary = Summary(due=len(composed))
    errors = send_composed(composed)
    if errors is None:  # mail off or suppressed: nothing is recorded, so nothing is lost
        return summary
    for item, error in zip(composed, errors, strict=True):
        if error is None:
            summary.sent += 1
            audit.record(
                session, None, REMINDER_SENT, "user", item.to.user_id,
                new=reminder_key(*item.group), reason=item.to.email,
            )  # fmt: skip
    summary.failed = record_failures(session, composed, errors)
    return summary
