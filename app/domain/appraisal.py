"""Steps 2 and 3 of the appraisal on one line (support score, appraisal), and the conditions
every step 2 to 4 shares.

Who: the line's resolved assignees (app/domain/assignment.py, the most specific assignment
wins): the support member scores (step 2), the appraiser accepts or adjusts (step 3), and the
leader of the team that assigned the line's appraiser approves or returns it (step 4). Nobody
else, administrators included, and never someone who works for the line's unit or a unit above
it (app/domain/conflict.py), at any step.

When (checked after who, and after "approved lines are frozen"; each refusal says why):
1. the round is opened and neither finalised nor published, and not locked by hand;
2. the line's window: the appraisal window for first-cycle lines, the supplement window for
   lines under a council request (appraisal_cycle == CYCLE_SUPPLEMENT), both honouring the
   organiser's extensions, to the minute;
3. the unit's self-assessment is settled: submitted, or its self-assessment window (with any
   extension for the unit) is over.

States: pending / returned --support--> scored --appraise--> appraised --approve--> approved
(frozen). The support member may re-score until the appraiser has reviewed the line; the
appraiser may re-appraise until approval. A returned line can be reworked by either (the
support member re-scores, or the appraiser re-appraises an existing support score). An
approved line changes again only through a council supplement request (app/domain/supplement.py),
which starts the same steps in the supplement cycle; its re-approval closes the request.

Step 4 (approve, return) is in app/domain/approval.py; it shares the conditions here.

Survey lines are never scored by the team, and lines the unit marked not applicable carry no
score. Every value replaced stays in the change log (actions support_score, appraise,
approve, return); `approval_comment` holds the leader's latest step-4 comment (an approval's
comment, or a return's reason).
"""

from flask_babel import gettext as _

from app.domain import audit, line_versions
from app.domain.assignment import assignee
from app.domain.clock import utcnow
from app.domain.conflict import own_unit_decision
from app.domain.decision import ALLOW, deny
from app.domain.errors import DomainError
from app.domain.membership import may_take, member_role
from app.domain.round_state import enter_appraisal, writable_decision
from app.domain.scoring import format_points, rule_of, score
from app.domain.windows import deadline, window_open
from app.models.appraisal import ASSIGN_APPRAISER, ASSIGN_SUPPORT
from app.models.criteria import RULE_SURVEY
from app.models.rounds import WINDOW_APPRAISAL, WINDOW_SELF, WINDOW_SUPPLEMENT
from app.models.scoring import (
    APPRAISAL_APPRAISED,
    APPRAISAL_APPROVED,
    APPRAISAL_PENDING,
    APPRAISAL_SCORED,
    CYCLE_SUPPLEMENT,
    STATUS_SUBMITTED,
)

MAX_COMMENT = 10000


def _id(user):
    return getattr(user, "id", None)


def self_settled(assessment, now=None):
    """The unit's self-assessment is settled: submitted, or its window over for the unit."""
    if assessment.status == STATUS_SUBMITTED:
        return True
    now = now or utcnow()
    end = deadline(assessment.round, WINDOW_SELF, assessment.unit_id, now)
    return end is not None and now >= end


def window_decision(line, now=None):
    """Round, window and self-assessment conditions for writing steps 2 to 4 on `line`."""
    assessment = line.assessment
    round_ = assessment.round
    if not (decision := writable_decision(round_)):
        return decision
    window = WINDOW_SUPPLEMENT if line.appraisal_cycle == CYCLE_SUPPLEMENT else WINDOW_APPRAISAL
    if not (decision := window_open(round_, window, assessment.unit_id, now)):
        return decision
    if not self_settled(assessment, now):
        return deny(
            _(
                "The unit has not submitted its self-assessment and its self-assessment window "
                "is still open: the appraisal starts once it is settled."
            )
        )
    return ALLOW


def _line_kind_decision(line):
    if line.criterion.rule == RULE_SURVEY:
        return deny(_("Survey lines get their points from the sociological survey, not the team."))
    if line.not_applicable:
        return deny(_("The unit marked this line not applicable: it carries no score."))
    return ALLOW


def _holder_decision(session, user, line, kind, held=None, roles=None):
    """`held`: the line's LineAssignees when already resolved (a sheet resolves them all at
    once); otherwise the line's assignee is looked up. `roles` caches {team id: the user's
    role in it} across the lines of a sheet."""
    holder = held.of(kind) if held is not None else assignee(session, line, kind)
    if holder is None or user is None or holder.user_id != _id(user):
        if kind == ASSIGN_SUPPORT:
            return deny(_("This line is not assigned to you for scoring."))
        return deny(_("This line is not assigned to you for appraisal."))
    # The assignment outlives the membership: a member taken off the team, or moved to a
    # role that may not take this kind of work, no longer holds the line.
    roles = {} if roles is None else roles
    if holder.team_id not in roles:
        roles[holder.team_id] = member_role(session, holder.team_id, user)
    if not may_take(roles[holder.team_id], kind):
        return deny(
            _(
                "You are no longer a member of %(team)s with a role that may take this work: "
                "ask its leader to reassign the line.",
                team=_team_name(holder),
            )
        )
    # Assignment refuses it, but a member may have moved to the unit since: checked again.
    return own_unit_decision(user, line.assessment.unit)


