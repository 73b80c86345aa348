"""Rounds: window rules, opening a round (assessments and score lines), phase locks, and when
its membership (teams, members, council) may change."""

import unicodedata
from contextlib import nullcontext

from flask_babel import gettext as _
from sqlalchemy import insert, inspect, literal, select, true
from sqlalchemy.orm import object_session

from app.domain import audit
from app.domain.clock import utcnow
from app.domain.criteria_tree import freeze_problems
from app.domain.decision import ALLOW
from app.domain.errors import DomainError
from app.domain.round_state import frozen_decision
from app.models.criteria import Criterion
from app.models.rounds import PHASE_DRAFT, PHASE_SELF
from app.models.scoring import Assessment, ScoreLine

# (start attribute, end attribute, label) in the order the windows must follow each other.
WINDOWS = (
    ("self_start", "self_end", "self-assessment"),
    ("appraisal_start", "appraisal_end", "appraisal"),
    ("supplement_start", "supplement_end", "supplement"),
)


def _window_label(key):
    return {
        "self-assessment": _("self-assessment window"),
        "appraisal": _("appraisal window"),
        "supplement": _("supplement window"),
    }[key]


def window_problems(round_):
    """Return why the round's windows are inconsistent: half-set, reversed, overlapping."""
    problems, previous = [], None
    for start_attr, end_attr, key in WINDOWS:
        start, end = getattr(round_, start_attr), getattr(round_, end_attr)
        label = _window_label(key)
        if (start is None) != (end is None):
            problems.append(_("The %(window)s needs both a start and an end.", window=label))
            continue
        if start is None:
            continue
        if end <= start:
            problems.append(_("The %(window)s ends before it starts.", window=label))
            continue
        if previous is not None and start < previous[1]:
            problems.append(
                _(
                    "The %(window)s overlaps the %(previous)s: it must start after that one ends.",
                    window=label,
                    previous=_window_label(previous[0]),
                )
            )
        previous = (key, end)
    return problems


def _leaf_criteria(framework_id):
    """SELECT of the framework's leaf criteria (the lines that carry points)."""
    parents = select(Criterion.parent_id).where(
        Criterion.framework_id == framework_id, Criterion.parent_id.is_not(None)
    )
    return select(Criterion.id).where(
        Criterion.framework_id == framework_id, Criterion.id.not_in(parents)
    )


def open_problems(round_):
    """Return why `round_` cannot be opened yet."""
    problems = []
    if round_.phase != PHASE_DRAFT:
        problems.append(_("This round has already been opened."))
    if not round_.units:
        problems.append(_("Choose the participating units before opening the round."))
    framework = round_.framework
    wrong_type = [u.name for u in round_.units if u.unit_type_id != framework.unit_type_id]
    if wrong_type:
        problems.append(
            _(
                "These units are not of the framework's unit type: %(names)s.",
                names=", ".join(sorted(wrong_type)),
            )
        )
    if round_.self_start is None:
        problems.append(_("Set the self-assessment window before opening the round."))
    problems.extend(window_problems(round_))
    if not framework.frozen:
        problems.extend(freeze_problems(framework))
    return problems


def open_round(session, round_, actor, now=None):
    """Open `round_`: freeze its framework, create one assessment per unit and one score line
    per leaf criterion, and move it to the self-assessment phase. Returns the number of
    assessments created; raises DomainError listing every problem otherwise."""
    problems = open_problems(round_)
    if problems:
        raise DomainError(_("The round cannot be opened."), problems)
    now = now or utcnow()
    framework = round_.framework
    if not framework.frozen:
        framework.frozen, framework.frozen_at = True, now
        audit.record(session, actor, "freeze", "framework", framework.id, reason=round_.name)
    assessments = [Assessment(round_id=round_.id, unit_id=u.id) for u in round_.units]
    session.add_all(assessments)
    session.flush()
    # One INSERT ... SELECT done by the database: a national round has ~465,000 lines.
    leaves = _leaf_criteria(framework.id).subquery()
    lines = (
        select(Assessment.id, leaves.c.id, literal(1))
        .join(leaves, true())  # every assessment with every leaf, said so (no warning)
        .where(Assessment.round_id == round_.id)
        .order_by(Assessment.id, leaves.c.id)
    )
    session.execute(
        insert(ScoreLine).from_select(["assessment_id", "criterion_id", "version"], lines)
    )
    round_.phase, round_.opened_at = PHASE_SELF, now
    audit.record(
        session, actor, "open", "round", round_.id, old=PHASE_DRAFT, new=PHASE_SELF,
        reason=str(len(assessments)),
    )  # fmt: skip
    return len(assessments)


def set_lock(session, round_, actor, locked, reason=None):
    """Lock or unlock the round's current phase by hand (on top of its windows)."""
    if round_.phase == PHASE_DRAFT:
        raise DomainError(_("A round that has not been opened has no phase to lock."))
    # Finalised or published: nothing changes until the council's logged reopen.
    if not (decision := frozen_decision(round_)):
        raise DomainError(decision.reason)
    if round_.locked == locked:
        raise DomainError(
            _("The current phase is already locked.") if locked
            else _("The current phase is not locked.")
        )  # fmt: skip
    round_.locked = locked
    # The action name says what changed; the phase says which lock.
    audit.record(
        session, actor, "lock" if locked else "unlock", "round", round_.id,
        reason=reason or round_.phase,
    )  # fmt: skip


