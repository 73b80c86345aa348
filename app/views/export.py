"""Excel and CSV export of every FAB list, inherited by every AppModelView.

`ExportMixin` adds the route `<view>/export/<xlsx|csv>` and the "Xuất Excel" / "Xuất CSV"
buttons on the list. The export runs the list's own query: the filters of the query string
(`_flt_...`, parsed by FAB exactly as the list parses them), its order (`_oc_/_od_`), and the
base_filters (the policy scope), without pagination: the rows a user sees paging through the
list. Cells are the list's formatted values (formatters_columns), except that numbers stay
numbers and dates stay dates in Excel. `export` is a read permission (roles.METHOD_PERMISSIONS).

Rows are read in batches (yield_per) with the related rows the cells show loaded once per batch
(selectinload two levels deep, or one level plus the interface's own `preload(rows)`), so the
number of queries grows with the number of batches, not of rows.
"""

import copy
import datetime
import enum
import functools
import html
import itertools
import logging
import re
import tempfile
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import quote, urlencode, urljoin

from flask import (
    Response,
    abort,
    flash,
    redirect,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_appbuilder.widgets import ListWidget
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import MANYTOONE
from werkzeug.routing import BuildError

from app.domain.clock import to_local, utcnow
from app.reports.tables import (
    CSV_MIMETYPE,
    XLSX_MIMETYPE,
    TooManyRowsError,
    csv_chunks,
    write_xlsx,
)

log = logging.getLogger(__name__)

FORMATS = ("xlsx", "csv")
BATCH_SIZE = 1000
CACHE_LIMIT = 4096  # converted values remembered per column
_MISSING = object()
# Relationships loaded with the rows: the list's relation columns and what their labels use.
PRELOAD_DEPTH = 2
_EAGER_SAFE = {"select", "joined", "selectin", "immediate", "subquery"}
_VN_NUMBER = re.compile(r"-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")
_HREF = re.compile(r"""href=["']([^"']+)["']""")


class ExportListWidget(ListWidget):
    """FAB's list with the export buttons in its header (templates/appbuilder/...)."""

    template = "appbuilder/general/widgets/list_export.html"


# -- cells ---------------------------------------------------------------------------------


def _parse_vn_number(text):
    """ "8,5" -> Decimal('8.5'), "1.234" -> Decimal('1234'); None if not a number."""
    text = text.strip()
    if not _VN_NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text.replace(".", "").replace(",", "."))
    except InvalidOperation:
        return None


