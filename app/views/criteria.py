"""Screens for criteria frameworks: the framework, its criteria tree, options, tiers, grades."""

from flask import abort, g
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import SelectField

from app.domain import frameworks as fw_domain
from app.domain.survey import kind_label
from app.extensions import db
from app.formatting import vn_datetime, vn_number, yes_no
from app.models.criteria import (
    RULE_KINDS,
    Criterion,
    CriterionOption,
    CriterionTier,
    Framework,
    GradeBand,
)
from app.security import roles
from app.views.base import (
    CONFIRM_DELETE,
    AppModelView,
    delete_items,
    guarded_action,
    interface,
    run_each,
)
from app.views.fields import VNDecimalField

RULE_LABELS = {
    "number": _l("Number typed in"),
    "choice": _l("Fixed choice"),
    "tiers": _l("Percentage tiers"),
    "deduction": _l("Deduction per occurrence"),
    "bonus": _l("Bonus points"),
    "penalty": _l("Penalty points"),
    "survey": _l("From the survey"),
}


def _indented_code(code):
    depth = (code or "").count(".")
    return Markup("&nbsp;" * 4 * depth) + escape(code)


def _rule_label(rule):
    return RULE_LABELS.get(rule, rule)


class CriterionOptionView(AppModelView):
    datamodel = interface(CriterionOption)
    class_permission_name = roles.CRITERIA
    list_title = _l("Options")
    show_title = _l("Option")
    add_title = _l("Add option")
    edit_title = _l("Edit option")
    label_columns = {
        "criterion": _l("Criterion"),
        "key": _l("Key"),
        "label": _l("Label"),
        "points": _l("Points"),
        "position": _l("Order"),
    }
    list_columns = ["key", "label", "points", "position"]
    add_columns = show_columns = ["criterion", "key", "label", "points", "position"]
    # A saved row stays where it is (app/domain/framework_rows.py): no owner on edit forms.
    edit_columns = ["key", "label", "points", "position"]
    add_form_extra_fields = edit_form_extra_fields = {"points": VNDecimalField(_l("Points"))}
    formatters_columns = {"points": vn_number}
    base_order = ("position", "asc")

    def item_problems(self, item, creating):
        return fw_domain.option_problems(db.session, item)


class CriterionTierView(AppModelView):
    datamodel = interface(CriterionTier)
    class_permission_name = roles.CRITERIA
    list_title = _l("Percentage tiers")
    show_title = _l("Tier")
    add_title = _l("Add tier")
    edit_title = _l("Edit tier")
    label_columns = {
        "criterion": _l("Criterion"),
        "min_percent": _l("From (%)"),
        "points": _l("Points"),
    }
    list_columns = ["min_percent", "points"]
    add_columns = show_columns = ["criterion", "min_percent", "points"]
    edit_columns = ["min_percent", "points"]
    add_form_extra_fields = edit_form_extra_fields = {
        "min_percent": VNDecimalField(_l("From (%)")),
        "points": VNDecimalField(_l("Points")),
    }
    formatters_columns = {"min_percent": vn_number, "points": vn_number}
    base_order = ("min_percent", "desc")

    def item_problems(self, item, creating):
        return fw_domain.tier_problems(db.session, item)


