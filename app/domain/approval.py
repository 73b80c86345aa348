"""Step 4 of the appraisal (duyệt thẩm định): the team leader approves lines, one by one, per
field or per unit, or returns a line with a comment.

Who: the leader of the team that assigned the line's appraiser (or, before an appraiser is
assigned, its support member), unless the leader works for the line's unit or a unit above it
(nobody appraises their own unit: app/domain/conflict.py); being an administrator is no
shortcut. When: the same round,
window and self-assessment conditions as steps 2 and 3 (app/domain/appraisal.py).

- approve: appraised -> approved; approved points = appraised points; the line is frozen.
  Lines that may not be approved are skipped with their reason (not scored yet, not appraised
  yet, returned, another team's, outside the window...). Re-approving a line of the supplement
  cycle closes its council request.
- return_line: scored / appraised -> returned, with a required comment (kept in
  approval_comment until the next approval, and in the change log); the support member may
  re-score it and the appraiser re-appraise it. An approved line cannot be returned: only a
  council supplement request reopens it.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.domain import audit, line_versions
from app.domain.appraisal import clean_comment, common_decision, window_decision
from app.domain.assignees import assignees_for
from app.domain.clock import utcnow
from app.domain.conflict import own_unit_decision
from app.domain.decision import ALLOW, deny
from app.domain.errors import DomainError
from app.domain.membership import is_leader
from app.domain.round_state import enter_appraisal
from app.domain.scoring import format_points
from app.domain.self_assessment import lines_under
from app.models.criteria import RULE_SURVEY, Criterion
from app.models.scoring import (
    APPRAISAL_APPRAISED,
    APPRAISAL_APPROVED,
    APPRAISAL_PENDING,
    APPRAISAL_RETURNED,
    APPRAISAL_SCORED,
    CYCLE_SUPPLEMENT,
    ScoreLine,
)


@dataclass
class ApprovalReport:
    """What a bulk approval did: the lines approved and those skipped, with the reason."""

    approved: list = field(default_factory=list)  # [ScoreLine]
    skipped: list = field(default_factory=list)  # [(ScoreLine, reason)]
    already: int = 0  # lines found approved already (bulk helpers only)

    @property
    def messages(self):
        return [f"{line.criterion.code}: {reason}" for line, reason in self.skipped]


def _team_of(held):
    """The team whose leader decides on the line: its appraiser's, else its support member's."""
    chosen = held.appraiser or held.support
    return chosen.team if chosen is not None else None


def _leader_decision(session, user, line, held, leads=None):
    """The leader of the line's team, not working for its unit (nor a unit above it).
    `leads` caches {team id: does the user lead it} across the lines of a bulk action."""
    team = _team_of(held) if held is not None else None
    if team is None:
        return deny(_("Nobody has been assigned this line yet."))
    leads = {} if leads is None else leads
    if team.id not in leads:
        leads[team.id] = is_leader(session, team, user)
    if not leads[team.id]:
        return deny(_("Only the leader of %(team)s decides on this line.", team=team.name))
    return own_unit_decision(user, line.assessment.unit)


def approve_decision(session, user, line, now=None, held=None, leads=None):
    """May `user` approve (step 4) `line` now? `held`: its LineAssignees, if known."""
    held = held if held is not None else _held(session, line)
    if not (decision := common_decision(line)):
        return decision
    if not (decision := _leader_decision(session, user, line, held, leads)):
        return decision
    state = line.appraisal_state
    if state == APPRAISAL_APPROVED:
        return deny(_("This line has already been approved."))
    if not (decision := window_decision(line, now)):
        return decision
    if state == APPRAISAL_PENDING:
        return deny(_("This line has not been scored yet: it cannot be approved."))
    if state == APPRAISAL_RETURNED:
        return deny(
            _("This line was returned: it must be scored or appraised again before approval.")
        )
    if state == APPRAISAL_SCORED:
        return deny(_("The appraiser has not reviewed this line yet: it cannot be approved."))
    return ALLOW


def _held(session, line):
    return assignees_for(session, line.assessment.round, [line.assessment.unit_id]).get(line.id)


def _approve_one(session, line, actor, comment, now):
    old = line.approved_points
    line.approved_points = line.appraised_points
    line.approval_comment, line.approved_at = comment, now
    line.approved_by_id = getattr(actor, "id", None)
    line.appraisal_state = APPRAISAL_APPROVED
    audit.record(
        session, actor, "approve", "score_line", line.id,
        old=format_points(old), new=format_points(line.approved_points), reason=comment,
    )  # fmt: skip
    if line.appraisal_cycle == CYCLE_SUPPLEMENT:
        from app.domain.supplement import close_requests

        close_requests(session, line, actor, now)


def approve(session, lines, actor, comment=None, now=None):
    """Step 4: the leader of the team that assigned each line approves it (approved points =
    appraised points; frozen). Lines that may not be approved are skipped with the reason
    (e.g. not scored or not appraised yet). Returns an ApprovalReport; the caller commits."""
    now = now or utcnow()
    comment = clean_comment(comment)
    report = ApprovalReport()
    lines = list(lines)
    by_round = {}
    for line in lines:
        by_round.setdefault(line.assessment.round, set()).add(line.assessment.unit_id)
    held, leads = {}, {}
    for round_, unit_ids in by_round.items():
        held.update(assignees_for(session, round_, unit_ids))
    for line in lines:
        decision = approve_decision(session, actor, line, now, held.get(line.id), leads)
        if decision:
            _approve_one(session, line, actor, comment, now)
            report.approved.append(line)
        else:
            report.skipped.append((line, decision.reason))
    if report.approved:
        enter_appraisal(session, report.approved[0].assessment.round, actor)
    return report


def approve_line(session, line, actor, comment=None, now=None, expected_version=None):
    """Approve one line; raises DomainError with the reason when it may not be approved, or
    ConflictError when the line changed since `expected_version` (the version the leader
    loaded: what is approved is what the leader saw)."""
    now = now or utcnow()
    if not (decision := approve_decision(session, actor, line, now)):
        raise DomainError(decision.reason)
    line_versions.check(line, expected_version, line_versions.DECISION)
    report = approve(session, [line], actor, comment, now)
    if report.skipped:
        raise DomainError(report.skipped[0][1])
    return report


def _bulk(session, lines, actor, comment, now):
    todo = [
        line for line in lines if line.criterion.rule != RULE_SURVEY and not line.not_applicable
    ]
    waiting = [line for line in todo if line.appraisal_state != APPRAISAL_APPROVED]
    report = approve(session, waiting, actor, comment, now)
    report.already = len(todo) - len(waiting)
    return report


def approve_field(session, assessment, criterion, actor, comment=None, now=None):
    """Approve every line of `assessment` at or under `criterion` (a field or criterion)
    that the actor's team assigned; survey and not-applicable lines are left out."""
    return _bulk(session, lines_under(session, assessment, criterion), actor, comment, now)


