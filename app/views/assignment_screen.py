"""Step 1 for the team leader (phân công chấm điểm): choose units, a subtree of the framework,
a member and the kind of work; see the domain's preview; apply it all together. And the
coverage of a round: every (unit, line) still without a support member or an appraiser.

Every rule is app/domain/assignment.py's (plan_assignment, apply_assignment, coverage); this
module reads the form, keeps what the user chose, and renders the answers.
"""

from collections import OrderedDict

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload, selectinload

from app.domain import assignment as asg
from app.domain import membership, policy
from app.domain.appraisal_work import led_teams
from app.domain.errors import DomainError
from app.extensions import db
from app.models import AppraisalTeam, AppUser, Criterion, Round, TeamMember
from app.models.appraisal import ASSIGN_APPRAISER, ASSIGN_SUPPORT
from app.models.rounds import PHASE_DRAFT
from app.security import roles
from app.views.appraisal_common import KIND_LABELS


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class Choices:
    """What the leader chose (from the query string or the posted form), kept on refusal."""

    def __init__(self, values):
        self.team_id = _int(values.get("team"))
        self.criterion_id = _int(values.get("criterion_id"))
        self.member_id = _int(values.get("member_id"))
        self.kind = values.get("kind") or ASSIGN_SUPPORT
        self.unit_type = _int(values.get("unit_type"))
        self.parent = _int(values.get("parent"))
        self.all = values.get("all") == "1"
        self.unit_ids = [u for u in (_int(v) for v in values.getlist("units")) if u is not None]


