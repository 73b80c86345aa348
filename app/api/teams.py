"""REST resources of a round's people: appraisal teams, their members (leader, appraisers,
support members) and the council's members. Read by whoever has the FAB screens, written by
the organiser: the same policy (app/domain/policy.py, through AppModelApi's pre_add /
pre_update / pre_delete) and the same domain checks as the FAB forms of app/views/rounds.py
(one person once per team, one leader per team: app/domain/rounds.member_problems). A write
the database refuses (the same name twice in a round, the same person twice in the council)
is a 422 with a Vietnamese message (app/api/base.py), never a 500."""

from flask_babel import gettext as _
from marshmallow import ValidationError

from app.api.base import AppModelApi, interface
from app.domain import rounds as rounds_domain
from app.extensions import db
from app.models.appraisal import MEMBER_ROLES, AppraisalTeam, CouncilMember, TeamMember
from app.security import roles
from app.views.rounds import AppraisalTeamView, CouncilMemberView, TeamMemberView

# The member API reads and writes a row; no `_info` (FAB would describe every column there).
CRUD = {"get", "get_list", "post", "put", "delete"}


def _known_role(value):
    """The FAB form offers these roles only (a select); the API refuses any other."""
    if value not in MEMBER_ROLES:
        raise ValidationError(
            _("Choose the role in the team: %(roles)s.", roles=", ".join(MEMBER_ROLES))
        )


class AppraisalTeamApi(AppModelApi):
    resource_name = "appraisal_team"
    class_permission_name = roles.TEAMS
    datamodel = interface(AppraisalTeam)
    screen = AppraisalTeamView
    include_route_methods = CRUD
    label_columns = dict(AppraisalTeamView.label_columns)
    list_columns = show_columns = ["id", "round_id", "name"]
    add_columns = edit_columns = ["round", "name"]
    search_columns = ["round", "name"]
    order_columns = ["id", "name"]

    def item_problems(self, item, creating):
        return rounds_domain.team_problems(db.session, item)


class TeamMemberApi(AppModelApi):
    resource_name = "team_member"
    class_permission_name = roles.TEAMS
    datamodel = interface(TeamMember)
    screen = TeamMemberView
    include_route_methods = CRUD
    label_columns = dict(TeamMemberView.label_columns)
    list_columns = show_columns = ["id", "team_id", "user_id", "role"]
    add_columns = edit_columns = ["team", "user", "role"]
    search_columns = ["team", "user", "role"]
    order_columns = ["id", "role"]
    validators_columns = {"role": _known_role}

    def item_problems(self, item, creating):
        return rounds_domain.member_problems(db.session, item)


class CouncilMemberApi(AppModelApi):
    resource_name = "council_member"
    class_permission_name = roles.COUNCIL_MEMBERS
    datamodel = interface(CouncilMember)
    screen = CouncilMemberView
    include_route_methods = CRUD
    label_columns = dict(CouncilMemberView.label_columns)
    list_columns = show_columns = ["id", "round_id", "user_id", "position"]
    add_columns = edit_columns = ["round", "user", "position"]
    search_columns = ["round", "user"]
    order_columns = ["id", "position"]

    def item_problems(self, item, creating):
        return rounds_domain.council_member_problems(db.session, item)


TEAM_APIS = [AppraisalTeamApi, TeamMemberApi, CouncilMemberApi]
