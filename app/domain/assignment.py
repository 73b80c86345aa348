"""Step 1 of the appraisal (phân công chấm điểm): the team leader gives units x a subtree of
the framework (a field, criterion or sub-criterion and everything under it) to a support
member, to score, or to an appraiser, to appraise.

Rules (the screens, bulk actions and REST all go through `plan_assignment` / `apply_assignment`):

- Only the leader of the team (its TeamMember with role "leader") assigns its work, on an
  opened round that is neither finalised, published nor locked. Being an administrator is no
  shortcut. A unit's assignments may be prepared before the appraisal window opens; they
  freeze once its appraisal and supplement windows are both over (extensions included).
- The member must belong to that team: a support assignment needs role "support"; an appraisal
  assignment needs role "appraiser" (the team's leader may appraise too).
- The units must take part in the round.
- Conflict of interest (app/domain/conflict.py): nobody appraises their own unit. A member
  whose unit is the appraised unit, or a unit above it in the tree, is refused; so is the
  leader for such a unit, since the leader approves its lines (step 4).
- Survey criteria get their points from the survey: they are never assigned nor counted, and a
  subtree holding only survey criteria is refused.
- Overlaps, per unit and per kind (support and appraisal are independent):
  * the most specific assignment covering a line wins ("2.1.3" beats "2.1" beats "2");
  * assigning a subtree replaces the team's own assignments of that kind at the same root and
    strictly inside it (the preview lists them; they are removed and logged); the team's
    assignment above it stays and keeps the rest of its subtree;
  * a subtree overlapping one that another team holds for the unit (same root, above or
    inside) is refused: a part of a unit's framework belongs to one team per kind.
- `plan_assignment` only reads (the preview); `apply_assignment` recomputes the same plan and
  applies it all together, or raises DomainError listing every problem and changes nothing.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import exists
from sqlalchemy.orm import aliased, object_session

from app.domain import audit, membership
from app.domain.assignees import (  # noqa: F401  (part of this module's API)
    CoverageGap,
    LineAssignees,
    assignee,
    assignees_for,
    coverage,
    held_assignments,
    winner,
)
from app.domain.clock import utcnow
from app.domain.conflict import leader_own_unit_message, unit_chains
from app.domain.decision import ALLOW, deny
from app.domain.errors import DomainError
from app.domain.round_state import writable_decision
from app.domain.windows import appraisal_work_over
from app.models.appraisal import ASSIGN_SUPPORT, ASSIGNMENT_KINDS, Assignment
from app.models.criteria import RULE_SURVEY, Criterion
from app.models.rounds import round_unit
from app.models.scoring import Assessment, ScoreLine
from app.models.units import Unit
from app.models.users import AppUser
from app.notifications import events as notify


@dataclass
class UnitPlan:
    """What assigning the subtree to the member does for one unit."""

    unit_id: int
    unit_name: str
    root: Criterion  # the subtree's root, the criterion chosen
    lines: int = 0  # leaf lines covered (survey lines not counted)
    current: list = field(default_factory=list)  # [(AppUser or None, lines)] resolved today
    replaces: list = field(default_factory=list)  # the team's [Assignment] this one replaces
    existing: Assignment | None = None  # the team's row at the same root, reused when applied
    refusals: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.refusals

    @property
    def unchanged(self):
        """Already assigned exactly so: applying changes nothing for this unit."""
        return self.existing is not None and not self.replaces


@dataclass
class AssignmentPlan:
    """The preview of one assignment over several units; `ok` when it can be applied."""

    round: object
    team: object
    criterion: Criterion
    member: AppUser
    kind: str
    units: list = field(default_factory=list)  # [UnitPlan]
    problems: list = field(default_factory=list)  # refusals that concern the whole plan

    @property
    def ok(self):
        return not self.problems and all(u.ok for u in self.units)

    @property
    def refusals(self):
        """Every problem, those of a unit prefixed with its name."""
        per_unit = [f"{u.unit_name}: {reason}" for u in self.units for reason in u.refusals]
        return list(self.problems) + per_unit

    @property
    def lines(self):
        return sum(u.lines for u in self.units)


def _work_over():
    return _(
        "The appraisal and supplement windows are over for this unit: its assignments can no "
        "longer change."
    )


# --- helpers --------------------------------------------------------------------------------------


def _under(code):
    """SQL: Criterion at or under `code`."""
    return (Criterion.code == code) | Criterion.code.startswith(code + ".", autoescape=True)


def _relation(code, root):
    """How an existing assignment at `code` sits against a new one at `root`."""
    if code == root:
        return "same"
    if code.startswith(root + "."):
        return "inside"
    if root.startswith(code + "."):
        return "above"
    return None


def _name(user):
    return user.get_full_name() if hasattr(user, "get_full_name") else str(user)


def _plan_problems(session, round_, team, criterion, member, kind, actor):
    problems = []
    if not (decision := writable_decision(round_)):
        problems.append(decision.reason)
    if kind not in ASSIGNMENT_KINDS:
        problems.append(_("Choose whether the member scores (support) or appraises the lines."))
    if team is None or team.round_id != round_.id:
        problems.append(_("This appraisal team does not belong to the round."))
        return problems
    if not membership.is_leader(session, team, actor):
        problems.append(_("Only the leader of %(team)s may assign its work.", team=team.name))
    if criterion is None or criterion.framework_id != round_.framework_id:
        problems.append(_("This criterion is not part of the round's criteria framework."))
    elif not _has_scored_leaves(session, criterion):
        problems.append(
            _(
                "%(code)s is scored by the sociological survey: it is not assigned.",
                code=criterion.code,
            )
        )
    if member is None:
        problems.append(_("Choose the member to assign."))
        return problems
    role = membership.member_role(session, team, member)
    values = {"name": _name(member), "team": team.name}
    if role is None:
        problems.append(_("%(name)s is not a member of %(team)s.", **values))
    elif kind in ASSIGNMENT_KINDS and not membership.may_take(role, kind):
        if kind == ASSIGN_SUPPORT:
            message = _("%(name)s is not a support member of %(team)s: only support members score.")
        else:
            message = _("%(name)s is not an appraiser of %(team)s: only appraisers appraise.")
        problems.append(message % values)
    return problems


def _has_scored_leaves(session, criterion):
    child = aliased(Criterion)
    has_child = exists().where(child.parent_id == Criterion.id)
    return bool(
        session.query(Criterion.id)
        .filter(
            Criterion.framework_id == criterion.framework_id,
            _under(criterion.code),
            Criterion.rule != RULE_SURVEY,
            ~has_child,
        )
        .first()
    )


def _covered_lines(session, round_id, unit_ids, root_code):
    """[(unit id, criterion code)] of the non-survey lines at or under `root_code`."""
    return (
        session.query(Assessment.unit_id, Criterion.code)
        .select_from(ScoreLine)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(
            Assessment.round_id == round_id,
            Assessment.unit_id.in_(unit_ids),
            Criterion.rule != RULE_SURVEY,
            _under(root_code),
        )
        .all()
    )


# --- step 1 ---------------------------------------------------------------------------------------


def plan_assignment(session, round_, team, unit_ids, criterion, member_user, kind, actor, now=None):
    """Preview assigning `criterion`'s subtree of each unit to `member_user` for `kind`
    ("support" or "appraiser") at `now`. Reads only. Per unit: lines covered, who holds them
    today, the team's assignments it replaces, and refusals with their reasons."""
    now = now or utcnow()
    plan = AssignmentPlan(round_, team, criterion, member_user, kind)
    plan.problems = _plan_problems(session, round_, team, criterion, member_user, kind, actor)
    try:
        unit_ids = list(dict.fromkeys(int(u) for u in unit_ids or ()))
    except (TypeError, ValueError):  # a forged form value: treat as no valid choice
        unit_ids = []
    if not unit_ids:
        plan.problems.append(_("Choose at least one unit."))
    if not unit_ids or team is None or criterion is None:
        return plan
    if criterion.framework_id != round_.framework_id:
        return plan
    root = criterion.code
    units = {u.id: u for u in session.query(Unit).filter(Unit.id.in_(unit_ids))}
    taking_part = {
        unit_id
        for (unit_id,) in session.query(round_unit.c.unit_id).filter(
            round_unit.c.round_id == round_.id, round_unit.c.unit_id.in_(unit_ids)
        )
    }
    chains = unit_chains(session, unit_ids)
    held = defaultdict(dict)  # unit id -> {code: Assignment} (every team, this kind)
    for assignment, code in held_assignments(session, round_.id, unit_ids, kind):
        held[assignment.unit_id][code] = assignment
    lines = defaultdict(list)
    for unit_id, code in _covered_lines(session, round_.id, unit_ids, root):
        lines[unit_id].append(code)
    member_unit = getattr(member_user, "unit_id", None)
    actor_unit = getattr(actor, "unit_id", None)
    for unit_id in unit_ids:
        unit = units.get(unit_id)
        item = UnitPlan(unit_id, unit.name if unit else str(unit_id), criterion)
        plan.units.append(item)
        if unit is None or unit_id not in taking_part:
            item.refusals.append(_("This unit does not take part in the round."))
            continue
        if member_unit is not None and member_unit in chains[unit_id]:
            item.refusals.append(
                _(
                    "%(name)s works for this unit or a unit above it: nobody appraises their "
                    "own unit.",
                    name=_name(member_user),
                )
            )
        if actor_unit is not None and actor_unit in chains[unit_id]:
            # The leader would approve the lines (step 4): another team's leader must.
            item.refusals.append(leader_own_unit_message())
        if appraisal_work_over(round_, unit_id, now):
            item.refusals.append(_work_over())
        _place(item, held[unit_id], root, team, member_user)
        codes = lines[unit_id]
        item.lines = len(codes)
        if not codes:
            item.refusals.append(_("This unit has no lines under %(code)s.", code=root))
        counts = Counter(winner(held[unit_id], code) for code in codes)
        item.current = sorted(
            ((a.user if a else None, n) for a, n in counts.items()), key=lambda pair: -pair[1]
        )
    return plan


