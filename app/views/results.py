"""The results of the rounds in the back office (Kết quả): a FAB list of every unit's result
(totals, index, grade, rank, change since last year; Excel/CSV export from the list) with the
organiser's "recompute" action, and each unit's result page with its fields.

Rows go through the policy (app/domain/results_policy.py): the organiser, the council and the
administrator see every computed result; unit accounts their own unit's, once published; the
other accounts (viewer...) published results only. For those who see published results only,
the change since last year is left blank when last year's round is not published.
"""

from flask import abort, flash, g, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from wtforms import SelectField, StringField

from app.domain import policy, results_view
from app.domain.errors import DomainError
from app.domain.results import compute_results
from app.domain.results_policy import is_published, sees_unpublished
from app.domain.scoring import format_points
from app.extensions import db
from app.formatting import vn_datetime, vn_number
from app.models import GradeBand, Round, Unit, UnitResult, UnitType
from app.security import roles
from app.views import appraisal_common as common
from app.views.base import AppModelView, guarded_action
from app.views.public import index_text, signed
from app.views.rounds import PHASE_LABELS

POINT_COLUMNS = (
    "self_total", "approved_total", "survey_points", "bonus", "penalty", "total",
    "applicable_max",
)  # fmt: skip
_PERMISSIONS = {
    k: v for k, v in roles.METHOD_PERMISSIONS.items() if k not in ("add", "edit", "delete")
}
LABELS = {
    "round": _l("Assessment round"), "unit": _l("Unit"), "unit_type": _l("Unit type"),
    "self_total": _l("Self score"), "approved_total": _l("Approved points"),
    "survey_points": _l("Survey points"), "bonus": _l("Bonus points"),
    "penalty": _l("Penalty points"), "total": _l("Points achieved"),
    "applicable_max": _l("Applicable maximum"), "index": _l("Index (%)"),
    "grade_band": _l("Grade"), "rank": _l("Rank"), "index_change": _l("Change since last year"),
    "computed_at": _l("Computed at"), "id": _l("Detail"),
}  # fmt: skip


def _detail_link(result_id):
    return Markup('<a class="btn btn-xs btn-default" href="%s">%s</a>') % (
        url_for("UnitResultPageView.result_page", result_id=int(result_id)), _("Fields"),
    )  # fmt: skip


class ResultInterface(SQLAInterface):
    """A page of results with its units, rounds and grades in one query; by default the
    newest round first, then by rank, equal ranks in the Vietnamese order of the names."""

    def apply_order_by(self, query, order_column, order_direction, *args, **kwargs):
        if order_column:
            return super().apply_order_by(query, order_column, order_direction, *args, **kwargs)
        # Joined (the filters use EXISTS, so no row is repeated): one sort, no subquery per row.
        query = query.join(Round, Round.id == UnitResult.round_id).join(
            Unit, Unit.id == UnitResult.unit_id
        )
        return query.order_by(
            Round.year.desc(), UnitResult.round_id.desc(), UnitResult.rank.is_(None),
            UnitResult.rank, Unit.name_sort, UnitResult.id,
        )  # fmt: skip

    def query_count(self, query, filters=None, select_columns=None):
        """The rows the list's filters keep, counted without sorting them first (FAB counts
        its ordered query)."""
        query = self.apply_inner_select_joins(query, select_columns, {})
        return self.apply_filters(query, self.get_inner_filters(filters)).count()

    def query(self, *args, **kwargs):
        count, rows = super().query(*args, **kwargs)
        if rows:
            self.preload(rows)
        return count, rows

    def preload(self, rows):
        ids = [row.id for row in rows]
        loaded = common.keep(
            db.session.query(UnitResult)
            .options(
                joinedload(UnitResult.unit),
                joinedload(UnitResult.round),
                joinedload(UnitResult.grade_band),
            )  # fmt: skip
            .filter(UnitResult.id.in_(ids))
        )
        if sees_unpublished(g.user):
            return
        shown = {}
        for row in loaded:
            if row.round_id not in shown:
                shown[row.round_id] = results_view.change_shown(db.session, row.round)
            if shown[row.round_id] is None:  # never a difference with unpublished figures
                set_committed_value(row, "index_change", None)
                set_committed_value(row, "previous_index", None)


class RoundResultFilter(common.IdFilter):
    arg_name = "result_round"

    def clause(self, row_id):
        return UnitResult.round_id == row_id


class UnitResultFilter(BaseFilter):
    """By the unit's code or a part of its name, as typed (a national round has 3,321 units:
    too many for a dropdown)."""

    name, arg_name = _l("Code or name contains"), "result_unit"

    def apply(self, query, value):
        text = " ".join((value or "").split())
        if not text:
            return query
        for special in ("\\", "%", "_"):  # typed literally, not as wildcards
            text = text.replace(special, "\\" + special)
        like = f"%{text}%"
        return query.filter(
            UnitResult.unit.has(
                Unit.code.ilike(like, escape="\\") | Unit.name.ilike(like, escape="\\")
            )
        )


class UnitTypeResultFilter(common.IdFilter):
    arg_name = "result_unit_type"

    def clause(self, row_id):
        return UnitResult.unit.has(Unit.unit_type_id == row_id)


