"""The results screens (issue 5) in the "Results" menu, and the public pages (no menu)."""

from flask_babel import lazy_gettext as _l


def register_results_views(appbuilder):
    from app.views.public import PublicResultsView
    from app.views.publication import PublicationRoundView
    from app.views.results import UnitResultPageView, UnitResultView
    from app.views.survey_upload import SurveyImportView, SurveyUploadView

    for view, name, label, icon in (
        (UnitResultView, "UnitResultList", _l("Results"), "fa-trophy"),
        (PublicationRoundView, "ResultsPublication", _l("Publication of the results"),
         "fa-bullhorn"),
        (SurveyUploadView, "SurveyUpload", _l("Import survey results"), "fa-upload"),
        (SurveyImportView, "SurveyImportList", _l("Survey imports"), "fa-list"),
    ):  # fmt: skip
        appbuilder.add_view(
            view, name, label=label, icon=icon, category="Results",
            category_label=_l("Results"), category_icon="fa-bar-chart",
        )  # fmt: skip
    appbuilder.add_view_no_menu(UnitResultPageView)
    appbuilder.add_view_no_menu(PublicResultsView)
