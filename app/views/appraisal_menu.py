"""The appraisal working screens in the menu (category "Thẩm định"): my work and the
appraisal sheets, the leader's assignment screen and the coverage of a round."""

from flask_babel import lazy_gettext as _l

CATEGORY = "Appraisal"


def register_appraisal_screens(appbuilder):
    from app.views.appraisal_sheet import AppraisalSheetView
    from app.views.assignment_screen import AssignmentScreenView

    appbuilder.add_view(
        AppraisalSheetView, "AppraisalWork", label=_l("My appraisal work"),
        icon="fa-check-square-o", category=CATEGORY, category_label=_l("Appraisal"),
        category_icon="fa-balance-scale",
    )  # fmt: skip
    assignments = appbuilder.add_view(
        AssignmentScreenView, "AssignWork", label=_l("Scoring assignment"), icon="fa-user-plus",
        category=CATEGORY,
    )  # fmt: skip
    appbuilder.add_link(
        "AssignmentCoverage", href="AssignmentScreenView.coverage",
        label=_l("Coverage of the assignments"), icon="fa-th-list", category=CATEGORY,
        baseview=assignments,
    )  # fmt: skip
