"""FAB screens. register_views() adds them to the menu in the order users work."""

from flask_babel import lazy_gettext as _l


def register_self_assessment_views(appbuilder):
    from app.views import scoring
    from app.views.evidence import EvidenceView
    from app.views.reports import ReportView
    from app.views.sheet import ScoreSheetView
    from app.views.sheet_excel import SheetExcelView

    for view in (ScoreSheetView, EvidenceView, ReportView, SheetExcelView):
        appbuilder.add_view_no_menu(view)
    from app.views.minutes import AppraisalMinutesView  # the appraisal minutes PDF

    appbuilder.add_view_no_menu(AppraisalMinutesView)
    # app/views/scoring.py lists its menu entries in MENU: (view, name, label, icon).
    for view, name, label, icon in getattr(scoring, "MENU", []):
        appbuilder.add_view(view, name, label=label, icon=icon, category="Assessment")
    for view in getattr(scoring, "NO_MENU", []):
        appbuilder.add_view_no_menu(view)


def register_appraisal_lists(appbuilder):
    """The appraisal's generated lists (assignments, appraisal results, supplement requests)
    and the council's pages (app/views/assignments.py, appraisal_lines.py, supplements.py,
    council.py), in the "Appraisal" menu."""
    from app.views.appraisal_lines import AppraisalLineView
    from app.views.assignments import AssignmentView
    from app.views.council import CouncilResultsView, CouncilRoundView
    from app.views.supplements import SupplementRequestView

    for view, name, label, icon in (
        (AssignmentView, "AppraisalAssignments", _l("Scoring assignments"), "fa-user-plus"),
        (AppraisalLineView, "AppraisalLines", _l("Appraisal results"), "fa-check-square-o"),
        (SupplementRequestView, "SupplementRequestList", _l("Supplement requests"), "fa-reply"),
        (CouncilRoundView, "CouncilVerification", _l("Verification of the rounds"), "fa-gavel"),
    ):
        appbuilder.add_view(
            view, name, label=label, icon=icon, category="Appraisal",
            category_label=_l("Appraisal"), category_icon="fa-balance-scale",
        )  # fmt: skip
    appbuilder.add_view_no_menu(CouncilResultsView)


def register_views(appbuilder):
    from app.views.audit import AuditEventView
    from app.views.criteria import (
        CriterionOptionView,
        CriterionTierView,
        CriterionView,
        FrameworkView,
        GradeBandView,
    )
    from app.views.framework_excel import FrameworkExcelView
    from app.views.rounds import AppraisalTeamView, CouncilMemberView, RoundView, TeamMemberView
    from app.views.units import UnitTypeView, UnitView

    catalogue = _l("Catalogue")
    appbuilder.add_view(
        UnitView,
        "Units",
        label=_l("Units"),
        icon="fa-sitemap",
        category="Catalogue",
        category_label=catalogue,
        category_icon="fa-folder-open",
    )  # noqa: E501
    appbuilder.add_view(
        UnitTypeView, "UnitTypes", label=_l("Unit types"), icon="fa-tags", category="Catalogue"
    )  # noqa: E501
    appbuilder.add_view(
        FrameworkView,
        "Frameworks",
        label=_l("Criteria frameworks"),
        icon="fa-list-ol",
        category="Catalogue",
    )  # noqa: E501
    appbuilder.add_view_no_menu(CriterionView)
    appbuilder.add_view_no_menu(CriterionOptionView)
    appbuilder.add_view_no_menu(CriterionTierView)
    appbuilder.add_view_no_menu(GradeBandView)
    appbuilder.add_view_no_menu(FrameworkExcelView)
    rounds = _l("Assessment")
    appbuilder.add_view(
        RoundView,
        "Rounds",
        label=_l("Assessment rounds"),
        icon="fa-calendar",
        category="Assessment",
        category_label=rounds,
        category_icon="fa-tasks",
    )  # noqa: E501
    appbuilder.add_view(
        AppraisalTeamView,
        "AppraisalTeams",
        label=_l("Appraisal teams"),
        icon="fa-users",
        category="Assessment",
    )  # noqa: E501
    appbuilder.add_view_no_menu(TeamMemberView)
    appbuilder.add_view(
        CouncilMemberView,
        "Council",
        label=_l("Appraisal council"),
        icon="fa-university",
        category="Assessment",
    )  # noqa: E501
    register_self_assessment_views(appbuilder)
    from app.views.appraisal_menu import register_appraisal_screens

    register_appraisal_screens(appbuilder)
    register_appraisal_lists(appbuilder)
    from app.views.results_menu import register_results_views

    register_results_views(appbuilder)
    from app.views.results_reports import register_results_reports  # announcement, Excel, gap

    register_results_reports(appbuilder)
    appbuilder.add_view(
        AuditEventView,
        "AuditEvents",
        label=_l("Change log"),
        icon="fa-history",
        category="Security",
    )  # noqa: E501
    from app.views.sso import SsoMappingView

    appbuilder.add_view(
        SsoMappingView,
        "SsoMappings",
        label=_l("Single sign-on mappings"),
        icon="fa-id-badge",
        category="Security",
    )
