"""Evidence on the score sheet: upload a file or a link, download, delete.

The sheet's script posts here with `Accept: application/json` and gets JSON back (never a
500); a plain form post gets a flash message and a redirect to the sheet. Every row-level
decision comes from app.domain.policy and app.domain.evidence.
"""

import logging
import os
import re
import unicodedata
from urllib.parse import quote

from flask import (
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template_string,
    request,
    send_file,
    url_for,
)
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from app.domain import evidence as ev
from app.domain import policy
from app.domain.errors import DomainError
from app.extensions import db
from app.models.scoring import EVIDENCE_LINK, Evidence, ScoreLine
from app.security import roles

log = logging.getLogger(__name__)

# Room for the multipart envelope and the other form fields around the file itself.
FORM_OVERHEAD = 64 * 1024

_NOT_FOUND_PAGE = """{% extends "appbuilder/base.html" %}
{% block content %}
<div class="container">
  <div class="alert alert-danger" role="alert">
    <h4><i class="fa fa-exclamation-triangle"></i> {{ title }}</h4>
    <p>{{ message }}</p>
  </div>
  <a class="btn btn-default" href="{{ back }}"><i class="fa fa-arrow-left"></i> {{ back_label }}</a>
</div>
{% endblock %}
"""


def content_disposition(kind, filename):
    """`attachment` or `inline` with an ASCII fallback name and the exact UTF-8 name (RFC 5987
    / 6266): browsers show "Quyết định số 12-QĐ.pdf", old clients "Quyet dinh so 12-QD.pdf"."""
    filename = unicodedata.normalize("NFC", filename)
    ascii_name = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    ascii_name = ascii_name.encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("_") or "tai-lieu"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _sheet_url(assessment_id):
    return f"{request.script_root}/sheet/{assessment_id}"


def _wants_json():
    return "application/json" in request.headers.get("Accept", "")


def _max_bytes():
    return int(float(current_app.config.get("MAX_UPLOAD_MB", 20)) * 1024 * 1024)


def _upload_dir():
    """UPLOAD_DIR, refused when it lies inside a folder the app serves to anyone."""
    upload_dir = os.path.realpath(current_app.config["UPLOAD_DIR"])
    served = [current_app.static_folder] + [
        bp.static_folder for bp in current_app.blueprints.values() if bp.static_folder
    ]
    for folder in filter(None, served):
        folder = os.path.realpath(folder)
        if upload_dir == folder or upload_dir.startswith(folder + os.sep):
            log.error("UPLOAD_DIR %s is inside the served folder %s", upload_dir, folder)
            raise DomainError(
                _("The server's upload folder is misconfigured; tell the administrator.")
            )
    return upload_dir


def evidence_json(evidence):
    """What the sheet's script needs to show one evidence item."""
    download = url_for("EvidenceView.download_evidence", evidence_id=evidence.id)
    is_link = evidence.kind == EVIDENCE_LINK
    return {
        "id": evidence.id,
        "kind": evidence.kind,
        "name": evidence.url if is_link else evidence.original_name,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "mime": evidence.mime_type,
        "signed": bool(evidence.signed),
        "url": evidence.url if is_link else download,
        "download_url": download,
        "delete_url": url_for("EvidenceView.delete_evidence", evidence_id=evidence.id),
    }


def _sniffed(path, evidence):
    """Inline only when the stored bytes still are of the type the upload sniffed."""
    with open(path, "rb") as handle:
        return ev.sniff(handle.read(16)) == evidence.mime_type


