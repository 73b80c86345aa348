"""Screens for rounds (windows, phase, participating units), appraisal teams and the council."""

from flask import g
from flask_appbuilder.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.domain import rounds as rounds_domain
from app.extensions import db
from app.formatting import vn_datetime
from app.models.appraisal import MEMBER_ROLES, AppraisalTeam, CouncilMember, TeamMember
from app.models.rounds import Round
from app.security import roles
from app.views.base import (
    CONFIRM_DELETE,
    AppModelView,
    delete_items,
    guarded_action,
    interface,
    run_each,
)
from app.views.fields import LOCAL_TIME_HELP, LocalDateTimeField

PHASE_LABELS = {
    "draft": _l("Draft"),
    "self_assessment": _l("Self-assessment"),
    "appraisal": _l("Appraisal"),
    "supplement": _l("Supplementary appraisal"),
    "verification": _l("Verification"),
    "finalised": _l("Finalised"),
    "published": _l("Published"),
}
MEMBER_LABELS = {
    "leader": _l("Team leader"),
    "appraiser": _l("Appraiser"),
    "support": _l("Support team member"),
}
WINDOW_COLUMNS = [
    "self_start", "self_end", "appraisal_start", "appraisal_end", "supplement_start",
    "supplement_end",
]  # fmt: skip
_WINDOW_LABELS = {
    "self_start": _l("Self-assessment from"),
    "self_end": _l("Self-assessment deadline"),
    "appraisal_start": _l("Appraisal from"),
    "appraisal_end": _l("Appraisal deadline"),
    "supplement_start": _l("Supplement from"),
    "supplement_end": _l("Supplement deadline"),
}


def _phase_label(phase):
    return PHASE_LABELS.get(phase, phase)


def _lock_label(locked):
    return _("Locked") if locked else _("Open")


class RoundView(AppModelView):
    datamodel = interface(Round)
    class_permission_name = roles.ROUNDS
    list_title = _l("Assessment rounds")
    show_title = _l("Assessment round")
    add_title = _l("Add assessment round")
    edit_title = _l("Edit assessment round")
    label_columns = {
        "name": _l("Name"),
        "year": _l("Year"),
        "framework": _l("Criteria framework"),
        "organiser_unit": _l("Organiser unit"),
        "units": _l("Participating units"),
        "phase": _l("Phase"),
        "locked": _l("Phase lock"),
        "opened_at": _l("Opened on"),
        "note": _l("Note"),
        **_WINDOW_LABELS,
    }
    description_columns = {col: LOCAL_TIME_HELP for col in WINDOW_COLUMNS}
    list_columns = ["name", "year", "framework", "phase", "locked", "self_end", "appraisal_end"]
    add_columns = edit_columns = [
        "name", "year", "framework", "organiser_unit", *WINDOW_COLUMNS, "units", "note",
    ]  # fmt: skip
    show_columns = [
        "name", "year", "framework", "organiser_unit", "phase", "locked", *WINDOW_COLUMNS,
        "opened_at", "units", "note",
    ]  # fmt: skip
    search_columns = ["name", "year", "framework", "phase"]
    order_columns = ["name", "year", "phase"]
    base_order = ("year", "desc")
    formatters_columns = {
        "phase": _phase_label,
        "locked": _lock_label,
        "opened_at": vn_datetime,
        **{col: vn_datetime for col in WINDOW_COLUMNS},
    }
    add_form_extra_fields = edit_form_extra_fields = {
        col: LocalDateTimeField(_WINDOW_LABELS[col], description=LOCAL_TIME_HELP)
        for col in WINDOW_COLUMNS
    }

    def item_problems(self, item, creating):
        return rounds_domain.round_problems(db.session, item, creating)

    def delete_problems(self, item):
        return rounds_domain.round_delete_problems(db.session, item)

    @action(
        "open_round",
        _l("Open round"),
        _l(
            "Open the selected rounds? Assessments and score lines will be created "
            "and the framework frozen."
        ),
        "fa-play",
        single=False,
    )  # noqa: E501
    @guarded_action("open")
    def open_round(self, items):
        run_each(items, lambda r: rounds_domain.open_round(db.session, r, g.user),
                 _("Opened %(count)s rounds."))  # fmt: skip

    @action(
        "lock_phase",
        _l("Lock phase"),
        _l(
            "Lock the current phase of the selected rounds? "
            "Nobody can enter data until it is unlocked."
        ),
        "fa-lock",
        single=False,
    )  # noqa: E501
    @guarded_action("lock")
    def lock_phase(self, items):
        run_each(items, lambda r: rounds_domain.set_lock(db.session, r, g.user, True),
                 _("Locked %(count)s rounds."))  # fmt: skip

    @action(
        "unlock_phase",
        _l("Unlock phase"),
        _l("Unlock the current phase of the selected rounds?"),
        "fa-unlock",
        single=False,
    )  # noqa: E501
    @guarded_action("unlock")
    def unlock_phase(self, items):
        run_each(items, lambda r: rounds_domain.set_lock(db.session, r, g.user, False),
                 _("Unlocked %(count)s rounds."))  # fmt: skip

    @action("muldelete", _l("Delete"), CONFIRM_DELETE, "fa-trash", single=False)
    @guarded_action("delete")
    def muldelete(self, items):
        delete_items(self, items)


class TeamMemberView(AppModelView):
    datamodel = interface(TeamMember)
    class_permission_name = roles.TEAMS
    list_title = _l("Team members")
    show_title = _l("Team member")
    add_title = _l("Add team member")
    edit_title = _l("Edit team member")
    label_columns = {
        "team": _l("Appraisal team"),
        "user": _l("Member"),
        "role": _l("Role in the team"),
    }
    list_columns = ["team", "user", "role"]
    add_columns = edit_columns = show_columns = ["team", "user", "role"]
    formatters_columns = {"role": lambda r: MEMBER_LABELS.get(r, r)}
    add_form_extra_fields = edit_form_extra_fields = {
        "role": SelectField(
            _l("Role in the team"), choices=[(k, MEMBER_LABELS[k]) for k in MEMBER_ROLES]
        ),
    }

    def item_problems(self, item, creating):
        return rounds_domain.member_problems(db.session, item)


class AppraisalTeamView(AppModelView):
    datamodel = interface(AppraisalTeam)
    class_permission_name = roles.TEAMS
    list_title = _l("Appraisal teams")
    show_title = _l("Appraisal team")
    add_title = _l("Add appraisal team")
    edit_title = _l("Edit appraisal team")
    label_columns = {"round": _l("Assessment round"), "name": _l("Name"), "members": _l("Members")}
    list_columns = ["round", "name"]
    add_columns = edit_columns = ["round", "name"]
    show_columns = ["round", "name"]
    search_columns = ["round", "name"]
    related_views = [TeamMemberView]

    def item_problems(self, item, creating):
        return rounds_domain.team_problems(db.session, item)


class CouncilMemberView(AppModelView):
    datamodel = interface(CouncilMember)
    class_permission_name = roles.COUNCIL_MEMBERS
    list_title = _l("Appraisal council")
    show_title = _l("Council member")
    add_title = _l("Add council member")
    edit_title = _l("Edit council member")
    label_columns = {
        "round": _l("Assessment round"),
        "user": _l("Member"),
        "position": _l("Position"),
    }
    list_columns = ["round", "user", "position"]
    add_columns = edit_columns = show_columns = ["round", "user", "position"]
    search_columns = ["round", "user"]

    def item_problems(self, item, creating):
        return rounds_domain.council_member_problems(db.session, item)
