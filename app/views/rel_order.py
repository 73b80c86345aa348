"""Related-record dropdowns in the Vietnamese order (Đ after D), as the lists are sorted.

FAB's ModelView (unlike its REST API) has no order_rel_fields: its dropdowns come in
whatever order the database returns, which is insertion order. A filter that only adds
ORDER BY rides on the *_query_rel_fields hook every dropdown already goes through."""

from flask_appbuilder.models.filters import BaseFilter

# The column a model keeps its Vietnamese sort key in (app/domain/text.py vi_sort_key).
SORT_KEY = "name_sort"

REL_FIELD_ATTRS = (
    "add_form_query_rel_fields",
    "edit_form_query_rel_fields",
    "search_form_query_rel_fields",
)


class VietnameseOrder(BaseFilter):
    """Order the related rows by their Vietnamese sort key (then id, for ties)."""

    name = "Vietnamese order"
    arg_name = "vi_order"

    def apply(self, query, value):
        return query.order_by(getattr(self.model, SORT_KEY), self.model.id)


def _relations(datamodel):
    return [col for col in datamodel.get_columns_list() if datamodel.is_relation(col)]


def _sorts_by_key(datamodel, column):
    return hasattr(datamodel.get_related_model(column), SORT_KEY)


def ordered_rel_fields(datamodel, rel_fields, default=()):
    """`rel_fields` (FAB's *_query_rel_fields) with every relation scoped by its own filters
    (or `default`) and, where the related rows have a sort key, ordered the Vietnamese way."""
    fields = dict(rel_fields or {})
    for column in _relations(datamodel):
        filters = list(fields.get(column, default))
        if _sorts_by_key(datamodel, column):
            filters.append([SORT_KEY, VietnameseOrder, None])
        if filters:
            fields[column] = filters
    return fields


def order_dropdowns(view, default=()):
    """Set a ModelView's form and search dropdown filters (before FAB builds its forms)."""
    for attr in REL_FIELD_ATTRS:
        current = getattr(view, attr, None)
        setattr(view, attr, ordered_rel_fields(view.datamodel, current, default))


def api_rel_order(datamodel, order_rel_fields=None):
    """FAB REST API's order_rel_fields: sort-keyed relations by the key, others as given."""
    orders = {c: (SORT_KEY, "asc") for c in _relations(datamodel) if _sorts_by_key(datamodel, c)}
    return {**orders, **(order_rel_fields or {})}
