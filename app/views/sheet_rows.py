"""The score sheet's line rows as HTML, built in Python rather than by a Jinja macro.

A sheet has ~140 lines and each row has ~40 values to place: as a macro, the rows took half of
the page's time (an escape and an attribute lookup per value). Here ids and fixed labels are
placed as they are and only text from the database or the catalogue is escaped, once. The
markup is what templates/sheet_macros.html's line_rows macro produced (sheet.js and the tests
read its ids, classes and data attributes); the headings and the panel stay templates.
"""

from jinja2.filters import do_truncate
from markupsafe import Markup, escape

_INDENT = "\u00a0\u00a0"  # two no-break spaces per level in the assign list


def render_line_rows(rows, labels, base, assessment_id, env):
    """Set `row.html` (Markup) on every line row of `rows`. `labels` are row_labels(), `base`
    the sheet's URL prefix ("/sheet/"), `env` the app's Jinja environment (for truncate)."""
    t = {key: escape(value) for key, value in labels.items()}
    base = escape(base)
    for row in rows:
        if row.line is not None:
            row.html = Markup("".join(_line_row(row, t, base, assessment_id, env)))


def assign_options(rows, env):
    """The <option>s of the leader's "assign" list: every field, criterion and line of the
    sheet, indented by depth (built here for the same reason as the rows)."""
    return Markup(
        "".join(
            f'<option value="{int(row.criterion.id)}">{_INDENT * int(row.depth)}'
            f"{escape(row.criterion.code)} {escape(do_truncate(env, row.criterion.title, 70))}"
            "</option>"
            for row in rows
        )
    )


def _line_row(row, t, base, assessment_id, env):
    line, c, kind, lid = row.line, row.criterion, row.kind, int(row.line.id)
    has_input = row.editable and kind != "survey" and not line.not_applicable
    code = escape(c.code)
    classes = "line-row" + (" hidden" if row.hidden else "") + ("" if row.editable else " readonly")
    if row.request is not None:  # the council asked the unit for a supplement on this line
        classes += " supplement-requested warning"
    yield (
        f'<tr id="line-{lid}" class="{classes}" data-line="{lid}" data-code="{code}" '
        f'data-field="{escape(row.field_code)}" data-mine="{1 if row.mine else 0}" '
        f'data-missing="{1 if row.missing else 0}">'
        f'<td class="code">{code}</td>'
        f'<td class="title" style="padding-left: {8 + int(row.depth) * 18}px">'
        f'<span class="criterion-title">{escape(c.title)}</span>'
    )
    if c.guidance:
        tip = escape(do_truncate(env, c.guidance, 500))
        yield (
            f'<i class="fa fa-info-circle text-info guidance-icon" title="{tip}" '
            'aria-hidden="true"></i>'
        )
    yield '<div class="line-meta small">'
    if row.preparer:
        yield (
            f'<span class="preparer text-muted" title="{t["assigned_to"]}"><i class="fa fa-user">'
            f"</i> {escape(row.preparer)}</span>"
        )
    if c.evidence_required:
        yield f'<span class="label label-default">{t["evidence_required"]}</span>'
    if row.request is not None:
        yield (
            f'<span class="supplement-request text-warning"><i class="fa fa-reply" '
            f'aria-hidden="true"></i> <strong>{t["supplement_request"]}:</strong> '
            f"{escape(row.request.reason)}</span>"
        )
    hidden = "" if row.missing else " hidden"
    yield (
        f'<span class="label label-warning missing-badge{hidden}">{escape(row.missing)}</span>'
        f'</div></td><td class="max text-right">{escape(row.max)}</td><td class="entry">'
    )
    yield from _entry(row, t, base, lid, code)
    # Tab goes from score to score: on rows with a score input the panel button leaves the tab
    # order (Ctrl+Enter in the input opens the panel); rows without one keep it.
    mark = "" if line.explanation else " hidden"
    yield (
        f'</td><td class="points text-right" data-points>{escape(row.points)}</td>'
        f'<td class="actions"><button type="button" class="btn btn-default btn-xs toggle-detail" '
        f'aria-expanded="false" aria-controls="detail-{lid}" tabindex="{-1 if has_input else 0}" '
        f'title="{t["details"]}"><i class="fa fa-paperclip" aria-hidden="true"></i> '
        f'<span class="evidence-count">{int(row.evidence_count)}</span> '
        f'<i class="fa fa-comment-o explanation-mark{mark}" aria-hidden="true"></i> '
        f'<span class="sr-only">{t["details"]}</span></button></td></tr>'
        # The panel (explanation, not applicable, evidence, history) is fetched when opened.
        f'<tr id="detail-{lid}" class="line-detail hidden" data-line="{lid}" '
        f'data-panel="{base}{int(assessment_id)}?line={lid}"><td></td>'
        f'<td colspan="5" class="detail-body"></td></tr>'
    )


def _entry(row, t, base, lid, code):
    """The score cell: the input that fits the rule, or why the line is read-only."""
    line, kind = row.line, row.kind
    if line.not_applicable:
        yield f'<span class="label label-info">{t["not_applicable"]}</span>'
        return
    if kind == "survey":
        yield (
            f'<span class="survey-note text-muted"><i class="fa fa-bar-chart"></i> '
            f"{t['survey']}</span>"
        )
        return
    if not row.editable:
        reason = escape(row.reason)
        yield (
            f'<span class="readonly-value">{escape(row.shown or "—")}</span>'
            f'<span class="readonly-tag small text-muted" title="{reason}">'
            f'<i class="fa fa-lock" aria-hidden="true"></i> {t["view_only"]}</span>'
            f'<span class="sr-only">{reason}</span>'
        )
        return
    common = (
        f'id="score-{lid}" name="score-{lid}" data-url="{base}line/{lid}/score" '
        f'data-version="{int(line.version)}" data-saved="{escape(row.value)}" '
        f'aria-label="{t["score_of"]} {code}"'
    )
    if kind == "choice":
        yield f'<select class="form-control input-sm score-input" {common}>'
        yield f'<option value="">{t["choose"]}</option>'
        for option in row.options:
            selected = " selected" if option["key"] == line.self_input else ""
            yield (
                f'<option value="{escape(option["key"])}"{selected}>'
                f"{escape(option['label'])}</option>"
            )
        yield "</select>"
    else:
        mode = "numeric" if kind == "count" else "decimal"
        hint = f' aria-describedby="hint-{lid}"' if row.hint else ""
        placeholder = f"0–{escape(row.max)}" if kind == "decimal" else ""
        yield (
            f'<div class="input-group input-group-sm score-group">'
            f'<input type="text" class="form-control score-input" {common} inputmode="{mode}" '
            f'autocomplete="off" maxlength="32" value="{escape(row.value)}"{hint} '
            f'placeholder="{placeholder}">'
        )
        if kind == "percent":
            yield '<span class="input-group-addon">%</span>'
        elif kind == "count":
            yield f'<span class="input-group-addon">{t["times"]}</span>'
        yield "</div>"
    yield '<div class="save-status small" role="status" aria-live="polite"></div>'
    if row.hint:
        yield f'<div class="rule-hint small text-muted" id="hint-{lid}">{escape(row.hint)}</div>'
