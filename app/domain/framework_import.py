"""A criteria framework as spreadsheet rows (one row per criterion): read, check, store.

The file format is Vietnamese on purpose (headers, rule names, "Có"/"Không"): organisers edit it
in Excel, and it must read the same whatever language the screen is in. English rule keys and
column names are accepted too, for files built by scripts.
"""

import logging
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from app.domain import rule_check, scoring, survey
from app.domain.criteria_tree import code_sort_key, parent_code, sum_problems
from app.domain.errors import DomainError
from app.domain.scoring import ScoreError
from app.models import criteria as cm
from app.models.scoring import ScoreLine

log = logging.getLogger(__name__)

FIRST_DATA_LINE = 2  # line 1 holds the headers
MAX_ROWS = 5000
(
    CODE, TITLE, MAX_POINTS, RULE, STEP, OPTIONS, PER_OCCURRENCE, FLOOR, NOT_APPLICABLE,
    EVIDENCE, GUIDANCE, SURVEY_KIND,
) = range(12)  # fmt: skip
HEADERS = (
    "Mã", "Tên tiêu chí", "Điểm tối đa", "Cách chấm", "Bước điểm", "Lựa chọn / mức",
    "Trừ mỗi lần", "Điểm sàn", "Có thể không áp dụng", "Bắt buộc tài liệu kiểm chứng", "Hướng dẫn",
    "Loại điều tra",
)  # fmt: skip
# The model's column names, so a script can write the file without Vietnamese headers.
_HEADER_ALIASES = (
    "code", "title", "max_points", "rule", "step", "options", "per_occurrence", "floor",
    "allow_not_applicable", "evidence_required", "guidance", "survey_kind",
)  # fmt: skip
REQUIRED_COLUMNS = (CODE, TITLE, MAX_POINTS)
RULE_LABELS = {
    cm.RULE_NUMBER: "Nhập số", cm.RULE_CHOICE: "Lựa chọn", cm.RULE_TIERS: "Theo tỷ lệ %",
    cm.RULE_DEDUCTION: "Trừ điểm theo lần", cm.RULE_BONUS: "Điểm thưởng",
    cm.RULE_PENALTY: "Điểm trừ", cm.RULE_SURVEY: "Điều tra XHH",
}  # fmt: skip
YES, NO = "Có", "Không"
_YES_WORDS = {"co", "x", "yes", "y", "true", "1"}
_NO_WORDS = {"", "khong", "no", "n", "false", "0"}
_CENT = Decimal("0.01")
_TOO_LARGE = Decimal("1000000")  # Points() columns are Numeric(8, 2)


def fold(text):
    """Compare-form of a header or word: no accents, đ as d, lower case, single spaces."""
    text = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


_RULE_WORDS = {fold(label): kind for kind, label in RULE_LABELS.items()}
_RULE_WORDS.update({kind: kind for kind in RULE_LABELS})


@dataclass(frozen=True)
class ImportItem:
    """One criterion read from a row; `line` is the Excel line (not part of equality)."""

    code: str
    title: str
    max_points: Decimal
    rule: str = cm.RULE_NUMBER
    step: Decimal | None = None
    options: tuple = ()  # of scoring.Option
    tiers: tuple = ()  # of scoring.Tier, highest first
    per_occurrence: Decimal | None = None
    floor: Decimal | None = None
    allow_not_applicable: bool = False
    evidence_required: bool = False
    guidance: str | None = None
    survey_kind: str | None = None  # survey lines: which survey gives their points
    line: int = field(default=0, compare=False)

    def rule_obj(self):
        """The scoring Rule this row describes."""
        return scoring.Rule(
            self.rule, self.max_points, self.step, self.options, self.tiers,
            self.per_occurrence, self.floor,
        )  # fmt: skip


def header_map(header_cells):
    """For each column of HEADERS, its position in `header_cells` (None if absent).

    Raises DomainError when a required column is missing, naming every expected header.
    """
    positions = {}
    for index, cell in enumerate(header_cells):
        positions.setdefault(fold(cell), index)
    mapping = [
        positions.get(fold(header), positions.get(alias))
        for header, alias in zip(HEADERS, _HEADER_ALIASES, strict=True)
    ]
    missing = [HEADERS[c] for c in REQUIRED_COLUMNS if mapping[c] is None]
    if missing:
        message = _(
            "Line 1 must hold the column headers; missing: %(missing)s. Expected: %(expected)s.",
            missing=", ".join(missing),
            expected=", ".join(HEADERS),
        )
        raise DomainError(message)
    return mapping


