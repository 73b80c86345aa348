"""The API resources of the catalogue: unit types, units, frameworks, criteria, rounds (with
the lock and unlock of a round's phase: app/api/round_actions.py)."""

from app.api.base import AppModelApi, interface
from app.api.round_actions import RoundLockMixin
from app.domain import frameworks as fw_domain
from app.domain import rounds as rounds_domain
from app.domain import units as units_domain
from app.extensions import db
from app.models import Criterion, Framework, Round, Unit, UnitType
from app.security import roles
from app.views.criteria import CriterionView, FrameworkView
from app.views.rounds import RoundView
from app.views.units import UnitTypeView, UnitView


class UnitTypeApi(AppModelApi):
    label_columns = UnitTypeView.label_columns
    resource_name = "unit_type"
    class_permission_name = roles.UNIT_TYPES
    datamodel = interface(UnitType)
    screen = UnitTypeView
    list_columns = show_columns = ["id", "code", "name"]
    add_columns = edit_columns = ["code", "name"]
    search_columns = order_columns = ["code", "name"]

    def item_problems(self, item, creating):
        return units_domain.unit_type_problems(db.session, item)

    def delete_problems(self, item):
        return units_domain.unit_type_delete_problems(db.session, item)


class UnitApi(AppModelApi):
    label_columns = UnitView.label_columns
    resource_name = "unit"
    class_permission_name = roles.UNITS
    datamodel = interface(Unit)
    screen = UnitView
    list_columns = show_columns = [
        "id", "code", "name", "unit_type_id", "parent_id", "successor_id", "active",
    ]  # fmt: skip
    add_columns = edit_columns = ["code", "name", "unit_type", "parent", "successor", "active"]
    search_columns = ["code", "name", "unit_type", "parent", "active"]
    order_columns = ["code", "name", "name_sort"]
    base_order = ("name_sort", "asc")

    def item_problems(self, item, creating):
        return units_domain.unit_problems(db.session, item)

    def delete_problems(self, item):
        return units_domain.unit_delete_problems(db.session, item)


class FrameworkApi(AppModelApi):
    label_columns = FrameworkView.label_columns
    resource_name = "framework"
    class_permission_name = roles.FRAMEWORKS
    datamodel = interface(Framework)
    screen = FrameworkView
    list_columns = show_columns = [
        "id", "code", "name", "year", "unit_type_id", "legal_basis", "max_points", "frozen",
    ]  # fmt: skip
    add_columns = edit_columns = ["code", "name", "year", "unit_type", "legal_basis", "max_points"]
    search_columns = ["code", "name", "year", "unit_type", "frozen"]
    order_columns = ["code", "name", "year"]

    def item_problems(self, item, creating):
        return fw_domain.framework_problems(db.session, item)

    def delete_problems(self, item):
        return fw_domain.framework_delete_problems(db.session, item)


class CriterionApi(AppModelApi):
    label_columns = CriterionView.label_columns
    resource_name = "criterion"
    class_permission_name = roles.CRITERIA
    datamodel = interface(Criterion)
    screen = CriterionView
    list_columns = show_columns = [
        "id", "framework_id", "parent_id", "code", "title", "max_points", "rule", "step",
        "per_occurrence", "floor", "allow_not_applicable", "evidence_required", "guidance",
        "survey_kind",
    ]  # fmt: skip
    add_columns = list(CriterionView.add_columns)
    # No framework: a saved criterion stays in its own (app/domain/framework_rows.py).
    edit_columns = list(CriterionView.edit_columns)
    search_columns = ["framework", "code", "title", "rule"]
    order_columns = ["code", "sort_key"]
    base_order = ("sort_key", "asc")

    def item_problems(self, item, creating):
        return fw_domain.prepare_criterion(db.session, item)

    def delete_problems(self, item):
        return fw_domain.criterion_delete_problems(db.session, item)


class RoundApi(RoundLockMixin, AppModelApi):
    """Rounds; POST <pk>/lock_phase and <pk>/unlock_phase lock the phase (the organiser)."""

    label_columns = RoundView.label_columns
    resource_name = "round"
    class_permission_name = roles.ROUNDS
    datamodel = interface(Round)
    screen = RoundView
    list_columns = show_columns = [
        "id", "name", "year", "framework_id", "organiser_unit_id", "phase", "locked",
        "self_start", "self_end", "appraisal_start", "appraisal_end", "supplement_start",
        "supplement_end",
    ]  # fmt: skip
    add_columns = edit_columns = [
        "name", "year", "framework", "organiser_unit", "self_start", "self_end",
        "appraisal_start", "appraisal_end", "supplement_start", "supplement_end", "note",
    ]  # fmt: skip
    search_columns = ["name", "year", "framework", "phase"]
    order_columns = ["name", "year"]

    def item_problems(self, item, creating):
        return rounds_domain.round_problems(db.session, item, creating)

    def delete_problems(self, item):
        return rounds_domain.round_delete_problems(db.session, item)


API_CLASSES = [UnitTypeApi, UnitApi, FrameworkApi, CriterionApi, RoundApi]