def opened_round_edit_problems(session, round_):
    """Once opened, a round keeps its framework and units: assessments were made from them."""
    from sqlalchemy import inspect

    state = inspect(round_)
    problems = []
    if (
        state.attrs.framework.history.has_changes()
        or state.attrs.framework_id.history.has_changes()
    ):
        problems.append(_("The round is open: its criteria framework can no longer change."))
    if state.attrs.units.history.has_changes():
        problems.append(_("The round is open: its participating units can no longer change."))
    return problems


def _stored_and_new(obj, attr):
    """The value of relationship `attr` as the edit would save it, and as stored before it."""
    values = [getattr(obj, attr, None)]
    state = inspect(obj, raiseerr=False)
    if state is not None and attr in state.attrs:
        values.extend(state.attrs[attr].history.deleted or ())
    return [v for v in values if v is not None]


def membership_rounds(obj):
    """The rounds a team, team member or council member row belongs to, before and after an
    edit (moving a member out of a finalised round's team changes that round too)."""
    from app.models.appraisal import AppraisalTeam, CouncilMember, TeamMember

    if isinstance(obj, (AppraisalTeam, CouncilMember)):
        return _stored_and_new(obj, "round")
    if isinstance(obj, TeamMember):
        return [r for team in _stored_and_new(obj, "team") for r in _stored_and_new(team, "round")]
    return []


def membership_decision(obj):
    """May the membership row `obj` (team, team member, council member) be written now? Not
    once its round is finalised or published: the appraisal minutes read their signers from
    the membership, so a change would rewrite signed minutes without the logged reopen."""
    # A form's new row is not in the session yet: reading its team's round must not flush it.
    linked = [obj, getattr(obj, "team", None), getattr(obj, "round", None)]
    session = next((object_session(x) for x in linked if x is not None and object_session(x)), None)
    with session.no_autoflush if session is not None else nullcontext():
        rounds = membership_rounds(obj)
    for round_ in rounds:
        if not (decision := frozen_decision(round_)):
            return decision
    return ALLOW


def member_problems(session, member):
    """One person appears once per team, and a team has at most one leader."""
    from app.models.appraisal import MEMBER_LEADER, TeamMember

    problems = []
    team_id = member.team.id if member.team else member.team_id
    user_id = member.user.id if member.user else member.user_id
    others = session.query(TeamMember).filter(TeamMember.team_id == team_id)
    if member.id is not None:
        others = others.filter(TeamMember.id != member.id)
    if others.filter(TeamMember.user_id == user_id).first():
        problems.append(_("This person is already a member of the team."))
    if member.role == MEMBER_LEADER and others.filter(TeamMember.role == MEMBER_LEADER).first():
        problems.append(_("The team already has a leader."))
    return problems


def _id_of(obj, relation, column):
    linked = getattr(obj, relation, None)
    return linked.id if linked is not None else getattr(obj, column, None)


def _fold(text):
    return unicodedata.normalize("NFC", " ".join(str(text or "").split())).casefold()


def team_problems(session, team):
    """A team has a name, and no other team of its round has the same one (any case)."""
    from app.models.appraisal import AppraisalTeam

    team.name = unicodedata.normalize("NFC", (team.name or "").strip())
    if not team.name:
        return [_("The team name is required.")]
    round_id = _id_of(team, "round", "round_id")
    others = session.query(AppraisalTeam.name).filter(AppraisalTeam.round_id == round_id)
    if team.id is not None:
        others = others.filter(AppraisalTeam.id != team.id)
    with session.no_autoflush:
        taken = any(_fold(name) == _fold(team.name) for (name,) in others)
    if taken:
        return [_("This round already has a team named %(name)s.", name=team.name)]
    return []


def council_member_problems(session, member):
    """One person sits once on a round's council."""
    from app.models.appraisal import CouncilMember

    round_id = _id_of(member, "round", "round_id")
    user_id = _id_of(member, "user", "user_id")
    if round_id is None or user_id is None:
        return []  # the form asks for both
    others = session.query(CouncilMember.id).filter(
        CouncilMember.round_id == round_id, CouncilMember.user_id == user_id
    )
    if member.id is not None:
        others = others.filter(CouncilMember.id != member.id)
    with session.no_autoflush:
        if others.first():
            return [_("This person is already on the round's council.")]
    return []


def round_problems(session, round_, creating):
    """Every reason a round row (new or edited) cannot be saved. A finalised or published
    round is not edited at all (name, windows, note): only the council's logged reopen
    (app/domain/verification.py) makes it editable again."""
    if not creating and not (decision := frozen_decision(_stored_phase(round_))):
        return [decision.reason]
    problems = window_problems(round_)
    if round_.year is None or not 2000 <= round_.year <= 2100:
        problems.append(_("The year must be between 2000 and 2100."))
    if not creating and round_.phase != PHASE_DRAFT:
        problems.extend(opened_round_edit_problems(session, round_))
    return problems


class _Phase:
    """A round's phase as stored, for frozen_decision (an edit must not thaw it)."""

    def __init__(self, phase):
        self.phase = phase


def _stored_phase(round_):
    state = inspect(round_, raiseerr=False)
    if state is not None and "phase" in state.attrs:
        deleted = state.attrs.phase.history.deleted
        if deleted:
            return _Phase(deleted[0])
    return round_


def round_delete_problems(session, round_):
    if round_.phase != PHASE_DRAFT:
        return [_("An opened round cannot be deleted; lock it instead.")]
    return []