def _team_name(holder):
    return holder.team.name if holder.team is not None else ""


def common_decision(line):
    """What refuses every step on the line, whoever asks: its kind, the round's state."""
    if not (decision := _line_kind_decision(line)):
        return decision
    return writable_decision(line.assessment.round)


def support_decision(session, user, line, now=None, held=None, roles=None):
    """May `user` enter the support score (step 2) of `line` now? `held`: its LineAssignees,
    if known; `roles`: a cache of the user's team roles (_holder_decision)."""
    if not (decision := common_decision(line)):
        return decision
    if not (decision := _holder_decision(session, user, line, ASSIGN_SUPPORT, held, roles)):
        return decision
    if line.appraisal_state == APPRAISAL_APPROVED:
        return deny(_("This line has been approved: its score is frozen."))
    if not (decision := window_decision(line, now)):
        return decision
    if line.appraisal_state == APPRAISAL_APPRAISED:
        return deny(
            _("The appraiser has already reviewed this line; ask the team leader to return it.")
        )
    return ALLOW


def appraise_decision(session, user, line, now=None, held=None, roles=None):
    """May `user` appraise (step 3) `line` now? `held`: its LineAssignees, if known;
    `roles`: a cache of the user's team roles (_holder_decision)."""
    if not (decision := common_decision(line)):
        return decision
    if not (decision := _holder_decision(session, user, line, ASSIGN_APPRAISER, held, roles)):
        return decision
    if line.appraisal_state == APPRAISAL_APPROVED:
        return deny(_("This line has been approved: its score is frozen."))
    if not (decision := window_decision(line, now)):
        return decision
    if line.support_points is None or line.appraisal_state == APPRAISAL_PENDING:
        return deny(_("The support member has not scored this line yet."))
    return ALLOW


def clean_comment(value):
    """A comment as stored: trimmed, None when empty; DomainError when too long."""
    value = (value or "").strip() or None
    if value and len(value) > MAX_COMMENT:
        raise DomainError(_("The comment is too long (at most 10,000 characters)."))
    return value


def _score_of(line, raw):
    result = score(rule_of(line.criterion), raw)
    if not result.ok:
        raise DomainError(result.error)
    if result.points is None:
        raise DomainError(_("Type a score."))
    return result


def save_support_score(session, line, raw, comment, actor, now=None, expected_version=None):
    """Step 2: the line's support member enters a score ("8,5", an option, a percentage, a
    count: the line's rule reads it) and a comment. Returns the ScoreResult.

    Raises DomainError (refused, invalid) or ConflictError (the line changed since
    `expected_version`); nothing is changed then. The caller commits."""
    now = now or utcnow()
    if not (decision := support_decision(session, actor, line, now)):
        raise DomainError(decision.reason)
    line_versions.check(line, expected_version, line_versions.SUPPORT)
    result = _score_of(line, raw)
    comment = clean_comment(comment)
    old = line.support_points
    if (
        line.appraisal_state == APPRAISAL_SCORED
        and old == result.points
        and line.support_input == result.canonical
        and line.support_comment == comment
        and line.support_by_id == _id(actor)
    ):
        return result
    line.support_input, line.support_points = result.canonical, result.points
    line.support_comment, line.support_by_id, line.support_at = comment, _id(actor), now
    line.appraisal_state = APPRAISAL_SCORED
    audit.record(
        session, actor, "support_score", "score_line", line.id,
        old=format_points(old), new=format_points(result.points), reason=comment,
    )  # fmt: skip
    enter_appraisal(session, line.assessment.round, actor)
    return result


def appraise(session, line, actor, raw=None, comment=None, now=None, expected_version=None):
    """Step 3: the line's appraiser accepts the support score (`raw` None) or adjusts it; a
    score different from the support score needs a comment. Returns the appraised points."""
    now = now or utcnow()
    if not (decision := appraise_decision(session, actor, line, now)):
        raise DomainError(decision.reason)
    line_versions.check(line, expected_version, line_versions.APPRAISED)
    comment = clean_comment(comment)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        points, canonical = line.support_points, line.support_input
    else:
        result = _score_of(line, raw)
        points, canonical = result.points, result.canonical
    if points != line.support_points and not comment:
        raise DomainError(
            _(
                "Your score (%(new)s) differs from the support member's (%(old)s): write a "
                "comment explaining why.",
                new=format_points(points),
                old=format_points(line.support_points),
            )
        )
    old = line.appraised_points
    line.appraised_input, line.appraised_points = canonical, points
    line.appraisal_comment, line.appraised_by_id, line.appraised_at = comment, _id(actor), now
    line.appraisal_state = APPRAISAL_APPRAISED
    audit.record(
        session, actor, "appraise", "score_line", line.id,
        old=format_points(old), new=format_points(points), reason=comment,
    )  # fmt: skip
    enter_appraisal(session, line.assessment.round, actor)
    return points
