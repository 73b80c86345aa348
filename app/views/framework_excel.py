"""Export a criteria framework to Excel and import one back (replacing its criteria)."""

import logging
import re
import unicodedata
from urllib.parse import quote

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import BuildError

from app.domain import audit, policy
from app.domain import framework_import as fi
from app.domain.errors import DomainError
from app.extensions import db
from app.models.criteria import Framework
from app.reports.framework_excel import XLSX_MIMETYPE, export_framework, read_workbook
from app.security import roles

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def content_disposition(filename):
    """An attachment header with an ASCII fallback and the exact UTF-8 name (RFC 5987/6266)."""
    ascii_name = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    ascii_name = ascii_name.encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("_") or "download.xlsx"
    utf8_name = quote(unicodedata.normalize("NFC", filename), safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}"


def _framework_url(framework_id):
    try:
        return url_for("FrameworkView.show", pk=framework_id)
    except BuildError:  # the framework screen is not registered (e.g. a trimmed test app)
        return f"{request.script_root}/frameworkview/show/{framework_id}"


def _list_url():
    try:
        return url_for("FrameworkView.list")
    except BuildError:
        return f"{request.script_root}/frameworkview/list/"


class FrameworkExcelView(BaseView):
    """Excel export (read) and import (write) of one framework's criteria; no menu entry."""

    route_base = "/framework-excel"
    class_permission_name = roles.FRAMEWORKS
    method_permission_name = roles.METHOD_PERMISSIONS
    # Both endpoints need a framework id; the framework screen links to them.
    default_view = "import_excel"
    template = "framework_import.html"

    def _framework(self, framework_id, action):
        """(framework, None) when allowed, else (None, a redirect after flashing why)."""
        framework = db.session.get(Framework, framework_id)
        if framework is None:
            abort(404)
        decision = policy.check(g.user, action, framework)
        if not decision:
            flash(decision.reason, "danger")
            visible = action != policy.VIEW and policy.check(g.user, policy.VIEW, framework)
            return None, redirect(_framework_url(framework_id) if visible else _list_url())
        return framework, None

    @expose("/export/<int:framework_id>")
    @has_access
    def export(self, framework_id):
        """Download the framework's criteria as .xlsx."""
        framework, refusal = self._framework(framework_id, policy.VIEW)
        if refusal:
            return refusal
        data = export_framework(framework)
        filename = f"Bộ tiêu chí {framework.code}.xlsx"
        return Response(
            data,
            mimetype=XLSX_MIMETYPE,
            headers={
                "Content-Disposition": content_disposition(filename),
                "Cache-Control": "no-store",
            },
        )

    @expose("/import/<int:framework_id>", methods=["GET", "POST"])
    @has_access
    def import_excel(self, framework_id):
        """Upload form (GET); check the file and replace the criteria, or list bad rows (POST)."""
        framework, refusal = self._framework(framework_id, policy.EDIT)
        if refusal:
            return refusal
        if request.method != "POST":
            return self._page(framework)
        data, problem = self._upload()
        if problem:
            return self._page(framework, problem=problem)
        try:
            rows = read_workbook(data)
        except DomainError as err:
            return self._page(framework, problem=err.message)
        items, errors = fi.parse_rows(rows, framework.max_points)
        if errors:
            return self._page(framework, errors=errors)
        try:
            count = fi.apply_import(db.session, framework, items)
            audit.record(db.session, g.user, "import", "framework", framework.id, new=count)
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            return self._page(framework, problem=err.message)
        except SQLAlchemyError:
            log.exception("Committing the criteria import of framework %s failed", framework_id)
            db.session.rollback()
            framework = db.session.get(Framework, framework_id)
            problem = _("The criteria could not be saved; nothing was changed.")
            return self._page(framework, problem=problem)
        flash(_("Imported %(count)s criteria from Excel.", count=count), "success")
        return redirect(_framework_url(framework.id))

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

    def _page(self, framework, problem=None, errors=None):
        return self.render_template(
            self.template,
            framework=framework,
            problem=problem,
            errors=errors or [],
            max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
            framework_url=_framework_url(framework.id),
            headers=fi.HEADERS,
            rule_labels=list(fi.RULE_LABELS.values()),
        )
