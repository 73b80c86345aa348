"""Filling a unit's score sheet from an Excel file: plan every change, then apply all or none.

`plan_import` reads the rows of an uploaded sheet (`ImportRow`s, one per Excel line) and says
what each would change and which rows are wrong. It runs the very domain functions the score
sheet uses (`save_self_score`, `save_explanation`, `set_not_applicable`) on a detached copy of
each line, so an import accepts and refuses exactly what typing on the page would, and nothing
is written. `apply_plan` then runs the same steps on the real lines, in the caller's
transaction. Pure of Flask views: the caller commits or rolls back.

Everyone in a unit downloads the whole sheet, so a file also holds lines that others fill in
meanwhile. The export therefore stamps each line with a fingerprint of what it held
(`fingerprint`): a row still matching its stamp was not touched by the user and is skipped,
whatever the line holds now; a touched row whose line changed since the download is refused
rather than silently overwriting a colleague's work (a three-way comparison).
"""

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from types import SimpleNamespace
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.domain import self_assessment as sa
from app.domain.clock import utcnow
from app.domain.errors import DomainError
from app.domain.framework_import import fold
from app.domain.scoring import format_points, rule_of, score
from app.domain.windows import window_open
from app.models.criteria import RULE_CHOICE, RULE_DEDUCTION, RULE_TIERS, Criterion
from app.models.rounds import WINDOW_SELF
from app.models.scoring import ScoreLine

MAX_ROWS = 5000
# What people write in the "Không áp dụng" column, compared without accents or case.
_YES_WORDS = {"co", "x", "yes", "y", "true", "1", "khong ap dung"}
_NO_WORDS = {"", "khong", "no", "n", "false", "0"}
# The attributes of a ScoreLine the self-assessment functions read or write.
_LINE_ATTRS = (
    "id", "assessment", "assessment_id", "criterion", "preparer_id", "self_input", "self_points",
    "explanation", "not_applicable", "not_applicable_reason", "version", "updated_at",
    "updated_by_id",
)  # fmt: skip


@dataclass(frozen=True)
class ImportRow:
    """One data row of the uploaded sheet, cell values as read (None when blank)."""

    line: int  # the Excel line number, for messages
    line_id: object = None
    code: object = None
    value: object = None
    not_applicable: object = None
    reason: object = None
    explanation: object = None
    base: object = None  # the line's fingerprint when the sheet was downloaded

    def is_blank(self):
        return all(
            _text(v) is None
            for v in (self.line_id, self.value, self.not_applicable, self.reason, self.explanation)
        )


class RowError(NamedTuple):
    """A row that cannot be imported: Excel line (None = the whole file), code, message."""

    line: int | None
    code: str
    message: str


@dataclass
class Change:
    """What one row changes on one score line; the display texts are for the preview."""

    row: int
    line: ScoreLine
    raw: object = None  # the score input, as save_self_score takes it
    not_applicable: bool = False
    reason: str | None = None
    explanation: str | None = None
    score_changed: bool = False
    na_changed: bool = False
    explanation_changed: bool = False
    expected_version: int | None = None
    old_value: str = ""
    new_value: str = ""
    old_na: str = ""
    new_na: str = ""
    old_explanation: str = ""
    new_explanation: str = ""

    @property
    def code(self):
        return self.line.criterion.code

    @property
    def title(self):
        return self.line.criterion.title

    @property
    def value_changed(self):
        """The score differs, including one cleared by a not-applicable mark."""
        return self.old_value != self.new_value


