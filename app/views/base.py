"""The base every screen builds on: policy-scoped rows, domain checks that keep typed input,
and guarded actions (FAB actions skip base_filters, so each one re-asks the policy)."""

import functools
import logging

from flask import abort, flash, g, redirect, request
from flask_appbuilder import ModelView
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.urltools import get_order_args, get_page_args, get_page_size_args
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError
from wtforms import BooleanField

from app.domain import policy
from app.domain.errors import DomainError
from app.extensions import db
from app.formatting import blank_if_none, yes_no
from app.security import roles
from app.views.export import ExportMixin
from app.views.rel_order import order_dropdowns

log = logging.getLogger(__name__)


class PolicyScopeFilter(BaseFilter):
    """Rows the current user may see, as app/domain/policy.py scopes them."""

    name = "policy scope"
    arg_name = "policy"

    def apply(self, query, value):
        return policy.scope(g.user, self.model, query, db.session)


POLICY_FILTER = [["id", PolicyScopeFilter, None]]


def guarded_action(policy_action):
    """Wrap a FAB action: check every selected row with the policy, act on the allowed ones."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(self, items):
            items = items if isinstance(items, list) else [items]
            allowed, refused = [], []
            for item in items:
                if item is None:
                    refused.append(_("The record does not exist or you may not see it."))
                    continue
                decision = policy.check(g.user, policy.VIEW, item)
                if decision:
                    decision = policy.check(g.user, policy_action, item)
                (allowed if decision else refused).append(item if decision else decision.reason)
            for reason in dict.fromkeys(refused):
                flash(reason, "danger")
            # FAB loads the selection with IN (...), in no order the database promises; act
            # in a stable order so records and messages come out the same on every database.
            allowed.sort(key=self.datamodel.get_pk_value)
            if allowed:
                answer = func(self, allowed)
                if answer is not None:  # an action with a page of its own (e.g. a reason form)
                    return answer
            self.update_redirect()
            return redirect(self.get_redirect())

        return wrapper

    return decorator


def run_each(items, func, success_message):
    """Apply a domain operation to each item in its own transaction; report refusals."""
    done = 0
    for item in items:
        try:
            func(item)
            db.session.commit()
            done += 1
        except DomainError as err:
            db.session.rollback()
            flash(f"{item}: {err.message}", "danger")
            for detail in err.errors:
                if detail != err.message:
                    flash(detail, "warning")
    if done:
        flash(success_message % {"count": done}, "success")


class AppModelView(ExportMixin, ModelView):
    """A FAB ModelView whose rows, forms and actions go through the policy and the domain.

    ExportMixin (app/views/export.py): "Xuất Excel" / "Xuất CSV" on every list."""

    method_permission_name = roles.METHOD_PERMISSIONS
    base_filters = POLICY_FILTER
    page_size = 50
    list_widget_args = {}

    def __init__(self, **kwargs):
        # Related-field dropdowns are not scoped by base_filters: scope them the same way,
        # and list units the Vietnamese way (app/views/rel_order.py).
        order_dropdowns(self, POLICY_FILTER)
        # FAB marks NOT NULL booleans as required, so an unticked box could never be saved.
        for attr in ("add_form_extra_fields", "edit_form_extra_fields"):
            extra = dict(getattr(self, attr, None) or {})
            for col in self.datamodel.get_columns_list():
                if self.datamodel.is_boolean(col) and col not in extra:
                    default = self.datamodel.obj.__table__.c[col].default
                    extra[col] = BooleanField(
                        self.label_columns.get(col, col),
                        default=bool(default.arg) if default is not None else False,
                    )
            setattr(self, attr, extra)
        # Empty values show as blanks, not as Python's "None".
        formatters = dict(self.formatters_columns or {})
        for col in set(self.list_columns or []) | set(self.show_columns or []):
            is_bool = col in self.datamodel.get_columns_list() and self.datamodel.is_boolean(col)
            formatters.setdefault(col, yes_no if is_bool else blank_if_none)
        self.formatters_columns = formatters
        super().__init__(**kwargs)

    # -- domain hooks a subclass fills in ----------------------------------------------------

    def item_problems(self, item, creating):
        """Domain reasons the populated `item` cannot be saved (subclasses override)."""
        return []

    def delete_problems(self, item):
        return []

    # -- policy on every write ---------------------------------------------------------------

    def _problems(self, item, creating):
        action = policy.CREATE if creating else policy.EDIT
        decision = policy.check(g.user, action, item, model=self.datamodel.obj)
        if not decision:
            return [decision.reason]
        with db.session.no_autoflush:
            return [str(p) for p in self.item_problems(item, creating)]

    def pre_delete(self, item):
        decision = policy.check(g.user, policy.DELETE, item)
        if not decision:
            raise DomainError(decision.reason)
        problems = self.delete_problems(item)
        if problems:
            raise DomainError(" ".join(str(p) for p in problems))

    def _show_problems(self, form, problems):
        db.session.rollback()
        for problem in problems:
            flash(problem, "danger")
        form.errors  # noqa: B018  (make sure WTForms built the errors dict)

    # FAB's _add/_edit flash a pre_add exception and redirect, losing what the user typed.
    # These keep the form on screen with its typed values and the Vietnamese reasons.
    def _add(self):
        if request.method != "POST":
            return super()._add()
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        self._fill_form_exclude_cols(exclude_cols, form)
        if form.validate():
            self.process_form(form, True)
            item = self.datamodel.obj()
            with db.session.no_autoflush:
                form.populate_obj(item)
            problems = self._problems(item, creating=True)
            if not problems:
                try:
                    self.pre_add(item)
                    self.datamodel.add(item)
                except (SQLAlchemyError, DatabaseException, DomainError):
                    problems = [_("The record could not be saved; nothing was changed.")]
                else:
                    self.post_add(item)
                    flash(self.add_row_message, "success")
                    return None
            self._show_problems(form, problems)
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        if request.method != "POST":
            return super()._edit(pk)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        form = self.edit_form.refresh(request.form)
        self._fill_form_exclude_cols(exclude_cols, form)
        form._id = pk
        if form.validate():
            self.process_form(form, False)
            with db.session.no_autoflush:
                form.populate_obj(item)
            problems = self._problems(item, creating=False)
            if not problems:
                try:
                    self.pre_update(item)
                    self.datamodel.edit(item)
                except (SQLAlchemyError, DatabaseException, DomainError):
                    problems = [_("The record could not be saved; nothing was changed.")]
                else:
                    self.post_update(item)
                    flash(self.edit_row_message, "success")
                    return None
            self._show_problems(form, problems)
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        return self._get_related_views_widgets(
            item,
            filters={},
            orders=get_order_args(),
            pages=get_page_args(),
            page_sizes=get_page_size_args(),
            widgets=widgets,
        )


def delete_items(view, items):
    """Delete what the domain allows, say why for the rest, commit once."""
    deleted = 0
    for item in items:
        problems = view.delete_problems(item)
        if problems:
            flash(f"{item}: {' '.join(str(p) for p in problems)}", "danger")
            continue
        db.session.delete(item)
        deleted += 1
    db.session.commit()
    if deleted:
        flash(_("Deleted %(count)s records.", count=deleted), "success")


def interface(model):
    return SQLAInterface(model, db.session)


CONFIRM_DELETE = _l("Delete the selected records? This cannot be undone.")
