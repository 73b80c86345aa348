"""Self-assessment: who may write which line now, saving scores, explanations and
not-applicable marks, in-unit assignment, submit and withdraw. Every path calls these."""

from flask_babel import gettext as _

from app.domain import audit, line_versions
from app.domain.clock import utcnow
from app.domain.decision import deny
from app.domain.errors import DomainError
from app.domain.line_versions import ConflictError
from app.domain.policy import role_names
from app.domain.round_state import frozen_decision
from app.domain.scoring import format_points, rule_of, score
from app.domain.windows import window_open
from app.models.criteria import RULE_SURVEY
from app.models.rounds import WINDOW_SELF
from app.models.scoring import STATUS_DRAFT, STATUS_SUBMITTED, Assessment, ScoreLine
from app.security import roles


def _unit_member_decision(user, assessment):
    names = role_names(user)
    if getattr(user, "unit_id", None) != assessment.unit_id or not (
        names & {roles.UNIT_LEADER, roles.UNIT_STAFF}
    ):
        return deny(_("This assessment belongs to another unit."))
    # Once the council has finalised the round nothing changes until it is reopened.
    return frozen_decision(assessment.round)


def line_edit_decision(user, line, now=None):
    """May `user` change the self-assessment of `line` now? The Decision says why not."""
    assessment = line.assessment
    decision = _unit_member_decision(user, assessment)
    if not decision:
        return decision
    if roles.UNIT_LEADER not in role_names(user) and line.preparer_id != user.id:
        return deny(_("This line is assigned to someone else in your unit; ask your leader."))
    if assessment.status == STATUS_SUBMITTED:
        return deny(_("The self-assessment has been submitted; the leader must withdraw it first."))
    return window_open(assessment.round, WINDOW_SELF, assessment.unit_id, now)


def leader_decision(user, assessment, now=None):
    """May `user` act as the unit's leader on `assessment` now (assign, submit, withdraw)?"""
    decision = _unit_member_decision(user, assessment)
    if not decision:
        return decision
    if roles.UNIT_LEADER not in role_names(user):
        return deny(_("Only the unit's leader may do this."))
    return window_open(assessment.round, WINDOW_SELF, assessment.unit_id, now)


def _require(decision):
    if not decision:
        raise DomainError(decision.reason)


def _touch(line, actor, now):
    line.updated_at = now
    line.updated_by_id = getattr(actor, "id", None)


def save_self_score(session, line, raw, actor, now=None, expected_version=None):
    """Validate `raw` with the line's rule and store it; returns the ScoreResult.

    Raises DomainError (refused, invalid input) or ConflictError (the line changed since
    `expected_version`); nothing is changed then."""
    now = now or utcnow()
    _require(line_edit_decision(actor, line, now))
    # Before the line's own refusals: "someone marked it not applicable" says more as a
    # conflict naming what the line now holds than as "clear that mark first".
    line_versions.check(line, expected_version, line_versions.SELF)
    if line.criterion.rule == RULE_SURVEY:
        raise DomainError(score(rule_of(line.criterion), raw).error)
    if line.not_applicable:
        raise DomainError(_("This line is marked not applicable; clear that mark first."))
    result = score(rule_of(line.criterion), raw)
    if not result.ok:
        raise DomainError(result.error)
    old = line.self_points
    if old == result.points and line.self_input == result.canonical:
        return result
    line.self_input, line.self_points = result.canonical, result.points
    _touch(line, actor, now)
    audit.record(
        session, actor, "score", "score_line", line.id,
        old=format_points(old), new=format_points(result.points),
    )  # fmt: skip
    return result


def save_explanation(session, line, text, actor, now=None, expected_version=None):
    """Store the line's explanation (giải trình). ConflictError (with the explanation saved
    meanwhile) when the line changed since `expected_version`."""
    now = now or utcnow()
    _require(line_edit_decision(actor, line, now))
    line_versions.check(line, expected_version, line_versions.EXPLANATION)
    text = (text or "").strip() or None
    if text and len(text) > 10000:
        raise DomainError(_("The explanation is too long (at most 10,000 characters)."))
    if text == line.explanation:
        return
    old, line.explanation = line.explanation, text
    _touch(line, actor, now)
    audit.record(session, actor, "explanation", "score_line", line.id, old=old, new=text)