class EvidenceView(BaseView):
    """Upload (write), download (read) and delete (write) evidence; no menu entry."""

    route_base = "/evidence"
    class_permission_name = roles.EVIDENCE
    method_permission_name = roles.METHOD_PERMISSIONS
    default_view = "download_evidence"

    # -- answers ---------------------------------------------------------------------------

    def _refuse(self, message, status, back=None):
        if _wants_json():
            return jsonify(ok=False, error=str(message)), status
        flash(str(message), "danger")
        return redirect(back or self.appbuilder.get_url_for_index)

    def _done(self, message, status, back, **payload):
        if _wants_json():
            return jsonify(ok=True, message=str(message), **payload), status
        flash(str(message), "success")
        return redirect(back)

    def _not_found_page(self, message):
        page = render_template_string(
            _NOT_FOUND_PAGE,
            base_template=self.appbuilder.base_template,
            appbuilder=self.appbuilder,
            title=_("Not found"),
            message=message,
            back=self.appbuilder.get_url_for_index,
            back_label=_("Back to the home page"),
        )
        return page, 404

    def _visible(self, model, row_id):
        """The row when it exists and the policy lets the user see it, else None."""
        row = db.session.get(model, row_id)
        if row is None or not policy.check(g.user, policy.VIEW, row):
            return None
        return row

    # -- endpoints -------------------------------------------------------------------------

    @expose("/line/<int:line_id>/upload", methods=["POST"])
    @has_access
    def upload_evidence(self, line_id):
        """Attach the posted file (field `file`) or link (field `url`) to a score line."""
        line = self._visible(ScoreLine, line_id)
        if line is None:
            return self._refuse(_("This line does not exist or belongs to another unit."), 404)
        back = _sheet_url(line.assessment_id)
        decision = policy.check(g.user, policy.ATTACH, line)
        if not decision:
            return self._refuse(decision.reason, 403, back)
        max_bytes = _max_bytes()
        too_large = _(
            "The file is larger than %(size)s MB.",
            size=f"{max_bytes / 1048576:g}".replace(".", ","),
        )
        try:
            # Applies when the body has not been read yet; the domain checks the size anyway.
            request.max_content_length = max_bytes + FORM_OVERHEAD
            upload, url = request.files.get("file"), request.form.get("url", "")
        except RequestEntityTooLarge:
            return self._refuse(too_large, 413, back)
        try:
            if upload is not None and upload.filename:
                data = upload.stream.read(max_bytes + 1)
                evidence = ev.add_file(
                    db.session, line, upload.filename, data, g.user,
                    upload_dir=_upload_dir(), max_bytes=max_bytes,
                )  # fmt: skip
            elif url.strip():
                evidence = ev.add_link(db.session, line, url, g.user)
            else:
                raise DomainError(_("Choose a file or type a link to attach."))
            db.session.commit()
        except ev.FileTooLargeError as err:
            db.session.rollback()
            return self._refuse(err.message, 413, back)
        except DomainError as err:
            db.session.rollback()
            return self._refuse(err.message, 400, back)
        except SQLAlchemyError:
            log.exception("Saving evidence on line %s failed", line_id)
            db.session.rollback()
            return self._refuse(_("The evidence could not be saved; try again."), 503, back)
        name = evidence.original_name or evidence.url
        message = _('Attached "%(name)s".', name=name)
        return self._done(message, 201, back, evidence=evidence_json(evidence))

    @expose("/<int:evidence_id>/download")
    @has_access
    def download_evidence(self, evidence_id):
        """Send the stored file (or go to the link); ?inline=1 opens PDFs and images in place."""
        evidence = self._visible(Evidence, evidence_id)
        if evidence is None:
            return self._not_found_page(_("This evidence does not exist or you may not see it."))
        if evidence.kind == EVIDENCE_LINK:
            try:
                return redirect(ev.check_url(evidence.url))
            except DomainError:
                return self._not_found_page(_("This link is not a valid web address."))
        try:
            path = ev.evidence_path(current_app.config["UPLOAD_DIR"], evidence.sha256)
        except ValueError:
            path = None
        if path is None or not os.path.isfile(path):
            log.error("Evidence %s: file %s is missing", evidence.id, path)
            return self._not_found_page(
                _(
                    "The file of this evidence is missing on the server. Tell the administrator: "
                    "it must be restored from the backup."
                )
            )
        known = evidence.mime_type in ev.EXTENSIONS
        inline = known and request.args.get("inline") == "1" and _sniffed(path, evidence)
        response = send_file(
            path,
            mimetype=evidence.mime_type if known else "application/octet-stream",
            conditional=True,
            etag=evidence.sha256,
            max_age=0,
        )
        disposition = content_disposition(
            "inline" if inline else "attachment", ev.download_name(evidence)
        )
        response.headers["Content-Disposition"] = disposition
        response.headers["X-Content-Type-Options"] = "nosniff"
        if inline:
            # The appraisal sheet shows PDFs and images inside the page: framing by the app's
            # own pages only (every other response keeps DENY / frame-ancestors 'none').
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
            if evidence.mime_type != ev.PDF:
                response.headers["Content-Security-Policy"] = (
                    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
                    "frame-ancestors 'self'"
                )
        response.headers["Cache-Control"] = "private, no-cache"
        return response

    @expose("/<int:evidence_id>/delete", methods=["POST"])
    @has_access
    def delete_evidence(self, evidence_id):
        """Remove an evidence item from its line (the stored file stays for history)."""
        evidence = self._visible(Evidence, evidence_id)
        if evidence is None:
            return self._refuse(_("This evidence does not exist or you may not see it."), 404)
        back = _sheet_url(evidence.score_line.assessment_id)
        decision = policy.check(g.user, policy.DELETE, evidence)
        if not decision:
            return self._refuse(decision.reason, 403, back)
        name = evidence.original_name or evidence.url
        try:
            ev.delete_evidence(db.session, evidence, g.user)
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            return self._refuse(err.message, 400, back)
        except SQLAlchemyError:
            log.exception("Deleting evidence %s failed", evidence_id)
            db.session.rollback()
            return self._refuse(_("The evidence could not be removed; try again."), 503, back)
        return self._done(_('Removed "%(name)s".', name=name), 200, back, id=evidence_id)