def _text(value):
    """A cell as trimmed NFC text with "\\n" line ends; None when empty."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip() or None


def _flag(value):
    """The "Không áp dụng" cell as True/False; raises DomainError for anything else."""
    word = fold(_text(value) or "")
    if word in _YES_WORDS:
        return True
    if word in _NO_WORDS:
        return False
    message = _(
        "Write “Có” in the “Không áp dụng” column, or leave it empty, not “%(value)s”.",
        value=(_text(value) or "")[:20],
    )
    raise DomainError(message)


def fingerprint(self_input, not_applicable, reason, explanation):
    """A short stamp of a line's self-assessment (input, mark, reason, explanation)."""
    state = [
        self_input or None,
        bool(not_applicable),
        _text(reason) if not_applicable else None,
        _text(explanation),
    ]
    digest = hashlib.sha256(json.dumps(state, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()[:16]


def _stored_input(line):
    """The line's input in the form `score` gives it back, so equal values compare equal."""
    if line.self_input in (None, "") or line.not_applicable:
        return line.self_input or None
    result = score(rule_of(line.criterion), line.self_input)
    return result.canonical if result.ok else line.self_input


def line_fingerprint(line):
    """The stamp of what `line` holds now (what the export writes in its hidden column)."""
    return fingerprint(
        _stored_input(line), line.not_applicable, line.not_applicable_reason, line.explanation
    )


def _line_id(value):
    """The hidden line id cell as an int, or None when it is not a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    return int(text) if text and text.isascii() and text.isdigit() else None


def describe_value(criterion, self_input, points):
    """A score as the preview shows it: "Ban hành đúng hạn (1 điểm)", "95% (0,5 điểm)"."""
    if self_input is None or self_input == "":
        return "—"
    shown = format_points(self_input) if _is_number(self_input) else str(self_input)
    if criterion.rule == RULE_CHOICE:
        labels = {o.key: o.label for o in criterion.options}
        shown = labels.get(self_input, shown)
    elif criterion.rule == RULE_TIERS:
        shown += "%"
    elif criterion.rule == RULE_DEDUCTION:
        shown = _("%(count)s occurrences", count=shown)
    return _("%(value)s (%(points)s points)", value=shown, points=format_points(points))


def _is_number(text):
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def _describe_na(flag, reason):
    if not flag:
        return _("Applicable")
    return _("Not applicable: %(reason)s", reason=reason or "")


def _shadow(line):
    """A detached stand-in of `line` the domain functions can change without touching the DB."""
    return SimpleNamespace(**{name: getattr(line, name) for name in _LINE_ATTRS})


class _NoSession:
    """Swallows the audit events of a dry run: app/domain/audit.py keeps them in `info`."""

    def __init__(self):
        self.info = {}

    def add(self, _obj):
        pass


def _steps(session, line, change, actor, now):
    """The domain calls that bring `line` to the row's values, in the only safe order:
    clear "not applicable" before scoring, mark it after (marking clears the score)."""
    if change.na_changed and not change.not_applicable:
        sa.set_not_applicable(session, line, False, None, actor, now)
    if change.score_changed:
        sa.save_self_score(session, line, change.raw, actor, now)
    if change.na_changed and change.not_applicable:
        sa.set_not_applicable(session, line, True, change.reason, actor, now)
    if change.explanation_changed:
        sa.save_explanation(session, line, change.explanation, actor, now)


def _plan_row(row, line, actor, now):
    """The Change a row asks for (None if it changes nothing); raises DomainError."""
    criterion = line.criterion
    flag = _flag(row.not_applicable)
    reason, explanation = _text(row.reason), _text(row.explanation)
    if flag and _text(row.value) is not None:
        raise DomainError(
            _("A line marked not applicable cannot have a score: clear the score or the mark.")
        )
    canonical = points = None
    if not flag:
        result = score(rule_of(criterion), row.value)
        if not result.ok:
            raise DomainError(result.error)
        canonical, points = result.canonical, result.points
    base = _text(row.base)
    if base and fingerprint(canonical, flag, reason, explanation) == base:
        return None  # the user left this row as downloaded
    change = Change(
        row=row.line,
        line=line,
        raw=row.value,
        not_applicable=flag,
        reason=reason,
        explanation=explanation,
        expected_version=line.version,
    )
    change.na_changed = flag != bool(line.not_applicable) or (
        flag and reason != _text(line.not_applicable_reason)
    )
    change.score_changed = not flag and (canonical, points) != (
        _stored_input(line),
        line.self_points,
    )
    change.explanation_changed = explanation != _text(line.explanation)
    if not (change.score_changed or change.na_changed or change.explanation_changed):
        return None
    if base and line_fingerprint(line) != base:
        raise DomainError(
            _(
                "Someone changed this line in the system after you downloaded the file (it now"
                " holds %(value)s); download the sheet again and redo this row.",
                value=describe_value(criterion, line.self_input, line.self_points),
            )
        )
    decision = sa.line_edit_decision(actor, line, now)
    if not decision:
        raise DomainError(decision.reason)
    # Dry run: the same functions as apply_plan, on a copy, so every rule of theirs applies.
    shadow = _shadow(line)
    _steps(_NoSession(), shadow, change, actor, now)
    change.old_value = describe_value(criterion, line.self_input, line.self_points)
    change.new_value = describe_value(criterion, shadow.self_input, shadow.self_points)
    change.old_na = _describe_na(line.not_applicable, line.not_applicable_reason)
    change.new_na = _describe_na(shadow.not_applicable, shadow.not_applicable_reason)
    change.old_explanation = line.explanation or ""
    change.new_explanation = shadow.explanation or ""
    return change


def _load_lines(session, assessment):
    return {
        line.id: line
        for line in session.query(ScoreLine)
        .options(
            joinedload(ScoreLine.criterion).selectinload(Criterion.options),
            joinedload(ScoreLine.criterion).selectinload(Criterion.tiers),
        )
        .filter(ScoreLine.assessment_id == assessment.id)
    }


def plan_import(session, assessment, rows, actor, now=None):
    """(changes, errors) for the uploaded `rows` of `assessment`, as `actor` at `now`.

    Unchanged rows are left out; headings (no line id, nothing typed) are skipped. Every other
    row is checked with the self-assessment rules: the score with the line's rule, the
    not-applicable mark, the explanation, and whether `actor` may change that line now. A closed
    window refuses the whole file with the window's message. Nothing is written."""
    now = now or utcnow()
    decision = window_open(assessment.round, WINDOW_SELF, assessment.unit_id, now)
    if not decision:
        return [], [RowError(None, "", decision.reason)]
    if len(rows) > MAX_ROWS:
        return [], [RowError(None, "", _("The file has more than %(max)s rows.", max=MAX_ROWS))]
    lines = _load_lines(session, assessment)
    changes, errors, seen = [], [], {}
    for row in rows:
        code = _text(row.code) or ""
        if row.is_blank():
            continue
        if _text(row.line_id) is None:
            if any(_text(v) for v in (row.value, row.not_applicable, row.reason, row.explanation)):
                errors.append(RowError(row.line, code, _row_without_id()))
            continue
        line_id = _line_id(row.line_id)
        line = lines.get(line_id) if line_id is not None else None
        if line is None:
            message = _(
                "This row is not a line of this unit's self-assessment (line id %(id)s);"
                " download the sheet again.",
                id=(_text(row.line_id) or "")[:20],
            )
            errors.append(RowError(row.line, code, message))
            continue
        if code and code != line.criterion.code:
            message = _(
                "The code %(code)s does not match this row's line (%(line_code)s): do not edit"
                " the “Mã” column.",
                code=code[:20],
                line_code=line.criterion.code,
            )
            errors.append(RowError(row.line, code, message))
            continue
        if line_id in seen:
            message = _(
                "The line %(code)s also appears on Excel line %(other)s.",
                code=line.criterion.code,
                other=seen[line_id],
            )
            errors.append(RowError(row.line, line.criterion.code, message))
            continue
        seen[line_id] = row.line
        try:
            change = _plan_row(row, line, actor, now)
        except DomainError as err:
            errors.append(RowError(row.line, line.criterion.code, err.message))
            continue
        if change is not None:
            changes.append(change)
    return changes, errors


def _row_without_id():
    return _(
        "This row has no line id (hidden column “Mã dòng”), so nothing typed in it can be"
        " imported; headings cannot be scored."
    )


def apply_plan(session, assessment, changes, actor, now=None):
    """Apply every change through the self-assessment functions (each logs its audit event).

    Raises DomainError, or ConflictError when a line changed after the plan was made
    (`expected_version`); the caller must then roll back, so all or nothing is stored.
    Returns the number of lines changed."""
    now = now or utcnow()
    # No autoflush: every UPDATE waits for the flush below, where a lost race is caught.
    with session.no_autoflush:
        for change in changes:
            line = change.line
            if line.assessment_id != assessment.id:
                raise DomainError(_("A row does not belong to this self-assessment."))
            if change.expected_version is not None and line.version != change.expected_version:
                raise _changed_meanwhile(line)
            _steps(session, line, change, actor, now)
    expected = {change.line.id: change.expected_version for change in changes}
    try:
        session.flush()
    except StaleDataError:
        # Another request saved one of the lines between our read and our write: roll back
        # (nothing imported) and name that line with what it now holds.
        session.rollback()
        lines = session.query(ScoreLine).filter(ScoreLine.id.in_(expected)).order_by(ScoreLine.id)
        changed = next((ln for ln in lines if ln.version != expected[ln.id]), None)
        raise _changed_meanwhile(changed) from None
    return len(changes)


def _changed_meanwhile(line):
    """The ConflictError of an import that met someone else's save on `line` (None: unknown)."""
    if line is None:
        message = _("Someone else changed the sheet meanwhile; nothing was imported. Upload again.")
        return sa.ConflictError(message, current=None)
    value = describe_value(line.criterion, line.self_input, line.self_points)
    message = _(
        "Line %(code)s was changed by someone else after the preview: it now holds %(value)s."
        " Upload the file again to see the new preview.",
        code=line.criterion.code,
        value=value,
    )
    return sa.ConflictError(message, current=line.self_points, shown=value, version=line.version)
