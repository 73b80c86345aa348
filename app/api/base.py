"""The base of every API resource: nothing exposed by default, every write asks the policy."""

from contextlib import contextmanager

from flask import g, request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from app.api.plain_answers import PlainAnswers, ScreenTitles
from app.domain import policy
from app.extensions import db
from app.security import roles
from app.views.base import POLICY_FILTER
from app.views.rel_order import api_rel_order


class RefusedError(Exception):
    def __init__(self, status, messages):
        super().__init__(messages)
        self.status = status
        self.messages = [str(m) for m in messages]


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


NOT_SAVED = _l("The record could not be saved; nothing was changed.")


class ApiInterface(SQLAInterface):
    """FAB's interface, but a write the database refuses (a constraint, a value out of range)
    is a 422 with a Vietnamese message: FAB answers 500 to it on POST and its English driver
    error on PUT and DELETE."""

    @contextmanager
    def _refused(self):
        try:
            yield
        except (SQLAlchemyError, DatabaseException) as err:  # FAB wraps some in its own
            self.session.rollback()
            raise RefusedError(422, [NOT_SAVED]) from err

    def add(self, item, commit=True):
        with self._refused():
            super().add(item, commit)

    def edit(self, item, commit=True):
        with self._refused():
            super().edit(item, commit)

    def delete(self, item, commit=True):
        with self._refused():
            super().delete(item, commit)


def interface(model):
    return ApiInterface(model, db.session)


class RefusalMixin(PlainAnswers):
    """A RefusedError raised anywhere in a write (policy, domain, database) is the answer."""

    def _refusable(self, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except RefusedError as refusal:
            db.session.rollback()
            message = refusal.messages[0] if len(refusal.messages) == 1 else refusal.messages
            return self.response(refusal.status, message=message)

    def post_headless(self):
        return self._refusable(super().post_headless)

    def put_headless(self, pk):
        return self._refusable(super().put_headless, pk)

    def delete_headless(self, pk):
        return self._refusable(super().delete_headless, pk)


class AppModelApi(RefusalMixin, ScreenTitles, ModelRestApi):
    """Columns must be listed by each subclass; unset lists expose only the id."""

    method_permission_name = roles.METHOD_PERMISSIONS
    base_filters = POLICY_FILTER
    allow_browser_login = True
    list_columns = ["id"]
    show_columns = ["id"]
    add_columns = []
    edit_columns = []
    search_columns = []
    order_columns = []

    # {route method: [status codes]} the route answers beyond FAB's documented ones (the spec
    # adds the shared responses of app/api/openapi.py for them).
    extra_responses = {}

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs):
        super().operation_helper(path, operations, methods, func, **kwargs)
        for code in self.extra_responses.get(func.__name__, ()):
            for operation in operations.values():
                ref = {"$ref": f"#/components/responses/{code}"}
                operation.setdefault("responses", {}).setdefault(str(code), ref)

    def __init__(self):
        relations = [c for c in self.datamodel.get_columns_list() if self.datamodel.is_relation(c)]
        self.add_query_rel_fields = {c: POLICY_FILTER for c in relations}
        self.edit_query_rel_fields = {c: POLICY_FILTER for c in relations}
        self.order_rel_fields = api_rel_order(self.datamodel, self.order_rel_fields)
        self._label_every_column()
        super().__init__()

    def _label_every_column(self):
        # FAB translates an empty description into the catalogue's header, and labels the
        # foreign keys "Parent Id": give every exposed column a real label and description.
        labels = dict(self.label_columns or {})
        labels.setdefault("id", _l("Id"))
        columns = set(self.list_columns) | set(self.show_columns)
        columns |= set(self.add_columns) | set(self.edit_columns)
        for col in columns:
            if col.endswith("_id") and col[:-3] in labels:
                labels[col] = labels[col[:-3]]
        self.label_columns = labels
        descriptions = dict(self.description_columns or {})
        for col in columns:
            if col in labels:
                descriptions.setdefault(col, labels[col])
        self.description_columns = descriptions

    def item_problems(self, item, creating):
        return []

    def delete_problems(self, item):
        return []

    def _check(self, item, action, creating=False):
        decision = policy.check(g.user, action, item, model=self.datamodel.obj)
        if not decision:
            raise RefusedError(403, [decision.reason])
        if action == policy.DELETE:
            problems = self.delete_problems(item)
        else:
            with db.session.no_autoflush:
                problems = self.item_problems(item, creating)
        if problems:
            raise RefusedError(422, problems)

    def _relation_problems(self, columns):
        """A relation is sent as the related row's id (a list of ids for many): FAB's schema
        would build a row from an object sent there, and fail on its keys (500)."""
        body = request.get_json(silent=True) or {}  # a JSON object: app/api/guards.py
        problems = {}
        for col in columns:
            if col not in body or not self.datamodel.is_relation(col):
                continue
            value = body[col]
            if self.datamodel.is_relation_many_to_many(col) or (
                self.datamodel.is_relation_one_to_many(col)
            ):
                fine = isinstance(value, list) and all(_whole(v) for v in value)
            else:
                fine = value is None or _whole(value)
            if not fine:
                problems[col] = [_("Send the id as a whole number.")]
        return problems

    def post_headless(self):
        problems = self._relation_problems(self.add_columns)
        return self.response_422(message=problems) if problems else super().post_headless()

    def put_headless(self, pk):
        problems = self._relation_problems(self.edit_columns)
        return self.response_422(message=problems) if problems else super().put_headless(pk)

    def pre_add(self, item):
        self._check(item, policy.CREATE, creating=True)

    def pre_update(self, item):
        self._check(item, policy.EDIT)

    def pre_delete(self, item):
        self._check(item, policy.DELETE)
