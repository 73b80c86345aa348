"""REST resources for assessments, score lines and evidence metadata.

Assessments and evidence are read-only here (evidence is uploaded on the score sheet). A score
line is changed only by PUT, which goes through app/domain/self_assessment.py like the sheet
and the generated form: 403 with the policy's reason, 422 with the validation message, 428
without the version read, 409 when someone else saved the line since that version (body
`version` or If-Match: app/api/versions.py).
"""

from flask import g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from app.api import versions
from app.api.base import AppModelApi, interface
from app.domain import line_versions, policy
from app.domain import self_assessment as sa
from app.domain.errors import DomainError
from app.extensions import db
from app.models import Assessment, Evidence, ScoreLine
from app.security import roles
from app.views.line_replies import busy_message
from app.views.scoring import AssessmentView, ScoreLineView

# What a PUT may carry; anything else is refused rather than silently ignored.
PUT_FIELDS = {"self_input", "explanation", "not_applicable", "not_applicable_reason", "version"}
# No `_info`: FAB would describe every column there (add_columns default to all of them).
READ = {"get", "get_list"}


class AssessmentApi(AppModelApi):
    resource_name = "assessment"
    class_permission_name = roles.ASSESSMENTS
    datamodel = interface(Assessment)
    screen = AssessmentView
    include_route_methods = READ
    label_columns = {
        "round_id": _l("Assessment round"),
        "unit_id": _l("Unit"),
        "status": _l("Status"),
        "submitted_at": _l("Submitted at"),
        "submitted_by_id": _l("Submitted by"),
    }
    list_columns = show_columns = [
        "id", "round_id", "unit_id", "status", "submitted_at", "submitted_by_id",
    ]  # fmt: skip
    search_columns = ["round", "unit", "status"]
    order_columns = ["id", "status", "submitted_at"]


class ScoreLineApi(AppModelApi):
    resource_name = "score_line"
    class_permission_name = roles.SCORE_LINES
    datamodel = interface(ScoreLine)
    screen = ScoreLineView
    include_route_methods = READ | {"put"}
    label_columns = {
        **{k: v for k, v in ScoreLineView.label_columns.items() if not k.endswith("_id")},
        "assessment_id": AssessmentView.show_title,
        "criterion_id": _l("Criterion"),
        "preparer_id": _l("Preparer"),
        "updated_by_id": _l("Updated by"),
    }
    list_columns = show_columns = [
        "id", "assessment_id", "criterion_id", "self_input", "self_points", "explanation",
        "not_applicable", "not_applicable_reason", "preparer_id", "version", "updated_at",
        "updated_by_id",
    ]  # fmt: skip
    # Documents the PUT body in the OpenAPI spec; put_headless reads it through the domain.
    edit_columns = [
        "self_input", "explanation", "not_applicable", "not_applicable_reason", "version",
    ]  # fmt: skip
    search_columns = ["assessment", "criterion", "not_applicable", "preparer_id"]
    order_columns = ["id", "updated_at", "self_points"]
    openapi_spec_methods = versions.put_spec(
        "ScoreLineApi", "Change the unit's score, explanation or not-applicable mark"
    )

    def put_headless(self, pk):
        """Change a line through the domain; never populates the model from the body."""
        try:
            line = self.datamodel.get(int(pk), self._base_filters)
        except (TypeError, ValueError):
            line = None
        if line is None:
            return self.response_404()
        body = request.get_json(silent=True) if request.is_json else None
        if not isinstance(body, dict):
            return self.response_400(message=_("Send a JSON object."))
        version, version_problems = versions.expected_version(body)
        problems = (
            {key: [_("Unknown field.")] for key in body if key not in PUT_FIELDS}
            | self._type_problems(body)
            | version_problems
        )
        if problems:
            return self.response_422(message=problems)
        decision = policy.check(g.user, policy.EDIT, line)
        if not decision:
            return self.response(403, message=decision.reason)
        if version is None:
            return self.response(428, message=versions.missing_message())
        line_id = line.id  # the line cannot be read after a failed flush, before a rollback
        try:
            with db.session.no_autoflush:
                self._apply(line, body, version)
            db.session.commit()
        except sa.ConflictError as err:
            db.session.rollback()
            return self._conflict(err)
        except DomainError as err:
            db.session.rollback()
            # The window may have closed between the check and the save: that is a refusal.
            decision = policy.check(g.user, policy.EDIT, line)
            if not decision:
                return self.response(403, message=decision.reason)
            return self.response(422, message=err.message, errors=err.errors)
        except StaleDataError:
            # Another save committed between our read and our write: report what it stored.
            err = line_versions.after_race(db.session, line_id, line_versions.SELF)
            return self._conflict(err) if err is not None else self.response_404()
        except SQLAlchemyError:
            db.session.rollback()
            return self.response(503, message=busy_message())
        return self.response(200, id=line.id, result=self.show_model_schema.dump(line, many=False))

    def _conflict(self, err):
        return self.response(409, message=err.message, current=err.shown, version=err.version)

    def get_headless(self, pk, **kwargs):
        """One line, with its version as the ETag (for If-Match)."""
        return versions.with_etag(super().get_headless(pk, **kwargs))

    @staticmethod
    def _type_problems(body):
        problems = {}
        for key in ("self_input", "explanation", "not_applicable_reason"):
            value = body.get(key)
            if value is not None and not isinstance(value, (str, int, float)):
                problems[key] = [_("Send text.")]
            if isinstance(value, bool):
                problems[key] = [_("Send text.")]
        if "not_applicable" in body and not isinstance(body["not_applicable"], bool):
            problems["not_applicable"] = [_("Send true or false.")]
        return problems

    @staticmethod
    def _apply(line, body, version):
        """Call the domain in the order the sheet does: mark, then score, then explanation;
        each checks `version` (nothing is flushed in between, so each sees the one read)."""
        # Whatever the body holds, a stale version changes nothing.
        line_versions.check(
            line, version, line_versions.EXPLANATION if set(body) <= {"explanation", "version"}
            else line_versions.SELF,
        )  # fmt: skip
        if "not_applicable" in body or "not_applicable_reason" in body:
            flag = body.get("not_applicable", line.not_applicable)
            reason = body.get("not_applicable_reason", line.not_applicable_reason)
            sa.set_not_applicable(db.session, line, flag, reason, g.user, expected_version=version)
        if "self_input" in body:
            raw = body["self_input"]
            sa.save_self_score(db.session, line, raw, g.user, expected_version=version)
        if "explanation" in body:
            sa.save_explanation(db.session, line, body["explanation"], g.user,
                                expected_version=version)  # fmt: skip


class EvidenceApi(AppModelApi):
    resource_name = "evidence"
    class_permission_name = roles.EVIDENCE
    datamodel = interface(Evidence)
    include_route_methods = READ
    label_columns = {
        "score_line_id": _l("Score line"),
        "kind": _l("Kind"),
        "original_name": _l("File name"),
        "size": _l("Size (bytes)"),
        "sha256": _l("SHA-256"),
        "mime_type": _l("Content type"),
        "url": _l("Link"),
        "signed": _l("Digitally signed"),
        "uploaded_at": _l("Uploaded at"),
    }
    list_columns = show_columns = [
        "id", "score_line_id", "kind", "original_name", "size", "sha256", "mime_type", "url",
        "signed", "uploaded_at",
    ]  # fmt: skip
    search_columns = ["score_line", "kind", "signed"]
    order_columns = ["id", "uploaded_at", "original_name"]


SCORING_APIS = [AssessmentApi, ScoreLineApi, EvidenceApi]
