"""The results reports of a round (issue 5, items 4 and 6):

- /bao-cao-ket-qua/: the rounds whose reports the user may open;
- /bao-cao-ket-qua/<round>/: the downloads of a round: the results announcement (with the
  organiser's form for its number, date and signer), the units x criteria Excel, and the gap
  analysis (a unit chooser for the organiser's side, the own unit for a unit's accounts);
- /bao-cao-ket-qua/<round>/diem-theo-tieu-chi.xlsx: the units x criteria matrix;
- /bao-cao-ket-qua/<round>/phan-tich/<unit>/ and .pdf: one unit's gap analysis;
- /thong-bao-ket-qua/<round>.pdf: the announcement, open without login once published.

Who may open what is app/domain/report_access.py. A round or unit the user may not know of
is the same 404 as one that does not exist; a refusal the user may know the reason of
(results not computed yet, own unit before publication) is a message on the reports page.
"""

import datetime
import logging

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.domain import report_access as access
from app.domain.errors import DomainError
from app.domain.results_policy import is_published, sees_unpublished
from app.extensions import db
from app.models.results import UnitResult
from app.models.rounds import PHASE_DRAFT, Round, round_unit
from app.models.units import Unit
from app.reports.announcement import Letterhead, announcement_filename, announcement_pdf
from app.reports.document import PDF_MIMETYPE
from app.reports.gap_report import gap_context, gap_filename, gap_pdf
from app.reports.results_matrix import XLSX_MIMETYPE, matrix_filename, matrix_xlsx
from app.security import roles
from app.views.framework_excel import content_disposition

log = logging.getLogger(__name__)

_PERMISSIONS = {
    "rounds": "read", "round_reports": "read", "matrix_xlsx": "read", "gap_page": "read",
    "gap_pdf": "read",
}  # fmt: skip
_LETTERHEAD_FIELDS = ("number", "date", "signer_title", "signer_position", "signer_name")
# Published announcements are frozen: rendered once per round, publication and language.
_CACHE, _CACHE_SIZE = {}, 16


def _download(data, mimetype, filename):
    return Response(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": content_disposition(filename),
            "Cache-Control": "no-store",
        },
    )


def _known_round_or_404(round_id):
    """The round, if the user may know it exists: published, or on the organiser's side."""
    round_ = db.session.get(Round, round_id)
    if round_ is None or not (is_published(round_) or sees_unpublished(g.user)):
        abort(404)
    return round_


def _reports_url(round_id, **values):
    return url_for("ResultsReportsView.round_reports", round_id=round_id, **values)


def parse_day(text):
    """dd/mm/yyyy (or yyyy-mm-dd, as a date field sends it) -> date; None when empty.
    Raises DomainError with a Vietnamese message when the text is not a date."""
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise DomainError(_("The date “%(text)s” is not a date: write it as dd/mm/yyyy.", text=text))


def _round_units(round_id):
    """(id, code, name) of the round's units that have a result, in name order."""
    return db.session.execute(
        select(Unit.id, Unit.code, Unit.name)
        .join(round_unit, round_unit.c.unit_id == Unit.id)
        .join(UnitResult, (UnitResult.unit_id == Unit.id) & (UnitResult.round_id == round_id))
        .where(round_unit.c.round_id == round_id)
        .order_by(Unit.name_sort, Unit.code)
    ).all()


