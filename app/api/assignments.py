"""REST resource of the appraisal's assignments (app/domain/assignment.py): list and get in
the caller's scope (the teams they belong to); POST a plan, all together, or only its preview
("preview": true); DELETE takes an assignment back (its team's leader), logged."""

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import SQLAlchemyError

from app.api.base import interface
from app.api.domain_api import NOT_SAVED, READ, DomainApi, body_of, unknown_fields, whole
from app.domain import assignment as assignment_domain
from app.domain import membership, policy
from app.domain.errors import DomainError
from app.extensions import db
from app.models import AppraisalTeam, AppUser, Assignment, Criterion, Round
from app.models.appraisal import ASSIGNMENT_KINDS
from app.security import roles

# --- assignments --------------------------------------------------------------------------------


class AssignmentPostSchema(Schema):
    round_id = fields.Integer(required=True)
    team_id = fields.Integer(required=True)
    unit_ids = fields.List(fields.Integer(), required=True)
    criterion_id = fields.Integer(required=True, metadata={"description": "Root of the subtree"})
    user_id = fields.Integer(required=True, metadata={"description": "The member assigned"})
    kind = fields.String(required=True, validate=validate.OneOf(ASSIGNMENT_KINDS))
    preview = fields.Boolean(metadata={"description": "Only show the plan, change nothing"})


_ASSIGNMENT_FIELDS = {"round_id", "team_id", "unit_ids", "criterion_id", "user_id", "kind",
                      "preview"}  # fmt: skip


def plan_json(plan):
    """What an assignment plan does, per unit, as the preview shows it."""
    return {
        "ok": plan.ok,
        "lines": plan.lines,
        "problems": [str(p) for p in plan.problems],
        "units": [
            {
                "unit_id": item.unit_id, "unit_name": item.unit_name, "lines": item.lines,
                "replaces": [a.id for a in item.replaces if a is not item.existing],
                "unchanged": item.unchanged, "refusals": [str(r) for r in item.refusals],
            }
            for item in plan.units
        ],
    }  # fmt: skip


class AssignmentApi(DomainApi):
    resource_name = "assignment"
    class_permission_name = roles.ASSIGNMENTS
    datamodel = interface(Assignment)
    include_route_methods = READ | {"post", "delete"}
    label_columns = {
        "round_id": _l("Assessment round"), "team_id": _l("Appraisal team"),
        "unit_id": _l("Unit"), "criterion_id": _l("Field, criterion or sub-criterion"),
        "kind": _l("Task"), "user_id": _l("Assigned to"), "assigned_by_id": _l("Assigned by"),
        "assigned_at": _l("Assigned at"),
    }  # fmt: skip
    list_columns = show_columns = [
        "id", "round_id", "team_id", "unit_id", "criterion_id", "kind", "user_id",
        "assigned_by_id", "assigned_at",
    ]  # fmt: skip
    add_model_schema = AssignmentPostSchema()
    # The round or team sent is not one the caller can see: 404, as a row out of scope.
    extra_responses = {"post": [404]}
    search_columns = ["round", "team", "unit", "criterion", "kind", "user"]
    order_columns = ["id", "assigned_at"]

    def post_headless(self):
        """Preview or apply an assignment of units x a subtree to a member, all together."""
        body = body_of()
        if body is None:
            return self.response_400(message=_("Send a JSON object."))
        problems = unknown_fields(body, _ASSIGNMENT_FIELDS)
        for key in ("round_id", "team_id", "criterion_id", "user_id"):
            if not whole(body.get(key)):
                problems[key] = [_("Send the id as a whole number.")]
        units = body.get("unit_ids")
        if not isinstance(units, list) or not all(whole(u) for u in units):
            problems["unit_ids"] = [_("Send the units' ids as a list of whole numbers.")]
        if body.get("kind") not in ASSIGNMENT_KINDS:
            problems["kind"] = [_("Choose whether the member scores (support) or appraises "
                                  "the lines.")]  # fmt: skip
        if "preview" in body and not isinstance(body["preview"], bool):
            problems["preview"] = [_("Send true or false.")]
        if problems:
            return self.response_422(message=problems)
        decision = policy.check(g.user, policy.CREATE, model=Assignment)
        if not decision:
            return self.response(403, message=decision.reason)
        round_ = db.session.get(Round, body["round_id"])
        team = db.session.get(AppraisalTeam, body["team_id"])
        if round_ is None or not policy.check(g.user, policy.VIEW, round_) or team is None:
            return self.response_404()
        if not membership.is_leader(db.session, team, g.user):
            return self.response(
                403, message=_("Only the leader of %(team)s may assign its work.", team=team.name)
            )
        criterion = db.session.get(Criterion, body["criterion_id"])
        member = db.session.get(AppUser, body["user_id"])
        args = (db.session, round_, team, units, criterion, member, body["kind"], g.user)
        if body.get("preview"):
            plan = assignment_domain.plan_assignment(*args)
            return self.response(200, result=plan_json(plan))
        try:
            plan = assignment_domain.apply_assignment(*args)
            ids = [
                row.id
                for row in db.session.query(Assignment).filter(
                    Assignment.round_id == round_.id, Assignment.criterion_id == criterion.id,
                    Assignment.kind == body["kind"], Assignment.unit_id.in_(units),
                )
            ]  # fmt: skip
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            return self.response(422, message=err.message, errors=err.errors)
        except SQLAlchemyError:
            db.session.rollback()
            return self.response(409, message=str(NOT_SAVED))
        return self.response(201, ids=ids, result=plan_json(plan))

    def delete_headless(self, pk):
        """Take an assignment back (its team's leader), logged."""
        item = self._get(pk)
        if item is None:
            return self.response_404()
        try:
            assignment_domain.remove_assignment(db.session, item, g.user)
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            return self.response(403, message=err.message)
        except SQLAlchemyError:
            db.session.rollback()
            return self.response(409, message=str(NOT_SAVED))
        return self.response(200, message=_("The assignment was taken back."))
