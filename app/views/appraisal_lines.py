"""The appraisal values of every score line as a FAB list (Kết quả thẩm định), with the bulk
actions approve, approve the whole field or the whole unit of the selected lines (as the
sheet does), return (with a comment), request a supplement (the council, with a reason) and
lock (the round's phase lock).

Every action re-checks each selected row with the policy (guarded_action: FAB actions skip the
list's base filters, so a forged row id is refused here) and hands the rest to the domain
(app/domain/approval.py, supplement.py, rounds.py), which says why it refuses a line.
"""

from flask import flash, g
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.attributes import set_committed_value
from wtforms import SelectField, StringField

from app.domain import approval, policy, supplement
from app.domain import rounds as rounds_domain
from app.domain.errors import DomainError
from app.domain.scoring import format_points
from app.extensions import db
from app.formatting import vn_datetime
from app.models import Assessment, Criterion, ScoreLine, SupplementRequest, Unit
from app.models.supplement import REQUEST_CLOSED
from app.security import roles
from app.views import appraisal_common as common
from app.views.base import AppModelView, guarded_action
from app.views.list_helpers import PreloadingInterface, remember_users, shorten, user_name

POINT_COLUMNS = ("self_points", "support_points", "appraised_points", "approved_points")
PEOPLE_COLUMNS = ("support_by_id", "appraised_by_id", "approved_by_id")


def _request_text(requests):
    """The line's supplement request that is not closed: its status and the council's reason."""
    current = [r for r in requests or [] if r.status != REQUEST_CLOSED]
    if not current:
        return ""
    request = current[-1]
    return f"{common.label_of(common.REQUEST_LABELS, request.status)}: {shorten(request.reason)}"


class AppraisalLineInterface(PreloadingInterface):
    """Lines by unit then framework order; a page's units, rounds, criteria, people and
    supplement requests loaded in a few IN queries."""

    def apply_order_by(self, query, order_column, order_direction, *args, **kwargs):
        if order_column:
            return super().apply_order_by(query, order_column, order_direction, *args, **kwargs)
        unit_sort = (
            select(Unit.name_sort)
            .join(Assessment, Assessment.unit_id == Unit.id)
            .where(Assessment.id == ScoreLine.assessment_id)
            .scalar_subquery()
        )
        code_sort = select(Criterion.sort_key).where(Criterion.id == ScoreLine.criterion_id)
        return query.order_by(unit_sort, ScoreLine.assessment_id, code_sort.scalar_subquery())

    def preload(self, rows):
        common.load_lines({r.id for r in rows})
        remember_users(getattr(r, col) for r in rows for col in PEOPLE_COLUMNS)
        requests = {}
        for request in (
            db.session.query(SupplementRequest)
            .filter(SupplementRequest.score_line_id.in_({r.id for r in rows}))
            .order_by(SupplementRequest.id)
        ):
            requests.setdefault(request.score_line_id, []).append(request)
        for row in rows:
            set_committed_value(row, "supplement_requests", requests.get(row.id, []))


_STATE_CHOICES = list(common.STATE_LABELS.items())
_CYCLE_CHOICES = [(str(k), v) for k, v in common.CYCLE_LABELS.items()]