class CriterionView(AppModelView):
    datamodel = interface(Criterion)
    class_permission_name = roles.CRITERIA
    list_title = _l("Criteria")
    show_title = _l("Criterion")
    add_title = _l("Add criterion")
    edit_title = _l("Edit criterion")
    label_columns = {
        "framework": _l("Criteria framework"),
        "code": _l("Code"),
        "title": _l("Title"),
        "max_points": _l("Maximum points"),
        "rule": _l("Scoring rule"),
        "step": _l("Step"),
        "per_occurrence": _l("Deducted per occurrence"),
        "floor": _l("Floor"),
        "allow_not_applicable": _l("May be not applicable"),
        "evidence_required": _l("Evidence required"),
        "guidance": _l("Guidance"),
        "parent": _l("Parent criterion"),
        "survey_kind": _l("Survey kind"),
    }
    description_columns = {
        "survey_kind": _l(
            "For lines scored from the survey: sipas (citizens and organisations), officials "
            "(officials and deputies), services (health and education), or a key of your own."
        ),
        "code": _l("Dotted code: 1 is a field, 1.2 a criterion, 1.2.3 a sub-criterion."),
        "step": _l("For typed numbers: the smallest step, e.g. 0,25."),
        "floor": _l("For deductions: the points never go below this."),
    }
    list_columns = ["code", "title", "max_points", "rule", "evidence_required"]
    show_columns = [
        "framework", "code", "title", "max_points", "rule", "step", "per_occurrence", "floor",
        "allow_not_applicable", "evidence_required", "guidance", "survey_kind", "parent",
    ]  # fmt: skip
    add_columns = [
        "framework", "code", "title", "max_points", "rule", "step", "per_occurrence", "floor",
        "allow_not_applicable", "evidence_required", "guidance", "survey_kind",
    ]  # fmt: skip
    edit_columns = add_columns[1:]  # no framework: a saved criterion stays in its own
    search_columns = ["framework", "code", "title", "rule", "evidence_required"]
    order_columns = ["code", "max_points", "rule"]
    base_order = ("sort_key", "asc")
    formatters_columns = {
        "code": _indented_code,
        "max_points": vn_number,
        "step": vn_number,
        "per_occurrence": vn_number,
        "floor": vn_number,
        "rule": _rule_label,
        "evidence_required": yes_no,
        "allow_not_applicable": yes_no,
        "survey_kind": kind_label,
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "rule": SelectField(_l("Scoring rule"), choices=[(k, RULE_LABELS[k]) for k in RULE_KINDS]),
        "max_points": VNDecimalField(_l("Maximum points")),
        "step": VNDecimalField(_l("Step")),
        "per_occurrence": VNDecimalField(_l("Deducted per occurrence")),
        "floor": VNDecimalField(_l("Floor")),
    }
    related_views = [CriterionOptionView, CriterionTierView]
    # A framework has 100 to 150 lines: show the whole tree on one page.
    page_size = 500

    def item_problems(self, item, creating):
        return fw_domain.prepare_criterion(db.session, item)

    def delete_problems(self, item):
        return fw_domain.criterion_delete_problems(db.session, item)

    @action("muldelete", _l("Delete"), CONFIRM_DELETE, "fa-trash", single=False)
    @guarded_action("delete")
    def muldelete(self, items):
        delete_items(self, items)


class GradeBandView(AppModelView):
    datamodel = interface(GradeBand)
    class_permission_name = roles.GRADE_BANDS
    list_title = _l("Grade bands")
    show_title = _l("Grade band")
    add_title = _l("Add grade band")
    edit_title = _l("Edit grade band")
    label_columns = {
        "framework": _l("Criteria framework"),
        "name": _l("Grade"),
        "min_index": _l("Index from (%)"),
        "field_floor": _l("Every field at least (%)"),
        "position": _l("Order"),
    }
    description_columns = {
        "field_floor": _l("Optional: a unit with any field below this cannot get this grade."),
    }
    list_columns = ["framework", "name", "min_index", "field_floor"]
    add_columns = show_columns = ["framework", "name", "min_index", "field_floor", "position"]
    edit_columns = add_columns[1:]  # no framework: a saved grade band stays in its own
    add_form_extra_fields = edit_form_extra_fields = {
        "min_index": VNDecimalField(_l("Index from (%)")),
        "field_floor": VNDecimalField(_l("Every field at least (%)")),
    }
    formatters_columns = {"min_index": vn_number, "field_floor": vn_number}
    base_order = ("min_index", "desc")

    def item_problems(self, item, creating):
        return fw_domain.grade_band_problems(db.session, item)


