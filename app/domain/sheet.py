"""The score sheet of one assessment as plain rows: one read for the page, the PDF report
and the Excel file. A fixed number of queries whatever the number of criteria (no N+1)."""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import and_, bindparam, case, func, literal, not_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String

from app.models.criteria import RULE_BONUS, RULE_PENALTY, RULE_SURVEY, Criterion
from app.models.scoring import Evidence, ScoreLine

_OUTSIDE_SUMS = (RULE_BONUS, RULE_PENALTY)


@dataclass
class SheetRow:
    criterion: Criterion
    depth: int
    line: ScoreLine | None = None  # None for the headings (fields, criteria with children)
    evidence_count: int = 0
    field_code: str = ""

    @property
    def is_heading(self):
        return self.line is None


@dataclass
class FieldTotal:
    criterion: Criterion
    self_points: Decimal = Decimal("0")
    applicable_max: Decimal = Decimal("0")


@dataclass
class Sheet:
    assessment: object
    rows: list = field(default_factory=list)
    fields: dict = field(default_factory=dict)  # top-level code -> FieldTotal
    self_total: Decimal = Decimal("0")
    applicable_max: Decimal = Decimal("0")
    lines_total: int = 0
    lines_scored: int = 0
    lines_missing_evidence: int = 0

    @property
    def lines(self):
        return [r.line for r in self.rows if r.line is not None]


def load_sheet(session, assessment):
    """Every criterion of the round's framework in tree order, with the unit's line on leaves,
    evidence counts, field totals and progress. Two queries in all: the criteria with their
    options and tiers, the lines with their evidence counts."""
    framework_id = assessment.round.framework_id
    criteria = (
        session.query(Criterion)
        # Joined, not selectin: one query, and half the time of two IN lists of 150 ids.
        .options(joinedload(Criterion.options), joinedload(Criterion.tiers))
        .filter(Criterion.framework_id == framework_id)
        .order_by(Criterion.sort_key)
        .all()
    )
    lines, evidence = {}, {}
    # Each line with its number of evidence items, in the same query.
    for line, count in session.query(ScoreLine, _evidence_count()).filter(
        ScoreLine.assessment_id == assessment.id
    ):
        lines[line.criterion_id], evidence[line.id] = line, count
    sheet = Sheet(assessment=assessment)
    for criterion in criteria:
        top = criterion.code.split(".")[0]
        line = lines.get(criterion.id)
        row = SheetRow(criterion, criterion.code.count("."), line, field_code=top)
        sheet.rows.append(row)
        if criterion.parent_id is None:
            sheet.fields[top] = FieldTotal(criterion)
        if line is None:
            continue
        # The line's criterion is this one: spare each row a lazy load through the session.
        set_committed_value(line, "criterion", criterion)
        row.evidence_count = evidence.get(line.id, 0)
        _count(
            sheet, sheet.fields.get(top), criterion.rule, criterion.max_points,
            criterion.evidence_required,
            (line.not_applicable, line.self_points, line.explanation), row.evidence_count,
        )  # fmt: skip
    return sheet


def lacks_evidence(criterion, line, evidence_count):
    """True when the line's criterion requires evidence and the line has neither evidence nor
    an explanation (whitespace is no explanation)."""
    return _lacks(criterion.evidence_required, evidence_count, line.explanation)


def _lacks(evidence_required, evidence_count, explanation):
    return bool(evidence_required and not evidence_count and not (explanation or "").strip())


def _count(sheet, field_total, rule, max_points, evidence_required, line, evidence_count):
    """Add one line to the totals; `line` is (not_applicable, self_points, explanation).
    Plain values, not rows: the autosave runs this for every line of the sheet."""
    not_applicable, self_points, explanation = line
    if not_applicable:
        return
    if rule not in _OUTSIDE_SUMS:
        sheet.applicable_max += max_points
        if field_total is not None:
            field_total.applicable_max += max_points
    if rule == RULE_SURVEY:
        return
    sheet.lines_total += 1
    if self_points is not None:
        sheet.lines_scored += 1
        sheet.self_total += self_points
        if field_total is not None:
            field_total.self_points += self_points
    if _lacks(evidence_required, evidence_count, explanation):
        sheet.lines_missing_evidence += 1


def _evidence_count():
    """The number of evidence items of the ScoreLine of the enclosing query."""
    return (
        select(func.count(Evidence.id))
        .where(Evidence.score_line_id == ScoreLine.id)
        .correlate(ScoreLine)
        .scalar_subquery()
    )


def sheet_totals(session, assessment):
    """The totals and progress of load_sheet() without its rows: what the sheet needs after
    each autosave. The database adds the lines up per field and returns one row per field,
    so the sum costs the same whatever the number of lines. Fields are keyed by code."""
    values = {"assessment_id": assessment.id, "framework_id": assessment.round.framework_id}
    sheet = Sheet(assessment=assessment)
    for row in session.connection().execute(_totals_query(), values):
        top, is_field, applicable_max, lines_total, lines_scored, self_total, missing = row
        self_total = self_total or Decimal("0")  # NULL: no scored line in the field
        if is_field:
            sheet.fields[top] = FieldTotal(None, self_total, applicable_max)
        sheet.applicable_max += applicable_max
        sheet.self_total += self_total
        sheet.lines_total += lines_total
        sheet.lines_scored += lines_scored
        sheet.lines_missing_evidence += missing
    return sheet


class _top_code(FunctionElement):  # noqa: N801  (reads like the SQL function it stands for)
    """The code's first segment, the field's code: '2.3.1' -> '2'."""

    type = String()
    inherit_cache = True


@compiles(_top_code)
def _top_code_default(element, compiler, **kw):
    code = f"({compiler.process(element.clauses, **kw)} || '.')"
    return f"substr({code}, 1, instr({code}, '.') - 1)"


@compiles(_top_code, "postgresql")
def _top_code_postgresql(element, compiler, **kw):
    return f"split_part({compiler.process(element.clauses, **kw)}, '.', 1)"


@lru_cache(maxsize=1)
def _totals_query():
    """The sums of _count() in SQL, per field. Built once: the same statement object each
    time also skips SQLAlchemy's cache-key work."""
    applicable = and_(ScoreLine.id.is_not(None), not_(ScoreLine.not_applicable))
    counted = and_(applicable, Criterion.rule != RULE_SURVEY)
    scored = and_(counted, ScoreLine.self_points.is_not(None))
    # Explanations are stored stripped; trim() keeps a stray blank one from counting.
    lacks = and_(
        counted,
        Criterion.evidence_required,
        _evidence_count() == 0,
        func.coalesce(func.trim(ScoreLine.explanation), "") == "",
    )

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    top = _top_code(Criterion.code)
    return (
        select(
            top,
            func.max(case((Criterion.parent_id.is_(None), 1), else_=0)),
            func.sum(
                case(
                    (and_(applicable, Criterion.rule.not_in(_OUTSIDE_SUMS)), Criterion.max_points),
                    else_=literal(0),
                )
            ),
            count(counted),
            count(scored),
            func.sum(case((scored, ScoreLine.self_points), else_=None)),
            count(lacks),
        )
        .select_from(Criterion)
        .outerjoin(
            ScoreLine,
            (ScoreLine.criterion_id == Criterion.id)
            & (ScoreLine.assessment_id == bindparam("assessment_id")),
        )
        .where(Criterion.framework_id == bindparam("framework_id"))
        .group_by(top)
        .order_by(func.min(Criterion.sort_key))
    )