class AssignmentScreenView(BaseView):
    """/appraisal/assign/: the leader's assignment form, preview, apply; coverage."""

    route_base = "/appraisal/assign"
    default_view = "assign_form"
    class_permission_name = roles.ASSIGNMENTS
    method_permission_name = roles.METHOD_PERMISSIONS
    form_template = "assignment_form.html"
    coverage_template = "assignment_coverage.html"

    # -- the form -------------------------------------------------------------------------------

    def _context(self, choices, plan=None, errors=None):
        teams = led_teams(db.session, g.user)
        team = next((t for t in teams if t.id == choices.team_id), teams[0] if teams else None)
        context = {"teams": teams, "team": team, "choices": choices, "plan": plan,
                   "errors": errors or [], "kinds": KIND_LABELS}  # fmt: skip
        if team is None:
            return context
        round_ = team.round
        units = sorted(round_.units, key=lambda u: (u.name_sort or "", u.id))
        types = {u.unit_type_id: u.unit_type for u in units if u.unit_type is not None}
        parents = {u.parent_id: u.parent for u in units if u.parent is not None}
        if choices.unit_type:
            units = [u for u in units if u.unit_type_id == choices.unit_type]
        if choices.parent:
            units = [u for u in units if u.parent_id == choices.parent]
        criteria = (
            db.session.query(Criterion)
            .filter(Criterion.framework_id == round_.framework_id)
            .order_by(Criterion.sort_key)
            .all()
        )
        members = (
            db.session.query(TeamMember)
            .options(joinedload(TeamMember.user))
            .filter(TeamMember.team_id == team.id)
            .all()
        )
        selected = set(choices.unit_ids) | ({u.id for u in units} if choices.all else set())
        context.update(
            round=round_, units=units, selected=selected, criteria=criteria,
            unit_types=sorted(types.values(), key=lambda t: t.name),
            parents=sorted(parents.values(), key=lambda p: p.name_sort or ""),
            members=sorted(members, key=lambda m: (m.role, m.user.get_full_name())),
        )  # fmt: skip
        return context

    def _render(self, choices, plan=None, errors=None, status=200):
        context = self._context(choices, plan, errors)
        return self.render_template(self.form_template, **context), status

    @expose("/")
    @has_access
    def assign_form(self):
        """The form; ?team=&unit_type=&parent=&all=1&units=&criterion_id=&member_id=&kind=
        pre-fill it (the coverage view links here)."""
        return self._render(Choices(request.args))

    def _plan_inputs(self, choices):
        team = db.session.get(AppraisalTeam, choices.team_id or 0)
        if team is None or not policy.check(g.user, policy.VIEW, team):
            return None
        criterion = db.session.get(Criterion, choices.criterion_id or 0)
        member = None
        if choices.member_id and membership.member_role(db.session, team, choices.member_id):
            options = [selectinload(AppUser.roles)]
            member = db.session.get(AppUser, choices.member_id, options=options)
        return team, criterion, member

    def _no_team(self, choices):
        return self._render(choices, errors=[_("Choose one of the teams you lead.")], status=422)

    @expose("/preview", methods=["POST"])
    @has_access
    def preview_assignment(self):
        """The domain's plan, unit by unit, without changing anything."""
        choices = Choices(request.form)
        inputs = self._plan_inputs(choices)
        if inputs is None:
            return self._no_team(choices)
        team, criterion, member = inputs
        plan = asg.plan_assignment(
            db.session, team.round, team, choices.unit_ids, criterion, member, choices.kind, g.user
        )
        return self._render(choices, plan=plan, status=200 if plan.ok else 422)

    @expose("/apply", methods=["POST"])
    @has_access
    def assign(self):
        """Apply the plan all together, or nothing with every reason listed."""
        choices = Choices(request.form)
        inputs = self._plan_inputs(choices)
        if inputs is None:
            return self._no_team(choices)
        team, criterion, member = inputs
        try:
            plan = asg.apply_assignment(
                db.session, team.round, team, choices.unit_ids, criterion, member, choices.kind,
                g.user,
            )  # fmt: skip
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            plan = asg.plan_assignment(
                db.session, team.round, team, choices.unit_ids, criterion, member, choices.kind,
                g.user,
            )  # fmt: skip
            return self._render(choices, plan=plan, errors=[err.message], status=422)
        except SQLAlchemyError:
            db.session.rollback()
            message = _("Nothing was assigned: the database refused the change; try again.")
            return self._render(choices, errors=[message], status=409)
        flash(
            _(
                "%(code)s assigned to %(name)s for %(units)s units (%(lines)s lines).",
                code=criterion.code, name=member.get_full_name(), units=len(plan.units),
                lines=plan.lines,
            ),
            "success",
        )  # fmt: skip
        return redirect(url_for("AssignmentScreenView.coverage", round=team.round_id))

    # -- coverage ------------------------------------------------------------------------------

    def _rounds(self):
        """Rounds whose coverage the user may read: those of the user's teams; every opened
        round for the province-wide roles."""
        query = db.session.query(Round).filter(Round.phase != PHASE_DRAFT)
        if membership.appraisal_scoped(g.user):
            teams = db.session.query(AppraisalTeam.round_id).join(
                TeamMember, TeamMember.team_id == AppraisalTeam.id
            )
            query = query.filter(Round.id.in_(teams.filter(TeamMember.user_id == g.user.id)))
        return query.order_by(Round.year.desc(), Round.id.desc()).all()

    @expose("/coverage")
    @has_access
    def coverage(self):
        """Every (unit, line) of the round still unassigned, per kind, with counts per unit."""
        rounds = self._rounds()
        wanted = request.args.get("round", type=int)
        round_ = next((r for r in rounds if r.id == wanted), rounds[0] if rounds else None)
        units, teams = [], []
        if round_ is not None:
            by_unit = OrderedDict()
            for gap in asg.coverage(db.session, round_):
                item = by_unit.setdefault(
                    gap.unit_id,
                    {"id": gap.unit_id, "name": gap.unit_name, "gaps": [],
                     ASSIGN_SUPPORT: 0, ASSIGN_APPRAISER: 0},
                )  # fmt: skip
                item["gaps"].append(gap)
                for kind in gap.missing:
                    item[kind] += 1
            units = list(by_unit.values())
            teams = [t for t in led_teams(db.session, g.user) if t.round_id == round_.id]
        return self.render_template(
            self.coverage_template, rounds=rounds, round=round_, units=units, kinds=KIND_LABELS,
            team=teams[0] if teams else None, total_units=len(round_.units) if round_ else 0,
            missing={k: sum(u[k] for u in units) for k in KIND_LABELS},
        )  # fmt: skip
