"""The dashboard's results figures, once a round's results exist (app/domain/results.py):
grade distribution, average component index per field, top and bottom units, and the year
on year comparison with the previous year's round of the same unit type.

Who sees which round's results:
- admin, organiser, council: every round whose results have been computed, published or
  not (marked as not published);
- unit accounts: only their own unit's result, of published rounds (`own_results`): no
  figure of another unit, not even an average;
- everyone else logged in (viewer, appraisal accounts): published rounds only, and a
  comparison only with a published previous round.

Every figure is a set-based query (grouped in SQL, integer hundredths so that averages are
exact on SQLite too), the field averages summed the same way from the one column of field
figures of the round's unit results: about eight queries for a round whatever its number of
units.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, case, cast, func, or_, select
from sqlalchemy.orm import undefer

from app.domain import policy
from app.domain.year_change import previous_round
from app.models.criteria import Criterion, GradeBand
from app.models.results import UnitResult, index_sums
from app.models.rounds import PHASE_PUBLISHED, Round
from app.models.units import Unit
from app.security import roles

SHOWN = 5  # units in the top and in the bottom charts
SEE_UNPUBLISHED = frozenset((roles.ADMIN, roles.ORGANISER, roles.COUNCIL))
_HUNDREDTH = Decimal("0.01")


def published_clause():
    """SQL: the round's results are published (the same rule as results.results_frozen)."""
    return or_(Round.published_at.is_not(None), Round.phase == PHASE_PUBLISHED)


def is_published(round_):
    return round_.published_at is not None or round_.phase == PHASE_PUBLISHED


def unit_bound(user):
    """Accounts working for one unit see no figure of another unit on the dashboard."""
    return bool(policy.role_names(user) & set(roles.UNIT_BOUND_ROLES))


def sees_unpublished(user):
    names = policy.role_names(user)
    return bool(names & SEE_UNPUBLISHED) and not unit_bound(user)


def results_rounds(session, user):
    """The rounds whose results `user` may see charted, newest first (none for unit
    accounts: they get `own_results`)."""
    if user is None or not getattr(user, "is_authenticated", False) or unit_bound(user):
        return []
    query = policy.scope(user, Round, session.query(Round), session).filter(
        Round.results_computed_at.is_not(None)
    )
    if not sees_unpublished(user):
        query = query.filter(published_clause())
    return query.order_by(Round.year.desc(), Round.id.desc()).all()


def _average(hundredths_sum, count):
    """The exact mean of values given in hundredths, as a 2-place Decimal (half up)."""
    if not count:
        return None
    return (Decimal(int(hundredths_sum)) / count / 100).quantize(_HUNDREDTH, ROUND_HALF_UP)


def _hundredths(column):
    return cast(func.round(column * 100), BigInteger)


@dataclass(frozen=True)
class GradeCount:
    name: str
    count: int
    previous: int | None = None  # the same grade last year (None: no comparison)


@dataclass(frozen=True)
class FieldAverage:
    code: str
    title: str
    average: Decimal | None
    units: int


@dataclass(frozen=True)
class UnitFigure:
    name: str
    code: str
    index: Decimal
    rank: int | None
    grade: str | None
    change: Decimal | None


@dataclass
class ResultsFigures:
    round: Round
    published: bool
    units: int = 0
    average: Decimal | None = None
    grades: list = field(default_factory=list)  # of GradeCount, best grade first
    ungraded: int = 0
    fields: list = field(default_factory=list)  # of FieldAverage, in framework order
    top: list = field(default_factory=list)  # of UnitFigure, best first
    bottom: list = field(default_factory=list)  # of UnitFigure, weakest last
    previous: Round | None = None
    previous_units: int = 0
    previous_average: Decimal | None = None
    previous_fields: dict = field(default_factory=dict)  # field code -> last year's average
    up: int = 0  # units whose index rose since last year
    down: int = 0
    same: int = 0

    @property
    def best_count(self):
        return max([g.count for g in self.grades] + [g.previous or 0 for g in self.grades] + [0])


def _summary(session, round_ids):
    """{round id: (units, average index, up, down, same)}: one grouped query."""
    change = UnitResult.index_change
    rows = session.execute(
        select(
            UnitResult.round_id,
            func.count(),
            func.sum(_hundredths(UnitResult.index)),
            func.sum(case((change > 0, 1), else_=0)),
            func.sum(case((change < 0, 1), else_=0)),
            func.sum(case((change == 0, 1), else_=0)),
        )  # fmt: skip
        .where(UnitResult.round_id.in_(round_ids))
        .group_by(UnitResult.round_id)
    )
    return {
        round_id: (count, _average(total or 0, count), int(up or 0), int(down or 0), int(same or 0))
        for round_id, count, total, up, down, same in rows
    }


def _grades(session, round_, previous):
    """[GradeCount] of the round's bands (best first, empty bands included), last year's
    count of the grade of the same name beside each; and the units without a grade."""
    ids = [round_.id] + ([previous.id] if previous is not None else [])
    counts = {}
    for round_id, name, count in session.execute(
        select(UnitResult.round_id, GradeBand.name, func.count())
        .select_from(UnitResult)
        .outerjoin(GradeBand, UnitResult.grade_band_id == GradeBand.id)
        .where(UnitResult.round_id.in_(ids))
        .group_by(UnitResult.round_id, GradeBand.name)
    ):
        counts[(round_id, name)] = count
    names = session.scalars(
        select(GradeBand.name)
        .where(GradeBand.framework_id == round_.framework_id)
        .order_by(GradeBand.min_index.desc(), GradeBand.position)
    ).all()
    grades = [
        GradeCount(
            name,
            counts.get((round_.id, name), 0),
            None if previous is None else counts.get((previous.id, name), 0),
        )  # fmt: skip
        for name in names
    ]
    return grades, counts.get((round_.id, None), 0)