def set_not_applicable(session, line, flag, reason, actor, now=None, expected_version=None):
    """Mark the line not applicable to the unit (with a reason), or clear the mark.
    ConflictError when the line changed since `expected_version`."""
    now = now or utcnow()
    _require(line_edit_decision(actor, line, now))
    line_versions.check(line, expected_version, line_versions.SELF)
    reason = (reason or "").strip() or None
    if flag and not line.criterion.allow_not_applicable:
        raise DomainError(_("This criterion applies to every unit; it cannot be skipped."))
    if flag and not reason:
        raise DomainError(_("Write why this criterion does not apply to your unit."))
    old = format_points(line.self_points)
    line.not_applicable = bool(flag)
    line.not_applicable_reason = reason if flag else None
    if flag:
        line.self_input = line.self_points = None
    _touch(line, actor, now)
    # Marking a line not applicable drops its score: the log keeps the score it had.
    audit.record(
        session, actor, "not_applicable" if flag else "applicable", "score_line", line.id,
        old=old or None, new=format_points(line.self_points) or None, reason=reason,
    )  # fmt: skip


def lines_under(session, assessment, criterion):
    """The assessment's score lines at or under `criterion` in the tree."""
    from app.models.criteria import Criterion

    return (
        session.query(ScoreLine)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(
            ScoreLine.assessment_id == assessment.id,
            (Criterion.code == criterion.code) | Criterion.code.startswith(criterion.code + "."),
        )
        .all()
    )


def assign_lines(session, assessment, criterion, assignee, actor, now=None):
    """The leader gives every line at or under `criterion` to `assignee` (None: unassign)."""
    _require(leader_decision(actor, assessment, now))
    if assignee is not None and (
        assignee.unit_id != assessment.unit_id
        or not role_names(assignee) & {roles.UNIT_LEADER, roles.UNIT_STAFF}
    ):
        raise DomainError(_("Lines can only be assigned to staff of your own unit."))
    lines = lines_under(session, assessment, criterion)
    for line in lines:
        line.preparer_id = assignee.id if assignee is not None else None
    audit.record(
        session, actor, "assign", "assessment", assessment.id,
        new=f"{criterion.code} -> {getattr(assignee, 'username', '-')}",
    )  # fmt: skip
    return len(lines)


def missing_items(session, assessment):
    """What stops submission: [(line, reason)] for unscored or unevidenced applicable lines."""
    from app.domain.sheet import load_sheet

    return missing_in_sheet(load_sheet(session, assessment))


def missing_in_sheet(sheet):
    """missing_items() of a sheet already loaded with load_sheet(), in tree order."""
    from app.domain.sheet import lacks_evidence

    unscored = _("not scored yet")
    unevidenced = _("evidence required: attach a document or explain")
    missing = []
    for row in sheet.rows:
        line, criterion = row.line, row.criterion
        if line is None or line.not_applicable or criterion.rule == RULE_SURVEY:
            continue
        if line.self_points is None:
            missing.append((line, unscored))
        elif lacks_evidence(criterion, line, row.evidence_count):
            missing.append((line, unevidenced))
    return missing


def submit(session, assessment, actor, now=None):
    """The leader submits; refused with the list of what is missing."""
    now = now or utcnow()
    _require(leader_decision(actor, assessment, now))
    if assessment.status == STATUS_SUBMITTED:
        raise DomainError(_("The self-assessment has already been submitted."))
    missing = missing_items(session, assessment)
    if missing:
        raise DomainError(
            _("%(count)s lines still need work before submitting.", count=len(missing)),
            [f"{line.criterion.code}: {reason}" for line, reason in missing],
        )
    assessment.status = STATUS_SUBMITTED
    assessment.submitted_at, assessment.submitted_by_id = now, getattr(actor, "id", None)
    audit.record(
        session, actor, "submit", "assessment", assessment.id, old=STATUS_DRAFT,
        new=STATUS_SUBMITTED,
    )  # fmt: skip


def withdraw(session, assessment, actor, now=None):
    """Before the deadline the leader takes a submission back to draft."""
    now = now or utcnow()
    _require(leader_decision(actor, assessment, now))
    if assessment.status != STATUS_SUBMITTED:
        raise DomainError(_("The self-assessment has not been submitted."))
    started = session.query(ScoreLine.id).filter(
        ScoreLine.assessment_id == assessment.id,
        (ScoreLine.appraisal_state != "pending") | ScoreLine.support_points.is_not(None),
    )
    if started.first() is not None:
        raise DomainError(
            _("The appraisal of this self-assessment has started: it can no longer be withdrawn.")
        )
    assessment.status = STATUS_DRAFT
    audit.record(
        session, actor, "withdraw", "assessment", assessment.id, old=STATUS_SUBMITTED,
        new=STATUS_DRAFT,
    )  # fmt: skip


__all__ = [
    "Assessment", "ConflictError", "assign_lines", "leader_decision", "line_edit_decision",
    "missing_in_sheet", "missing_items", "save_explanation", "save_self_score",
    "set_not_applicable", "submit", "withdraw",
]  # fmt: skip
