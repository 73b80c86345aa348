"""Generated FAB screens for self-assessments, score lines and window grants.

Every write goes through app/domain/self_assessment.py (scores, explanations, not-applicable
marks, submit, withdraw) or asks app/domain/policy.py (grants): the forms never populate a score
line themselves, so the FAB form, the score sheet, the REST API and the Excel import agree.
"""

from flask import abort, flash, g, request
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from app.domain import audit, line_versions, policy
from app.domain import self_assessment as sa
from app.domain.clock import format_local, utcnow
from app.domain.errors import DomainError
from app.domain.scoring import format_points
from app.domain.windows import bounds
from app.extensions import db
from app.formatting import vn_datetime
from app.models import AppUser, Assessment, Criterion, ScoreLine, WindowGrant
from app.models.criteria import RULE_CHOICE, RULE_DEDUCTION, RULE_SURVEY, RULE_TIERS
from app.models.rounds import WINDOW_APPRAISAL, WINDOW_KINDS, WINDOW_SELF, WINDOW_SUPPLEMENT
from app.models.scoring import STATUS_DRAFT, STATUS_SUBMITTED
from app.security import roles
from app.views.base import AppModelView, guarded_action
from app.views.fields import LocalDateTimeField

STATUS_LABELS = {STATUS_DRAFT: _l("Draft"), STATUS_SUBMITTED: _l("Submitted")}
WINDOW_LABELS = {
    WINDOW_SELF: _l("Self-assessment"), WINDOW_APPRAISAL: _l("Appraisal"),
    WINDOW_SUPPLEMENT: _l("Supplementary appraisal"),
}  # fmt: skip
MIN_REASON_LENGTH = 10
# A refused submission can list a hundred lines: show the first ones, the sheet has the rest.
MAX_DETAILS = 15


def _permissions(*dropped):
    # A method missing from the map makes FAB hide its button (its route is excluded too).
    return {k: v for k, v in roles.METHOD_PERMISSIONS.items() if k not in dropped}


def _remember_users(ids):
    names = g.setdefault("_scoring_user_names", {})
    wanted = {i for i in ids if i is not None} - set(names)
    if wanted:
        for user in db.session.query(AppUser).filter(AppUser.id.in_(wanted)):
            names[user.id] = user.get_full_name()
    return names


def user_name(user_id):
    """A user's full name from their id, looked up once per request."""
    return _remember_users([user_id]).get(user_id, "")


def shorten(text, length=80):
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def sheet_link(assessment_id):
    """The score sheet page of an assessment (app/views/sheet.py)."""
    return Markup('<a class="btn btn-sm btn-primary" href="%s/sheet/%s">%s</a>') % (
        request.script_root, int(assessment_id), _("Open score sheet"),
    )  # fmt: skip


def _assessments(ids):
    query = db.session.query(Assessment).filter(Assessment.id.in_(ids))
    return query.options(joinedload(Assessment.unit), joinedload(Assessment.round))


def _keep(query):
    # The identity map holds rows weakly: keep them for the request, so the lazy loads of the
    # list's rows find them there instead of querying once per row.
    g.setdefault("_scoring_preloaded", []).extend(query.all())


class _PreloadingInterface(SQLAInterface):
    """Loads a page's related rows in a few IN queries after FAB's list query."""

    def query(self, *args, **kwargs):
        count, rows = super().query(*args, **kwargs)
        if rows:
            self.preload(rows)
        return count, rows

    def preload(self, rows):  # what each list shows besides its own columns
        pass

    def get_related_interface(self, col_name):
        # Dropdowns of related models are built from this: an assessment shows unit and round.
        model = self.get_related_model(col_name)
        return (_AssessmentInterface if model is Assessment else SQLAInterface)(model, self.session)


class _AssessmentInterface(_PreloadingInterface):
    def preload(self, rows):
        _keep(_assessments({r.id for r in rows}))
        _remember_users(r.submitted_by_id for r in rows)


class _LineInterface(_PreloadingInterface):
    def apply_order_by(self, query, order_column, order_direction, *args, **kwargs):
        if order_column:
            return super().apply_order_by(query, order_column, order_direction, *args, **kwargs)
        # By default: the newest assessment first, then the lines in the framework's order.
        sort_key = select(Criterion.sort_key).where(Criterion.id == ScoreLine.criterion_id)
        return query.order_by(ScoreLine.assessment_id.desc(), sort_key.scalar_subquery())

    def preload(self, rows):
        _keep(_assessments({r.assessment_id for r in rows}))
        _keep(db.session.query(Criterion).filter(Criterion.id.in_({r.criterion_id for r in rows})))
        _remember_users(r.preparer_id for r in rows)


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
    datamodel = _AssessmentInterface(Assessment, db.session)
    class_permission_name = roles.ASSESSMENTS
    method_permission_name = _permissions("add", "edit", "delete")
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
    method_permission_name = _permissions("add", "delete")
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