def _number(raw, shown):
    """The number a cell shows when its value is a number shown as that number, else None
    (an id shown as a person's name is text)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, Decimal)):
        return None
    if isinstance(shown, (int, float, Decimal)) and not isinstance(shown, bool):
        return shown
    if not isinstance(shown, str):
        return None
    parsed = _parse_vn_number(shown)
    if parsed is None:
        return None
    exact = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    if exact.quantize(Decimal(1).scaleb(parsed.as_tuple().exponent), ROUND_HALF_UP) != parsed:
        return None
    return raw if isinstance(raw, int) and parsed == raw else parsed


def _moment(raw, shown):
    """A stored UTC timestamp shown in local time becomes a local date(time) cell."""
    if isinstance(raw, datetime.datetime):
        local = to_local(raw).replace(tzinfo=None, microsecond=0)
        if shown is raw or shown == local.strftime("%d/%m/%Y %H:%M"):  # as format_local
            return local
        if shown == local.strftime("%d/%m/%Y"):
            return local.date()
        return None
    if isinstance(raw, datetime.date) and (shown is raw or shown == raw.strftime("%d/%m/%Y")):
        return raw
    return None


def _markup_text(markup):
    """HTML a formatter returns: a single link becomes its absolute address, else its text."""
    links = _HREF.findall(str(markup))
    if len(links) == 1:
        return urljoin(request.host_url, html.unescape(links[0]))
    return markup.striptags().strip()  # e.g. the criteria tree's &nbsp; indentation


def export_cell(raw, shown):
    """The typed cell for a list value `raw` that the list shows as `shown`."""
    number = _number(raw, shown)
    if number is not None:
        return number
    moment = _moment(raw, shown)
    if moment is not None:
        return moment
    if shown is None:
        return None
    if isinstance(shown, Markup):
        return _markup_text(shown)
    if isinstance(shown, (list, tuple, set)):
        return "; ".join(str(v) for v in shown)
    return str(shown)


class _Column:
    """One list column: read as FAB's list reads it, formatted as the list shows it, typed.
    Repeated values (a unit, a criterion, "Có") are converted once per export."""

    def __init__(self, name, formatter):
        self.name, self.formatter, self.cache = name, formatter, {}

    def read(self, item):
        value = getattr(item, self.name, _MISSING)
        if value is _MISSING:  # "unit.name": a related row's attribute
            try:
                return functools.reduce(getattr, self.name.split("."), item)
            except Exception:  # noqa: BLE001  (FAB's list shows "" too)
                return ""
        if callable(value):  # a model method such as Unit.sorted_name
            return value()
        return value.value if isinstance(value, enum.Enum) else value

    def convert(self, raw):
        return export_cell(raw, self.formatter(raw) if self.formatter else raw)

    def cell(self, item):
        raw = self.read(item)
        try:
            key = (type(raw), raw)
            return self.cache[key]
        except KeyError:
            pass
        except TypeError:  # unhashable: a list of related rows
            return self.convert(raw)
        cell = self.convert(raw)
        if len(self.cache) < CACHE_LIMIT:
            self.cache[key] = cell
        return cell


# -- rows ----------------------------------------------------------------------------------


def _order(view):
    """The list's order: the request's (if it is one of the order columns), else base_order."""
    column, direction = get_order_args().get(view.__class__.__name__, ("", ""))
    if column and column in (view.order_columns or []):
        return column, direction
    return view.base_order or ("", "")


def _relationships(model, names, depth):
    """selectinload options for the relationships `names` of `model` and, for many-to-one ones,
    those of the related models down to `depth` (what their labels, e.g. "unit - round", read).
    A collection column (a round's units) is loaded too, without going deeper."""
    options = []
    mapper = model.__mapper__
    for name in names:
        rel = mapper.relationships.get(name)
        if rel is None or rel.lazy not in _EAGER_SAFE:
            continue
        option = selectinload(getattr(model, name))
        if depth > 1 and rel.direction is MANYTOONE:
            target = rel.mapper.class_
            nested = [r.key for r in rel.mapper.relationships if r.direction is MANYTOONE]
            children = _relationships(target, nested, depth - 1)
            if children:
                option = option.options(*children)
        options.append(option)
    return options


def export_columns(view):
    return list(getattr(view, "export_columns", None) or view.list_columns)


def export_query(view):
    """The list's query over all pages: request filters, base filters (policy), order."""
    filters = copy.copy(view._filters)  # FAB's own is shared by every request of the view
    filters.clear_filters()
    try:
        get_filter_args(filters)
    except IndexError:  # "_flt_7_active": no such filter for the column (FAB's list fails)
        abort(400)
    joined = filters.get_joined_filters(view._base_filters)
    order_column, order_direction = _order(view)
    datamodel = view.datamodel
    query = datamodel.session.query(datamodel.obj)
    query = datamodel.apply_all(query, joined, order_column, order_direction)
    pk = datamodel.get_pk()
    if pk is not None:
        query = query.order_by(pk)  # a stable order for equal sort keys
    roots = {col.split(".")[0] for col in export_columns(view)}
    # An interface with its own preload() loads what the labels need; else go two levels.
    depth = 1 if callable(getattr(datamodel, "preload", None)) else PRELOAD_DEPTH
    return query.options(*_relationships(datamodel.obj, sorted(roots), depth))


def export_rows(view, query, batch_size=None):
    """Yield the typed cells of every row of `query` (export_query), batch by batch."""
    formatters = view.formatters_columns or {}
    columns = [_Column(col, formatters.get(col)) for col in export_columns(view)]
    datamodel = view.datamodel
    preload = getattr(datamodel, "preload", None)
    batch_size = batch_size or getattr(view, "export_batch_size", BATCH_SIZE)
    # A streamed CSV runs after the request's teardown closed the session the query was built
    # in: read with the session current now, the one preload() and the formatters use.
    session = datamodel.session
    if hasattr(session, "registry"):  # a scoped_session: the Session of this context
        session = session()
    results = iter(query.with_session(session).yield_per(batch_size))
    while True:
        batch = list(itertools.islice(results, batch_size))
        if not batch:
            return
        if callable(preload):
            preload(batch)
        for item in batch:
            yield [column.cell(item) for column in columns]


# -- files ---------------------------------------------------------------------------------


def export_filename(title, extension, today=None):
    """ "Đơn vị 14-05-2026.xlsx": the list title and the local date."""
    today = today or to_local(utcnow()).date()
    title = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", unicodedata.normalize("NFC", str(title)))
    title = " ".join(title.split()) or "export"
    return f"{title} {today:%d-%m-%Y}.{extension}"


def content_disposition(filename):
    """An attachment with an ASCII fallback name and the exact UTF-8 one (RFC 5987 / 6266)."""
    ascii_name = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    ascii_name = ascii_name.encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("_") or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _headers(view):
    return [str(view.label_columns.get(col, col)) for col in export_columns(view)]


def export_response(view, fmt):
    """The whole list as an .xlsx (built in a temporary file) or a streamed CSV."""
    title = view.list_title
    filename = export_filename(title, fmt)
    headers = {"Content-Disposition": content_disposition(filename), "Cache-Control": "no-store"}
    # Built now, in the request: a bad filter is refused before the first byte is sent.
    rows = export_rows(view, export_query(view))
    if fmt == "csv":
        body = stream_with_context(csv_chunks(_headers(view), rows))
        return Response(body, mimetype=CSV_MIMETYPE, headers=headers)
    # openpyxl's write-only mode keeps memory flat; the zip is written once at the end.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    try:
        count = write_xlsx(spool, title, _headers(view), rows)
    except TooManyRowsError as err:
        spool.close()
        limit = f"{err.limit:,}".replace(",", ".")
        flash(
            _(
                "The list has more than %(count)s rows, more than an Excel sheet holds: "
                "narrow it with the search filters, or export CSV.",
                count=limit,
            ),
            "warning",
        )
        try:
            back = url_for(f"{view.endpoint}.list")
        except BuildError:  # a view without its own list route
            return redirect(request.referrer or url_for("IndexView.index"))
        query = request.query_string.decode()
        return redirect(f"{back}?{query}" if query else back)
    log.info("exported %s rows of %s as xlsx", count, view.__class__.__name__)
    spool.seek(0)
    response = send_file(spool, mimetype=XLSX_MIMETYPE, max_age=0)
    response.headers.update(headers)
    return response


# -- the view part -------------------------------------------------------------------------


def _filter_args(view, filters):
    """The query-string arguments that make FAB's parser rebuild `filters` for `view`."""
    args = []
    for flt, value in filters.get_filters_values():
        choices = view._filters._all_filters.get(flt.column_name, [])
        if flt.column_name not in view._filters.get_search_filters():
            return None  # FAB would ignore it: the export could not honour it
        if getattr(flt, "is_related_view", False):
            index = next((i for i, f in enumerate(choices) if type(f) is type(flt)), None)
        else:
            index = next((i for i, f in enumerate(choices) if f is flt), None)
        if index is None or index > 9:  # FAB reads a single digit
            return None
        for one in value if isinstance(value, list) else [value]:
            args.append((f"_flt_{index}_{flt.column_name}", one))
    return args


class ExportMixin:
    """Export buttons and route for a FAB ModelView (mix in before ModelView)."""

    list_widget = ExportListWidget
    # Columns of the file (None: the list's columns) and rows fetched per query batch.
    export_columns = None
    export_batch_size = BATCH_SIZE

    @expose("/export/<fmt>")
    @has_access
    def export(self, fmt):
        """Download the list, every page, with its current filters and order."""
        if fmt not in FORMATS:
            abort(404)
        return export_response(self, fmt)

    def export_links(self, filters):
        """{"xlsx": url, "csv": url} for the list drawn with `filters`, or {} if not allowed."""
        permission = "can_" + self.get_method_permission("export")
        if permission not in self.base_permissions or not self.appbuilder.sm.has_access(
            permission, self.class_permission_name
        ):
            return {}
        args = _filter_args(self, filters)
        if args is None:
            return {}
        name = self.__class__.__name__
        for key in (f"_oc_{name}", f"_od_{name}"):
            if key in request.args:
                args.append((key, request.args[key]))
        try:
            urls = {fmt: url_for(f"{self.endpoint}.export", fmt=fmt) for fmt in FORMATS}
        except BuildError:  # the route is excluded for this view
            return {}
        query = urlencode(args)
        return {fmt: f"{url}?{query}" if query else url for fmt, url in urls.items()}

    def _get_list_widget(self, **kwargs):
        kwargs.setdefault("export_links", self.export_links(kwargs["filters"]))
        return super()._get_list_widget(**kwargs)
