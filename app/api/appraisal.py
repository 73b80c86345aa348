"""REST resources of the appraisal: assignments, the appraisal values of the score lines and
the council's supplement requests. JWT as every API; rows scoped by the policy (a row out of
the caller's scope answers 404); every write goes through the domain functions the screens
use: 403 with the refusal's reason, 422 with what is wrong in the body, 409 when the line
changed since the `version` sent. Never a 500 for anything a client sends.

- appraisal_line: PUT {"step": "support" | "appraise" | "approve" | "return", "value",
  "comment", "version"} (app/domain/appraisal.py, approval.py); the version read is
  required, in the body or as If-Match (app/api/versions.py);
- assignment: POST a plan (app/domain/assignment.py: "preview": true only shows it),
  DELETE takes an assignment back;
- supplement_request: POST {"score_line_id", "reason"} by the council, PUT {"response"} by
  the unit (app/domain/supplement.py).
"""

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from app.api import versions
from app.api.assignments import AssignmentApi
from app.api.base import interface
from app.api.domain_api import (
    NOT_SAVED,
    READ,
    DomainApi,
    body_of,
    text_problem,
    unknown_fields,
    whole,
)
from app.domain import appraisal, approval, line_versions, policy, supplement
from app.domain.errors import DomainError
from app.domain.self_assessment import ConflictError
from app.extensions import db
from app.models import (
    ScoreLine,
    SupplementRequest,
)
from app.security import roles
from app.views.line_replies import busy_message

STEPS = ("support", "appraise", "approve", "return")
# What a conflict on each step shows: the value that step works on.
STEP_VALUES = {
    "support": line_versions.SUPPORT,
    "appraise": line_versions.APPRAISED,
    "approve": line_versions.DECISION,
    "return": line_versions.DECISION,
}


# --- appraisal values -------------------------------------------------------------------------


class AppraisalPutSchema(Schema):
    step = fields.String(
        required=True, validate=validate.OneOf(STEPS),
        metadata={"description": "support: step 2; appraise: step 3; approve, return: step 4"},
    )  # fmt: skip
    value = fields.String(
        allow_none=True,
        metadata={"description": "The score as typed (support; appraise: empty accepts)"},
    )
    comment = fields.String(allow_none=True, metadata={"description": "Comment or reason"})
    version = fields.Integer(
        allow_none=True,
        metadata={"description": "The version read (or send If-Match); required, see below"},
    )


class AppraisalLineApi(DomainApi):
    resource_name = "appraisal_line"
    class_permission_name = roles.APPRAISAL_SHEETS
    datamodel = interface(ScoreLine)
    include_route_methods = READ | {"put"}
    label_columns = {
        "assessment_id": _l("Self-assessment"), "criterion_id": _l("Criterion"),
        "appraisal_state": _l("State"), "appraisal_cycle": _l("Cycle"),
        "not_applicable": _l("Not applicable"), "self_points": _l("Self score"),
        "support_input": _l("Support score (as typed)"), "support_points": _l("Support score"),
        "support_comment": _l("Support comment"), "support_by_id": _l("Scored by"),
        "support_at": _l("Scored at"), "appraised_input": _l("Appraised score (as typed)"),
        "appraised_points": _l("Appraised score"), "appraisal_comment": _l("Appraiser's comment"),
        "appraised_by_id": _l("Appraised by"), "appraised_at": _l("Appraised at"),
        "approved_points": _l("Approved score"), "approval_comment": _l("Leader's comment"),
        "approved_by_id": _l("Approved by"), "approved_at": _l("Approved at"),
        "version": _l("Version"),
    }  # fmt: skip
    list_columns = show_columns = [
        "id", "assessment_id", "criterion_id", "appraisal_state", "appraisal_cycle",
        "not_applicable", "self_points", "support_input", "support_points", "support_comment",
        "support_by_id", "support_at", "appraised_input", "appraised_points",
        "appraisal_comment", "appraised_by_id", "appraised_at", "approved_points",
        "approval_comment", "approved_by_id", "approved_at", "version",
    ]  # fmt: skip
    edit_model_schema = AppraisalPutSchema()
    openapi_spec_methods = versions.put_spec(
        "AppraisalLineApi", "Steps 2 to 4 on one line: support, appraise, approve or return"
    )
    search_columns = ["assessment", "criterion", "appraisal_state", "appraisal_cycle"]
    order_columns = ["id", "appraisal_state", "support_at", "appraised_at", "approved_at"]

    def put_headless(self, pk):
        """Steps 2 to 4 on one line through the domain; never populates it from the body."""
        line = self._get(pk)
        if line is None:
            return self.response_404()
        body = body_of()
        if body is None:
            return self.response_400(message=_("Send a JSON object."))
        problems = unknown_fields(body, {"step", "value", "comment", "version"})
        if body.get("step") not in STEPS:
            problems["step"] = [_("Say which step: support, appraise, approve or return.")]
        value = body.get("value")
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (str, int, float))
        ):
            problems["value"] = [_("Send text.")]  # fmt: skip
        problems |= text_problem(body, "comment")
        version, version_problems = versions.expected_version(body)
        problems |= version_problems
        if problems:
            return self.response_422(message=problems)
        step, comment = body["step"], body.get("comment")
        decision = self._decision(step, line)
        if not decision:
            return self.response(403, message=decision.reason)
        if version is None:
            return self.response(428, message=versions.missing_message())
        line_id = line.id  # the line cannot be read after a failed flush, before a rollback
        try:
            with db.session.no_autoflush:
                self._apply(step, line, value, comment, version)
            db.session.flush()
        except ConflictError as err:
            db.session.rollback()
            return self._conflict(err)
        except DomainError as err:
            db.session.rollback()
            return self.response(422, message=err.message, errors=err.errors)
        except StaleDataError:
            # Another save committed between our read and our write: report what it stored.
            err = line_versions.after_race(db.session, line_id, STEP_VALUES[step])
            return self._conflict(err) if err is not None else self.response_404()
        except SQLAlchemyError:
            db.session.rollback()
            return self.response(503, message=busy_message())
        return self._commit(line)

    def _conflict(self, err):
        return self.response(409, message=err.message, current=err.shown, version=err.version)

    def get_headless(self, pk, **kwargs):
        """One line, with its version as the ETag (for If-Match)."""
        return versions.with_etag(super().get_headless(pk, **kwargs))

    @staticmethod
    def _decision(step, line):
        session, user = db.session, g.user
        if step == "support":
            return appraisal.support_decision(session, user, line)
        if step == "appraise":
            return appraisal.appraise_decision(session, user, line)
        if step == "approve":
            return approval.approve_decision(session, user, line)
        return approval.return_decision(session, user, line)

    @staticmethod
    def _apply(step, line, value, comment, version):
        session, user = db.session, g.user
        raw = None if value is None else str(value)
        if step == "support":
            appraisal.save_support_score(session, line, raw, comment, user,
                                         expected_version=version)  # fmt: skip
        elif step == "appraise":
            appraisal.appraise(session, line, user, raw=raw, comment=comment,
                               expected_version=version)  # fmt: skip
        elif step == "approve":
            approval.approve_line(session, line, user, comment, expected_version=version)
        else:
            approval.return_line(session, line, user, comment, expected_version=version)


