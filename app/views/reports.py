"""PDF reports: the unit's self-assessment report, printed for the leader's signature."""

import logging

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from werkzeug.routing import BuildError

from app.domain import policy
from app.domain.errors import DomainError
from app.extensions import db
from app.models.scoring import Assessment
from app.reports.pdf import PDF_MIMETYPE, report_filename, self_assessment_pdf
from app.security import roles
from app.views.framework_excel import content_disposition

log = logging.getLogger(__name__)


def sheet_url(assessment_id):
    """Back to the score sheet after a failed render (the index if that screen is missing)."""
    try:
        return url_for("ScoreSheetView.sheet", assessment_id=assessment_id)
    except BuildError:
        return request.script_root + "/"


class ReportView(BaseView):
    """Printable reports; no menu entry (the score sheet links here)."""

    route_base = "/reports"
    class_permission_name = roles.SCORE_SHEETS
    method_permission_name = roles.METHOD_PERMISSIONS

    @expose("/self-assessment/<int:assessment_id>.pdf")
    @has_access
    def report_pdf(self, assessment_id):
        """The self-assessment report of one assessment as a PDF download."""
        assessment = db.session.get(Assessment, assessment_id)
        # Another unit's assessment answers exactly like a missing one: its id says nothing.
        if assessment is None or not policy.check(g.user, policy.VIEW, assessment):
            abort(404)
        try:
            data = self_assessment_pdf(db.session, assessment)
        except DomainError as err:
            flash(err.message, "danger")
            return redirect(sheet_url(assessment_id))
        return pdf_download(data, report_filename(assessment))


def pdf_download(data, filename):
    """A PDF as a download that no cache keeps (every report's answer)."""
    return Response(
        data,
        mimetype=PDF_MIMETYPE,
        headers={"Content-Disposition": content_disposition(filename), "Cache-Control": "no-store"},
    )
