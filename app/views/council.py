"""The council's work (Hội đồng thẩm định): rounds to verify, finalise or reopen (a FAB list
with actions), the approved results of a round per unit and field, and one unit's lines, where
the council picks lines and asks the unit for a supplement with a reason.

Every decision is the domain's (app/domain/verification.py, supplement.py); the pages only
show the answers. A refused verification lists what is still missing, per unit."""

from flask import abort, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from app.domain import policy, supplement, verification
from app.domain.appraisal_lists import approved_summary, field_criteria, open_requests
from app.domain.errors import DomainError
from app.domain.scoring import format_points
from app.extensions import db
from app.formatting import vn_datetime
from app.models import Assessment, Criterion, Round, ScoreLine
from app.models.criteria import RULE_SURVEY
from app.models.rounds import PHASE_DRAFT
from app.models.scoring import APPRAISAL_APPROVED
from app.security import roles
from app.views import appraisal_common as common
from app.views.base import AppModelView, guarded_action, interface
from app.views.rounds import PHASE_LABELS, _lock_label

_PERMISSIONS = {
    **roles.METHOD_PERMISSIONS,
    "results": "read",
    "unit_lines": "read",
    "request_lines": "write",
}


def _results_link(round_id):
    return Markup('<a class="btn btn-sm btn-default" href="%s">%s</a>') % (
        url_for("CouncilResultsView.results", round_id=int(round_id)), _("Results per unit"),
    )  # fmt: skip


class OpenedRoundFilter(BaseFilter):
    """Rounds that have been opened (a draft has nothing to verify)."""

    name, arg_name = "opened", "council_opened"

    def apply(self, query, value):
        return query.filter(Round.phase != PHASE_DRAFT)


class CouncilRoundView(AppModelView):
    datamodel = interface(Round)
    class_permission_name = roles.VERIFICATION
    method_permission_name = {
        k: v for k, v in _PERMISSIONS.items() if k not in ("add", "edit", "delete")
    }
    exclude_route_methods = {"add", "edit", "delete", "download"}
    base_filters = AppModelView.base_filters + [["id", OpenedRoundFilter, None]]
    list_title, show_title = _l("Verification of the rounds"), _l("Verification of a round")
    label_columns = {
        "name": _l("Name"), "year": _l("Year"), "phase": _l("Phase"), "locked": _l("Phase lock"),
        "verified_at": _l("Verified at"), "finalised_at": _l("Finalised at"),
        "id": _l("Results per unit"),
    }  # fmt: skip
    list_columns = ["name", "year", "phase", "locked", "verified_at", "finalised_at", "id"]
    show_columns = list_columns
    search_columns = ["name", "year", "phase"]
    base_order = ("year", "desc")
    formatters_columns = {
        "phase": lambda p: common.label_of(PHASE_LABELS, p), "locked": _lock_label,
        "verified_at": vn_datetime, "finalised_at": vn_datetime, "id": _results_link,
    }  # fmt: skip

    @action("verify", _l("Verify"), _l("Verify the selected rounds? Every line must be "
            "approved and every supplement request closed."), "fa-check-square-o")  # fmt: skip
    @guarded_action(policy.VIEW)
    def verify(self, items):
        return self._each(items, verification.verify_round, _("%(count)s rounds verified"))

    @action("finalise", _l("Finalise"), _l("Finalise the selected rounds? Nothing can change "
            "afterwards without a reopen, which is logged."), "fa-gavel")  # fmt: skip
    @guarded_action(policy.VIEW)
    def finalise(self, items):
        return self._each(items, verification.finalise_round, _("%(count)s rounds finalised"))

    @action("reopen", _l("Reopen"), "", "fa-unlock-alt")
    @guarded_action(policy.VIEW)
    def reopen(self, items):
        rows = [(item.id, item.name) for item in items]
        form = dict(
            title=_("Reopen rounds"), label=_("Why the round is reopened"),
            submit=_("Reopen"),
            help_text=_("The round goes back to the appraisal; approved lines stay approved and "
                        "change only through the council's supplement requests."),
        )  # fmt: skip
        text = common.submitted_text()
        if text is None:
            return common.action_form(self, "reopen", rows, **form)
        done, refused = 0, []
        for item in items:
            try:
                verification.reopen_round(db.session, item, g.user, text)
                db.session.commit()
                done += 1
            except DomainError as err:
                db.session.rollback()
                refused.append((item.name, err.message))
        if not done:
            errors = common.group_refusals(refused)
            return common.action_form(self, "reopen", rows, text=text, errors=errors, **form)
        common.flash_outcome(_("%(count)s rounds reopened"), done, refused,
                             _("%(count)s rounds refused: %(reasons)s"))  # fmt: skip

    def _each(self, items, step, done_message):
        """Verify or finalise each round in its own transaction; a refusal with a list of
        problems (lines not approved, requests not closed) gets a page listing them."""
        done, refused, problems = 0, [], []
        for item in items:
            try:
                step(db.session, item, g.user)
                db.session.commit()
                done += 1
            except DomainError as err:
                db.session.rollback()
                refused.append((item.name, err.message))
                details = [d for d in err.errors if d != err.message]
                if details:
                    problems.append((item, err.message, details))
        common.flash_outcome(done_message, done, refused,
                             _("%(count)s rounds refused: %(reasons)s"))  # fmt: skip
        if problems:
            return self.render_template(
                "verification_problems.html", problems=problems,
                back_url=url_for("CouncilRoundView.list"),
            )  # fmt: skip
        return None


