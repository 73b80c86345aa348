"""Excel round-trip of a unit's score sheet: download it, fill it offline, upload it, check the
preview of every change, confirm: all changes are applied together or none.

Between the preview and the confirmation the uploaded file waits on the server under
UPLOAD_DIR/tmp/<token>.xlsx (not in the cookie session, which is small and signed, not secret),
with a small JSON note of who uploaded it for which assessment and the line versions previewed.
"""

import json
import logging
import os
import re
import secrets
import time

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import BuildError

from app.domain import policy
from app.domain.clock import format_local, utcnow
from app.domain.errors import DomainError
from app.domain.self_assessment import line_edit_decision
from app.domain.sheet import load_sheet
from app.domain.sheet_import import apply_plan, plan_import
from app.domain.windows import deadline, window_open
from app.extensions import db
from app.models.rounds import WINDOW_SELF
from app.models.scoring import Assessment
from app.reports.sheet_excel import XLSX_MIMETYPE, export_sheet, read_sheet
from app.security import roles
from app.views.framework_excel import MAX_UPLOAD_BYTES, content_disposition

log = logging.getLogger(__name__)

PENDING_TTL_SECONDS = 3600  # a preview older than this must be uploaded again
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


# --- uploads waiting for confirmation --------------------------------------------------------


def _pending_dir():
    path = os.path.join(current_app.config["UPLOAD_DIR"], "tmp")
    os.makedirs(path, exist_ok=True)
    return path


def _pending_paths(token):
    base = os.path.join(_pending_dir(), token)
    return base + ".xlsx", base + ".json"


def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _sweep_pending():
    """Delete our own waiting uploads older than the time limit (abandoned previews)."""
    folder, limit = _pending_dir(), time.time() - PENDING_TTL_SECONDS
    for name in os.listdir(folder):
        stem, ext = os.path.splitext(name)
        if ext not in (".xlsx", ".json") or not _TOKEN.fullmatch(stem):
            continue
        path = os.path.join(folder, name)
        try:
            if os.path.getmtime(path) < limit:
                os.remove(path)
        except OSError:  # another worker removed it first
            pass


def store_pending(data, assessment, user, changes):
    """Keep the uploaded bytes for the confirmation; returns the random token naming them."""
    _sweep_pending()
    token = secrets.token_urlsafe(32)
    xlsx_path, note_path = _pending_paths(token)
    note = {
        "assessment_id": assessment.id,
        "user_id": user.id,
        "created": time.time(),
        "versions": {str(c.line.id): c.line.version for c in changes},
    }
    _write_private(xlsx_path, data)
    _write_private(note_path, json.dumps(note).encode("utf-8"))
    return token


