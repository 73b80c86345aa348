"""How a unit result keeps its field figures: exact text in, the same Decimals out; and the
garbage collector paused only while a computation runs."""

import gc
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.gc_pause import gc_paused
from app.domain.results_sql import cents_text
from app.models.results import FieldFigures, decode_fields, encode_fields

cents = st.integers(min_value=-(10**8), max_value=10**8)


@given(cents)
def test_cents_text_is_the_two_place_decimal(value):
    assert cents_text(value) == str(Decimal(value).scaleb(-2))
    assert Decimal(cents_text(value)) * 100 == value


@given(st.dictionaries(st.integers(1, 10**6), st.tuples(cents, cents, st.none() | cents)))
def test_field_figures_come_back_exactly(figures):
    written = {
        criterion_id: FieldFigures(
            Decimal(p).scaleb(-2),
            Decimal(m).scaleb(-2),
            None if i is None else Decimal(i).scaleb(-2),
        )
        for criterion_id, (p, m, i) in figures.items()
    }
    assert decode_fields(encode_fields(written)) == written


def test_gc_is_paused_inside_and_restored_after_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with gc_paused():
            assert not gc.isenabled()
            with gc_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the inner block does not turn it back on
            raise RuntimeError
    assert gc.isenabled()