def grant_problems(grant, now=None):
    """Why an extension or reopening cannot be granted as typed ([] = fine)."""
    now, problems, round_ = now or utcnow(), [], grant.round
    if len((grant.reason or "").strip()) < MIN_REASON_LENGTH:
        problems.append(_("Write the reason (at least %(count)s characters).",
                          count=MIN_REASON_LENGTH))  # fmt: skip
    if grant.until is None:
        problems.append(_("Enter until when the window stays open."))
    elif grant.until <= now:
        problems.append(_("The new deadline must be in the future."))
    elif round_ is not None and grant.window in WINDOW_KINDS:
        start = bounds(round_, grant.window)[0]
        if start is not None and grant.until <= start:
            problems.append(_("The new deadline must be after the window opens (%(start)s).",
                              start=format_local(start)))  # fmt: skip
    if round_ is not None and grant.unit is not None and grant.unit not in round_.units:
        problems.append(_("This unit does not take part in the round."))
    return problems


_WHEN_HELP = _l("Local time (Asia/Ho_Chi_Minh), dd/mm/yyyy hh:mm.")
_REASON_HELP = _l("Required: why the window is extended or reopened (at least 10 characters).")


def _unit_or_all(unit):
    return str(unit) if unit is not None else _("All units")


class WindowGrantView(AppModelView):
    datamodel = SQLAInterface(WindowGrant, db.session)
    class_permission_name = roles.WINDOW_GRANTS
    method_permission_name = _permissions("edit", "delete")
    # A grant is a logged act: it is not edited or deleted afterwards, a new one supersedes it.
    exclude_route_methods = {"edit", "delete", "download"}
    list_title = _l("Deadline extensions and reopenings")
    show_title, add_title = _l("Deadline extension"), _l("Extend or reopen a window")
    label_columns = {
        "round": _l("Assessment round"), "unit": _l("Unit"), "window": _l("Window"),
        "until": _l("Open until"), "reason": _l("Reason"), "granted_by_id": _l("Granted by"),
        "granted_at": _l("Granted at"),
    }  # fmt: skip
    description_columns = {
        "unit": _l("Leave empty to reopen the window for every unit of the round."),
        "until": _WHEN_HELP, "reason": _REASON_HELP,
    }  # fmt: skip
    list_columns = ["round", "unit", "window", "until", "reason", "granted_by_id", "granted_at"]
    show_columns = list_columns
    add_columns = ["round", "unit", "window", "until", "reason"]
    search_columns = ["round", "unit", "window"]
    base_order = ("granted_at", "desc")
    formatters_columns = {
        "unit": _unit_or_all, "window": lambda w: WINDOW_LABELS.get(w, w), "until": vn_datetime,
        "granted_at": vn_datetime, "granted_by_id": user_name, "reason": shorten,
    }  # fmt: skip
    add_form_extra_fields = {
        "window": SelectField(_l("Window"), choices=list(WINDOW_LABELS.items()),
                              default=WINDOW_SELF),
        "until": LocalDateTimeField(_l("Open until"), description=_WHEN_HELP),
        "reason": TextAreaField(_l("Reason"), description=_REASON_HELP,
                                widget=BS3TextAreaFieldWidget()),
    }  # fmt: skip

    def item_problems(self, item, creating):
        return grant_problems(item)

    def pre_add(self, item):
        item.reason = item.reason.strip()
        item.granted_by_id, item.granted_at = g.user.id, utcnow()
        # One unit: an extension; every unit: a reopening. Logged with the grant, in one commit.
        audit.record(
            db.session, g.user, "grant" if item.unit is not None else "reopen", "round",
            item.round.id, new=f"{_unit_or_all(item.unit)}: {item.window} -> "
            f"{format_local(item.until)}", reason=item.reason,
        )  # fmt: skip


MENU = [
    (AssessmentView, "SelfAssessments", _l("Self-assessments"), "fa-clipboard"),
    (ScoreLineView, "ScoreLines", _l("Score lines"), "fa-list-ol"),
    (WindowGrantView, "WindowGrants", _l("Deadline extensions"), "fa-clock-o"),
]
NO_MENU = []
