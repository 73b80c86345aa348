"""The gap analysis (app/domain/gap.py) on the hand-built province of
tests/unit/results_world.py, with the approved points of tests/unit/test_results.py (whose
EXPECTED table gives the indexes: U1 91,25, U2 92,50, U3 92,50, U4 52,63, U5 55,00).

The top group: 5 units, ceil(10%) = 1: the units with the best index, 92,50, so KQ-U2 and
KQ-U3 (a tie is never split). Last year's lines are added here to the 2029 round.
"""

from decimal import Decimal

from sqlalchemy import event

from app.domain.criteria_tree import code_sort_key
from app.domain.gap import gap_report, top_group
from app.domain.results import compute_results
from app.models import (
    Assessment,
    Criterion,
    Framework,
    Round,
    ScoreLine,
    UnitResult,
)
from app.models.results import FieldFigures, encode_fields
from tests.unit.results_world import (
    YEAR,
    world_fixture,  # noqa: F401  (the `world` fixture)
)
from tests.unit.test_results import APPROVED, SELF

D = Decimal
PREVIOUS_CRITERIA = [("1", 4), ("1.1", 2), ("1.2", 1), ("1.3", 1), ("2", 16), ("2.2", 10)]
# Last year's approved points; "na": not applicable. 2.1.x did not exist last year.
PREVIOUS_LINES = {
    "KQ-U1": {"1.1": "1.5", "1.2": "na", "1.3": "0.5", "2.2": 7},
    "KQ-P1": {"1.1": 1, "1.2": 1, "1.3": 1, "2.2": 5},  # merged into KQ-U5
    "KQ-P2": {"1.1": 2, "1.2": 1, "1.3": 0, "2.2": 9},  # merged into KQ-PX, then KQ-U5
}
# Last year's stored field results: (points, applicable maximum) of fields 1 and 2.
PREVIOUS_FIELDS = {"KQ-U1": ((2, 3), (14, 16)), "KQ-P1": ((3, 4), (10, 16)),
                   "KQ-P2": ((4, 4), (6, 8))}  # fmt: skip


def _arrange(world):
    for code, points in APPROVED.items():
        world.approve(
            code, points, SELF.get(code), not_applicable=["1.2"] if code == "KQ-U4" else ()
        )
    compute_results(world.session, world.round_, world.organiser)


def _last_year(world):
    session = world.session
    before = session.query(Round).filter(Round.year == YEAR - 1, Round.name == "Đợt thử 2029").one()
    framework = session.get(Framework, before.framework_id)
    criteria = {}
    for code, maximum in PREVIOUS_CRITERIA:
        parent = criteria.get(code.rsplit(".", 1)[0]) if "." in code else None
        criteria[code] = Criterion(framework=framework, code=code, sort_key=code_sort_key(code),
                                   title=f"Tiêu chí {code} (2029)", max_points=D(maximum),
                                   parent=parent)  # fmt: skip
    session.add_all(criteria.values())
    session.flush()
    results = {r.unit_id: r for r in session.query(UnitResult).filter_by(round_id=before.id)}
    for unit_code, lines in PREVIOUS_LINES.items():
        unit_id = world.units[unit_code].id
        assessment = Assessment(round_id=before.id, unit_id=unit_id)
        session.add(assessment)
        session.flush()
        for code, value in lines.items():
            line = ScoreLine(assessment_id=assessment.id, criterion_id=criteria[code].id)
            if value == "na":
                line.not_applicable = True
            else:
                line.approved_points = D(str(value))
            session.add(line)
        figures = {}
        for field_code, (points, maximum) in zip(("1", "2"), PREVIOUS_FIELDS[unit_code],
                                                 strict=True):  # fmt: skip
            index = (D(points) * 100 / D(maximum)).quantize(D("0.01"))
            figures[criteria[field_code].id] = FieldFigures(D(points), D(maximum), index)
        results[unit_id].field_figures = encode_fields(figures)
    session.flush()


def _lines(report):
    """{code: (points, lost, best, behind, rate, previous rate, change, approved)}"""
    return {
        line.code: (line.points, line.lost, line.best, line.behind_best, line.rate,
                    line.previous_rate, line.change, line.approved)
        for line in report.lines
    }  # fmt: skip


def _d(*values):
    return tuple(D(v) if isinstance(v, str) else v for v in values)