def _place(item, by_code, root, team, member):
    """Sort the unit's existing assignments of the kind into replaced / refused."""
    for code, assignment in sorted(by_code.items()):
        relation = _relation(code, root)
        if relation is None:
            continue
        if team is not None and assignment.team_id != team.id:
            item.refusals.append(
                _(
                    "%(code)s of this unit is already assigned to %(name)s by %(team)s.",
                    code=code,
                    name=_name(assignment.user),
                    team=assignment.team.name,
                )
            )
        elif relation == "same":
            item.existing = assignment
            if member is not None and assignment.user_id != member.id:
                item.replaces.append(assignment)
        elif relation == "inside":
            item.replaces.append(assignment)


def _describe(unit, code, kind, user):
    return f"{unit.code if unit else '?'} · {code} · {kind} → {getattr(user, 'username', '-')}"


def apply_assignment(
    session, round_, team, unit_ids, criterion, member_user, kind, actor, now=None
):
    """Apply the plan `plan_assignment` shows, all together: raises DomainError listing every
    problem (nothing changed) or returns the applied AssignmentPlan. The caller commits."""
    now = now or utcnow()
    plan = plan_assignment(
        session, round_, team, unit_ids, criterion, member_user, kind, actor, now
    )
    if not plan.ok:
        refusals = plan.refusals
        raise DomainError(
            _(
                "Nothing was assigned: %(count)s problems must be solved first.",
                count=len(refusals),
            ),
            refusals,
        )
    units = {u.id: u for u in session.query(Unit).filter(Unit.id.in_(plan_unit_ids(plan)))}
    changes = []
    for item in plan.units:
        unit = units.get(item.unit_id)
        for old in item.replaces:
            if old is item.existing:
                continue
            audit.record(
                session, actor, "unassign", "assignment", old.id,
                old=_describe(unit, old.criterion.code, kind, old.user),
                reason=_describe(unit, criterion.code, kind, member_user),
            )  # fmt: skip
            session.delete(old)
        row = item.existing
        if row is not None and row.user_id == member_user.id:
            continue
        old_text = _describe(unit, criterion.code, kind, row.user) if row is not None else None
        if row is None:
            row = Assignment(
                round_id=round_.id, team_id=team.id, unit_id=item.unit_id,
                criterion_id=criterion.id, kind=kind,
            )  # fmt: skip
            session.add(row)
        row.user_id, row.user = member_user.id, member_user
        row.assigned_by_id, row.assigned_at = getattr(actor, "id", None), now
        changes.append((row, old_text, _describe(unit, criterion.code, kind, member_user)))
    session.flush()  # one batch of inserts for every unit; the log needs the new ids
    for row, old_text, new_text in changes:
        audit.record(session, actor, "assign", "assignment", row.id, old=old_text, new=new_text)
    # One message for the member, sent once the caller's commit has saved the assignment.
    notify.assignment_made(session, plan, [row.unit_id for row, _old, _new in changes], actor)
    return plan