class FrameworkView(AppModelView):
    datamodel = interface(Framework)
    class_permission_name = roles.FRAMEWORKS
    list_title = _l("Criteria frameworks")
    show_title = _l("Criteria framework")
    add_title = _l("Add criteria framework")
    edit_title = _l("Edit criteria framework")
    show_template = "framework_show.html"
    label_columns = {
        "code": _l("Code"),
        "name": _l("Name"),
        "year": _l("Year"),
        "unit_type": _l("Unit type"),
        "legal_basis": _l("Legal basis"),
        "max_points": _l("Maximum points"),
        "frozen": _l("Frozen"),
        "frozen_at": _l("Frozen on"),
    }
    list_columns = ["code", "name", "year", "unit_type", "max_points", "frozen"]
    add_columns = edit_columns = ["code", "name", "year", "unit_type", "legal_basis", "max_points"]
    show_columns = [
        "code", "name", "year", "unit_type", "legal_basis", "max_points", "frozen", "frozen_at",
    ]  # fmt: skip
    search_columns = ["code", "name", "year", "unit_type", "frozen"]
    order_columns = ["code", "name", "year"]
    base_order = ("year", "desc")
    formatters_columns = {"max_points": vn_number, "frozen": yes_no, "frozen_at": vn_datetime}
    add_form_extra_fields = edit_form_extra_fields = {
        "max_points": VNDecimalField(_l("Maximum points"), default=100),
    }
    related_views = [CriterionView, GradeBandView]

    def item_problems(self, item, creating):
        return fw_domain.framework_problems(db.session, item)

    def delete_problems(self, item):
        return fw_domain.framework_delete_problems(db.session, item)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        # The template hides the Excel import of a frozen framework.
        framework = self.datamodel.get(pk, self._base_filters)
        self.extra_args = {"frozen": bool(framework and framework.frozen)}
        return super().show(pk)

    @expose("/tree/<int:pk>")
    @has_access
    def tree(self, pk):
        """The whole criteria tree, indented, with each level's sum against its maximum."""
        framework = self.datamodel.get(pk, self._base_filters)
        if framework is None:
            abort(404)  # like every other page of a row that does not exist
        rows = tree_rows(framework)
        return self.render_template(
            "framework_tree.html", framework=framework, rows=rows, rule_label=_rule_label
        )

    @action(
        "freeze",
        _l("Freeze"),
        _l("Freeze the selected frameworks? They can no longer be edited."),
        "fa-lock",
        single=False,
    )  # noqa: E501
    @guarded_action("freeze")
    def freeze(self, items):
        run_each(items, lambda f: fw_domain.freeze_framework(db.session, f, g.user),
                  _("Frozen %(count)s frameworks."))  # fmt: skip

    @action(
        "copy_to_year",
        _l("Copy to next year"),
        _l("Copy the selected frameworks to the next year?"),
        "fa-copy",
        single=False,
    )  # noqa: E501
    @guarded_action("copy")
    def copy_to_year(self, items):
        run_each(items, lambda f: fw_domain.copy_to_next_year(db.session, f, g.user),
                  _("Copied %(count)s frameworks."))  # fmt: skip

    @action("muldelete", _l("Delete"), CONFIRM_DELETE, "fa-trash", single=False)
    @guarded_action("delete")
    def muldelete(self, items):
        delete_items(self, items)


def tree_rows(framework):
    """Criteria in code order with depth and, for parents, the sum of their children."""
    criteria = (
        db.session.query(Criterion)
        .filter(Criterion.framework_id == framework.id)
        .order_by(Criterion.sort_key)
        .all()
    )
    sums, has_children = {}, set()
    for c in criteria:
        if c.parent_id is not None:
            has_children.add(c.parent_id)
            if c.rule not in ("bonus", "penalty"):
                sums[c.parent_id] = sums.get(c.parent_id, 0) + c.max_points
    top_sum = sum(
        c.max_points for c in criteria if c.parent_id is None and c.rule not in ("bonus", "penalty")
    )
    rows = []
    for c in criteria:
        children_sum = sums.get(c.id) if c.id in has_children else None
        rows.append(
            {
                "criterion": c,
                "depth": c.code.count("."),
                "children_sum": children_sum,
                "balanced": children_sum is None or children_sum == c.max_points,
            }
        )
    return {"rows": rows, "top_sum": top_sum, "top_balanced": top_sum == framework.max_points}
