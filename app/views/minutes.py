"""The appraisal minutes PDF of one unit: /appraisal/<round id>/<unit id>/minutes.pdf.

Who may download them is app/domain/minutes.py's `minutes_decision`; a unit that may not see
the assessment at all gets 404, like a missing one (ids reveal nothing about other units).
"""

import logging

from flask import abort, flash, g, redirect
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy.orm import joinedload

from app.domain import policy
from app.domain.errors import DomainError
from app.domain.minutes import minutes_decision
from app.extensions import db
from app.models.rounds import Round
from app.models.scoring import Assessment
from app.reports.minutes import minutes_filename, minutes_pdf
from app.security import roles
from app.views.reports import pdf_download, sheet_url

log = logging.getLogger(__name__)


class AppraisalMinutesView(BaseView):
    """The minutes of the appraisal of one unit (Biên bản thẩm định); no menu entry."""

    route_base = "/appraisal"
    class_permission_name = roles.SCORE_SHEETS
    method_permission_name = roles.METHOD_PERMISSIONS

    @expose("/<int:round_id>/<int:unit_id>/minutes.pdf")
    @has_access
    def minutes_pdf(self, round_id, unit_id):
        assessment = (
            db.session.query(Assessment)
            .options(
                joinedload(Assessment.round).joinedload(Round.organiser_unit),
                joinedload(Assessment.unit),
            )
            .filter(Assessment.round_id == round_id, Assessment.unit_id == unit_id)
            .one_or_none()
        )
        if assessment is None or not policy.check(g.user, policy.VIEW, assessment):
            abort(404)
        decision = minutes_decision(db.session, g.user, assessment)
        if not decision:
            flash(str(decision.reason), "warning")
            return redirect(sheet_url(assessment.id))
        try:
            data = minutes_pdf(db.session, assessment)
        except DomainError as err:
            flash(err.message, "danger")
            return redirect(sheet_url(assessment.id))
        return pdf_download(data, minutes_filename(assessment))
