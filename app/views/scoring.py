"""Generated FAB screens for self-assessments and score lines; MENU adds the window grants
(app/views/window_grants.py) to the same menu.

Every write goes through app/domain/self_assessment.py (scores, explanations, not-applicable
marks, submit, withdraw): the forms never populate a score line themselves, so the FAB form,
the score sheet, the REST API and the Excel import agree.
"""

from flask import abort, flash, g, request
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from app.domain import line_versions, policy
from app.domain import self_assessment as sa
from app.domain.errors import DomainError
from app.domain.scoring import format_points
from app.extensions import db
from app.formatting import vn_datetime
from app.models import AppUser, Assessment, Criterion, ScoreLine
from app.models.criteria import RULE_CHOICE, RULE_DEDUCTION, RULE_SURVEY, RULE_TIERS
from app.models.scoring import STATUS_DRAFT, STATUS_SUBMITTED
from app.security import roles
from app.views.base import AppModelView, guarded_action
from app.views.list_helpers import (
    AssessmentInterface,
    PreloadingInterface,
    assessments_with_unit_and_round,
    keep_for_request,
    permissions_without,
    remember_users,
    shorten,
    user_name,
)
from app.views.window_grants import WindowGrantView

STATUS_LABELS = {STATUS_DRAFT: _l("Draft"), STATUS_SUBMITTED: _l("Submitted")}
# A refused submission can list a hundred lines: show the first ones, the sheet has the rest.
MAX_DETAILS = 15


def sheet_link(assessment_id):
    """The score sheet page of an assessment (app/views/sheet.py)."""
    return Markup('<a class="btn btn-sm btn-primary" href="%s/sheet/%s">%s</a>') % (
        request.script_root, int(assessment_id), _("Open score sheet"),
    )  # fmt: skip


class _LineInterface(PreloadingInterface):
    def apply_order_by(self, query, order_column, order_direction, *args, **kwargs):
        if order_column:
            return super().apply_order_by(query, order_column, order_direction, *args, **kwargs)
        # By default: the newest assessment first, then the lines in the framework's order.
        sort_key = select(Criterion.sort_key).where(Criterion.id == ScoreLine.criterion_id)
        return query.order_by(ScoreLine.assessment_id.desc(), sort_key.scalar_subquery())

    def preload(self, rows):
        keep_for_request(assessments_with_unit_and_round({r.assessment_id for r in rows}))
        keep_for_request(
            db.session.query(Criterion).filter(Criterion.id.in_({r.criterion_id for r in rows}))
        )
        remember_users(r.preparer_id for r in rows)


class CriterionCodeFilter(BaseFilter):
    """Search score lines by the criterion code typed as on the sheet ("2.1")."""

    name, arg_name = _l("Code starts with"), "code_sw"

    def apply(self, query, value):
        code = Criterion.code.startswith((value or "").strip(), autoescape=True)
        return query.filter(ScoreLine.criterion.has(code))


class PreparerNameFilter(BaseFilter):
    """Search score lines by their preparer's user name or full name."""

    name, arg_name = _l("Name contains"), "preparer_ct"

    def apply(self, query, value):
        if not (value or "").strip():
            return query
        pattern = f"%{value.strip()}%"
        columns = (AppUser.username, AppUser.first_name, AppUser.last_name,
                   AppUser.last_name + " " + AppUser.first_name)  # fmt: skip
        users = select(AppUser.id).where(or_(*(c.ilike(pattern) for c in columns)))
        return query.filter(ScoreLine.preparer_id.in_(users))


def _run_leader_step(items, step, done_message):
    """Submit or withdraw each assessment in its own transaction; say what is still missing."""
    done = 0
    for item in items:
        try:
            step(db.session, item, g.user)
            db.session.commit()
            done += 1
        except DomainError as err:
            db.session.rollback()
            flash(f"{item}: {err.message}", "danger")
            details = [d for d in err.errors if d != err.message]
            if len(details) > MAX_DETAILS:
                more = len(details) - MAX_DETAILS + 1
                details[MAX_DETAILS - 1 :] = [
                    _("… and %(count)s more: see the score sheet.", count=more)
                ]
            for detail in details:
                flash(detail, "warning")
    if done:
        flash(done_message % {"count": done}, "success")


