"""The organiser's survey import (nhập kết quả điều tra xã hội học): choose the round, the
survey kind and whether the file gives points or percentages, upload an .xlsx or .csv file,
see every bad row by its line number, or a preview of what will be imported and what it
replaces, then apply. A template file to fill in; the past imports are a FAB list.

Every rule is the domain's (app/domain/survey_import.py): the page plans, shows the plan and,
on confirmation, plans the same file again and applies it (all rows or none). Between the
preview and the confirmation the file waits on the server (UPLOAD_DIR/tmp, a random token,
one hour, for the same user and choices), never in the cookie session.
"""

import io
import json
import logging
import os
import re
import secrets
import time

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.exc import SQLAlchemyError

from app.domain import policy
from app.domain.errors import DomainError
from app.domain.survey import KIND_LABELS, MODE_LABELS, kind_label
from app.domain.survey_import import (
    apply_survey_import,
    plan_survey_import,
    survey_import_decision,
)
from app.extensions import db
from app.formatting import vn_datetime
from app.models import Round, SurveyImport, Unit
from app.models.results import SURVEY_MODES, SURVEY_POINTS
from app.models.rounds import round_unit
from app.security import roles
from app.views.base import AppModelView, interface
from app.views.framework_excel import MAX_UPLOAD_BYTES, content_disposition
from app.views.list_helpers import user_name

log = logging.getLogger(__name__)

PENDING_TTL_SECONDS = 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
_PREFIX = "survey-"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the file waiting for confirmation --------------------------------------------------------


def _folder():
    path = os.path.join(current_app.config["UPLOAD_DIR"], "tmp")
    os.makedirs(path, exist_ok=True)
    return path


def _paths(token):
    base = os.path.join(_folder(), _PREFIX + token)
    return base + ".data", base + ".json"


def _sweep():
    folder, limit = _folder(), time.time() - PENDING_TTL_SECONDS
    for name in os.listdir(folder):
        if name.startswith(_PREFIX) and name.endswith((".data", ".json")):
            path = os.path.join(folder, name)
            try:
                if os.path.getmtime(path) < limit:
                    os.remove(path)
            except OSError:  # another worker removed it first
                pass


def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def store_pending(data, choice, user):
    """Keep the uploaded bytes for the confirmation; returns the token naming them."""
    _sweep()
    token = secrets.token_urlsafe(32)
    data_path, note_path = _paths(token)
    note = dict(choice, user_id=user.id, created=time.time())
    _write_private(data_path, data)
    _write_private(note_path, json.dumps(note).encode("utf-8"))
    return token


