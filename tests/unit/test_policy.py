"""The policy answers with a reason, per role, without HTTP."""

from types import SimpleNamespace

import pytest

from app.domain import policy
from app.models import Criterion, Framework, Round, Unit
from app.security import roles


def user(*role_names, unit_id=None):
    return SimpleNamespace(
        is_authenticated=True,
        roles=[SimpleNamespace(name=name) for name in role_names],
        unit_id=unit_id,
        id=1,
    )


ORGANISER = user(roles.ORGANISER, unit_id=2)
STAFF = user(roles.UNIT_STAFF, unit_id=10)
ADMIN = user(roles.ADMIN)


def test_anonymous_is_asked_to_log_in():
    decision = policy.check(SimpleNamespace(is_authenticated=False), policy.VIEW, Unit())
    assert not decision and decision.reason


@pytest.mark.parametrize("model", [Unit, Round, Framework])
def test_only_organisers_change_the_catalogue(model):
    assert policy.check(ORGANISER, policy.CREATE, model=model)
    refused = policy.check(STAFF, policy.CREATE, model=model)
    assert not refused and refused.reason


def test_frozen_framework_is_refused_even_to_the_admin_with_a_reason():
    frozen = Framework(frozen=True)
    for who in (ADMIN, ORGANISER):
        decision = policy.check(who, policy.EDIT, frozen)
        assert not decision and "frozen" in decision.reason
    criterion = Criterion(framework=frozen)
    assert not policy.check(ORGANISER, policy.DELETE, criterion)
    assert policy.check(ORGANISER, policy.EDIT, Framework(frozen=False))


def test_unit_staff_sees_their_unit_and_its_subtree_only():
    own = Unit(id=10)
    below = Unit(id=11, parent=own)
    other = Unit(id=12)
    assert policy.check(STAFF, policy.VIEW, own)
    assert policy.check(STAFF, policy.VIEW, below)
    assert not policy.check(STAFF, policy.VIEW, other)


def test_round_visible_to_participating_units_only():
    mine = Round(units=[Unit(id=10)])
    theirs = Round(units=[Unit(id=12)])
    assert policy.check(STAFF, policy.VIEW, mine)
    assert not policy.check(STAFF, policy.VIEW, theirs)
    assert policy.check(ORGANISER, policy.VIEW, theirs)


def test_account_without_unit_sees_no_unit_rows():
    lost = user(roles.UNIT_STAFF, unit_id=None)
    assert not policy.check(lost, policy.VIEW, Unit(id=10))


def test_require_raises_with_the_reason():
    with pytest.raises(policy.PolicyError) as err:
        policy.require(STAFF, policy.EDIT, Unit(id=10))
    assert err.value.reason
