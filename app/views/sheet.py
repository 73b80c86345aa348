"""The score sheet (Phiếu tự chấm điểm): the list of a user's assessments, the page of one
assessment with autosave, explanations, not-applicable marks, in-unit assignment, submit,
withdraw and each line's history.

Every decision comes from app.domain.self_assessment / app.domain.policy; this module only
turns their answers into pages and JSON. The page reads the sheet with load_sheet() plus a
fixed number of queries (unit members, missing items), whatever the number of lines; a line's
panel (explanation, evidence) is fetched when the user opens it.
"""

import logging
import re
from functools import lru_cache

from flask import abort, current_app, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import has_access_api
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.domain import line_versions, policy
from app.domain import self_assessment as sa
from app.domain.clock import utcnow
from app.domain.errors import DomainError
from app.domain.scoring import format_points
from app.domain.sheet import load_sheet
from app.extensions import db
from app.models import AppUser, Assessment, AuditEvent, Criterion, Round, ScoreLine
from app.security import roles
from app.views import sheet_page as pages
from app.views.line_replies import (
    busy_message,
    conflict_data,
    conflict_reply,
    race_reply,
    save_failed_reply,
)
from app.views.sheet_list import list_context
from app.views.sheet_rows import assign_options, render_line_rows

log = logging.getLogger(__name__)


def _wants_json():
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.is_json or best == "application/json"


def _reply(status, **data):
    return jsonify(data), status


def _payload():
    """The JSON body (an object) or the form, so scripts and plain forms use the same URLs."""
    data = request.get_json(silent=True) if request.is_json else None
    return data if isinstance(data, dict) else request.form


def _version(payload):
    """The version the browser loaded (None when not sent); ValueError when not a number."""
    value = payload.get("version")
    if value in (None, ""):
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not re.fullmatch(r"[0-9]{1,9}", text):
        raise ValueError(value)
    return int(text)


def _not_found_message():
    return _("This line does not exist or you may not see it.")


def _flag(value):
    return str(value).strip().lower() in ("1", "true", "on", "yes")


@lru_cache(maxsize=1)
def _line_query():
    """One score line in one query, with what every write asks about: its assessment, the
    round and the window's grants, the criterion. A choice or tiers rule loads its options or
    tiers when scoring reads them (one query more); most lines are plain numbers, which need
    neither. Built once (the same statement object also spares SQLAlchemy its cache-key work
    at each autosave)."""
    return (
        select(ScoreLine)
        .options(
            joinedload(ScoreLine.assessment).joinedload(Assessment.round).joinedload(Round.grants),
            joinedload(ScoreLine.criterion),
        )
        .where(ScoreLine.id == bindparam("line_id"))
    )