def load_pending(token, user):
    """(bytes, note) of this user's waiting upload, or None (unknown, expired, another's)."""
    if not token or not _TOKEN.fullmatch(token):
        return None
    data_path, note_path = _paths(token)
    try:
        with open(note_path, "rb") as handle:
            note = json.loads(handle.read().decode("utf-8"))
        with open(data_path, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return None
    if note.get("user_id") != user.id:
        return None
    if time.time() - float(note.get("created", 0)) > PENDING_TTL_SECONDS:
        discard_pending(token)
        return None
    return data, note


def discard_pending(token):
    for path in _paths(token):
        try:
            os.remove(path)
        except OSError:
            pass


# --- choices ------------------------------------------------------------------------------------


def importable_rounds():
    """The rounds the user may import a survey into now, newest first."""
    query = policy.scope(g.user, Round, db.session.query(Round), db.session)
    rounds = query.order_by(Round.year.desc(), Round.id.desc()).all()
    return [r for r in rounds if survey_import_decision(g.user, r)]


def kind_choices():
    return [(key, str(label)) for key, label in KIND_LABELS.items()]


def mode_choices():
    return [(key, str(MODE_LABELS[key])) for key in SURVEY_MODES]


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- the past imports -------------------------------------------------------------------------


class SurveyImportView(AppModelView):
    datamodel = interface(SurveyImport)
    class_permission_name = roles.SURVEY_IMPORTS
    method_permission_name = {
        k: v for k, v in roles.METHOD_PERMISSIONS.items() if k not in ("add", "edit", "delete")
    }
    exclude_route_methods = {"add", "edit", "delete", "download"}
    list_title, show_title = _l("Survey imports"), _l("Survey import")
    label_columns = {
        "round": _l("Assessment round"), "kind": _l("Survey"), "mode": _l("The file gives"),
        "file_name": _l("File"), "rows": _l("Units"), "imported_by": _l("Imported by"),
        "imported_by_id": _l("Imported by"), "imported_at": _l("Imported at"),
    }  # fmt: skip
    list_columns = ["round", "kind", "mode", "file_name", "rows", "imported_by_id", "imported_at"]
    show_columns = list_columns
    search_columns = ["round", "kind"]
    order_columns = ["imported_at", "rows"]
    base_order = ("imported_at", "desc")
    formatters_columns = {
        "kind": kind_label,
        "mode": lambda m: str(MODE_LABELS.get(m, m or "")),
        "imported_by_id": user_name,
        "imported_at": vn_datetime,
    }


# --- the import page ----------------------------------------------------------------------------


class SurveyUploadView(BaseView):
    """/survey-import/: upload and preview (POST file), apply (POST token), the template."""

    route_base = "/survey-import"
    class_permission_name = roles.SURVEY_IMPORTS
    method_permission_name = {"upload": "write", "survey_template": "read"}
    default_view = "upload"

    def _page(self, status=200, **context):
        context.setdefault("choice", {})
        plan = context.get("plan")
        context["errors"] = sorted(plan.errors, key=lambda e: e.line or 0) if plan else []
        page = self.render_template(
            "survey_upload.html", rounds=importable_rounds(), kinds=kind_choices(),
            modes=mode_choices(), **context,
        )  # fmt: skip
        return page, status

    def _choice(self, source):
        return {
            "round_id": _int(source.get("round_id")),
            "kind": (source.get("kind") or "").strip(),
            "mode": (source.get("mode") or SURVEY_POINTS).strip(),
        }

    def _round(self, choice):
        round_ = db.session.get(Round, choice["round_id"]) if choice["round_id"] else None
        if round_ is None or not policy.check(g.user, policy.VIEW, round_):
            return None
        return round_

    @expose("/", methods=["GET", "POST"])
    @has_access
    def upload(self):
        if request.method != "POST":
            return self._page()
        if request.form.get("token"):
            return self._apply(request.form["token"])
        choice = self._choice(request.form)
        round_ = self._round(choice)
        if round_ is None:
            return self._page(422, choice=choice, problem=_("Choose the assessment round."))
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._page(422, choice=choice, problem=_("Choose the file to import."))
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            return self._page(
                413, choice=choice,
                problem=_("The file is larger than %(size)s MB.", size=MAX_UPLOAD_BYTES >> 20),
            )  # fmt: skip
        file_name = os.path.basename(upload.filename.replace("\\", "/"))[:255]
        plan = plan_survey_import(
            db.session, round_, choice["kind"], choice["mode"], data, file_name, g.user
        )
        db.session.rollback()  # planning writes nothing; nothing stays open
        token = None
        if plan.ok:
            token = store_pending(data, dict(choice, file_name=file_name), g.user)
        return self._page(
            200 if plan.ok else 422, choice=choice, round=round_, plan=plan, token=token,
            previous=self._previous(round_, choice["kind"]), kind=kind_label(choice["kind"]),
        )  # fmt: skip

    def _previous(self, round_, kind):
        return (
            db.session.query(SurveyImport)
            .filter(SurveyImport.round_id == round_.id, SurveyImport.kind == kind)
            .order_by(SurveyImport.id.desc())
            .first()
        )

    def _apply(self, token):
        pending = load_pending(token, g.user)
        if pending is None:
            problem = _("This preview is unknown or has expired; upload the file again.")
            return self._page(409, problem=problem)
        data, note = pending
        discard_pending(token)  # one use only, whatever happens next
        choice = self._choice(note)
        round_ = self._round(choice)
        if round_ is None:
            abort(404)
        plan = plan_survey_import(
            db.session, round_, choice["kind"], choice["mode"], data, note.get("file_name"),
            g.user,
        )  # fmt: skip
        if not plan.ok:  # something changed since the preview: the report says what
            db.session.rollback()
            return self._page(
                422, choice=choice, round=round_, plan=plan, kind=kind_label(choice["kind"]),
                previous=self._previous(round_, choice["kind"]),
            )  # fmt: skip
        try:
            new = apply_survey_import(db.session, round_, plan, g.user)
            db.session.commit()
        except (DomainError, SQLAlchemyError) as err:
            db.session.rollback()
            problem = getattr(err, "message", None) or _(
                "The record could not be saved; nothing was changed."
            )
            return self._page(409, choice=choice, problem=problem)
        flash(
            _(
                "%(kind)s: survey results of %(count)s units imported into %(round)s.",
                kind=kind_label(new.kind), count=new.rows, round=round_.name,
            ),
            "success",
        )  # fmt: skip
        return redirect(url_for("SurveyImportView.list"))

    @expose("/template.xlsx")
    @has_access
    def survey_template(self):
        """An Excel file to fill in: unit code, unit name, result; with `round_id`, the
        round's units already listed."""
        round_ = self._round({"round_id": _int(request.args.get("round_id"))})
        units = []
        if round_ is not None:
            units = (
                db.session.query(Unit.code, Unit.name)
                .join(round_unit, round_unit.c.unit_id == Unit.id)
                .filter(round_unit.c.round_id == round_.id)
                .order_by(Unit.name_sort, Unit.id)
                .all()
            )
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Kết quả điều tra"
        sheet.append(["Mã đơn vị", "Tên đơn vị", "Kết quả"])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for code, name in units:
            sheet.append([code, name, None])
        sheet.column_dimensions["A"].width = 14
        sheet.column_dimensions["B"].width = 40
        sheet.column_dimensions["C"].width = 12
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        workbook.save(buffer)
        name = "Mẫu kết quả điều tra" + (f" {round_.year}" if round_ is not None else "")
        return Response(
            buffer.getvalue(), mimetype=XLSX_MIMETYPE,
            headers={"Content-Disposition": content_disposition(name + ".xlsx")},
        )  # fmt: skip