def load_pending(token, assessment, user):
    """(bytes, note) of a waiting upload of this user for this assessment, or None."""
    if not token or not _TOKEN.fullmatch(token):
        return None
    xlsx_path, note_path = _pending_paths(token)
    try:
        with open(note_path, "rb") as handle:
            note = json.loads(handle.read().decode("utf-8"))
        with open(xlsx_path, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return None
    if note.get("assessment_id") != assessment.id or note.get("user_id") != user.id:
        return None
    if time.time() - float(note.get("created", 0)) > PENDING_TTL_SECONDS:
        discard_pending(token)
        return None
    return data, note


def discard_pending(token):
    for path in _pending_paths(token):
        try:
            os.remove(path)
        except OSError:
            pass


# --- the screen ------------------------------------------------------------------------------


def _sheet_url(assessment_id):
    try:
        return url_for("ScoreSheetView.sheet", assessment_id=assessment_id)
    except BuildError:  # the score sheet page is not registered (e.g. a trimmed test app)
        return url_for("SheetExcelView.import_xlsx", assessment_id=assessment_id)


class SheetExcelView(BaseView):
    """Excel export (read) and import with preview (write) of one assessment's score sheet."""

    route_base = "/sheet-excel"
    class_permission_name = roles.SCORE_SHEETS
    method_permission_name = roles.METHOD_PERMISSIONS
    default_view = "import_xlsx"
    template = "sheet_import.html"

    def _assessment(self, assessment_id):
        """(assessment, None) when the user may see it, else (None, a redirect saying why)."""
        assessment = db.session.get(Assessment, assessment_id)
        if assessment is None:
            abort(404)
        decision = policy.check(g.user, policy.VIEW, assessment)
        if not decision:
            flash(decision.reason, "danger")
            return None, redirect(self.appbuilder.get_url_for_index)
        return assessment, None

    @expose("/<int:assessment_id>/export")
    @has_access
    def export_xlsx(self, assessment_id):
        """Download the score sheet as .xlsx, with the user's editable cells unlocked."""
        assessment, refusal = self._assessment(assessment_id)
        if refusal:
            return refusal
        now = utcnow()
        sheet = load_sheet(db.session, assessment)
        editable = {line.id for line in sheet.lines if line_edit_decision(g.user, line, now)}
        data = export_sheet(sheet, editable, exported_by=g.user, now=now)
        filename = f"Tự chấm điểm {assessment.unit.code} {assessment.round.year}.xlsx"
        return Response(
            data,
            mimetype=XLSX_MIMETYPE,
            headers={
                "Content-Disposition": content_disposition(filename),
                "Cache-Control": "no-store",
            },
        )

    @expose("/<int:assessment_id>/import", methods=["GET", "POST"])
    @has_access
    def import_xlsx(self, assessment_id):
        """Upload form (GET); preview of the file's changes (POST file); apply them (POST token)."""
        assessment, refusal = self._assessment(assessment_id)
        if refusal:
            return refusal
        if request.method != "POST":
            return self._page(assessment)
        token = request.form.get("token")
        if token is not None:
            return self._confirm(assessment, token)
        data, problem = self._upload()
        if problem:
            return self._page(assessment, problem=problem)
        return self._preview(assessment, data)

    def _preview(self, assessment, data, notice=None):
        try:
            rows = read_sheet(data)
        except DomainError as err:
            return self._page(assessment, problem=err.message)
        changes, errors = plan_import(db.session, assessment, rows, g.user, utcnow())
        token = None
        if changes and not errors:
            token = store_pending(data, assessment, g.user, changes)
        return self._page(
            assessment, changes=changes, errors=errors, token=token, previewed=True, notice=notice
        )

    def _confirm(self, assessment, token):
        pending = load_pending(token, assessment, g.user)
        if pending is None:
            problem = _("This preview is unknown or has expired; upload the file again.")
            return self._page(assessment, problem=problem)
        data, note = pending
        discard_pending(token)  # one use only, whatever happens next
        try:
            rows = read_sheet(data)
        except DomainError as err:
            return self._page(assessment, problem=err.message)
        now = utcnow()
        changes, errors = plan_import(db.session, assessment, rows, g.user, now)
        if errors:
            problem = _("Nothing was imported: the file no longer passes the checks.")
            return self._page(assessment, errors=errors, problem=problem, previewed=True)
        previewed = note.get("versions", {})
        if {str(c.line.id): c.line.version for c in changes} != previewed:
            notice = _(
                "The sheet changed since your preview, so nothing was imported yet. Check the"
                " changes below again."
            )
            return self._preview(assessment, data, notice=notice)
        for change in changes:
            change.expected_version = previewed[str(change.line.id)]
        try:
            count = apply_plan(db.session, assessment, changes, g.user, now)
            db.session.commit()
        except DomainError as err:  # ConflictError included
            db.session.rollback()
            return self._page(assessment, problem=self._nothing_imported(err.message))
        except SQLAlchemyError:
            log.exception("Committing the Excel import of assessment %s failed", assessment.id)
            db.session.rollback()
            return self._page(assessment, problem=self._nothing_imported(""))
        flash(_("%(count)s lines were updated from the Excel file.", count=count), "success")
        return redirect(_sheet_url(assessment.id))

    @staticmethod
    def _nothing_imported(reason):
        message = _("Nothing was imported; the sheet is as it was.")
        return f"{reason} {message}".strip()

    def _upload(self):
        """(file bytes, None) or (None, why the upload cannot be used)."""
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return None, _("Choose an Excel file (.xlsx) to import.")
        if not upload.filename.lower().endswith((".xlsx", ".xlsm")):
            return None, _("Only Excel workbooks (.xlsx) can be imported.")
        # Read one byte past the limit instead of trusting Content-Length.
        data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            return None, _(
                "The file is larger than %(size)s MB.", size=MAX_UPLOAD_BYTES // (1024 * 1024)
            )
        return data, None

    def _page(self, assessment, **context):
        round_ = assessment.round
        window = window_open(round_, WINDOW_SELF, assessment.unit_id)
        end = deadline(round_, WINDOW_SELF, assessment.unit_id)
        context.setdefault("errors", [])
        context.setdefault("changes", [])
        return self.render_template(
            self.template,
            assessment=assessment,
            window_closed_reason=None if window else window.reason,
            deadline=format_local(end) if end else "",
            max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
            sheet_url=_sheet_url(assessment.id),
            **context,
        )