class CouncilResultsView(BaseView):
    """/council/<round>: approved results per unit; /council/<round>/unit/<unit>: the unit's
    lines, to request supplements on chosen lines with a reason."""

    route_base = "/council"
    class_permission_name = roles.VERIFICATION
    method_permission_name = _PERMISSIONS
    default_view = "results"

    def _round(self, round_id):
        round_ = db.session.get(Round, round_id)
        if round_ is None or not policy.check(g.user, policy.VIEW, round_):
            abort(404)
        return round_

    @expose("/<int:round_id>")
    @has_access
    def results(self, round_id):
        round_ = self._round(round_id)
        return self.render_template(
            "council_round.html", round=round_, fields=field_criteria(db.session, round_),
            units=approved_summary(db.session, round_), pts=format_points,
            phase=common.label_of(PHASE_LABELS, round_.phase),
        )  # fmt: skip

    def _assessment(self, round_, unit_id):
        assessment = (
            db.session.query(Assessment)
            .options(joinedload(Assessment.unit))
            .filter(Assessment.round_id == round_.id, Assessment.unit_id == unit_id)
            .one_or_none()
        )
        if assessment is None or not policy.check(g.user, policy.VIEW, assessment):
            abort(404)
        return assessment

    def _lines(self, assessment):
        return (
            db.session.query(ScoreLine)
            .options(joinedload(ScoreLine.criterion))
            .join(Criterion, ScoreLine.criterion_id == Criterion.id)
            .filter(ScoreLine.assessment_id == assessment.id)
            .order_by(Criterion.sort_key)
            .all()
        )

    def _unit_page(self, round_, assessment, text="", chosen=(), errors=(), status=200):
        lines = self._lines(assessment)
        requests = open_requests(db.session, [line.id for line in lines])
        rows = [
            {
                "line": line, "request": requests.get(line.id),
                "state": common.label_of(common.STATE_LABELS, line.appraisal_state),
                "survey": line.criterion.rule == RULE_SURVEY,
                "selectable": line.appraisal_state == APPRAISAL_APPROVED
                and line.id not in requests and line.criterion.rule != RULE_SURVEY,
                "request_status": common.label_of(common.REQUEST_LABELS, requests[line.id].status)
                if line.id in requests else "",
            }
            for line in lines
        ]  # fmt: skip
        page = self.render_template(
            "council_unit.html", round=round_, assessment=assessment, rows=rows,
            text=text, chosen={int(c) for c in chosen}, errors=list(errors), pts=format_points,
            phase=common.label_of(PHASE_LABELS, round_.phase),
        )  # fmt: skip
        return page, status

    @expose("/<int:round_id>/unit/<int:unit_id>")
    @has_access
    def unit_lines(self, round_id, unit_id):
        round_ = self._round(round_id)
        return self._unit_page(round_, self._assessment(round_, unit_id))

    @expose("/<int:round_id>/unit/<int:unit_id>/request", methods=["POST"])
    @has_access
    def request_lines(self, round_id, unit_id):
        """Ask the unit for a supplement on the chosen lines: all the lines' requests in one
        commit; if every line is refused, the page comes back with the reason typed."""
        round_ = self._round(round_id)
        assessment = self._assessment(round_, unit_id)
        text = request.form.get("text", "")
        chosen = []
        for value in request.form.getlist("line"):
            try:
                chosen.append(int(value))
            except ValueError:
                continue
        lines = {line.id: line for line in self._lines(assessment)}
        picked = [lines[i] for i in dict.fromkeys(chosen) if i in lines]
        # A line id of another unit (forged) is not on this page: it is refused, never used.
        refused = [(str(i), _("This line does not exist or you may not see it."))
                   for i in dict.fromkeys(chosen) if i not in lines]  # fmt: skip
        if not picked and not refused:
            refused.append(("—", _("Choose the lines the unit must supplement.")))
        done = 0
        for line in picked:
            try:
                supplement.request_supplement(db.session, line, text, g.user)
                done += 1
            except DomainError as err:
                refused.append((line.criterion.code, err.message))
        if not done:
            db.session.rollback()
            errors = common.group_refusals(refused)
            return self._unit_page(round_, assessment, text, chosen, errors, status=422)
        try:
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            errors = [_("The record could not be saved; nothing was changed.")]
            return self._unit_page(round_, assessment, text, chosen, errors, status=409)
        common.flash_outcome(_("%(count)s supplement requests sent"), done, refused)
        return redirect(url_for("CouncilResultsView.unit_lines", round_id=round_.id,
                                unit_id=unit_id))  # fmt: skip
