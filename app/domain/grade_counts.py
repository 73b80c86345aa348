"""A round's whole ranking in one piece (the printed and exported reports), and the number of
units per grade (the announcement's summary: "22 Xuất sắc, 78 Tốt, ...").

The ranking is app/domain/results_view.py's, the screens' own: by rank, equal ranks in
Vietnamese dictionary order of the unit's name, in a fixed number of queries.
"""

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from app.domain import results_view
from app.models.criteria import GradeBand

EVERY_UNIT = 10**7  # one page holds every unit of any round (a national round has 3,321)


@dataclass(frozen=True)
class GradeCount:
    name: str | None  # None: the units no band takes (a framework without a band from 0)
    count: int


def full_ranking(session, round_):
    """Every unit result of `round_` in rank order: a results_view.Ranking of one page."""
    return results_view.ranking(session, round_, page=1, page_size=EVERY_UNIT)


def grade_counts(session, framework_id, rows):
    """Units of `rows` (each with a `grade` name) per grade band of the framework, from the
    highest band down, bands without a unit included; units no band takes are counted last
    (name None), only when there are some. One query."""
    bands = session.scalars(
        select(GradeBand.name)
        .where(GradeBand.framework_id == framework_id)
        .order_by(GradeBand.min_index.desc(), GradeBand.position)
    ).all()
    counts = Counter(row.grade for row in rows)
    grades = [GradeCount(name, counts.get(name, 0)) for name in bands]
    ungraded = sum(n for name, n in counts.items() if name not in bands)
    if ungraded:
        grades.append(GradeCount(None, ungraded))
    return grades
