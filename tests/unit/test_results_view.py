"""Reading stored results for the screens (app/domain/results_view.py) on the hand-built
province of tests/unit/results_world.py: the ranking's pages, equal ranks in name order, the
per-field figures, and the change since last year shown only against a published round."""

from decimal import Decimal

from sqlalchemy import event

from app.domain import results_view
from app.domain.results import compute_results
from app.models import Round
from tests.unit.results_world import (
    YEAR,
    world_fixture,  # noqa: F401  (the `world` fixture)
)
from tests.unit.test_results import APPROVED, SELF

D = Decimal


def _computed(world):
    for code, points in APPROVED.items():
        world.approve(
            code, points, SELF.get(code), not_applicable=["1.2"] if code == "KQ-U4" else ()
        )
    compute_results(world.session, world.round_, world.organiser)


def test_the_ranking_pages_go_by_rank_then_name(world):
    _computed(world)
    pages = [results_view.ranking(world.session, world.round_, p, page_size=2) for p in (1, 2, 3)]
    assert [[(r.code, r.rank) for r in page.rows] for page in pages] == [
        [("KQ-U2", 1), ("KQ-U3", 1)],  # 92,50 each: one rank, in name order
        [("KQ-U1", 2), ("KQ-U5", 3)],
        [("KQ-U4", 4)],
    ]
    assert {page.pages for page in pages} == {3} and pages[2].units == 5
    assert pages[1].first == 3
    # Beyond the last page: the last page.
    assert [r.code for r in results_view.ranking(world.session, world.round_, 9, 2).rows] == [
        "KQ-U4"
    ]
    fields = {f.code: f.id for f in pages[0].fields}
    assert list(fields) == ["1", "2"]
    u2 = pages[0].rows[0]
    assert u2.fields[fields["1"]].index == D("62.50") and u2.grade == "Tốt"


def test_the_change_shows_only_against_a_published_round(world):
    _computed(world)
    ranking = results_view.ranking(world.session, world.round_)
    assert ranking.previous is not None and ranking.previous.year == YEAR - 1
    changes = {r.code: r.change for r in ranking.rows}
    assert changes["KQ-U1"] == D("6.25") and changes["KQ-U5"] == D("-10.00")
    before = world.session.query(Round).filter_by(year=YEAR - 1).one()
    before.published_at, before.phase = None, "finalised"
    world.session.flush()
    hidden = results_view.ranking(world.session, world.round_)
    assert hidden.previous is None and {r.change for r in hidden.rows} == {None}
    unit = world.units["KQ-U1"].id
    row, _fields, units, previous = results_view.unit_result(world.session, world.round_, unit)
    assert (row.change, previous, units) == (None, None, 5)
    # The organiser's own page compares with last year's round, published or not.
    row, *_rest, previous = results_view.unit_result(
        world.session, world.round_, unit, any_previous=True
    )
    assert row.change == D("6.25") and previous.id == before.id


def test_a_page_costs_the_same_statements_for_few_or_many_units(world):
    _computed(world)
    session, statements = world.session, []
    results_view.ranking(session, world.round_)  # whatever the session still had to flush
    listener = lambda *args, **kwargs: statements.append(1)  # noqa: E731
    event.listen(session.connection(), "before_cursor_execute", listener)
    counts = []
    for size in (1, 5):
        statements.clear()
        results_view.ranking(session, world.round_, 1, page_size=size)
        counts.append(len(statements))
    event.remove(session.connection(), "before_cursor_execute", listener)
    assert counts[0] == counts[1] <= 7  # count, page, fields, field results, last year (2)
