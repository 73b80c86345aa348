"""The council's supplement requests (yêu cầu bổ sung) and the unit's supplement.

- `request_supplement`: a council member of the round (a CouncilMember row; the FAB role only
  opens the screen), on an approved non-survey line, with a written reason, while the round is
  neither finalised, published nor locked. Refused when the supplement window is already over
  for the unit (it could never answer: the organiser extends the window first); a window not
  set yet is fine (the organiser announces it later). One request at a time per line.
  The request is created open; the line enters the supplement cycle (appraisal_cycle 2, state
  pending); its support, appraised and approved values stay on it until replaced, and the
  change log keeps every replaced value. The round moves to the supplement phase.
- The unit, i.e. its leader or the line's preparer, inside the supplement window (with any
  extension), on lines whose request is not closed yet ("open" or "answered"): adds evidence
  (Evidence.phase "supplement"), removes evidence it added for the supplement, and writes its
  answer (`respond`). Nothing else changes after submission: other lines, self scores,
  explanations and the self-assessment's evidence stay as they were. `attach_decision` and
  `evidence_delete_decision` are what app/domain/evidence.py and the policy ask.
- Steps 2 to 4 then run again on those lines only (app/domain/appraisal.py, in the supplement
  window); the line's re-approval closes its request (`close_requests`).
"""

from flask_babel import gettext as _
from sqlalchemy.orm import object_session

from app.domain import audit, membership
from app.domain.clock import format_local, utcnow
from app.domain.decision import ALLOW, deny
from app.domain.errors import DomainError
from app.domain.policy import role_names
from app.domain.round_state import enter_supplement, writable_decision
from app.domain.self_assessment import line_edit_decision
from app.domain.windows import deadline, window_open
from app.models.criteria import RULE_SURVEY
from app.models.rounds import WINDOW_SUPPLEMENT
from app.models.scoring import APPRAISAL_APPROVED, APPRAISAL_PENDING, CYCLE_SUPPLEMENT
from app.models.scoring import PHASE_INITIAL as EVIDENCE_INITIAL
from app.models.scoring import PHASE_SUPPLEMENT as EVIDENCE_SUPPLEMENT
from app.models.supplement import (
    REQUEST_ANSWERED,
    REQUEST_CLOSED,
    REQUEST_OPEN,
    SupplementRequest,
)
from app.notifications import events as notify
from app.security import roles

MAX_TEXT = 10000


def _clean(text, empty_message):
    text = (text or "").strip()
    if not text:
        raise DomainError(empty_message)
    if len(text) > MAX_TEXT:
        raise DomainError(_("The text is too long (at most 10,000 characters)."))
    return text


def open_request(line, session=None):
    """The line's request that is not closed yet (open or answered), or None."""
    session = session or object_session(line)
    return (
        session.query(SupplementRequest)
        .filter(
            SupplementRequest.score_line_id == line.id,
            SupplementRequest.status != REQUEST_CLOSED,
        )
        .order_by(SupplementRequest.id.desc())
        .first()
    )


def requests_of(session, round_, unit_id=None, status=None):
    """The round's requests (of one unit, of one status), oldest first, for lists."""
    from app.models.scoring import Assessment, ScoreLine

    query = session.query(SupplementRequest).filter(SupplementRequest.round_id == round_.id)
    if unit_id is not None:
        query = query.join(ScoreLine, SupplementRequest.score_line_id == ScoreLine.id).join(
            Assessment, ScoreLine.assessment_id == Assessment.id
        )
        query = query.filter(Assessment.unit_id == unit_id)
    if status is not None:
        query = query.filter(SupplementRequest.status == status)
    return query.order_by(SupplementRequest.id).all()


# --- the council --------------------------------------------------------------------------------


def request_decision(session, user, line, now=None):
    """May `user` ask the unit for a supplement on `line` now?"""
    now = now or utcnow()
    round_ = line.assessment.round
    if not (decision := writable_decision(round_)):
        return decision
    if not membership.is_council(session, round_, user):
        return deny(_("Only a member of the round's appraisal council may request a supplement."))
    if line.criterion.rule == RULE_SURVEY:
        return deny(_("Survey lines get their points from the sociological survey, not the team."))
    if open_request(line, session) is not None:
        return deny(_("This line already has a supplement request that is not closed."))
    if line.appraisal_state != APPRAISAL_APPROVED:
        return deny(_("Only approved lines can be sent back for a supplement."))
    end = deadline(round_, WINDOW_SUPPLEMENT, line.assessment.unit_id, now)
    if end is not None and now >= end:
        return deny(
            _(
                "The supplement window closed at %(end)s for this unit: ask the organiser to "
                "extend it before requesting a supplement.",
                end=format_local(end),
            )
        )
    return ALLOW