# --- supplement requests ------------------------------------------------------------------------


class RequestPostSchema(Schema):
    score_line_id = fields.Integer(required=True, metadata={"description": "An approved line"})
    reason = fields.String(required=True, metadata={"description": "What the unit must add"})


class RequestPutSchema(Schema):
    response = fields.String(required=True, metadata={"description": "The unit's answer"})


class SupplementRequestApi(DomainApi):
    resource_name = "supplement_request"
    class_permission_name = roles.SUPPLEMENT_REQUESTS
    datamodel = interface(SupplementRequest)
    include_route_methods = READ | {"post", "put"}
    label_columns = {
        "round_id": _l("Assessment round"), "score_line_id": _l("Line"),
        "reason": _l("What the council asks for"), "status": _l("Status"),
        "requested_by_id": _l("Requested by"), "requested_at": _l("Requested at"),
        "response": _l("The unit's answer"), "responded_by_id": _l("Answered by"),
        "responded_at": _l("Answered at"), "closed_at": _l("Closed at"),
    }  # fmt: skip
    list_columns = show_columns = [
        "id", "round_id", "score_line_id", "reason", "status", "requested_by_id",
        "requested_at", "response", "responded_by_id", "responded_at", "closed_at",
    ]  # fmt: skip
    add_model_schema = RequestPostSchema()
    # The score line sent is not one the caller can see: 404, as a row out of scope.
    extra_responses = {"post": [404]}
    edit_model_schema = RequestPutSchema()
    search_columns = ["round", "score_line", "status"]
    order_columns = ["id", "requested_at", "responded_at"]

    def post_headless(self):
        """The council asks the unit for a supplement on one approved line."""
        body = body_of()
        if body is None:
            return self.response_400(message=_("Send a JSON object."))
        problems = unknown_fields(body, {"score_line_id", "reason"}) | text_problem(body, "reason")
        if not whole(body.get("score_line_id")):
            problems["score_line_id"] = [_("Send the id as a whole number.")]
        if problems:
            return self.response_422(message=problems)
        decision = policy.check(g.user, policy.CREATE, model=SupplementRequest)
        if not decision:
            return self.response(403, message=decision.reason)
        line = db.session.get(ScoreLine, body["score_line_id"])
        if line is None or not policy.check(g.user, policy.VIEW, line):
            return self.response_404()
        decision = supplement.request_decision(db.session, g.user, line)
        if not decision:
            return self.response(403, message=decision.reason)
        try:
            item = supplement.request_supplement(db.session, line, body.get("reason"), g.user)
            db.session.flush()
        except DomainError as err:
            db.session.rollback()
            return self.response(422, message=err.message)
        except SQLAlchemyError:
            db.session.rollback()
            return self.response(409, message=str(NOT_SAVED))
        return self._commit(item, status=201)

    def put_headless(self, pk):
        """The unit answers the request, inside the supplement window."""
        item = self._get(pk)
        if item is None:
            return self.response_404()
        body = body_of()
        if body is None:
            return self.response_400(message=_("Send a JSON object."))
        problems = unknown_fields(body, {"response"}) | text_problem(body, "response")
        if problems:
            return self.response_422(message=problems)
        decision = supplement.respond_decision(g.user, item)
        if not decision:
            return self.response(403, message=decision.reason)
        try:
            supplement.respond(db.session, item, body.get("response"), g.user)
        except DomainError as err:
            db.session.rollback()
            return self.response(422, message=err.message)
        return self._commit(item)


APPRAISAL_APIS = [AssignmentApi, AppraisalLineApi, SupplementRequestApi]
