"""The version a REST client read, on every PUT of a score line (optimistic locking).

A PUT must say which version of the line it changes, in the body's `version` field or in an
`If-Match` header holding the ETag that GET returned (`"7"`; both may be sent if equal). Without
one the answer is 428 and nothing changes: a client that never read the line cannot overwrite
what someone else saved. A version that is no longer the line's answers 409 with what the line
now holds (`current`) and its version now (`version`); read it, decide, send again.
"""

import re

from flask import request
from flask_babel import gettext as _

_TAG = re.compile(r'^(?:"([0-9]{1,9})"|([0-9]{1,9}))$')

DESCRIPTION = (
    "Optimistic locking: send the version you read, in the body's `version` or in the "
    '`If-Match` header (the ETag of GET, e.g. `"7"`). Without it: 428, nothing changed. '
    "When someone else saved the line since: 409 with `message` (what it now holds), "
    "`current` and `version`; nothing of this request is applied."
)


def _if_match():
    """(version or None, problem or None) from the If-Match header."""
    header = request.headers.get("If-Match")
    if header is None:
        return None, None
    found = _TAG.match(header.strip())
    if not found:
        return None, _('Send If-Match as the ETag read, e.g. "7".')
    return int(found.group(1) or found.group(2)), None


def expected_version(body):
    """(version, {field: [problem]}) of a PUT: the body's `version` and the If-Match header,
    which must agree when both are sent. The version is None when neither was sent."""
    value = body.get("version")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        return None, {"version": [_("Send the line's version as a whole number.")]}
    header, problem = _if_match()
    if problem:
        return None, {"If-Match": [problem]}
    if value is not None and header is not None and value != header:
        return None, {"version": [_("The version in the body and in If-Match differ.")]}
    return (value if value is not None else header), {}


def missing_message():
    return _("Send the version you read: the field version or the header If-Match.")


def with_etag(response):
    """A GET of one line answers its version as a strong ETag, for If-Match."""
    if response.status_code == 200:
        version = (response.get_json(silent=True) or {}).get("result", {}).get("version")
        if isinstance(version, int):
            response.set_etag(str(version))
    return response


def _answer(description, **properties):
    schema = {"type": "object", "properties": {"message": {}, **properties}}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def put_spec(class_name, summary):
    """openapi_spec_methods for a ModelRestApi's PUT with a version: FAB's own answers plus
    the If-Match header, 403, 409, 428 and 503."""
    refs = {str(code): {"$ref": f"#/components/responses/{code}"} for code in (400, 401, 404)}
    refs["422"] = {"$ref": "#/components/responses/422"}
    schema_ref = {"$ref": f"#/components/schemas/{class_name}.put"}
    return {
        "put": {
            "put": {
                "summary": summary,
                "description": DESCRIPTION,
                "parameters": [
                    {"in": "path", "name": "pk", "required": True, "schema": {"type": "integer"}},
                    {
                        "in": "header",
                        "name": "If-Match",
                        "required": False,
                        "description": 'The ETag of GET (the line\'s version), e.g. "7".',
                        "schema": {"type": "string"},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": schema_ref}},
                },
                "responses": {
                    "200": {
                        "description": "Saved; the line as stored, with its new version",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"id": {"type": "integer"}, "result": {}},
                                }
                            }
                        },
                    },
                    **refs,
                    "403": _answer("Refused: the message says why"),
                    "409": _answer(
                        "Someone else saved the line since the version sent: nothing applied",
                        current={"type": "string"},
                        version={"type": "integer", "nullable": True},
                    ),
                    "428": _answer("No version sent (body `version` or If-Match)"),
                    "503": _answer("The database is busy: nothing saved, try again"),
                },
            }
        }
    }