def test_gap_of_a_unit_worked_out_by_hand(world):
    _arrange(world)
    _last_year(world)
    report = gap_report(world.session, world.round_, world.units["KQ-U1"].id)
    assert (report.units_ranked, report.top_count, report.top_threshold) == (5, 2, D("92.50"))
    # Bonus (1.4) and penalty (2.3) lines are outside the maximum: no gap. The best units'
    # mean is of KQ-U2 and KQ-U3; the rates compare with last year's line of the same code.
    assert _lines(report) == {
        # 2 of 2; U2 1, U3 2: mean 1,5 (the unit is ahead); last year 1,5/2 = 75%: +25.
        "1.1": _d("2.00", "0.00", "1.50", "-0.50", "100.00", "75.00", "25.00", True),
        # last year not applicable: nothing to compare.
        "1.2": _d("1.00", "0.00", "1.00", "0.00", "100.00", None, None, True),
        "1.3": _d("0.75", "0.25", "0.75", "0.00", "75.00", "50.00", "25.00", True),
        # 3,67 of 4; U2 4, U3 3: 3,5; no 2.1.1 last year.
        "2.1.1": _d("3.67", "0.33", "3.50", "-0.17", "91.75", None, None, True),
        # 1,83 of 2; U2 2, U3 1,5: 1,75; 91,5%.
        "2.1.2": _d("1.83", "0.17", "1.75", "-0.08", "91.50", None, None, True),
        # 8,5 of 10; both best units have 10: 1,5 behind; last year 7/10: +15.
        "2.2": _d("8.50", "1.50", "10.00", "1.50", "85.00", "70.00", "15.00", True),
    }
    assert [line.code for line in report.largest_losses] == ["2.2", "2.1.1", "1.3", "2.1.2"]
    assert [line.code for line in report.furthest_behind] == ["2.2"]
    fields = {f.code: (f.points, f.applicable_max, f.index, f.lost, f.best_index,
                       f.previous_index, f.change) for f in report.fields}  # fmt: skip
    assert fields == {
        # best: (62,50 + 100) / 2 = 81,25; last year 2/3 = 66,67%: +27,08.
        "1": _d("3.75", "4.00", "93.75", "0.25", "81.25", "66.67", "27.08"),
        # best: (100 + 90,63) / 2 = 95,315 -> 95,32 (half up); last year 14/16 = 87,50%.
        "2": _d("14.00", "16.00", "87.50", "2.00", "95.32", "87.50", "0.00"),
    }
    assert report.lost_total == D("2.25")


def test_a_merged_unit_compares_with_everything_merged_into_it(world):
    """KQ-U5 was formed from KQ-P1 and, through KQ-PX, KQ-P2: their points and maxima are
    added before dividing. Its survey lines are not approved yet: they count 0."""
    _arrange(world)
    _last_year(world)
    lines = _lines(gap_report(world.session, world.round_, world.units["KQ-U5"].id))
    # 1.1: (1 + 2) / (2 + 2) = 75% last year, 2 of 2 now: +25.
    assert lines["1.1"][4:7] == _d("100.00", "75.00", "25.00")
    # 2.2: (5 + 9) / 20 = 70% last year, 7 of 10 now: 0.
    assert lines["2.2"][4:7] == _d("70.00", "70.00", "0.00")
    # Not approved: 0 points, the whole maximum lost, marked.
    assert lines["2.1.1"][:2] == _d("0.00", "4.00") and lines["2.1.1"][7] is False
    report = gap_report(world.session, world.round_, world.units["KQ-U5"].id)
    first = next(f for f in report.fields if f.code == "1")
    # field 1: last year (3 + 4) / (4 + 4) = 87,50%, now 100%: +12,50.
    assert (first.previous_index, first.change) == _d("87.50", "12.50")


def test_not_applicable_lines_have_no_gap_and_the_best_mean_counts_where_it_applies(world):
    _arrange(world)
    session = world.session
    lines = _lines(gap_report(session, world.round_, world.units["KQ-U4"].id))
    assert lines["1.2"] == (None,) * 7 + (True,)
    # No previous round line for KQ-U4 and no field results: no change, never an error.
    assert lines["1.1"][5:7] == (None, None)
    # KQ-U3's 1.3 becomes not applicable: the best units' mean of 1.3 is KQ-U2's alone.
    world.approve("KQ-U3", {}, not_applicable=["1.3"])
    lines = _lines(gap_report(session, world.round_, world.units["KQ-U1"].id))
    assert lines["1.3"][2] == D("0.50")


def test_the_top_group_keeps_ties_and_has_at_least_one_unit(world):
    _arrange(world)
    assert top_group(world.session, world.round_.id) == (5, 2, D("92.50"))
    world.session.query(UnitResult).filter(
        UnitResult.round_id == world.round_.id, UnitResult.unit_id == world.units["KQ-U3"].id
    ).update({"index": D("92.49")})
    assert top_group(world.session, world.round_.id) == (5, 1, D("92.50"))


def test_the_query_count_does_not_grow_with_the_criteria_or_units(world):
    _arrange(world)
    _last_year(world)
    session, statements = world.session, []
    listener = lambda *args, **kwargs: statements.append(1)  # noqa: E731
    event.listen(session.connection(), "before_cursor_execute", listener)
    try:
        gap_report(session, world.round_, world.units["KQ-U1"].id)
        first = len(statements)
        statements.clear()
        gap_report(session, world.round_, world.units["KQ-U5"].id)
    finally:
        event.remove(session.connection(), "before_cursor_execute", listener)
    assert first == len(statements) <= 14