def request_supplement(session, line, reason, actor, now=None):
    """The council asks the unit for more on `line` (reason required). Returns the new
    SupplementRequest; the caller commits."""
    now = now or utcnow()
    if not (decision := request_decision(session, actor, line, now)):
        raise DomainError(decision.reason)
    reason = _clean(reason, _("Write what the unit must supplement."))
    request = SupplementRequest(
        round_id=line.assessment.round_id, score_line=line, reason=reason, status=REQUEST_OPEN,
        requested_by_id=getattr(actor, "id", None), requested_at=now,
    )  # fmt: skip
    session.add(request)
    old = line.appraisal_state
    line.appraisal_cycle, line.appraisal_state = CYCLE_SUPPLEMENT, APPRAISAL_PENDING
    audit.record(
        session, actor, "supplement_request", "score_line", line.id, old=old,
        new=APPRAISAL_PENDING, reason=reason,
    )  # fmt: skip
    enter_supplement(session, line.assessment.round, actor)
    # The unit is told once the caller's commit has saved the request.
    notify.supplement_requested(session, request, line, now)
    return request


def close_requests(session, line, actor, now=None):
    """The line was approved again: its requests are closed (called by the approval)."""
    now = now or utcnow()
    for request in session.query(SupplementRequest).filter(
        SupplementRequest.score_line_id == line.id, SupplementRequest.status != REQUEST_CLOSED
    ):
        old, request.status, request.closed_at = request.status, REQUEST_CLOSED, now
        audit.record(
            session, actor, "supplement_close", "score_line", line.id, old=old,
            new=REQUEST_CLOSED, reason=request.reason,
        )  # fmt: skip


# --- the unit -----------------------------------------------------------------------------------


def _unit_member_decision(user, line):
    names = role_names(user)
    if getattr(user, "unit_id", None) != line.assessment.unit_id or not (
        names & {roles.UNIT_LEADER, roles.UNIT_STAFF}
    ):
        return deny(_("This line belongs to another unit."))
    if roles.UNIT_LEADER not in names and line.preparer_id != getattr(user, "id", None):
        return deny(_("This line is assigned to someone else in your unit; ask your leader."))
    return ALLOW


def unit_decision(user, line, now=None, request=None):
    """May the unit's `user` add to `line` for the council's request now?"""
    if not (decision := _unit_member_decision(user, line)):
        return decision
    round_ = line.assessment.round
    if not (decision := writable_decision(round_)):
        return decision
    request = request if request is not None else open_request(line)
    if request is None or request.status == REQUEST_CLOSED:
        return deny(
            _(
                "The self-assessment has been submitted: only lines with a supplement request "
                "of the council can still receive evidence or explanations."
            )
        )
    return window_open(round_, WINDOW_SUPPLEMENT, line.assessment.unit_id, now)


def respond_decision(user, request, now=None):
    """May `user` write the unit's answer to `request` now?"""
    return unit_decision(user, request.score_line, now, request)


def respond(session, request, text, actor, now=None):
    """The unit answers the council's request (its evidence goes on the line, phase
    "supplement"); it may rewrite the answer until the request is closed."""
    now = now or utcnow()
    if not (decision := respond_decision(actor, request, now)):
        raise DomainError(decision.reason)
    text = _clean(text, _("Write the unit's answer to the council's request."))
    if text == request.response:
        return request
    old = request.response
    request.response, request.status = text, REQUEST_ANSWERED
    request.responded_by_id, request.responded_at = getattr(actor, "id", None), now
    audit.record(
        session, actor, "supplement_response", "score_line", request.score_line_id, old=old,
        new=text, reason=request.reason,
    )  # fmt: skip
    return request


def _in_supplement(user, line):
    """Is the unit's `user` answering council requests on this line's assessment? Then a
    refusal speaks of the supplement rather than of the submitted self-assessment."""
    from app.models.scoring import ScoreLine

    if not _unit_member_decision(user, line):
        return False
    query = (
        object_session(line)
        .query(SupplementRequest.id)
        .join(ScoreLine, SupplementRequest.score_line_id == ScoreLine.id)
        .filter(
            ScoreLine.assessment_id == line.assessment_id,
            SupplementRequest.status != REQUEST_CLOSED,
        )
    )
    return query.first() is not None


def attach_decision(user, line, now=None):
    """(Decision, evidence phase): may `user` attach evidence to `line` now, and as what?
    During the self-assessment as "initial"; after it, only for an open council request, as
    "supplement"."""
    decision = line_edit_decision(user, line, now)
    if decision:
        return decision, EVIDENCE_INITIAL
    if not _in_supplement(user, line):
        return decision, None
    supplement = unit_decision(user, line, now)
    return supplement, EVIDENCE_SUPPLEMENT if supplement else None


def evidence_delete_decision(user, evidence, now=None):
    """May `user` remove `evidence` now? During the self-assessment as before; afterwards
    only what was added for an open council request."""
    line = evidence.score_line
    decision = line_edit_decision(user, line, now)
    if decision or not _in_supplement(user, line):
        return decision
    if open_request(line) is None:
        return unit_decision(user, line, now)
    if evidence.phase != EVIDENCE_SUPPLEMENT:
        return deny(
            _(
                "This evidence belongs to the submitted self-assessment and stays; you may "
                "only remove what you added for the supplement."
            )
        )
    return unit_decision(user, line, now)