class GradeResultFilter(BaseFilter):
    """By the grade's name (Xuất sắc, Tốt...), whatever the framework."""

    name, arg_name = _l("Is"), "result_grade"

    def apply(self, query, value):
        value = (value or "").strip()
        if not value:
            return query
        return query.filter(UnitResult.grade_band.has(GradeBand.name == value))


def result_round_choices():
    """(id, name) of the rounds with results the user may see, newest first."""
    query = policy.scope(
        g.user, UnitResult, db.session.query(UnitResult.round_id).distinct(), db.session
    )
    ids = select(query.subquery().c.round_id)
    rounds = db.session.query(Round.id, Round.name).filter(Round.id.in_(ids))
    return [(str(i), name) for i, name in rounds.order_by(Round.year.desc(), Round.id.desc())]


def grade_choices():
    rows = db.session.query(GradeBand.name, GradeBand.min_index).order_by(
        GradeBand.min_index.desc(), GradeBand.name
    )
    return [(name, name) for name in dict.fromkeys(name for name, _m in rows)]


def unit_type_choices():
    return [(str(i), name) for i, name in db.session.query(UnitType.id, UnitType.name)]


class UnitResultView(AppModelView):
    datamodel = ResultInterface(UnitResult, db.session)
    class_permission_name = roles.RESULTS
    method_permission_name = _PERMISSIONS
    exclude_route_methods = {"add", "edit", "delete", "download"}
    list_title, show_title = _l("Results"), _l("Result of a unit")
    label_columns = LABELS
    list_columns = [
        "round", "unit", *POINT_COLUMNS, "index", "grade_band", "rank", "index_change", "id",
    ]  # fmt: skip
    show_columns = [
        "round", "unit", *POINT_COLUMNS, "index", "grade_band", "rank", "index_change",
        "computed_at",
    ]  # fmt: skip
    search_columns = ["round", "grade_band", "unit_type", "unit"]
    order_columns = ["rank", "index", "total", "approved_total", "survey_points"]
    search_form_extra_fields = {
        "round": SelectField(_l("Assessment round"), choices=result_round_choices),
        "grade_band": SelectField(_l("Grade"), choices=grade_choices),
        "unit_type": SelectField(_l("Unit type"), choices=unit_type_choices),
        "unit": StringField(_l("Unit"), widget=BS3TextFieldWidget()),
    }
    formatters_columns = {
        **{col: vn_number for col in POINT_COLUMNS},
        "index": index_text,
        "index_change": index_text,
        "id": _detail_link,
        "computed_at": vn_datetime,
    }

    def _init_properties(self):
        super()._init_properties()
        common.install_filters(self, {
            "round": [RoundResultFilter], "grade_band": [GradeResultFilter],
            "unit_type": [UnitTypeResultFilter], "unit": [UnitResultFilter],
        })  # fmt: skip

    @action("recompute", _l("Recompute"), _l("Compute the results of the selected rows' "
            "rounds again from the approved points and the survey?"), "fa-refresh",
            single=False)  # fmt: skip
    @guarded_action(policy.VIEW)
    def recompute(self, items):
        rounds = list({item.round_id: item.round for item in items}.values())
        compute_each(rounds)


def compute_each(rounds):
    """Compute each round's results in its own transaction; one message for all."""
    done, refused = 0, []
    for round_ in rounds:
        try:
            summary = compute_results(db.session, round_, g.user)
            db.session.commit()
        except (DomainError, SQLAlchemyError) as err:
            db.session.rollback()
            refused.append((round_.name, getattr(err, "message", None) or _saving_failed()))
            continue
        done += 1
        if summary.unapproved:
            flash(
                _(
                    "%(round)s: %(lines)s lines of %(units)s units are not approved yet and"
                    " count 0.",
                    round=round_.name, lines=summary.unapproved_lines,
                    units=len(summary.unapproved),
                ),
                "warning",
            )  # fmt: skip
    common.flash_outcome(_("Results computed for %(count)s rounds"), done, refused,
                         _("%(count)s rounds refused: %(reasons)s"))  # fmt: skip


def _saving_failed():
    return _("The record could not be saved; nothing was changed.")


class UnitResultPageView(BaseView):
    """/ket-qua/<result>: one unit's result, its fields and component indexes."""

    route_base = "/ket-qua"
    class_permission_name = roles.RESULTS
    method_permission_name = {"result_page": "read"}
    default_view = "result_page"

    @expose("/<int:result_id>")
    @has_access
    def result_page(self, result_id):
        result = db.session.get(UnitResult, result_id)
        if result is None or not policy.check(g.user, policy.VIEW, result):
            abort(404)
        round_ = result.round
        found = results_view.unit_result(
            db.session, round_, result.unit_id, any_previous=sees_unpublished(g.user)
        )
        if found is None:
            abort(404)
        row, fields, units, previous = found
        return self.render_template(
            "results_unit.html", round=round_, row=row, fields=fields, units=units,
            previous=previous, published=is_published(round_), pts=format_points, num=index_text,
            signed=signed, phase=common.label_of(PHASE_LABELS, round_.phase),
        )  # fmt: skip
