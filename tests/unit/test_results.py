"""Results computed by the domain for a hand-built round match a table worked out by hand.

The province is tests/unit/results_world.py (read its docstring for the framework). Each
unit's approved points below, and the figures they must give, are worked out in the comments.
"""

from decimal import Decimal

import pytest
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import event

from app.domain import audit
from app.domain.errors import DomainError
from app.domain.results import compute_results
from app.domain.rounds import open_round
from app.models import AppUser, AuditEvent, Round, UnitResult
from app.security import roles
from tests.unit.results_world import (
    YEAR,
    world_fixture,  # noqa: F401  (the `world` fixture)
)

D = Decimal

# Approved points per unit and line; None = not approved yet.
APPROVED = {
    # Bonus 1.5 is over its cap of 1; penalty 0.5 within its cap; survey 5.5 spread 3.67 + 1.83.
    "KQ-U1": {"1.1": 2, "1.2": 1, "1.3": "0.75", "1.4": "1.5", "2.1.1": "3.67", "2.1.2": "1.83",
              "2.2": "8.5", "2.3": "-0.5"},
    # Index 92.50, but field 1 is at 62.50% < 70: not Xuất sắc, falls to Tốt.
    "KQ-U2": {"1.1": 1, "1.2": 1, "1.3": "0.5", "1.4": 0, "2.1.1": 4, "2.1.2": 2, "2.2": 10,
              "2.3": 0},
    # Same index 92.50 as U2 (shared rank), every field >= 70: Xuất sắc; 14.5/16 = 90.625%.
    "KQ-U3": {"1.1": 2, "1.2": 1, "1.3": 1, "1.4": 0, "2.1.1": 3, "2.1.2": "1.5", "2.2": 10,
              "2.3": 0},
    # 1.2 not applicable (its approved 1 must not count); penalty 1.5 over its cap of 1.
    "KQ-U4": {"1.1": 2, "1.2": 1, "1.3": 1, "1.4": 0, "2.1.1": 2, "2.1.2": 1, "2.2": 5,
              "2.3": "-1.5"},
    # The survey lines are not approved yet: they count 0 and are reported.
    "KQ-U5": {"1.1": 2, "1.2": 1, "1.3": 1, "1.4": 0, "2.1.1": None, "2.1.2": None, "2.2": 7,
              "2.3": 0},
}  # fmt: skip
SELF = {
    "KQ-U1": {"1.1": 2, "1.2": 1, "1.3": 1, "1.4": 1, "2.2": 9, "2.3": "-0.5"},  # 13.50
    "KQ-U4": {"1.1": 2, "1.2": 1},  # 1.2 is not applicable: 2.00
}

# unit: field 1 (points, max, index), field 2 (points, max, index), self, approved, survey,
#       bonus, penalty, total, applicable max, index, grade, rank, previous index, change
EXPECTED = {
    # F1 2+1+0.75 = 3.75/4; F2 3.67+1.83+8.5 = 14/16; approved 2+1+0.75+8.5 = 12.25;
    # total 12.25 + 5.5 + 1 - 0.5 = 18.25 / 20 = 91.25%. Last year 17/20 = 85%: +6.25.
    "KQ-U1": (("3.75", "4", "93.75"), ("14.00", "16", "87.50"), "13.50", "12.25", "5.50",
              "1.00", "0.50", "18.25", "20", "91.25", "Xuất sắc", 2, "85.00", "6.25"),
    # F1 2.5/4 = 62.5%; F2 16/16; total 12.5 + 6 = 18.5 / 20 = 92.5%; floor -> Tốt.
    "KQ-U2": (("2.50", "4", "62.50"), ("16.00", "16", "100.00"), "0", "12.50", "6.00",
              "0", "0", "18.50", "20", "92.50", "Tốt", 1, None, None),
    # F2 14.5/16 = 90.625 -> 90.63 (half up); total 14 + 4.5 = 18.5 -> 92.5%, rank 1 with U2.
    # Last year 18.4/20 = 92%: +0.50.
    "KQ-U3": (("4.00", "4", "100.00"), ("14.50", "16", "90.63"), "0", "14.00", "4.50",
              "0", "0", "18.50", "20", "92.50", "Xuất sắc", 1, "92.00", "0.50"),
    # F1 without 1.2: 3/3; F2 8/16; total 8 + 3 - 1 (cap) = 10 over 19 = 52.6315..% -> 52.63.
    "KQ-U4": (("3.00", "3", "100.00"), ("8.00", "16", "50.00"), "2.00", "8.00", "3.00",
              "0", "1.00", "10.00", "19", "52.63", "Trung bình", 4, None, None),
    # F2 only 2.2: 7/16; total 11/20 = 55%. Formed from KQ-P1 (12/20) and, through KQ-PX,
    # KQ-P2 (7.5/10): (12 + 7.5) / (20 + 10) = 65%, not the mean of 60% and 75%: -10.00.
    "KQ-U5": (("4.00", "4", "100.00"), ("7.00", "16", "43.75"), "0", "11.00", "0",
              "0", "0", "11.00", "20", "55.00", "Trung bình", 3, "65.00", "-10.00"),
}  # fmt: skip