def _text(raw):
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return unicodedata.normalize("NFC", str(raw)).strip()


def clean_code(raw):
    """A criterion code as stored: NFC, no blanks around its parts, no leading/trailing dot."""
    return ".".join(part.strip() for part in _text(raw).strip(".").split("."))


def code_problem(code):
    """Why a (cleaned, non-empty) criterion code is not one, or None: letters and digits
    between dots (1.2.3, 1.a), at most 40 characters."""
    if not all(part and part.isalnum() for part in code.split(".")):
        return _("Code “%(code)s” must look like 1.2.3.", code=code)
    if len(code) > 40:
        return _("Code “%(code)s” is too long.", code=code[:40])
    return None


def points_problem(value):
    """Why a points value does not fit a Points() column (Numeric(8, 2)), or None."""
    if value is None:
        return None
    value = Decimal(value)
    if not value.is_finite() or abs(value) >= _TOO_LARGE:
        shown = format(value.normalize() if value.is_finite() else value, "f")
        return _("%(value)s is too large.", value=shown.replace(".", ",")[:20])
    return None


def _number(raw):
    """A points value from a number cell or text like "8,5"; raises ScoreError."""
    value = scoring.parse_decimal(raw)  # floats go through repr(), so 8.5 stays 8.5
    if too_large := points_problem(value):
        raise ScoreError(too_large)
    shown = format(value, "f").replace(".", ",")
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    # A formula's 0.1 + 0.2 arrives as 0.30000000000000004: that is 0.3, not a fourth decimal.
    if isinstance(raw, float) and abs(value - rounded) < Decimal("1e-9"):
        value = rounded
    if value != rounded:
        raise ScoreError(_("%(value)s has more than 2 decimals.", value=shown))
    return value


def _optional_number(raw):
    return None if _text(raw) == "" else _number(raw)


def _yes(raw):
    if isinstance(raw, bool):
        return raw
    word = fold(_text(raw))
    if word in _YES_WORDS:
        return True
    if word in _NO_WORDS:
        return False
    raise ScoreError(_("Write %(yes)s or %(no)s, not “%(value)s”.", yes=YES, no=NO, value=raw))


def _rule_kind(raw):
    word = fold(_text(raw))
    if not word:
        return cm.RULE_NUMBER
    if word in _RULE_WORDS:
        return _RULE_WORDS[word]
    labels = "; ".join(RULE_LABELS.values())
    raise ScoreError(
        _("Unknown scoring rule “%(value)s”; use one of: %(labels)s.", value=raw, labels=labels)
    )


def parse_options(text):
    """Read "key=Nhãn:điểm; ..." into Options; raises ScoreError naming the bad part."""
    options = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, equals, rest = part.partition("=")
        # The label may hold ":" (e.g. "Đúng hạn: trước 31/12"); the points come after the last.
        label, colon, points = rest.rpartition(":")
        key, label = key.strip(), label.strip()
        if not equals or not colon or not key or not label:
            example = "dung_han=Đúng hạn:1"
            raise ScoreError(
                _(
                    "“%(part)s” is not an option; write key=Label:points, e.g. %(example)s.",
                    part=part,
                    example=example,
                )
            )
        if len(key) > 40 or len(label) > 255:
            raise ScoreError(_("Option “%(part)s” is too long.", part=part[:60]))
        options.append(scoring.Option(key, label, _number(points)))
    return tuple(options)


def parse_tiers(text):
    """Read ">=90:2; >=70:1; >=0:0" into Tiers (highest first); raises ScoreError."""
    tiers = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        start, colon, points = part.partition(":")
        start = start.strip().removeprefix(">=").removeprefix("≥").strip().removesuffix("%")
        if not colon or not start:
            raise ScoreError(
                _("“%(part)s” is not a tier; write >=percent:points, e.g. >=90:2.", part=part)
            )
        tiers.append(scoring.Tier(_number(start), _number(points)))
    return tuple(sorted(tiers, key=lambda t: t.min_percent, reverse=True))