class AssessmentView(AppModelView):
    datamodel = AssessmentInterface(Assessment, db.session)
    class_permission_name = roles.ASSESSMENTS
    method_permission_name = permissions_without("add", "edit", "delete")
    exclude_route_methods = {"add", "edit", "delete", "download"}
    list_title, show_title = _l("Self-assessments"), _l("Self-assessment")
    label_columns = {
        "round": _l("Assessment round"), "unit": _l("Unit"), "status": _l("Status"),
        "submitted_at": _l("Submitted at"), "submitted_by_id": _l("Submitted by"),
        "id": _l("Score sheet"),
    }  # fmt: skip
    list_columns = ["round", "unit", "status", "submitted_at", "submitted_by_id", "id"]
    show_columns = list_columns
    search_columns = ["round", "unit", "status"]
    order_columns = ["status", "submitted_at"]
    base_order = ("unit.name_sort", "asc")
    search_form_extra_fields = {
        "status": SelectField(_l("Status"), choices=list(STATUS_LABELS.items())),
    }
    formatters_columns = {
        "status": lambda s: STATUS_LABELS.get(s, s), "submitted_at": vn_datetime,
        "submitted_by_id": user_name, "id": sheet_link,
    }  # fmt: skip

    @action("submit", _l("Submit"), _l("Submit the selected self-assessments? Entries are locked "
            "until withdrawn."), "fa-paper-plane")  # fmt: skip
    @guarded_action(policy.EDIT)
    def submit(self, items):
        _run_leader_step(items, sa.submit, _("Submitted %(count)s self-assessments."))

    @action("withdraw", _l("Withdraw"), _l("Withdraw the selected submissions back to draft?"),
            "fa-undo")  # fmt: skip
    @guarded_action(policy.EDIT)
    def withdraw(self, items):
        _run_leader_step(items, sa.withdraw, _("Withdrew %(count)s self-assessments."))


_HOW_TO_TYPE = {
    RULE_CHOICE: _l("Type one of the choices (its key or its label): %(choices)s."),
    RULE_TIERS: _l("Type the percentage achieved, e.g. 85 or 92,5."),
    RULE_DEDUCTION: _l("Type the number of occurrences (0, 1, 2...)."),
    RULE_SURVEY: _l("Scored from the sociological survey: the unit does not score it."),
}


def describe_line(line):
    """What the score field of `line` expects: criterion, maximum and how to type the value."""
    criterion = line.criterion
    how = str(_HOW_TO_TYPE.get(criterion.rule, _l("Type a number such as 8,5.")))
    if criterion.rule == RULE_CHOICE:
        how %= {"choices": "; ".join(f"{o.key} ({o.label})" for o in criterion.options)}
    return _("%(code)s %(title)s (maximum %(max)s points). %(how)s", code=criterion.code,
             title=criterion.title, max=format_points(criterion.max_points), how=how)  # fmt: skip