def plan_unit_ids(plan):
    return [item.unit_id for item in plan.units]


def edit_decision(user, assignment, now=None):
    """May `user` save or remove `assignment` now? Only its team's leader, while the round
    may be written and the unit's appraisal work is not over (appraisal and supplement
    windows both closed); a new row (a generic form's) must also pass every rule of the plan."""
    round_ = assignment.round
    if round_ is None:
        return deny(_("This appraisal team does not belong to the round."))
    if not (decision := writable_decision(round_)):
        return decision
    session = object_session(assignment) or object_session(round_)
    team = assignment.team
    if session is None or team is None or not membership.is_leader(session, team, user):
        name = team.name if team is not None else ""
        return deny(_("Only the leader of %(team)s may assign its work.", team=name))
    with session.no_autoflush:  # a generic form's new row may not be complete yet
        unit_id = assignment.unit_id or getattr(assignment.unit, "id", None)
        if unit_id is not None and appraisal_work_over(round_, unit_id, now):
            return deny(_work_over())
        if assignment.id is not None:
            return ALLOW
        criterion = assignment.criterion or session.get(Criterion, assignment.criterion_id)
        member = assignment.user or session.get(AppUser, assignment.user_id)
        plan = plan_assignment(
            session, round_, team, [unit_id] if unit_id else [], criterion, member,
            assignment.kind, user, now,
        )  # fmt: skip
    return ALLOW if plan.ok else deny(plan.refusals[0])


def remove_assignment(session, assignment, actor, now=None):
    """The team's leader takes an assignment back (the lines fall back to the assignment
    above, if any; scores already given stay on the lines). Logged."""
    if not (decision := edit_decision(actor, assignment, now)):
        raise DomainError(decision.reason)
    unit = session.get(Unit, assignment.unit_id)
    audit.record(
        session, actor, "unassign", "assignment", assignment.id,
        old=_describe(unit, assignment.criterion.code, assignment.kind, assignment.user),
    )  # fmt: skip
    session.delete(assignment)
