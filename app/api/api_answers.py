"""What the REST actions (POST /<resource>/<pk>/<verb>) share: the JSON body read without
trusting it, the answer of a domain refusal, and the OpenAPI text of their answers (the
shared 400/401/403/404/422 are added by app/api/openapi.py to every operation)."""

from flask_babel import gettext as _

from app.api.domain_api import body_of, text_problem, unknown_fields

# The body of an action that needs nothing more than its row (a JSON object all the same).
EMPTY = {"type": "object", "properties": {}}
# A round as the action answers it (enough to see what changed).
ROUND_STATE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "phase": {"type": "string"},
        "locked": {"type": "boolean"},
    },
}


def read_body(allowed, texts=()):
    """(body, None) or (None, (status, message)): a JSON object with only `allowed` keys,
    the `texts` among them strings."""
    body = body_of()
    if body is None:
        return None, (400, _("Send a JSON object."))
    problems = unknown_fields(body, allowed)
    for key in texts:
        problems |= text_problem(body, key)
    if problems:
        return None, (422, problems)
    return body, None


def round_state(round_):
    return {"id": round_.id, "phase": round_.phase, "locked": bool(round_.locked)}


def spec(summary, body=None, result=None, refused="Refused: the message says why"):
    """The YAML-free OpenAPI operation of a POST action on one row (path `pk`)."""
    properties = {"message": {"type": "string"}}
    if result is not None:
        properties["result"] = result
    operation = {
        "summary": summary,
        "parameters": [
            {"in": "path", "name": "pk", "required": True, "schema": {"type": "integer"}}
        ],
        "responses": {
            "200": {
                "description": "Done",
                "content": {
                    "application/json": {"schema": {"type": "object", "properties": properties}}
                },
            },
            "403": _refusal(refused),
            "409": _refusal("The database refused the change: nothing was saved"),
        },
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    return {"post": operation}


def _refusal(description):
    schema = {
        "type": "object",
        "properties": {
            "message": {
                "anyOf": [{"type": "string"}, {"type": "array", "items": {}}, {"type": "object"}]
            },  # fmt: skip
            "errors": {"type": "array", "items": {"type": "string"}},
        },
    }
    return {"description": description, "content": {"application/json": {"schema": schema}}}