def _field_criteria(session, field_ids):
    """{criterion id: (code, title)} of `field_ids`, in tree order."""
    rows = session.execute(
        select(Criterion.id, Criterion.code, Criterion.title)
        .where(Criterion.id.in_(field_ids))
        .order_by(Criterion.sort_key)
    )
    return {id_: (code, title) for id_, code, title in rows}


def _fields(session, round_):
    """[FieldAverage]: the mean component index of each field over the units it applies to
    (summed exactly, in hundredths, from the unit results' field figures)."""
    sums = index_sums(
        session.scalars(select(UnitResult.field_figures).where(UnitResult.round_id == round_.id))
    )
    return [
        FieldAverage(code, title, _average(*sums[id_]), sums[id_][1])
        for id_, (code, title) in _field_criteria(session, sums).items()
    ]


def _ranked_ends(session, round_, shown):
    """(top, bottom): the `shown` units with the highest index, best first, and the `shown`
    with the lowest, weakest last; with 2 x `shown` units or fewer, all of them in `top`.
    One query (positions by a window function), whatever the number of units."""
    position = func.row_number().over(order_by=(UnitResult.index.desc(), Unit.name_sort, Unit.id))
    ranked = (
        select(
            Unit.name,
            Unit.code,
            UnitResult.index,
            UnitResult.rank,
            GradeBand.name.label("grade"),
            UnitResult.index_change,
            position.label("position"),
            func.count().over().label("units"),
        )  # fmt: skip
        .select_from(UnitResult)
        .join(Unit, UnitResult.unit_id == Unit.id)
        .outerjoin(GradeBand, UnitResult.grade_band_id == GradeBand.id)
        .where(UnitResult.round_id == round_.id)
        .subquery()
    )
    rows = session.execute(
        select(ranked)
        .where(or_(ranked.c.position <= shown, ranked.c.position > ranked.c.units - shown))
        .order_by(ranked.c.position)
    ).all()
    units = [UnitFigure(*row[:6]) for row in rows]
    if not rows or rows[0].units <= 2 * shown:
        return units, []
    return units[:shown], units[shown:]


def results_figures(session, round_, user):
    """ResultsFigures of `round_` as `user` may see them: the previous year's round is
    compared only if the user may see its results too (published, or an unpublished-seeing
    role)."""
    figures = ResultsFigures(round_, is_published(round_))
    previous = previous_round(session, round_)
    if previous is not None and not (is_published(previous) or sees_unpublished(user)):
        previous = None
    summary = _summary(session, [round_.id] + ([previous.id] if previous else []))
    figures.units, figures.average, figures.up, figures.down, figures.same = summary.get(
        round_.id, (0, None, 0, 0, 0)
    )
    if previous is not None and previous.id in summary:
        figures.previous = previous
        figures.previous_units, figures.previous_average = summary[previous.id][:2]
    figures.grades, figures.ungraded = _grades(session, round_, figures.previous)
    figures.fields = _fields(session, round_)
    if figures.previous is not None:
        # Fields are compared by code: frameworks keep their numbering from year to year.
        figures.previous_fields = {f.code: f.average for f in _fields(session, previous)}
    figures.top, figures.bottom = _ranked_ends(session, round_, SHOWN)
    return figures


# --- a unit's own result -------------------------------------------------------------------------


@dataclass
class OwnResult:
    round: Round
    index: Decimal
    total: Decimal
    applicable_max: Decimal
    rank: int | None
    units: int
    grade: str | None
    change: Decimal | None
    fields: list = field(default_factory=list)  # of FieldAverage (average: the unit's index)


def own_results(session, unit_id, limit=3):
    """[OwnResult] of the unit in the latest published rounds it took part in: three
    queries (its results, the rounds' sizes, its fields' names)."""
    if unit_id is None:
        return []
    rows = session.execute(
        select(UnitResult, Round, GradeBand.name)
        .options(undefer(UnitResult.field_figures))
        .join(Round, UnitResult.round_id == Round.id)
        .outerjoin(GradeBand, UnitResult.grade_band_id == GradeBand.id)
        .where(UnitResult.unit_id == unit_id, published_clause())
        .order_by(Round.year.desc(), Round.id.desc())
        .limit(limit)
    ).all()
    if not rows:
        return []
    round_ids = [round_.id for _result, round_, _grade in rows]
    sizes = dict(
        session.execute(
            select(UnitResult.round_id, func.count())
            .where(UnitResult.round_id.in_(round_ids))
            .group_by(UnitResult.round_id)
        ).all()
    )
    figures = {result.id: result.fields for result, _round, _grade in rows}
    criteria = _field_criteria(session, {id_ for each in figures.values() for id_ in each})
    fields = {
        result_id: [
            FieldAverage(code, title, each[id_].index, 1)
            for id_, (code, title) in criteria.items()
            if id_ in each
        ]
        for result_id, each in figures.items()
    }
    return [
        OwnResult(
            round_,
            result.index,
            result.total,
            result.applicable_max,
            result.rank,
            sizes.get(round_.id, 0),
            grade,
            result.index_change,
            fields.get(result.id, []),
        )  # fmt: skip
        for result, round_, grade in rows
    ]
