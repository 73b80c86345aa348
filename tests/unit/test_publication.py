"""Publishing a round's results (app/domain/publication.py) on the hand-built province of
tests/unit/results_world.py: who, when (finalised, computed, up to date, last year's round
published), the log, the freeze, and the withdrawal with a written reason."""

import datetime
from decimal import Decimal

import pytest
from flask_appbuilder.security.sqla.models import Role

from app.domain import publication
from app.domain.errors import DomainError
from app.domain.results import compute_results
from app.domain.survey_import import import_survey
from app.models import AppUser, AuditEvent, Round, UnitResult
from app.models.rounds import PHASE_FINALISED, PHASE_PUBLISHED
from app.security import roles
from tests.unit.results_world import (
    YEAR,
    world_fixture,  # noqa: F401  (the `world` fixture)
)

T0 = datetime.datetime(YEAR, 11, 20, 3, 0)  # the council finalises
HOUR = datetime.timedelta(hours=1)


def _finalised(world, approved_at=T0 - HOUR):
    """Every line approved, the round finalised by the council at T0."""
    for code in world.units:
        if code.startswith("KQ-U"):
            world.approve(code, {"1.1": 2, "1.2": 1, "1.3": 1, "2.1.1": 4, "2.1.2": 2, "2.2": 9})
    for unit_code in ("KQ-U1", "KQ-U2"):
        world.line(unit_code, "2.2").approved_at = approved_at
    world.round_.phase, world.round_.finalised_at = PHASE_FINALISED, T0
    world.session.flush()


def _refusal(world, user=None):
    decision = publication.publish_decision(world.session, user or world.organiser, world.round_)
    assert not decision
    return str(decision.reason)


def test_the_organiser_publishes_a_finalised_round_whose_results_are_up_to_date(world):
    _finalised(world)
    compute_results(world.session, world.round_, world.organiser, now=T0 + HOUR)
    publication.publish_round(world.session, world.round_, world.organiser, now=T0 + 2 * HOUR)
    round_ = world.round_
    assert round_.phase == PHASE_PUBLISHED and round_.published_at == T0 + 2 * HOUR
    assert round_.published_by_id == world.organiser.id
    event = (
        world.session.query(AuditEvent)
        .filter_by(action="publish", entity="round", entity_id=round_.id)
        .one()
    )
    assert (event.user_id, event.old_value, event.new_value) == (
        world.organiser.id, PHASE_FINALISED, PHASE_PUBLISHED,
    )  # fmt: skip
    # Frozen: no recomputation, no survey import, no second publication.
    with pytest.raises(DomainError, match="published"):
        compute_results(world.session, round_, world.organiser)
    csv = "Mã đơn vị;Điểm\nKQ-U1;1\n".encode()
    with pytest.raises(DomainError) as refused:
        import_survey(world.session, round_, "sipas", "points", csv, "x.csv", world.organiser)
    assert "published" in " ".join(refused.value.errors)
    assert "already been published" in _refusal(world)


def test_before_the_council_finalises_nothing_is_published(world):
    _finalised(world)
    compute_results(world.session, world.round_, world.organiser, now=T0 + HOUR)
    world.round_.phase = "verification"
    assert "not finalised" in _refusal(world)
    with pytest.raises(DomainError, match="not finalised"):
        publication.publish_round(world.session, world.round_, world.organiser)
    assert world.round_.published_at is None and world.round_.phase == "verification"


def test_results_not_computed_or_out_of_date_are_refused_with_the_reason(world):
    _finalised(world)
    assert "not been computed" in _refusal(world)
    # Computed before the finalisation: out of date.
    compute_results(world.session, world.round_, world.organiser, now=T0 - HOUR / 2)
    assert "compute them again" in _refusal(world)
    compute_results(world.session, world.round_, world.organiser, now=T0 + HOUR)
    assert publication.publish_decision(world.session, world.organiser, world.round_)
    # A line approved again after the computation (a reopened supplement): out of date.
    world.line("KQ-U3", "2.2").approved_at = T0 + 2 * HOUR
    world.session.flush()
    assert "compute them again" in _refusal(world)
    # A survey import after the computation: out of date too.
    compute_results(world.session, world.round_, world.organiser, now=T0 + 3 * HOUR)
    csv = "Mã đơn vị;Điểm\nKQ-U1;5\nKQ-U2;6\nKQ-U3;4\nKQ-U4;3\nKQ-U5;6\n".encode()
    import_survey(world.session, world.round_, "sipas", "points", csv, "sipas.csv",
                  world.organiser, now=T0 + 4 * HOUR)  # fmt: skip
    assert "compute them again" in _refusal(world)
    compute_results(world.session, world.round_, world.organiser, now=T0 + 5 * HOUR)
    # A unit removed from the round after the computation.
    world.round_.units = [u for u in world.round_.units if u.code != "KQ-U5"]
    world.session.flush()
    assert "participating units changed" in _refusal(world)