def _arrange(world):
    for code, points in APPROVED.items():
        world.approve(
            code, points, SELF.get(code), not_applicable=["1.2"] if code == "KQ-U4" else ()
        )


def _table(world):
    session, round_ = world.session, world.round_
    field_ids = {world.criteria["1"].id: 0, world.criteria["2"].id: 1}
    table = {}
    for result in session.query(UnitResult).filter(UnitResult.round_id == round_.id):
        fields = [None, None]
        for criterion_id, f in result.fields.items():
            fields[field_ids[criterion_id]] = (f.points, f.applicable_max, f.index)
        table[result.unit.code] = (
            *fields, result.self_total, result.approved_total, result.survey_points,
            result.bonus, result.penalty, result.total, result.applicable_max, result.index,
            result.grade_band.name if result.grade_band else None, result.rank,
            result.previous_index, result.index_change,
        )  # fmt: skip
    return table


def _decimals(row):
    def convert(value):
        if isinstance(value, tuple):
            return tuple(convert(v) for v in value)
        return D(value) if isinstance(value, str) and value[-1].isdigit() else value

    return tuple(convert(v) for v in row)


def test_results_match_the_table_worked_out_by_hand(world):
    _arrange(world)
    summary = compute_results(world.session, world.round_, world.organiser)
    assert summary.units == 5
    assert _table(world) == {code: _decimals(row) for code, row in EXPECTED.items()}
    assert world.round_.results_computed_at == summary.computed_at


def test_lines_not_approved_are_reported_and_the_computation_is_logged(world):
    _arrange(world)
    summary = compute_results(world.session, world.round_, world.organiser)
    assert [(u.code, u.lines) for u in summary.unapproved] == [("KQ-U5", 2)]
    assert summary.unapproved_lines == 2
    event = (
        world.session.query(AuditEvent)
        .filter_by(action="compute_results", entity="round", entity_id=world.round_.id)
        .one()
    )
    assert event.user_id == world.organiser.id and event.new_value == "5"
    assert "2 lines not approved" in event.reason


def test_recomputing_replaces_the_results_until_publication_then_they_are_frozen(world):
    _arrange(world)
    session, round_ = world.session, world.round_
    compute_results(session, round_, world.organiser)
    # The survey arrives for KQ-U5: 4 + 2 more points, 17/20 = 85% -> Tốt, rank 3 still.
    world.approve("KQ-U5", {"2.1.1": 4, "2.1.2": 2})
    compute_results(session, round_, world.organiser)
    results = session.query(UnitResult).filter(UnitResult.round_id == round_.id).all()
    assert len(results) == 5
    assert all(len(r.fields) == 2 for r in results)
    u5 = next(r for r in results if r.unit.code == "KQ-U5")
    assert (u5.total, u5.index, u5.grade_band.name, u5.rank) == (D("17.00"), D("85.00"), "Tốt", 3)
    assert u5.index_change == D("20.00")

    round_.published_at = summary_time = round_.results_computed_at
    world.approve("KQ-U5", {"2.2": 10})
    with pytest.raises(DomainError) as err:
        compute_results(session, round_, world.organiser)
    assert "published" in err.value.message
    session.refresh(u5)
    assert u5.total == D("17.00") and round_.results_computed_at == summary_time


def test_only_the_organiser_computes_results(world):
    session = world.session
    leader = session.query(Role).filter_by(name=roles.UNIT_LEADER).one()
    staff = AppUser(username="kq.staff", first_name="Thử", last_name="Lê", active=True,
                    email="kq.staff@songlam.gov.vn", unit_id=world.units["KQ-U1"].id,
                    roles=[leader])  # fmt: skip
    session.add(staff)
    session.flush()
    with pytest.raises(DomainError) as err:
        compute_results(session, world.round_, staff)
    assert "organiser" in err.value.message
    assert session.query(UnitResult).filter(UnitResult.round_id == world.round_.id).count() == 0


def test_the_statement_count_does_not_grow_with_the_number_of_units(world):
    """Set-based: a round of 2 units costs the same statements as one of 5."""
    session = world.session
    small = Round(name="Đợt thử 2031", year=YEAR + 1, framework=world.round_.framework,
                  organiser_unit=world.organiser.unit,
                  units=[world.units["KQ-U1"], world.units["KQ-U2"]],
                  self_start=world.round_.self_start, self_end=world.round_.self_end)  # fmt: skip
    session.add(small)
    session.flush()
    open_round(session, small, world.organiser, now=small.self_start)
    _arrange(world)
    counts = []
    statements = []
    assert world.organiser.roles  # loaded once for the account, whatever the round's size
    listener = lambda *args, **kwargs: statements.append(1)  # noqa: E731
    event.listen(session.connection(), "before_cursor_execute", listener)
    for round_ in (world.round_, small):
        statements.clear()
        compute_results(session, round_, world.organiser)
        # Its own writes counted here (the change log too, which waits for the commit), not at
        # the next round's first query.
        session.flush()
        audit.write_pending(session)
        counts.append(len(statements))
    event.remove(session.connection(), "before_cursor_execute", listener)
    assert counts[0] == counts[1] <= 25
