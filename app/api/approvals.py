"""Step 4 in bulk over REST, as on the appraisal sheet (app/views/appraisal_sheet.py):

- POST /api/v1/appraisal_sheet/<assessment id>/approve_field {"criterion_id", "comment"?}:
  every line of that field (or criterion) of the unit that the caller's team decides;
- POST /api/v1/appraisal_sheet/<assessment id>/approve_unit {"comment"?}: every such line
  of the unit.

The same domain functions as the sheet (app/domain/approval.approve_field, approve_unit):
lines that may not be approved are skipped, each with its reason. 200 with what was
approved and skipped; 422 with `skipped` when no line could be approved; 404 for a unit's
sheet the caller may not see (ids reveal nothing); never a 500.
"""

from flask import g
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from app.api import api_answers as answers
from app.api.domain_api import whole
from app.api.plain_answers import PlainAnswers
from app.domain import approval, policy
from app.extensions import db
from app.models import Assessment, Criterion
from app.security import roles

_REPORT = {
    "approved": {"type": "integer"},
    "already": {"type": "integer", "description": "Lines found approved already"},
    "approved_ids": {"type": "array", "items": {"type": "integer"}},
    "skipped": {"type": "array", "items": {"type": "string"}},
}
_COMMENT = {"type": "string", "nullable": True, "description": "The leader's comment"}
_FIELD_BODY = {
    "type": "object",
    "required": ["criterion_id"],
    "properties": {
        "criterion_id": {"type": "integer", "description": "A field or criterion of the sheet"},
        "comment": _COMMENT,
    },
}
_UNIT_BODY = {"type": "object", "properties": {"comment": _COMMENT}}


def _spec(summary, body):
    operation = answers.spec(summary, body=body)
    post = operation["post"]
    post["responses"]["200"]["content"]["application/json"]["schema"]["properties"].update(_REPORT)
    skipped = {"type": "object", "properties": {"message": {}, **_REPORT}}
    post["responses"]["422"] = {
        "description": "A bad body, or no line could be approved (`skipped` says why)",
        "content": {"application/json": {"schema": skipped}},
    }
    return operation


class AppraisalApprovalApi(PlainAnswers, BaseApi):
    """The leader's approval of a whole field or a whole unit (the appraisal sheet's)."""

    resource_name = "appraisal_sheet"
    class_permission_name = roles.APPRAISAL_SHEETS
    method_permission_name = roles.METHOD_PERMISSIONS
    allow_browser_login = True
    openapi_spec_methods = {
        "approve_field": _spec(
            "Approve every line of a field the caller's team decides", _FIELD_BODY
        ),  # fmt: skip
        "approve_unit": _spec(
            "Approve every line of the unit the caller's team decides", _UNIT_BODY
        ),  # fmt: skip
    }

    @expose("/<int:pk>/approve_field", methods=["POST"])
    @protect()
    @safe
    def approve_field(self, pk):
        """Approve every line of a field (or criterion) of the unit's sheet.
        ---
        post:
          summary: Approve every line of a field the caller's team decides
        """
        body, problem = answers.read_body({"criterion_id", "comment"}, ("comment",))
        if problem is None and not whole(body.get("criterion_id")):
            problem = (422, {"criterion_id": [_("Send the id as a whole number.")]})
        if problem:
            return self.response(problem[0], message=problem[1])
        assessment = _assessment(pk)
        if assessment is None:
            return self.response_404()
        criterion = db.session.get(Criterion, body["criterion_id"])
        if criterion is None or criterion.framework_id != assessment.round.framework_id:
            return self.response(422, message=_("Choose a field or criterion of this sheet."))
        return self._answer(
            lambda: approval.approve_field(
                db.session, assessment, criterion, g.user, body.get("comment")
            )
        )

    @expose("/<int:pk>/approve_unit", methods=["POST"])
    @protect()
    @safe
    def approve_unit(self, pk):
        """Approve every line of the unit's sheet that is ready.
        ---
        post:
          summary: Approve every line of the unit the caller's team decides
        """
        body, problem = answers.read_body({"comment"}, ("comment",))
        if problem:
            return self.response(problem[0], message=problem[1])
        assessment = _assessment(pk)
        if assessment is None:
            return self.response_404()
        return self._answer(
            lambda: approval.approve_unit(db.session, assessment, g.user, body.get("comment"))
        )

    def _answer(self, run):
        try:
            report = run()
            ids = [line.id for line in report.approved]
            db.session.commit()
        except (StaleDataError, SQLAlchemyError):
            db.session.rollback()
            return self.response(409, message=_("Nothing was approved; reload and try again."))
        summary = dict(approved=len(ids), already=report.already, approved_ids=ids,
                       skipped=report.messages)  # fmt: skip
        if not ids and report.skipped:
            return self.response(422, message=_("No line could be approved."), **summary)
        return self.response(200, message=_("%(count)s lines approved.", count=len(ids)),
                             **summary)  # fmt: skip


def _assessment(pk):
    """The unit's assessment if the caller may see it, else None (as a missing one)."""
    assessment = db.session.get(Assessment, pk)
    if assessment is None or not policy.check(g.user, policy.VIEW, assessment):
        return None
    return assessment