def approve_unit(session, assessment, actor, comment=None, now=None):
    """Approve every line of the unit's assessment the actor may approve; report the rest."""
    lines = (
        session.query(ScoreLine)
        .options(joinedload(ScoreLine.criterion))
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(ScoreLine.assessment_id == assessment.id)
        .order_by(Criterion.sort_key)
        .all()
    )
    return _bulk(session, lines, actor, comment, now)


def return_decision(session, user, line, now=None, held=None, leads=None):
    """May `user` return `line` to the support member and appraiser now? `held`: its
    LineAssignees, if known; `leads` as for approve_decision."""
    held = held if held is not None else _held(session, line)
    if not (decision := common_decision(line)):
        return decision
    if not (decision := _leader_decision(session, user, line, held, leads)):
        return decision
    if line.appraisal_state == APPRAISAL_APPROVED:
        return deny(
            _("This line has been approved and is frozen; only a council request reopens it.")
        )
    if not (decision := window_decision(line, now)):
        return decision
    if line.appraisal_state not in (APPRAISAL_SCORED, APPRAISAL_APPRAISED):
        return deny(_("This line has not been scored yet: there is nothing to return."))
    return ALLOW


def return_line(session, line, actor, comment, now=None, expected_version=None):
    """Step 4, the other way: the leader sends the line back with a comment (required); the
    support member and the appraiser can then rework it. The values stay until replaced.
    ConflictError when the line changed since `expected_version`."""
    now = now or utcnow()
    if not (decision := return_decision(session, actor, line, now)):
        raise DomainError(decision.reason)
    line_versions.check(line, expected_version, line_versions.DECISION)
    comment = clean_comment(comment)
    if not comment:
        raise DomainError(_("Write why the line is returned."))
    old = line.appraisal_state
    line.appraisal_state = APPRAISAL_RETURNED
    line.approval_comment = comment
    audit.record(
        session, actor, "return", "score_line", line.id, old=old, new=APPRAISAL_RETURNED,
        reason=comment,
    )  # fmt: skip