class AppraisalLineView(AppModelView):
    datamodel = AppraisalLineInterface(ScoreLine, db.session)
    class_permission_name = roles.APPRAISAL_SHEETS
    method_permission_name = {
        k: v for k, v in roles.METHOD_PERMISSIONS.items() if k not in ("add", "edit", "delete")
    }
    exclude_route_methods = {"add", "edit", "delete", "download"}
    list_title, show_title = _l("Appraisal results"), _l("Appraisal of a line")
    label_columns = {
        "assessment.unit": _l("Unit"), "assessment.round": _l("Assessment round"),
        "round": _l("Assessment round"), "unit": _l("Unit"), "assignee": _l("Assigned to"),
        "criterion": _l("Criterion"), "self_points": _l("Self score"),
        "explanation": _l("Explanation"), "support_input": _l("Support score (as typed)"),
        "support_points": _l("Support score"), "support_comment": _l("Support comment"),
        "support_by_id": _l("Scored by"), "support_at": _l("Scored at"),
        "appraised_input": _l("Appraised score (as typed)"),
        "appraised_points": _l("Appraised score"), "appraisal_comment": _l("Appraiser's comment"),
        "appraised_by_id": _l("Appraised by"), "appraised_at": _l("Appraised at"),
        "approved_points": _l("Approved score"), "approval_comment": _l("Leader's comment"),
        "approved_by_id": _l("Approved by"), "approved_at": _l("Approved at"),
        "appraisal_state": _l("State"), "appraisal_cycle": _l("Cycle"),
        "not_applicable": _l("Not applicable"), "supplement_requests": _l("Supplement request"),
        "version": _l("Version"),
    }  # fmt: skip
    list_columns = [
        "assessment.unit", "criterion", "self_points", "support_points", "support_by_id",
        "appraised_points", "appraised_by_id", "approved_points", "approved_by_id",
        "appraisal_state", "supplement_requests",
    ]  # fmt: skip
    show_columns = [
        "assessment.unit", "assessment.round", "criterion", "not_applicable", "self_points",
        "explanation", "support_input", "support_points", "support_comment", "support_by_id",
        "support_at", "appraised_input", "appraised_points", "appraisal_comment",
        "appraised_by_id", "appraised_at", "approved_points", "approval_comment",
        "approved_by_id", "approved_at", "appraisal_state", "appraisal_cycle",
        "supplement_requests", "version",
    ]  # fmt: skip
    search_columns = ["round", "unit", "criterion", "appraisal_state", "appraisal_cycle",
                      "assignee"]  # fmt: skip
    order_columns = ["appraisal_state", *POINT_COLUMNS]
    search_form_extra_fields = {
        "round": SelectField(_l("Assessment round"), choices=common.round_choices),
        "unit": SelectField(_l("Unit"), choices=common.unit_choices),
        "criterion": StringField(_l("Criterion"), widget=BS3TextFieldWidget()),
        "appraisal_state": SelectField(_l("State"), choices=_STATE_CHOICES),
        "appraisal_cycle": SelectField(_l("Cycle"), choices=_CYCLE_CHOICES),
        "assignee": SelectField(_l("Assigned to"), choices=common.assignee_choices),
    }
    formatters_columns = {
        **{col: format_points for col in POINT_COLUMNS},
        **{col: user_name for col in PEOPLE_COLUMNS},
        **{col: vn_datetime for col in ("support_at", "appraised_at", "approved_at")},
        "appraisal_state": lambda s: common.label_of(common.STATE_LABELS, s),
        "appraisal_cycle": lambda c: common.label_of(common.CYCLE_LABELS, c),
        "supplement_requests": _request_text,
        "explanation": shorten,
    }

    def _init_properties(self):
        super()._init_properties()
        common.install_filters(self, {
            "round": [common.LineRoundFilter], "unit": [common.LineUnitFilter],
            "criterion": [common.LineCodeFilter], "assignee": [common.LineAssigneeFilter],
            "appraisal_state": [FilterEqual], "appraisal_cycle": [FilterEqual],
        })  # fmt: skip

    # -- actions -----------------------------------------------------------------------------

    @action("approve", _l("Approve"), _l("Approve the selected lines? Approved scores are "
            "frozen."), "fa-check-circle", single=False)  # fmt: skip
    @guarded_action(policy.VIEW)
    def approve(self, items):
        lines = common.load_lines([item.id for item in items])
        try:
            report = approval.approve(db.session, lines, g.user)
            db.session.commit()
        except (DomainError, SQLAlchemyError):
            db.session.rollback()
            flash(_saving_failed(), "danger")
            return None
        common.flash_outcome(
            _("%(count)s lines approved"), len(report.approved),
            [(common.line_label(line), reason) for line, reason in report.skipped],
        )  # fmt: skip

    @action("approve_field", _l("Approve the whole field"), _l("Approve every line ready for "
            "approval in the field of each selected line, for that line's unit? Approved "
            "scores are frozen."), "fa-check-square-o", single=False)  # fmt: skip
    @guarded_action(policy.VIEW)
    def approve_field(self, items):
        # One run per (unit, field) selected: the sheet's "approve the field" for each.
        fields = {}
        for line in common.load_lines([item.id for item in items]):
            field = _field_of(line.criterion)
            fields.setdefault((line.assessment_id, field.id), (line.assessment, field))
        runs = [lambda a=a, f=f: approval.approve_field(db.session, a, f, g.user)
                for a, f in fields.values()]  # fmt: skip
        return self._approve_all(runs)

    @action("approve_unit", _l("Approve the whole unit"), _l("Approve every line ready for "
            "approval of the unit of each selected line? Approved scores are frozen."),
            "fa-check-square", single=False)  # fmt: skip
    @guarded_action(policy.VIEW)
    def approve_unit(self, items):
        assessments = {line.assessment_id: line.assessment
                       for line in common.load_lines([item.id for item in items])}  # fmt: skip
        runs = [lambda a=a: approval.approve_unit(db.session, a, g.user)
                for a in assessments.values()]  # fmt: skip
        return self._approve_all(runs)

    def _approve_all(self, runs):
        """Run the domain's bulk approvals, commit once, say what was approved and why the
        rest was not."""
        approved, refused = 0, []
        try:
            for run in runs:
                report = run()
                approved += len(report.approved)
                # Labelled before the commit expires the lines (no reload per line).
                refused += [(common.line_label(line), why) for line, why in report.skipped]
            db.session.commit()
        except (DomainError, SQLAlchemyError):
            db.session.rollback()
            flash(_saving_failed(), "danger")
            return None
        if not approved and not refused:
            flash(_("No line of the chosen fields or units is waiting for approval."), "info")
            return None
        common.flash_outcome(_("%(count)s lines approved"), approved, refused)
        return None

    @action("return_line", _l("Return to the team"), "", "fa-undo", single=False)
    @guarded_action(policy.VIEW)
    def return_line(self, items):
        return self._with_text(
            items, "return_line",
            lambda line, text: approval.return_line(db.session, line, g.user, text),
            title=_("Return lines to the support member and the appraiser"),
            label=_("Why the lines are returned"), submit=_("Return the lines"),
            done=_("%(count)s lines returned"),
        )  # fmt: skip

    @action("request_supplement", _l("Request a supplement"), "", "fa-reply", single=False)
    @guarded_action(policy.VIEW)
    def request_supplement(self, items):
        return self._with_text(
            items, "request_supplement",
            lambda line, text: supplement.request_supplement(db.session, line, text, g.user),
            title=_("Ask the units for a supplement"),
            label=_("What the unit must supplement"), submit=_("Send the request"),
            done=_("%(count)s supplement requests sent"),
            help_text=_("The unit adds evidence or explanations to these lines in the "
                        "supplement window; the team then appraises them again."),
        )  # fmt: skip

    @action("lock_phase", _l("Lock phase"), _l("Lock the current phase of the rounds of the "
            "selected lines? Nobody can enter data until it is unlocked."), "fa-lock",
            single=False)  # fmt: skip
    @guarded_action(policy.VIEW)
    def lock_phase(self, items):
        rounds = list({line.assessment.round_id: line.assessment.round for line in items}.values())
        done, refused = 0, []
        for round_ in rounds:
            decision = policy.check(g.user, "lock", round_)
            if not decision:
                refused.append((round_.name, decision.reason))
                continue
            try:
                rounds_domain.set_lock(db.session, round_, g.user, True)
                db.session.commit()
                done += 1
            except DomainError as err:
                db.session.rollback()
                refused.append((round_.name, err.message))
        common.flash_outcome(_("%(count)s rounds locked"), done, refused,
                             _("%(count)s rounds refused: %(reasons)s"))  # fmt: skip

    def _with_text(self, items, name, step, title, label, submit, done, help_text=""):
        """Ask for the text first; then apply `step(line, text)` to each line, all in one
        commit. When every line is refused, the form comes back with the typed text."""
        lines = common.load_lines([item.id for item in items])
        rows = [(line.id, f"{common.line_label(line)} {line.criterion.title}") for line in lines]
        text = common.submitted_text()
        form = dict(title=title, label=label, submit=submit, help_text=help_text)
        if text is None:
            return common.action_form(self, name, rows, **form)
        applied, refused = 0, []
        for line in lines:
            try:
                step(line, text)
                applied += 1
            except DomainError as err:
                refused.append((common.line_label(line), err.message))
        if not applied:
            db.session.rollback()
            errors = common.group_refusals(refused)
            return common.action_form(self, name, rows, text=text, errors=errors, **form)
        try:
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            return common.action_form(self, name, rows, text=text, errors=[_saving_failed()],
                                      **form)  # fmt: skip
        common.flash_outcome(done, applied, refused)


def _field_of(criterion):
    """The field (the root of the criteria tree) a criterion lies in."""
    while criterion.parent is not None:
        criterion = criterion.parent
    return criterion


def _saving_failed():
    return _("The record could not be saved; nothing was changed.")