def test_only_the_organiser_publishes_or_withdraws(world):
    _finalised(world)
    compute_results(world.session, world.round_, world.organiser, now=T0 + HOUR)
    session = world.session
    council = session.query(Role).filter_by(name=roles.COUNCIL).one()
    member = AppUser(username="kq.council", first_name="Thử", last_name="Hồ", active=True,
                     email="kq.council@songlam.gov.vn", roles=[council])  # fmt: skip
    session.add(member)
    session.flush()
    assert "Only the organiser" in _refusal(world, member)
    publication.publish_round(session, world.round_, world.organiser, now=T0 + 2 * HOUR)
    with pytest.raises(DomainError, match="Only the organiser"):
        publication.unpublish_round(session, world.round_, member, "Sai sót")
    assert world.round_.phase == PHASE_PUBLISHED


def test_withdrawing_needs_a_written_reason_is_logged_and_unfreezes(world):
    _finalised(world)
    session, round_ = world.session, world.round_
    compute_results(session, round_, world.organiser, now=T0 + HOUR)
    with pytest.raises(DomainError, match="not published"):
        publication.unpublish_round(session, round_, world.organiser, "Sai sót")
    publication.publish_round(session, round_, world.organiser, now=T0 + 2 * HOUR)
    with pytest.raises(DomainError, match="Write why"):
        publication.unpublish_round(session, round_, world.organiser, "   ")
    assert round_.phase == PHASE_PUBLISHED
    reason = "Phát hiện sai sót số liệu điều tra của xã KQ-U2."
    publication.unpublish_round(session, round_, world.organiser, reason)
    assert round_.phase == PHASE_FINALISED and round_.published_at is None
    event = session.query(AuditEvent).filter_by(action="unpublish", entity_id=round_.id).one()
    assert (event.old_value, event.new_value, event.reason) == (
        PHASE_PUBLISHED, PHASE_FINALISED, reason,
    )  # fmt: skip
    # The results may change again, and be published again once recomputed.
    world.approve("KQ-U2", {"2.2": 10})
    world.line("KQ-U2", "2.2").approved_at = T0 + 3 * HOUR
    session.flush()
    assert "compute them again" in _refusal(world)
    compute_results(session, round_, world.organiser, now=T0 + 4 * HOUR)
    publication.publish_round(session, round_, world.organiser, now=T0 + 5 * HOUR)
    u2 = session.query(UnitResult).filter_by(round_id=round_.id,
                                             unit_id=world.units["KQ-U2"].id).one()  # fmt: skip
    assert u2.approved_total == Decimal("14.00")  # 2 + 1 + 1 + 10


def test_last_years_round_must_be_published_before_its_figures_show_as_the_change(world):
    _finalised(world)
    session = world.session
    before = session.query(Round).filter_by(year=YEAR - 1).one()
    before.published_at, before.phase = None, PHASE_FINALISED
    session.flush()
    compute_results(session, world.round_, world.organiser, now=T0 + HOUR)
    refusal = _refusal(world)
    assert "Last year's round" in refusal and before.name in refusal
    # Published after these results were computed: compute again.
    before.published_at, before.phase = T0 + 2 * HOUR, PHASE_PUBLISHED
    session.flush()
    assert "compute them again" in _refusal(world)
    compute_results(session, world.round_, world.organiser, now=T0 + 3 * HOUR)
    publication.publish_round(session, world.round_, world.organiser, now=T0 + 4 * HOUR)
    assert world.round_.phase == PHASE_PUBLISHED