class ResultsReportsView(BaseView):
    """The reports pages and downloads (logged in)."""

    route_base = "/bao-cao-ket-qua"
    default_view = "rounds"
    class_permission_name = roles.RESULTS
    method_permission_name = _PERMISSIONS

    @expose("/")
    @has_access
    def rounds(self):
        """The rounds with computed results (organiser's side) or published ones (others)."""
        query = select(Round).where(Round.results_computed_at.is_not(None))
        query = query.order_by(Round.year.desc(), Round.id.desc())
        rounds = [
            r for r in db.session.scalars(query) if is_published(r) or sees_unpublished(g.user)
        ]
        return self.render_template(
            "results_reports_rounds.html", rounds=rounds, published=is_published
        )

    @expose("/<int:round_id>/")
    @has_access
    def round_reports(self, round_id):
        round_ = _known_round_or_404(round_id)
        user = g.user
        own = getattr(user, "unit_id", None)
        own_unit = db.session.get(Unit, own) if own else None
        return self.render_template(
            "results_reports_round.html",
            round=round_,
            published=is_published(round_),
            announcement=access.announcement_decision(user, round_),
            fill_in=access.may_fill_in_announcement(user),
            letterhead={name: request.args.get(name, "") for name in _LETTERHEAD_FIELDS},
            matrix=access.matrix_decision(user, round_),
            units=_round_units(round_.id) if access.may_choose_unit(user) else [],
            own_unit=own_unit,
            own_gap=access.gap_decision(user, round_, own) if own_unit is not None else None,
        )

    @expose("/<int:round_id>/diem-theo-tieu-chi.xlsx")
    @has_access
    def matrix_xlsx(self, round_id):
        round_ = _known_round_or_404(round_id)
        decision = access.matrix_decision(g.user, round_)
        if not decision:
            flash(decision.reason, "warning")
            return redirect(_reports_url(round_.id))
        data = matrix_xlsx(db.session, round_)
        return _download(data, XLSX_MIMETYPE, matrix_filename(round_))

    def _gap_subject(self, round_id, unit_id):
        """(round, unit) or a response: 404 for what the user may not know of, else the
        reports page with the reason."""
        round_ = db.session.get(Round, round_id)
        unit = db.session.get(Unit, unit_id)
        if round_ is None or unit is None or round_.phase == PHASE_DRAFT:
            abort(404)
        decision = access.gap_decision(g.user, round_, unit.id)
        if not decision:
            if not sees_unpublished(g.user) and getattr(g.user, "unit_id", None) != unit.id:
                abort(404)  # another unit's analysis: nothing tells it exists
            flash(decision.reason, "warning")
            return redirect(url_for("ResultsReportsView.rounds"))
        taking_part = db.session.scalar(
            select(round_unit.c.unit_id).where(
                round_unit.c.round_id == round_.id, round_unit.c.unit_id == unit.id
            )
        )
        if taking_part is None:
            abort(404)
        return round_, unit

    @expose("/<int:round_id>/phan-tich/<int:unit_id>/")
    @has_access
    def gap_page(self, round_id, unit_id):
        subject = self._gap_subject(round_id, unit_id)
        if isinstance(subject, Response):
            return subject
        round_, unit = subject
        return self.render_template(
            "results_gap.html", **gap_context(db.session, round_, unit),
            chooser=_round_units(round_.id) if access.may_choose_unit(g.user) else [],
        )  # fmt: skip

    @expose("/<int:round_id>/phan-tich/<int:unit_id>.pdf")
    @has_access
    def gap_pdf(self, round_id, unit_id):
        subject = self._gap_subject(round_id, unit_id)
        if isinstance(subject, Response):
            return subject
        round_, unit = subject
        try:
            data = gap_pdf(db.session, round_, unit)
        except DomainError as err:
            flash(err.message, "danger")
            return redirect(url_for("ResultsReportsView.gap_page", round_id=round_.id,
                                    unit_id=unit.id))  # fmt: skip
        return _download(data, PDF_MIMETYPE, gap_filename(round_, unit))


def _letterhead(args):
    """The organiser's filled-in letterhead from the query string (DomainError: bad date)."""
    return Letterhead.of(
        number=args.get("number", ""), date=parse_day(args.get("date")),
        signer_title=args.get("signer_title", ""),
        signer_position=args.get("signer_position", ""),
        signer_name=args.get("signer_name", ""),
    )  # fmt: skip


def _published_announcement(round_):
    """The published announcement, rendered once per round, publication and language."""
    key = (round_.id, round_.published_at, str(get_locale()))
    data = _CACHE.get(key)
    if data is None:
        data = announcement_pdf(db.session, round_)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = data
    return data


class AnnouncementView(BaseView):
    """/thong-bao-ket-qua/<round>.pdf: open to everyone once the round is published; before,
    to the organiser's side only (a 404 for anyone else, as for a round that does not exist).
    No permission of its own: app/domain/report_access.py decides."""

    route_base = "/thong-bao-ket-qua"

    @expose("/<int:round_id>.pdf")
    def announcement(self, round_id):
        round_ = db.session.get(Round, round_id)
        if round_ is None or not access.announcement_decision(g.user, round_):
            if round_ is not None and sees_unpublished(g.user):
                flash(access.announcement_decision(g.user, round_).reason, "warning")
                return redirect(_reports_url(round_.id))
            abort(404)
        filled = access.may_fill_in_announcement(g.user) and any(
            request.args.get(name) for name in _LETTERHEAD_FIELDS
        )
        try:
            if filled:
                data = announcement_pdf(db.session, round_, _letterhead(request.args))
            elif is_published(round_):
                data = _published_announcement(round_)
            else:
                data = announcement_pdf(db.session, round_)
        except DomainError as err:
            if not sees_unpublished(g.user):
                log.error("announcement of round %s failed: %s", round_.id, err.message)
                abort(503)
            flash(err.message, "danger")
            kept = {name: request.args.get(name, "") for name in _LETTERHEAD_FIELDS}
            return redirect(_reports_url(round_.id, **kept))
        return _download(data, PDF_MIMETYPE, announcement_filename(round_))


def register_results_reports(appbuilder):
    """The reports page in the "Results" menu; the announcement download without a menu."""
    from flask_babel import lazy_gettext as _l

    appbuilder.add_view(
        ResultsReportsView, "ResultsReports", label=_l("Results reports"),
        icon="fa-file-text-o", category="Results", category_label=_l("Results"),
        category_icon="fa-bar-chart",
    )  # fmt: skip
    appbuilder.add_view_no_menu(AnnouncementView)
