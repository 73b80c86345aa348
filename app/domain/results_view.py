"""Reading a round's stored results for the screens: the ranking (paginated, by rank, equal
ranks in Vietnamese alphabetical order of the unit's name), each row's per-field indexes, and
one unit's result with its fields. Used by the public pages (published rounds only: the caller
checks) and by the back office's result page.

A page costs a fixed number of queries whatever the number of units or fields: the count, the
page's rows (with unit and grade), the page's field figures, the framework's fields, and the
comparison round.

The change since last year is shown only when last year's round is published
(`change_shown`): a published round never shows, even as a difference, figures of a round
nobody published.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select

from app.domain.results_policy import is_published
from app.domain.results_sql import OUTSIDE_SUMS
from app.domain.year_change import previous_round
from app.models.criteria import Criterion, GradeBand
from app.models.results import UnitResult, decode_fields
from app.models.rounds import Round
from app.models.units import Unit

PAGE_SIZE = 50


@dataclass(frozen=True)
class Field:
    id: int
    code: str
    title: str
    max_points: Decimal


@dataclass
class ResultRow:
    """One unit's result as the ranking shows it."""

    result_id: int
    unit_id: int
    code: str
    name: str
    self_total: Decimal
    approved_total: Decimal
    survey_points: Decimal
    bonus: Decimal
    penalty: Decimal
    total: Decimal
    applicable_max: Decimal
    index: Decimal
    rank: int | None
    grade: str | None
    change: Decimal | None
    fields: dict = field(default_factory=dict)  # field id -> FieldFigures


@dataclass
class Ranking:
    round: Round
    fields: list
    rows: list
    page: int
    pages: int
    units: int  # results in the round
    previous: Round | None = None  # last year's round, when its change is shown
    page_size: int = PAGE_SIZE

    @property
    def first(self):
        return (self.page - 1) * self.page_size + 1


def published_rounds(session):
    """The rounds whose results are published, newest first, with their number of units."""
    counts = (
        select(UnitResult.round_id, func.count().label("units"))
        .group_by(UnitResult.round_id)
        .subquery()
    )
    query = (
        select(Round, func.coalesce(counts.c.units, 0))
        .outerjoin(counts, counts.c.round_id == Round.id)
        .where(Round.published_at.is_not(None))
        .order_by(Round.year.desc(), Round.published_at.desc(), Round.id.desc())
    )
    return [(round_, units) for round_, units in session.execute(query) if is_published(round_)]


def fields_of(session, framework_id):
    """The framework's fields (top-level criteria, bonus and penalty left out), in order."""
    query = (
        select(Criterion.id, Criterion.code, Criterion.title, Criterion.max_points)
        .where(
            Criterion.framework_id == framework_id,
            Criterion.parent_id.is_(None),
            Criterion.rule.not_in(OUTSIDE_SUMS),
        )
        .order_by(Criterion.sort_key)
    )
    return [Field(*row) for row in session.execute(query)]


def change_shown(session, round_):
    """Last year's round when the change since then may be shown next to `round_`: it must
    be published. None otherwise."""
    before = previous_round(session, round_)
    return before if is_published(before) else None


def _rows(session, query, show_change):
    rows = []
    for result, code, name, grade in session.execute(query):
        rows.append(
            ResultRow(
                result.id, result.unit_id, code, name, result.self_total, result.approved_total,
                result.survey_points, result.bonus, result.penalty, result.total,
                result.applicable_max, result.index, result.rank, grade,
                result.index_change if show_change else None,
            )
        )  # fmt: skip
    if rows:  # the page's field figures, by id: the sort above stays narrow
        by_id = {row.result_id: row for row in rows}
        for result_id, stored in session.execute(
            select(UnitResult.id, UnitResult.field_figures).where(UnitResult.id.in_(by_id))
        ):
            by_id[result_id].fields = decode_fields(stored)
    return rows


def _base_query(round_):
    return (
        select(UnitResult, Unit.code, Unit.name, GradeBand.name)
        .join(Unit, UnitResult.unit_id == Unit.id)
        .outerjoin(GradeBand, UnitResult.grade_band_id == GradeBand.id)
        .where(UnitResult.round_id == round_.id)
    )


def ranking(session, round_, page=1, page_size=PAGE_SIZE):
    """One page of the round's ranking: by rank, then the unit's name in Vietnamese order.
    A page number out of range gives the nearest page."""
    units = session.scalar(
        select(func.count()).select_from(UnitResult).where(UnitResult.round_id == round_.id)
    )
    pages = max(1, -(-units // page_size))
    page = min(max(1, int(page)), pages)
    query = (
        _base_query(round_)
        .order_by(UnitResult.rank.is_(None), UnitResult.rank, Unit.name_sort, Unit.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    previous = change_shown(session, round_)
    rows = _rows(session, query, previous is not None)
    return Ranking(
        round_, fields_of(session, round_.framework_id), rows, page, pages, units, previous,
        page_size,
    )  # fmt: skip


def unit_result(session, round_, unit_id, any_previous=False):
    """(ResultRow, fields, number of ranked units, last year's round or None) of one unit, or
    None when the unit has no result in the round. `any_previous`: for the accounts that see
    unpublished results, the change against last year's round, published or not."""
    previous = previous_round(session, round_) if any_previous else change_shown(session, round_)
    found = _rows(
        session, _base_query(round_).where(UnitResult.unit_id == unit_id), previous is not None
    )
    if not found:
        return None
    units = session.scalar(
        select(func.count()).select_from(UnitResult).where(UnitResult.round_id == round_.id)
    )
    return found[0], fields_of(session, round_.framework_id), units, previous
