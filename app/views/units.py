"""Screens for unit types and the unit tree."""

from flask_appbuilder.actions import action
from flask_babel import lazy_gettext as _l

from app.domain.units import (
    unit_delete_problems,
    unit_problems,
    unit_type_delete_problems,
    unit_type_problems,
)
from app.extensions import db
from app.models.units import Unit, UnitType
from app.security import roles
from app.views.base import CONFIRM_DELETE, AppModelView, delete_items, guarded_action, interface


class UnitTypeView(AppModelView):
    datamodel = interface(UnitType)
    class_permission_name = roles.UNIT_TYPES
    list_title = _l("Unit types")
    show_title = _l("Unit type")
    add_title = _l("Add unit type")
    edit_title = _l("Edit unit type")
    label_columns = {"code": _l("Code"), "name": _l("Name")}
    list_columns = ["code", "name"]
    add_columns = edit_columns = show_columns = ["code", "name"]
    search_columns = ["code", "name"]
    order_columns = ["code", "name"]
    base_order = ("code", "asc")

    def item_problems(self, item, creating):
        return unit_type_problems(db.session, item)

    def delete_problems(self, item):
        return unit_type_delete_problems(db.session, item)


class UnitView(AppModelView):
    datamodel = interface(Unit)
    class_permission_name = roles.UNITS
    list_title = _l("Units")
    show_title = _l("Unit")
    add_title = _l("Add unit")
    edit_title = _l("Edit unit")
    label_columns = {
        "code": _l("Code"),
        "name": _l("Name"),
        "unit_type": _l("Unit type"),
        "parent": _l("Parent unit"),
        "successor": _l("Successor unit"),
        "active": _l("Active"),
        "sorted_name": _l("Name"),
    }
    description_columns = {
        "parent": _l("The unit directly above: leave empty for the province itself."),
        "successor": _l("For a merged unit: the unit that took it over (its history follows)."),
    }
    list_columns = ["code", "sorted_name", "unit_type", "parent", "active"]
    add_columns = edit_columns = ["code", "name", "unit_type", "parent", "successor", "active"]
    show_columns = ["code", "name", "unit_type", "parent", "successor", "active"]
    search_columns = ["code", "name", "unit_type", "parent", "active"]
    order_columns = ["code", "sorted_name", "active"]
    # Vietnamese alphabetical order (Đ after D) comes from the stored sort key.
    base_order = ("name_sort", "asc")

    def item_problems(self, item, creating):
        return unit_problems(db.session, item)

    def delete_problems(self, item):
        return unit_delete_problems(db.session, item)

    @action("muldelete", _l("Delete"), CONFIRM_DELETE, "fa-trash", single=False)
    @guarded_action("delete")
    def muldelete(self, items):
        delete_items(self, items)
