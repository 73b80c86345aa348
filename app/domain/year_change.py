"""The change of a unit's index since the previous year, through mergers.

Compared round: the previous year's round (year - 1) of the same unit type, the published one
first, else the latest computed. A unit formed by a merger is compared with everything it was
formed from: the units whose successor links lead to it (through any number of mergers), with
itself if it was assessed too. Their previous totals are added and divided by their previous
applicable maxima added, so a big former commune weighs more than a small one, as it would
have in one assessment; a unit assessed alone last year keeps exactly its own index.
"""

from decimal import Decimal

from sqlalchemy import select

from app.domain.results_sql import index_hundredths
from app.models.criteria import Framework
from app.models.results import UnitResult
from app.models.rounds import Round
from app.models.units import Unit


def _cents(points):
    return int((Decimal(points) * 100).to_integral_value())


def index_of(points, maximum):
    """points / maximum in %, 2 decimals, half up (2-place Decimals in, Decimal out); None
    when the maximum is 0. The one formula of results_sql.index_hundredths."""
    hundredths = index_hundredths(_cents(points), _cents(maximum))
    return None if hundredths is None else Decimal(hundredths).scaleb(-2)


def previous_round(session, round_):
    """Last year's round for the same unit type: the published one, else the latest computed."""
    unit_type_id = session.scalar(
        select(Framework.unit_type_id).where(Framework.id == round_.framework_id)
    )
    return session.scalar(
        select(Round)
        .join(Framework, Round.framework_id == Framework.id)
        .where(
            Round.year == round_.year - 1,
            Framework.unit_type_id == unit_type_id,
            Round.id != round_.id,
            Round.results_computed_at.is_not(None),
        )
        .order_by(Round.published_at.is_(None), Round.results_computed_at.desc(), Round.id.desc())
        .limit(1)
    )


def _predecessors(session):
    """{unit id: ids of the units merged into it}, from the successor links (one query)."""
    merged = {}
    for unit_id, successor_id in session.execute(
        select(Unit.id, Unit.successor_id).where(Unit.successor_id.is_not(None))
    ):
        merged.setdefault(successor_id, []).append(unit_id)
    return merged


def _formed_from(unit_id, merged):
    """The unit and every unit whose successor links lead to it, at any depth."""
    seen, todo = {unit_id}, [unit_id]
    while todo:
        for before in merged.get(todo.pop(), ()):
            if before not in seen:
                seen.add(before)
                todo.append(before)
    return seen


def fill_changes(session, round_, units):
    """Set previous_index and index_change on `units` ({unit id: object with unit_id and
    index}); return the previous round's id, or None when there is none. Three queries."""
    before = previous_round(session, round_)
    if before is None:
        return None
    previous = {
        unit_id: (total, maximum)
        for unit_id, total, maximum in session.execute(
            select(UnitResult.unit_id, UnitResult.total, UnitResult.applicable_max).where(
                UnitResult.round_id == before.id
            )
        )
    }
    merged = _predecessors(session)
    for unit in units.values():
        found = [previous[u] for u in _formed_from(unit.unit_id, merged) if u in previous]
        if not found:
            continue
        total = sum((Decimal(t) for t, _m in found), Decimal(0))
        maximum = sum((Decimal(m) for _t, m in found), Decimal(0))
        unit.previous_index = index_of(total, maximum)
        if unit.previous_index is not None:
            unit.index_change = unit.index - unit.previous_index
    return before.id
