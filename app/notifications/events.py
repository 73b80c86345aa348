"""What the domain queues when it assigns work or the council asks for a supplement.

Called by the domain functions inside their transaction, after every check passed: the
notices go out only if that transaction commits (app/notifications/outbox.py).
"""

from flask_appbuilder.security.sqla.models import Role

from app.domain.clock import format_local
from app.domain.windows import deadline
from app.models.rounds import WINDOW_SUPPLEMENT
from app.models.scoring import Assessment
from app.models.users import AppUser
from app.notifications import links
from app.notifications.messages import ASSIGNMENT, SUPPLEMENT, Notice, recipient
from app.notifications.outbox import queue
from app.security import roles


def _name(user):
    return user.get_full_name() if hasattr(user, "get_full_name") else str(user or "")


def unit_leaders(session, unit_ids):
    """The active leader accounts (UnitLeader role) of the units."""
    if not unit_ids:
        return []
    return (
        session.query(AppUser)
        .filter(
            AppUser.unit_id.in_(list(unit_ids)),
            AppUser.active.is_(True),
            AppUser.roles.any(Role.name == roles.UNIT_LEADER),
        )
        .order_by(AppUser.id)
        .all()
    )


def assessment_ids(session, round_id, unit_ids):
    """{unit id: assessment id} of the round."""
    if not unit_ids:
        return {}
    rows = session.query(Assessment.unit_id, Assessment.id).filter(
        Assessment.round_id == round_id, Assessment.unit_id.in_(list(unit_ids))
    )
    return dict(rows.all())


def assignment_made(session, plan, unit_ids, actor):
    """One notice per unit newly given to the plan's member (one message for the member)."""
    to = recipient(plan.member)
    changed = [item for item in plan.units if item.unit_id in set(unit_ids)]
    if to is None or not changed:
        return
    round_, team, criterion = plan.round, plan.team, plan.criterion
    sheets = assessment_ids(session, round_.id, [item.unit_id for item in changed])
    context = {
        "round": round_.name,
        "leader": _name(actor),
        "team": team.name,
        "start": format_local(round_.appraisal_start),
        "end": format_local(round_.appraisal_end),
        "link": (links.WORK, {}),
    }
    for item in changed:
        queue(
            session,
            Notice(
                ASSIGNMENT, to, (round_.id, team.id), context,
                {
                    "unit": item.unit_name, "code": criterion.code, "title": criterion.title,
                    "role": plan.kind, "lines": item.lines,
                    "link": (links.APPRAISAL, {"assessment_id": sheets.get(item.unit_id)}),
                },
            ),
        )  # fmt: skip


def supplement_requested(session, request, line, now):
    """The unit's leaders and the line's preparer are told about the council's request."""
    assessment = line.assessment
    round_, unit = assessment.round, assessment.unit
    people = unit_leaders(session, [unit.id])
    if line.preparer_id is not None:
        preparer = session.get(AppUser, line.preparer_id)
        if preparer is not None and preparer.unit_id == unit.id:
            people.append(preparer)
    context = {
        "round": round_.name,
        "unit": unit.name,
        "start": format_local(round_.supplement_start),
        "end": format_local(deadline(round_, WINDOW_SUPPLEMENT, unit.id, now)),
        "link": (links.SHEET, {"assessment_id": assessment.id}),
    }
    item = {"code": line.criterion.code, "title": line.criterion.title, "reason": request.reason}
    for person in {p.id: p for p in people}.values():
        to = recipient(person)
        if to is not None:
            queue(session, Notice(SUPPLEMENT, to, (round_.id, unit.id), context, item))
