"""The appraisal sheet (Phiếu thẩm định) of one (round, unit) for the team, and "my work".

Steps 2 to 4 on the page: the support member's score and comment (autosave), the
appraiser's accept or adjust, the leader's approval per line, per field, per unit and return.
Every decision comes from app/domain/appraisal.py and approval.py (through the policy for
reading); this module turns their answers into pages and JSON. JSON errors are Vietnamese
sentences with a status (403 refused, 404 not found, 409 conflict, 422 invalid), never a 500.
"""

import logging

from flask import abort, g, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import has_access_api
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from app.domain import appraisal, approval, line_versions
from app.domain.appraisal_work import my_work
from app.domain.clock import utcnow
from app.domain.errors import DomainError
from app.domain.self_assessment import ConflictError
from app.extensions import db
from app.models import Criterion
from app.security import roles
from app.views import appraisal_page as pages
from app.views.line_replies import save_failed_reply
from app.views.sheet import ScoreSheetView, _payload, _reply, _version, _wants_json

log = logging.getLogger(__name__)


def _not_found():
    return _("This line does not exist or you may not see it.")


class AppraisalSheetView(BaseView):
    """/appraisal/: my work; /appraisal/<assessment id>: the appraisal sheet of one unit."""

    route_base = "/appraisal"
    default_view = "sheet"
    class_permission_name = roles.APPRAISAL_SHEETS
    method_permission_name = roles.METHOD_PERMISSIONS
    page_template = "appraisal_sheet.html"
    work_template = "appraisal_work.html"
    panel_template = "appraisal_panel.html"

    # -- rows the user may see --------------------------------------------------------------

    # The self-assessment sheet's loaders: the row with what every decision reads, in one
    # query; another unit's row answers like a missing one (ids reveal nothing).
    _assessment = ScoreSheetView._assessment
    _line = ScoreSheetView._line

    # -- pages ------------------------------------------------------------------------------

    @expose("/")
    @expose("/<int:assessment_id>")
    @has_access
    def sheet(self, assessment_id=None):
        """Without an id: my work. With one: the sheet (HTML), its line panel (?line=), or
        its totals as JSON."""
        if assessment_id is None:
            items = my_work(db.session, g.user)
            return self.render_template(self.work_template, items=items)
        assessment = self._assessment(assessment_id)
        now = utcnow()
        line_id = request.args.get("line", type=int)
        if line_id is not None:
            line = self._line(line_id)
            if line is None or line.assessment_id != assessment.id:
                abort(404)
            context = pages.panel_context(db.session, g.user, line, now)
            return self.render_template(self.panel_template, **context)
        if _wants_json():
            return _reply(200, ok=True, **pages.sheet_state(db.session, g.user, assessment, now))
        show = request.args.get("show", "all")
        context = pages.page_context(db.session, g.user, assessment, now, show)
        context.update(token=generate_csrf(), base=url_for("AppraisalSheetView.sheet"))
        return self.render_template(self.page_template, **context)

    # -- steps 2 and 3 on one line ----------------------------------------------------------

    def _write(self, line_id, decide, act, values, what):
        """Load the line, ask `decide`, run `act(line, payload, expected_version)`, answer
        with the line's new values and the sheet's totals (JSON). `what`: the value a
        conflict shows (app/domain/line_versions.py)."""
        line = self._line(line_id)
        if line is None:
            return _reply(404, ok=False, error=_not_found())
        decision = decide(line)
        if not decision:
            return _reply(403, ok=False, error=decision.reason)
        payload = _payload()
        try:
            expected = _version(payload)
        except ValueError:
            return _reply(422, ok=False, error=_("The page is out of date; reload it."))
        try:
            act(line, payload, expected)
            db.session.flush()
            data = self._line_state(line, values)
            db.session.commit()
        except ConflictError as err:
            db.session.rollback()
            return _reply(409, ok=False, error=err.message, version=err.version, **values(line))
        except DomainError as err:
            db.session.rollback()
            return _reply(422, ok=False, error=err.message)
        except StaleDataError:
            # Another save committed between our read and our write: what did it store?
            err = line_versions.after_race(db.session, line_id, what)
            if err is None:
                return _reply(404, ok=False, error=_not_found())
            return _reply(409, ok=False, error=err.message, version=err.version, **values(line))
        except SQLAlchemyError:
            return save_failed_reply(line_id)
        return _reply(200, ok=True, **data)

    def _line_state(self, line, values):
        data = pages.sheet_state(db.session, g.user, line.assessment, utcnow())
        data.update(values(line))
        data.update(
            line_id=line.id,
            version=line.version,
            state=line.appraisal_state,
            state_label=pages.state_label(line.appraisal_state),
            field=line.criterion.code.split(".")[0],
        )
        return data

    @staticmethod
    def _support_values(line):
        return {
            "points": pages.format_points(line.support_points),
            "input": pages.as_input(line.criterion, line.support_input),
            "comment": line.support_comment or "",
        }

    @staticmethod
    def _appraised_values(line):
        return {
            "points": pages.format_points(line.appraised_points),
            "input": pages.as_input(line.criterion, line.appraised_input),
            "comment": line.appraisal_comment or "",
            "support_points": pages.format_points(line.support_points),
        }

    @expose("/line/<int:line_id>/support", methods=["POST"])
    @has_access_api
    def support_score(self, line_id):
        """Step 2: {value, comment, version} -> the saved support score."""

        def act(line, payload, expected):
            if "value" not in payload:
                raise DomainError(_("Nothing to save."))
            appraisal.save_support_score(
                db.session, line, payload.get("value"), payload.get("comment"), g.user,
                expected_version=expected,
            )  # fmt: skip

        return self._write(
            line_id,
            lambda line: appraisal.support_decision(db.session, g.user, line),
            act,
            self._support_values,
            line_versions.SUPPORT,
        )

    @expose("/line/<int:line_id>/appraise", methods=["POST"])
    @has_access_api
    def appraise(self, line_id):
        """Step 3: {accept: true} or {value, comment} (a comment when the score differs)."""

        def act(line, payload, expected):
            raw = None if payload.get("accept") in (True, "1", "true") else payload.get("value")
            appraisal.appraise(
                db.session, line, g.user, raw=raw, comment=payload.get("comment"),
                expected_version=expected,
            )  # fmt: skip

        return self._write(
            line_id,
            lambda line: appraisal.appraise_decision(db.session, g.user, line),
            act,
            self._appraised_values,
            line_versions.APPRAISED,
        )

    # -- step 4 -----------------------------------------------------------------------------

    @staticmethod
    def _approved_values(line):
        return {
            "points": pages.format_points(line.approved_points),
            "comment": line.approval_comment or "",
        }

    @expose("/line/<int:line_id>/approve", methods=["POST"])
    @has_access_api
    def approve(self, line_id):
        """Step 4 on one line: approved points = appraised points; frozen."""

        def act(line, payload, expected):
            approval.approve_line(
                db.session, line, g.user, payload.get("comment"), expected_version=expected
            )

        return self._write(
            line_id,
            lambda line: approval.approve_decision(db.session, g.user, line),
            act,
            self._approved_values,
            line_versions.DECISION,
        )

    @expose("/line/<int:line_id>/return", methods=["POST"])
    @has_access_api
    def return_line(self, line_id):
        """Step 4 the other way: {comment} required."""

        def act(line, payload, expected):
            approval.return_line(
                db.session, line, g.user, payload.get("comment"), expected_version=expected
            )

        return self._write(
            line_id,
            lambda line: approval.return_decision(db.session, g.user, line),
            act,
            self._approved_values,
            line_versions.DECISION,
        )

    def _bulk(self, assessment_id, run):
        assessment = self._assessment(assessment_id)
        payload = _payload()
        try:
            report = run(assessment, payload)
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            return _reply(422, ok=False, error=err.message)
        except (StaleDataError, SQLAlchemyError):
            log.warning("Bulk approval on assessment %s failed", assessment_id, exc_info=True)
            db.session.rollback()
            return _reply(409, ok=False, error=_("Nothing was approved; reload and try again."))
        approved = len(report.approved)
        message = _("%(count)s lines approved.", count=approved)
        if not approved and report.skipped:
            return _reply(
                422, ok=False, error=_("No line could be approved."), skipped=report.messages
            )
        return _reply(200, ok=True, message=message, approved=approved, skipped=report.messages)

    @expose("/<int:assessment_id>/approve-field", methods=["POST"])
    @has_access_api
    def approve_field(self, assessment_id):
        """Approve every line of a field (or criterion) the user's team decides: {criterion_id}."""

        def run(assessment, payload):
            criterion = None
            try:
                criterion = db.session.get(Criterion, int(payload.get("criterion_id") or 0))
            except (TypeError, ValueError):
                pass
            if criterion is None or criterion.framework_id != assessment.round.framework_id:
                raise DomainError(_("Choose a field or criterion of this sheet."))
            return approval.approve_field(db.session, assessment, criterion, g.user)

        return self._bulk(assessment_id, run)

    @expose("/<int:assessment_id>/approve-unit", methods=["POST"])
    @has_access_api
    def approve_unit(self, assessment_id):
        """Approve every line of the unit the user's team decides and that is ready."""
        return self._bulk(
            assessment_id,
            lambda assessment, _payload: approval.approve_unit(db.session, assessment, g.user),
        )

    @expose("/line/<int:line_id>/timeline")
    @has_access_api
    def timeline(self, line_id):
        """The line's timeline as JSON (the panel shows it as HTML)."""
        line = self._line(line_id)
        if line is None:
            return _reply(404, ok=False, error=_not_found())
        return _reply(200, ok=True, entries=pages.timeline_items(db.session, line))

    def render_template(self, template, **kwargs):
        kwargs.setdefault("token", generate_csrf())
        kwargs.setdefault("base", url_for("AppraisalSheetView.sheet"))
        return super().render_template(template, **kwargs)