class ScoreSheetView(BaseView):
    """/sheet/: my assessments; /sheet/<id>: the score sheet of one assessment."""

    route_base = "/sheet"
    default_view = "sheet"
    class_permission_name = roles.SCORE_SHEETS
    method_permission_name = roles.METHOD_PERMISSIONS
    list_template = "sheet_list.html"
    page_template = "sheet.html"
    history_template = "sheet_history.html"
    panel_template = "sheet_panel.html"
    page_size = 50

    # -- loading rows the user may see --------------------------------------------------------

    def _assessment(self, assessment_id):
        assessment = db.session.get(
            Assessment,
            assessment_id,
            options=[
                joinedload(Assessment.round).joinedload(Round.grants),
                joinedload(Assessment.unit),
            ],
        )
        # Another unit's sheet answers like a missing one: ids must not reveal other units.
        if assessment is None or not policy.check(g.user, policy.VIEW, assessment):
            abort(404)
        return assessment

    def _line(self, line_id):
        """The line (with its assessment and round loaded) or None if missing or not visible."""
        line = db.session.execute(_line_query(), {"line_id": line_id}).unique().scalar()
        if line is None or not policy.check(g.user, policy.VIEW, line):
            return None
        return line

    def _sheet_url(self, assessment_id):
        return url_for("ScoreSheetView.sheet", assessment_id=assessment_id)

    # -- pages ----------------------------------------------------------------------------------

    @expose("/")
    @expose("/<int:assessment_id>")
    @has_access
    def sheet(self, assessment_id=None):
        """Without an id: the assessments the user may see. With one: that score sheet
        (HTML), or its totals as JSON when the browser asks for JSON (after an upload)."""
        if assessment_id is None:
            return self._list()
        assessment = self._assessment(assessment_id)
        line_id = request.args.get("line", type=int)
        if line_id is not None:
            return self._panel(assessment, line_id)
        if _wants_json():
            return _reply(200, ok=True, **pages.sheet_state(db.session, assessment))
        return self._page(assessment)

    def _panel(self, assessment, line_id):
        """?line=<id>: the panel of one line of this sheet, an HTML fragment."""
        line = self._line(line_id)
        if line is None or line.assessment_id != assessment.id:
            abort(404)
        context = pages.panel_context(db.session, g.user, line, utcnow())
        context.update(token=generate_csrf(), base=url_for("ScoreSheetView.sheet"))
        return self.render_template(self.panel_template, **context)

    def _list(self):
        context = list_context(db.session, g.user, self.page_size)
        return self.render_template(self.list_template, **context)

    def _page(self, assessment, submit_errors=None, status=200):
        sheet = load_sheet(db.session, assessment)
        show = request.args.get("show", "all")
        context = pages.page_context(db.session, g.user, assessment, sheet, utcnow(), show)
        base = url_for("ScoreSheetView.sheet")
        env = current_app.jinja_env
        render_line_rows(context["rows"], context["t"], base, assessment.id, env)
        if context["is_leader"]:
            context["assign_options"] = assign_options(context["rows"], env)
        context.update(
            submit_errors=submit_errors or [],
            pts=format_points,
            token=generate_csrf(),
            base=base,
        )
        return self.render_template(self.page_template, **context), status

    # -- autosave and the line's own fields -----------------------------------------------------

    @expose("/line/<int:line_id>/score", methods=["POST"])
    @has_access_api
    def autosave(self, line_id):
        """Save one typed score: 200 with the new totals, 403 refused, 422 invalid input,
        409 someone else saved the line meanwhile. The line keeps its value on any error."""
        line = self._line(line_id)
        if line is None:
            return _reply(404, ok=False, error=_not_found_message())
        decision = sa.line_edit_decision(g.user, line)
        if not decision:
            return _reply(403, ok=False, error=decision.reason)
        payload = _payload()
        if "value" not in payload:
            return _reply(422, ok=False, error=_("Nothing to save."))
        try:
            expected = _version(payload)
        except ValueError:
            return _reply(422, ok=False, error=_("The page is out of date; reload it."))
        try:
            result = sa.save_self_score(
                db.session, line, payload.get("value"), g.user, expected_version=expected
            )
            # The totals are read inside the transaction, after the flush: the committed rows
            # would otherwise be loaded again.
            db.session.flush()
            data = pages.line_state(db.session, line)
            db.session.commit()
        except sa.ConflictError as err:
            db.session.rollback()
            return conflict_reply(err)
        except DomainError as err:
            db.session.rollback()
            return _reply(422, ok=False, error=err.message)
        except StaleDataError:
            return race_reply(line_id, line_versions.SELF)
        except SQLAlchemyError:
            return save_failed_reply(line_id)
        data["points"] = format_points(result.points)
        return _reply(200, ok=True, **data)

    @expose("/line/<int:line_id>", methods=["POST"])
    @has_access_api
    def save_line(self, line_id):
        """Save the explanation ({explanation}) or the not-applicable mark ({not_applicable,
        reason}) of one line. JSON in, JSON out; a plain form gets a redirect and a flash."""
        line = self._line(line_id)
        if line is None:
            return self._line_answer(None, 404, _not_found_message())
        decision = sa.line_edit_decision(g.user, line)
        if not decision:
            return self._line_answer(line, 403, decision.reason)
        payload = _payload()
        try:
            expected = _version(payload)
        except ValueError:
            return self._line_answer(line, 422, _("The page is out of date; reload it."))
        what = line_versions.SELF if "not_applicable" in payload else line_versions.EXPLANATION
        try:
            if "not_applicable" in payload:
                flag = _flag(payload.get("not_applicable"))
                reason = payload.get("reason")
                sa.set_not_applicable(
                    db.session, line, flag, reason, g.user, expected_version=expected
                )
                message = _("Marked not applicable.") if flag else _("The mark was cleared.")
            elif "explanation" in payload:
                sa.save_explanation(
                    db.session, line, payload.get("explanation"), g.user, expected_version=expected
                )
                message = _("Explanation saved.")
            else:
                return self._line_answer(line, 422, _("Nothing to save."))
            db.session.flush()
            data = pages.line_state(db.session, line) if _wants_json() else {}
            db.session.commit()
        except sa.ConflictError as err:
            db.session.rollback()
            return self._line_answer(line, 409, err.message, conflict_data(err))
        except DomainError as err:
            db.session.rollback()
            return self._line_answer(line, 422, err.message)
        except StaleDataError:
            err = line_versions.after_race(db.session, line_id, what)
            if err is None:
                return self._line_answer(None, 404, _not_found_message())
            return self._line_answer(line, 409, err.message, conflict_data(err))
        except SQLAlchemyError:
            if _wants_json():
                return save_failed_reply(line_id)
            db.session.rollback()
            return self._line_answer(line, 503, busy_message())
        return self._line_answer(line, 200, message, data)

    def _line_answer(self, line, status, message, data=None):
        if _wants_json():
            if status != 200:
                return _reply(status, ok=False, error=str(message), **(data or {}))
            return _reply(200, ok=True, message=str(message), **(data or {}))
        flash(str(message), "success" if status == 200 else "danger")
        if line is None:
            return redirect(url_for("ScoreSheetView.sheet"))
        return redirect(self._sheet_url(line.assessment_id) + f"#line-{line.id}")

    @expose("/line/<int:line_id>/history")
    @has_access_api
    def history(self, line_id):
        """The change log of one line: an HTML fragment for the page, or JSON."""
        line = self._line(line_id)
        if line is None:
            return _reply(404, ok=False, error=_not_found_message())
        events = (
            db.session.query(AuditEvent)
            .options(joinedload(AuditEvent.user))
            .filter(AuditEvent.entity == "score_line", AuditEvent.entity_id == line.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(200)
            .all()
        )
        items = [pages.history_item(event) for event in events]
        if _wants_json():
            return _reply(200, ok=True, events=items)
        return self.render_template(self.history_template, events=items)

    # -- the leader's actions -------------------------------------------------------------------

    @expose("/<int:assessment_id>/assign", methods=["POST"])
    @has_access
    def assign(self, assessment_id):
        """Give a field, criterion or sub-criterion (with everything under it) to a person."""
        assessment = self._assessment(assessment_id)
        criterion = db.session.get(Criterion, request.form.get("criterion_id", type=int) or 0)
        if criterion is None or criterion.framework_id != assessment.round.framework_id:
            flash(_("Choose a field, criterion or sub-criterion of this sheet."), "danger")
            return redirect(self._sheet_url(assessment.id))
        user_id = request.form.get("user_id", type=int)
        assignee = None
        if user_id:
            assignee = db.session.get(
                AppUser, user_id, options=[selectinload(AppUser.roles), joinedload(AppUser.unit)]
            )
            if assignee is None:
                flash(_("Choose a person of your unit."), "danger")
                return redirect(self._sheet_url(assessment.id))
        try:
            count = sa.assign_lines(db.session, assessment, criterion, assignee, g.user)
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "danger")
            return redirect(self._sheet_url(assessment.id))
        if assignee is None:
            flash(_("%(code)s: %(count)s lines unassigned.", code=criterion.code, count=count))
        else:
            flash(
                _(
                    "%(code)s: %(count)s lines assigned to %(name)s.",
                    code=criterion.code, count=count, name=assignee.get_full_name(),
                ),
                "success",
            )  # fmt: skip
        return redirect(self._sheet_url(assessment.id))

    @expose("/<int:assessment_id>/submit", methods=["POST"])
    @has_access
    def submit(self, assessment_id):
        """Submit the self-assessment; if something is missing, the page lists it."""
        assessment = self._assessment(assessment_id)
        try:
            sa.submit(db.session, assessment, g.user)
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "danger")
            errors = err.errors if err.errors != [err.message] else []
            return self._page(self._assessment(assessment_id), submit_errors=errors, status=422)
        flash(_("The self-assessment has been submitted."), "success")
        return redirect(self._sheet_url(assessment.id))

    @expose("/<int:assessment_id>/withdraw", methods=["POST"])
    @has_access
    def withdraw(self, assessment_id):
        """Take a submission back to draft (before the deadline)."""
        assessment = self._assessment(assessment_id)
        try:
            sa.withdraw(db.session, assessment, g.user)
            db.session.commit()
            flash(_("The submission was withdrawn; the sheet is a draft again."), "success")
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "danger")
        return redirect(self._sheet_url(assessment.id))
