"""The OpenAPI spec at /api/v1/_openapi, said as the API really answers.

FAB builds it from each method's docstring; the docstrings leave out answers every operation
can give and mistype a few fields. Corrected here once for every resource, FAB's own included
(schemathesis checks every response against it: tools/api_fuzz.py):

- every protected operation can answer 401 and 422 (flask-jwt-extended: no token, a
  malformed one) and 403 (no permission, or the policy's refusal with its reason);
- 400 wherever a `q` or a body is read (app/api/guards.py), 404 wherever a path names a row;
- a list's `page` and `page_size` start at 0;
- `message` is a string, a list of reasons or {field: [problems]} (FAB's 422 and ours);
- ids are integers here (FAB types them as strings), `_info`'s add_columns and edit_columns
  are lists, and the menu's items may be a separator ("-");
- decimals (points) are sent as text ("8.50", exact), and times as UTC without an offset
  ("2025-10-23T10:00:00"), not RFC 3339 date-times; related rows nested by FAB's security API
  are lists (roles, groups) or one row or null (created_by).
"""

from flask import current_app
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.api.manager import OpenApi as FabOpenApi
from flask_appbuilder.api.manager import SwaggerView
from marshmallow import fields

ANY_MESSAGE = {
    "anyOf": [
        {"type": "string"},
        {"type": "array", "items": {}},
        {"type": "object"},
    ]
}
METHODS = ("get", "put", "post", "delete", "patch")
ROW_PARAMS = {"pk", "role_id"}


def _field_as_sent(self, field, ret):
    """apispec attribute function: the JSON the API really writes for decimals and times."""
    if isinstance(field, fields.Decimal):
        ret.pop("format", None)
        return {"type": "string", "format": "decimal"}
    if isinstance(field, (fields.DateTime, fields.NaiveDateTime)):
        ret.pop("format", None)
        return {"description": f"{ret.get('description', '')} (UTC, ISO 8601)".strip()}
    if isinstance(field, fields.Nested) and not isinstance(field, fields.Pluck):
        return _nested_as_sent(field, ret)
    return {}


def _nested_as_sent(field, ret):
    """FAB nests related rows with `many` on the field, where apispec does not look (it reads
    the nested schema's): a list of rows, or one row or null."""
    if ret.get("type") == "array":
        return {}
    keys = ("$ref", "allOf", "type", "properties", "additionalProperties", "required")
    inner = {key: ret.pop(key) for key in keys if key in ret}
    if set(inner) == {"allOf"} and len(inner["allOf"]) == 1:
        inner = inner["allOf"][0]
    if field.many:
        return {"type": "array", "items": inner}
    return {"allOf": [inner], "nullable": True}


def _ref(code):
    return {"$ref": f"#/components/responses/{code}"}


def _fix_components(spec):
    components = spec.get("components", {})
    for response in components.get("responses", {}).values():
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        if "message" in schema.get("properties", {}):
            schema["properties"]["message"] = ANY_MESSAGE
    # A page is counted from 0 and holds at least 0 rows (app/api/guards.py refuses less).
    paging = components.get("schemas", {}).get("get_list_schema", {}).get("properties", {})
    for key in ("page", "page_size"):
        if key in paging:
            paging[key]["minimum"] = 0


def _integer_ids(schema):
    """FAB declares `id` and `ids` as strings; every primary key here is an integer."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        props = node.get("properties")
        if isinstance(props, dict):
            if props.get("id", {}).get("type") == "string":
                props["id"]["type"] = "integer"
            items = props.get("ids", {}).get("items", {})
            if items.get("type") == "string":
                items["type"] = "integer"
        stack.extend(v for v in node.values() if isinstance(v, (dict, list)))


def _fix_info(operation):
    schema = (
        operation.get("responses", {}).get("200", {}).get("content", {})
        .get("application/json", {}).get("schema", {})
    )  # fmt: skip
    for key in ("add_columns", "edit_columns"):
        if key in schema.get("properties", {}):
            schema["properties"][key] = {"type": "array", "items": {"type": "object"}}


def _fix_menu(operation):
    schema = (
        operation.get("responses", {}).get("200", {}).get("content", {})
        .get("application/json", {}).get("schema", {})
    )  # fmt: skip
    result = schema.get("properties", {}).get("result")
    if not result:
        return
    item = result.get("items", {})
    childs = item.get("properties", {}).get("childs")
    if childs:
        childs["items"] = {"anyOf": [{"type": "object"}, {"type": "string"}]}
    result["items"] = {"anyOf": [item, {"type": "string"}]}


def _complete(path, method, operation):
    responses = operation.setdefault("responses", {})
    params = operation.get("parameters", [])
    names = {p.get("name") for p in params}
    if operation.get("security"):
        for code in ("401", "403", "422"):
            responses.setdefault(code, _ref(code))
    if "q" in names or "requestBody" in operation or method in ("post", "put", "patch"):
        responses.setdefault("400", _ref("400"))
    if names & ROW_PARAMS:
        responses.setdefault("404", _ref("404"))
    if path.endswith("/_info"):
        _fix_info(operation)
    if path.endswith("/menu/"):
        _fix_menu(operation)
    _integer_ids(responses)


def complete_spec(spec):
    """Correct a spec dict built by FAB in place (see the module's docstring); returns it."""
    _fix_components(spec)
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                _complete(path, method, item[method])
    return spec


class OpenApi(FabOpenApi):
    """FAB's spec endpoint (same name, so the same permission), spec corrected."""

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version):
        """The OpenAPI spec of one version of the API
        ---
        get:
          description: >-
            Get the OpenAPI spec for a specific API version
          parameters:
          - in: path
            schema:
              type: string
            name: version
          responses:
            200:
              description: The OpenAPI spec
              content:
                application/json:
                  schema:
                    type: object
            404:
              $ref: '#/components/responses/404'
            500:
              $ref: '#/components/responses/500'
        """
        api_spec = self._create_api_spec(version)
        for plugin in api_spec.plugins:
            if hasattr(plugin, "converter"):
                plugin.converter.add_attribute_function(_field_as_sent)
        found = False
        for base_api in current_app.appbuilder.baseviews:
            if isinstance(base_api, BaseApi) and base_api.version == version:
                base_api.add_api_spec(api_spec)
                found = True
        if not found:
            return self.response_404()
        return self.response(200, **complete_spec(api_spec.to_dict()))


def register_openapi(appbuilder):
    """In place of FAB's (FAB_ADD_OPENAPI_VIEWS is off in config.py): the spec and Swagger UI."""
    if current_app.config.get("FAB_API_SWAGGER_UI", False):
        appbuilder.add_api(OpenApi)
        appbuilder.add_view_no_menu(SwaggerView)