def _cell(row, column):
    return row[column] if column < len(row) else None


def _parse_row(line, row):
    """(ImportItem or None, problems) for one non-blank row."""
    problems, values = [], {}

    def read(column, reader, name):
        try:
            values[name] = reader(_cell(row, column))
        except ScoreError as err:
            problems.append(
                _("%(column)s: %(problem)s", column=HEADERS[column], problem=err.message)
            )

    for column in REQUIRED_COLUMNS:
        if _text(_cell(row, column)) == "":
            problems.append(_("%(column)s is required.", column=HEADERS[column]))
    code = clean_code(_cell(row, CODE))
    if code and (problem := code_problem(code)):
        problems.append(problem)
    if _text(_cell(row, MAX_POINTS)):
        read(MAX_POINTS, _number, "max_points")
    read(RULE, _rule_kind, "rule")
    read(STEP, _optional_number, "step")
    read(PER_OCCURRENCE, _optional_number, "per_occurrence")
    read(FLOOR, _optional_number, "floor")
    read(NOT_APPLICABLE, _yes, "allow_not_applicable")
    read(EVIDENCE, _yes, "evidence_required")
    read(SURVEY_KIND, survey.normalise_kind, "survey_kind")
    if values.get("survey_kind") and values.get("rule") not in (None, cm.RULE_SURVEY):
        problems.append(
            _(
                "%(column)s: only “%(survey)s” lines take a survey kind.",
                column=HEADERS[SURVEY_KIND],
                survey=RULE_LABELS[cm.RULE_SURVEY],
            )
        )
    listing = _text(_cell(row, OPTIONS))
    if listing and "rule" in values:
        if values["rule"] == cm.RULE_TIERS:
            read(OPTIONS, lambda _raw: parse_tiers(listing), "tiers")
        elif values["rule"] == cm.RULE_CHOICE:
            read(OPTIONS, lambda _raw: parse_options(listing), "options")
        else:
            choice, tiers = RULE_LABELS[cm.RULE_CHOICE], RULE_LABELS[cm.RULE_TIERS]
            message = _(
                "Only “%(choice)s” and “%(tiers)s” rules take options or tiers.",
                choice=choice,
                tiers=tiers,
            )
            problems.append(message)
    if problems:
        return None, problems
    title, guidance = _text(_cell(row, TITLE)), _text(_cell(row, GUIDANCE)) or None
    return ImportItem(code=code, title=title, guidance=guidance, line=line, **values), []


def _blank(row):
    return all(_text(value) == "" for value in row)


def parse_rows(rows, framework_max=None):
    """Read and check data rows (line 2 on, columns in HEADERS order).

    Returns (items sorted by code, errors); errors are (Excel line, message), line None for
    problems of the file as a whole. With `framework_max`, the fields must add up to it.
    """
    items, errors, by_key = [], [], {}
    unreadable = set()  # codes of rows with errors: sums that involve them are not checked
    count = 0
    for index, row in enumerate(rows):
        line = index + FIRST_DATA_LINE
        row = list(row or ())
        if _blank(row):
            continue
        count += 1
        if count > MAX_ROWS:
            errors.append((line, _("The file has more than %(max)s rows.", max=MAX_ROWS)))
            break
        item, problems = _parse_row(line, row)
        errors += [(line, problem) for problem in problems]
        if item is None:
            code = _text(_cell(row, CODE))
            unreadable.add(code_sort_key(code) if code else None)
            continue
        key = code_sort_key(item.code)
        if key in by_key:
            first = by_key[key].line
            message = _("Code %(code)s is already on line %(line)s.", code=item.code, line=first)
            errors.append((line, message))
            continue
        by_key[key] = item
        items.append(item)
    if not count:
        errors.append((None, _("The file has no criteria rows.")))
    items.sort(key=lambda i: code_sort_key(i.code))
    errors += _tree_errors(items, by_key, unreadable, framework_max)
    errors.sort(key=lambda e: e[0] or 0)
    return items, errors