class ScoreLineView(AppModelView):
    datamodel = _LineInterface(ScoreLine, db.session)
    class_permission_name = roles.SCORE_LINES
    method_permission_name = permissions_without("add", "delete")
    exclude_route_methods = {"add", "delete", "download"}
    list_title, show_title, edit_title = _l("Score lines"), _l("Score line"), _l("Enter self score")
    label_columns = {
        "assessment": _l("Unit - assessment round"), "criterion": _l("Criterion"),
        "self_input": _l("Self score (as typed)"), "self_points": _l("Self score"),
        "explanation": _l("Explanation"), "not_applicable": _l("Not applicable"),
        "not_applicable_reason": _l("Why not applicable"), "preparer_id": _l("Preparer"),
        "updated_at": _l("Updated at"), "updated_by_id": _l("Updated by"),
        "version": _l("Version"),
    }  # fmt: skip
    list_columns = ["assessment", "criterion", "self_points", "not_applicable", "explanation",
                    "preparer_id", "updated_at"]  # fmt: skip
    show_columns = ["assessment", "criterion", "self_input", "self_points", "not_applicable",
                    "not_applicable_reason", "explanation", "preparer_id", "updated_at",
                    "updated_by_id"]  # fmt: skip
    edit_columns = ["self_input", "explanation", "not_applicable", "not_applicable_reason",
                    "version"]  # fmt: skip
    search_columns = ["assessment", "criterion", "preparer_id"]
    order_columns = ["self_points", "updated_at"]
    search_form_extra_fields = {
        "criterion": StringField(_l("Criterion"), widget=BS3TextFieldWidget()),
        "preparer_id": StringField(_l("Preparer"), widget=BS3TextFieldWidget()),
    }
    edit_form_extra_fields = {
        "self_input": StringField(_l("Self score"), widget=BS3TextFieldWidget()),
        "explanation": TextAreaField(_l("Explanation"), widget=BS3TextAreaFieldWidget()),
        "not_applicable": BooleanField(_l("Not applicable")),
        "not_applicable_reason": TextAreaField(_l("Why not applicable"),
                                               widget=BS3TextAreaFieldWidget()),
        # The version the user loaded: a later save by someone else is reported, not overwritten.
        "version": HiddenField(),
    }  # fmt: skip
    formatters_columns = {
        "self_points": format_points, "explanation": shorten, "preparer_id": user_name,
        "updated_by_id": user_name, "updated_at": vn_datetime,
    }  # fmt: skip

    def _init_properties(self):
        super()._init_properties()
        # Criterion and preparer are searched by code and name typed as text, not by id.
        for col, flt in (("criterion", CriterionCodeFilter), ("preparer_id", PreparerNameFilter)):
            self._filters._search_filters[col] = [flt(col, self.datamodel)]
            self._filters._all_filters[col] = [flt(col, self.datamodel)]

    def prefill_form(self, form, pk):
        line = self.datamodel.get(pk, self._base_filters)
        form.self_input.description = describe_line(line)
        decision = policy.check(g.user, policy.EDIT, line)
        if not decision:
            flash(decision.reason, "warning")  # before anything is typed

    def _edit(self, pk):
        if request.method != "POST":
            return super()._edit(pk)
        line = self.datamodel.get(pk, self._base_filters)
        if not line:
            abort(404)
        exclude_cols = self._filters.get_relation_cols()
        form = self.edit_form.refresh(request.form)
        self._fill_form_exclude_cols(exclude_cols, form)
        form._id = line.id
        if form.validate() and self._save(form, line):
            flash(self.edit_row_message, "success")
            return None
        form.self_input.description = describe_line(line)
        return self._get_edit_widget(form=form, exclude_cols=exclude_cols)

    def _save(self, form, line):
        """Apply the typed values through the domain in one transaction; False if refused."""
        decision = policy.check(g.user, policy.EDIT, line)
        if not decision:
            flash(decision.reason, "danger")
            return False
        typed = (form.self_input.data or "").strip()
        flag, reason = bool(form.not_applicable.data), form.not_applicable_reason.data
        # The version the form was loaded with guards all three parts: what someone else
        # saved since is reported, never overwritten (app/domain/line_versions.py).
        version = (form.version.data or "").strip()
        expected = int(version) if version.isdigit() else None
        field, line_id = None, line.id
        try:
            with db.session.no_autoflush:
                was_na, old_reason = line.not_applicable, line.not_applicable_reason or ""
                if flag != was_na or (flag and (reason or "").strip() != old_reason):
                    field = form.not_applicable_reason
                    sa.set_not_applicable(db.session, line, flag, reason, g.user,
                                          expected_version=expected)  # fmt: skip
                # Ticking "not applicable" clears the score: the old value still in the field
                # is not a new score. A survey line's empty field is not a score either.
                survey_blank = not typed and line.criterion.rule == RULE_SURVEY
                if not (flag and not was_na) and not survey_blank and (typed or not flag):
                    field = form.self_input
                    sa.save_self_score(db.session, line, typed, g.user, expected_version=expected)
                field = form.explanation
                sa.save_explanation(db.session, line, form.explanation.data, g.user,
                                    expected_version=expected)  # fmt: skip
            db.session.commit()
            return True
        except sa.ConflictError as err:
            db.session.rollback()
            self._conflict(form, err)
        except DomainError as err:
            db.session.rollback()
            field.errors = list(field.errors) + err.errors
            flash(_("Nothing was saved: see the message under the field."), "danger")
        except StaleDataError:
            # Raised by the commit: another save of the line committed since it was read.
            self._conflict(form, line_versions.after_race(db.session, line_id, line_versions.SELF))
        except SQLAlchemyError:
            db.session.rollback()
            flash(_("The record could not be saved; nothing was changed."), "danger")
        return False

    @staticmethod
    def _conflict(form, err):
        """Someone else saved the line first: say what it holds; the form keeps what was
        typed and now carries the line's new version (saving again is a choice)."""
        if err is not None:
            form.version.data = err.version
            flash(err.message, "danger")


MENU = [
    (AssessmentView, "SelfAssessments", _l("Self-assessments"), "fa-clipboard"),
    (ScoreLineView, "ScoreLines", _l("Score lines"), "fa-list-ol"),
    (WindowGrantView, "WindowGrants", _l("Deadline extensions"), "fa-clock-o"),
]
NO_MENU = []
