"""Charts drawn on the server as inline SVG (templates/dashboard_charts.html renders them).

No script and no asset from elsewhere: the page works on a closed network under the strict
CSP. A chart is horizontal bars, one row per label, with up to two series (this year and
last year); every bar has its own <title>, the chart an accessible title and description,
and the same figures are given as a table beside it. Numbers use the decimal comma.
"""

from dataclasses import dataclass, field

from app.formatting import vn_number

ROW_HEIGHT = 26  # one row of one series
GAP = 10  # between rows
LABEL_WIDTH = 230
BAR_WIDTH = 400
VALUE_WIDTH = 70
TOP = 24  # room for the scale
LABEL_CHARS = 32  # longer labels are cut in the drawing (the table keeps them whole)


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int  # 0: this round, 1: the previous year's
    text: str  # the value, as shown
    text_x: float
    title: str  # what a screen reader or a tooltip says


@dataclass
class Row:
    label: str  # as drawn (cut if long)
    full_label: str
    label_y: float
    bars: list = field(default_factory=list)
    cells: list = field(default_factory=list)  # the table's cells after the label


@dataclass
class Chart:
    id: str
    title: str
    description: str
    headers: list  # the table's column headers (label column first)
    rows: list
    series: list  # legend names, one per series
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    ticks: list = field(default_factory=list)  # (x, text)
    axis_bottom: float = 0


def _cut(text, limit=LABEL_CHARS):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text(value, places):
    if value is None:
        return "—"
    if places == 0:  # counts: whole numbers, "1.234"
        return f"{int(value):,}".replace(",", ".")
    return vn_number(value, places)


def nice_max(value):
    """The scale's end for counts: the next multiple of 4 (so the 4 steps are whole)."""
    value = int(-(-float(value) // 1))
    return max(4, -(-value // 4) * 4)


def bar_chart(
    chart_id, title, description, items, series, scale_max=None, places=2, unit="", headers=None
):
    """A Chart of horizontal bars. `items`: [(label, [value per series])] (a value may be
    None: no bar, "—" in the table); `series`: the legend names; `scale_max`: the value of
    a full bar (default: the largest value); `unit`: after each number ("%")."""
    values = [v for _label, row in items for v in row if v is not None]
    top = scale_max if scale_max is not None else nice_max(max(values + [0]))
    per_row = ROW_HEIGHT * len(series) + GAP
    rows, y = [], TOP
    for label, row_values in items:
        row = Row(_cut(label), str(label), y + per_row / 2 - GAP / 2 + 4)
        for index, value in enumerate(row_values):
            shown = _text(value, places)
            row.cells.append(shown + (unit if value is not None else ""))
            if value is None:
                continue
            width = max(float(value) / float(top) * BAR_WIDTH, 0)
            width = min(width, BAR_WIDTH)
            bar_y = y + index * ROW_HEIGHT
            name = f"{label} ({series[index]})" if len(series) > 1 else str(label)
            row.bars.append(
                Bar(
                    LABEL_WIDTH,
                    bar_y + 3,
                    round(width, 1),
                    ROW_HEIGHT - 6,
                    index,
                    shown + unit,
                    LABEL_WIDTH + width + 6,
                    f"{name}: {shown}{unit}",
                )  # fmt: skip
            )
        rows.append(row)
        y += per_row
    ticks = [(LABEL_WIDTH + BAR_WIDTH * step / 4, _text(top * step / 4, 2)) for step in range(5)]
    return Chart(
        chart_id, title, description, headers or [], rows, list(series),
        LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH, int(y + 4), ticks=ticks, axis_bottom=y,
    )  # fmt: skip