def _tree_errors(items, by_key, unreadable, framework_max):
    """Missing parents, leaf rules and maxima that do not add up."""
    errors, children = [], {}
    for item in items:
        above = parent_code(item.code)
        if above is None:
            continue
        if code_sort_key(above) not in by_key:
            if code_sort_key(above) not in unreadable:
                message = _(
                    "The parent %(parent)s of %(code)s is not in the file.",
                    parent=above,
                    code=item.code,
                )
                errors.append((item.line, message))
            continue
        children.setdefault(code_sort_key(above), []).append(item)
    for item in items:
        if code_sort_key(item.code) not in children:
            errors += [(item.line, str(p)) for p in rule_check.validate_rule(item.rule_obj())]
        elif item.survey_kind:
            # The import spreads a survey over lines; a heading's kind would be ignored.
            message = _(
                "%(code)s has sub-items: give the survey kind on its lines.", code=item.code
            )
            errors.append((item.line, message))

    def node(item):
        above = parent_code(item.code)
        parent_id = code_sort_key(above) if above else None
        return dict(id=code_sort_key(item.code), parent_id=parent_id, code=item.code,
                    max_points=item.max_points, rule=item.rule)  # fmt: skip

    # A row that could not be read would make its parent's sum wrong: check only what is whole.
    unsure = {code_sort_key(parent_code(k) or "") for k in unreadable if k}
    for key, kids in children.items():
        if None in unreadable or key in unsure:
            continue
        parent = by_key[key]
        for problem in sum_problems([node(parent)] + [node(k) for k in kids]):
            errors.append((parent.line, str(problem)))
    if framework_max is not None and not unreadable:
        top = [node(i) for i in items if parent_code(i.code) is None]
        errors += [(None, str(p)) for p in sum_problems(top, framework_max)]
    return errors


def apply_import(session, framework, items):
    """Replace `framework`'s criteria with `items` (from a clean parse_rows); returns the count.

    All or nothing: raises DomainError (nothing changed) if the framework is frozen, scored,
    or the items do not form a tree; on a database error the session is rolled back. The
    caller commits.
    """
    if framework.frozen:
        raise DomainError(
            _("The criteria framework is frozen because a round uses it; copy it to change it.")
        )
    if not items:
        raise DomainError(_("The file has no criteria rows."))
    keys = {code_sort_key(i.code) for i in items}
    if len(keys) != len(items) or any(
        parent_code(i.code) and code_sort_key(parent_code(i.code)) not in keys for i in items
    ):
        raise DomainError(_("The criteria do not form a tree; check the codes and parents."))
    if framework.id is not None:
        scored = (
            session.query(ScoreLine.id)
            .join(cm.Criterion, ScoreLine.criterion_id == cm.Criterion.id)
            .filter(cm.Criterion.framework_id == framework.id)
            .first()
        )
        if scored:
            raise DomainError(
                _("Scores have already been entered against this framework; it cannot be replaced.")
            )
    try:
        framework.criteria.clear()
        # Delete before insert: the new rows reuse the old codes (unique per framework).
        session.flush()
        created = {}
        for item in sorted(items, key=lambda i: (i.code.count("."), code_sort_key(i.code))):
            criterion = cm.Criterion(
                code=item.code, sort_key=code_sort_key(item.code), title=item.title,
                max_points=item.max_points, rule=item.rule, step=item.step,
                per_occurrence=item.per_occurrence, floor=item.floor,
                allow_not_applicable=item.allow_not_applicable,
                evidence_required=item.evidence_required, guidance=item.guidance,
                survey_kind=item.survey_kind,
            )  # fmt: skip
            above = parent_code(item.code)
            criterion.parent = created[code_sort_key(above)] if above else None
            criterion.options = [
                cm.CriterionOption(key=o.key, label=o.label, points=o.points, position=n)
                for n, o in enumerate(item.options)
            ]
            criterion.tiers = [
                cm.CriterionTier(min_percent=t.min_percent, points=t.points) for t in item.tiers
            ]
            created[code_sort_key(item.code)] = criterion
            framework.criteria.append(criterion)
        session.flush()
    except SQLAlchemyError:
        log.exception("Importing criteria into framework %s failed", framework.id)
        session.rollback()
        raise DomainError(_("The criteria could not be saved; nothing was changed.")) from None
    return len(items)
