"""score(): every rule kind, the inputs people really type, and properties over any input."""

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import app.models  # noqa: F401  (configures the mappers for rule_of)
from app.domain.rule_check import validate_rule
from app.domain.scoring import (
    Option,
    Rule,
    ScoreError,
    ScoreResult,
    Tier,
    format_points,
    parse_decimal,
    rule_of,
    score,
)
from app.models.criteria import RULE_KINDS, Criterion, CriterionOption, CriterionTier

D = Decimal  # short, so the rule tables stay readable

NUMBER = Rule("number", D(10))
CHOICE = Rule(
    "choice",
    D(1),
    options=(
        Option("dung_han", "Ban hành đúng hạn", D(1)),
        Option("tre_han", "Ban hành trễ hạn", D("0.5")),
        Option("khong", "Không ban hành", D(0)),
    ),
)
TIERS = Rule("tiers", D(2), tiers=(Tier(D(90), D(2)), Tier(D(70), D(1))))
DEDUCTION = Rule("deduction", D(1), per_occurrence=D("0.25"))
DEDUCTION_FLOOR = Rule("deduction", D(2), per_occurrence=D("0.5"), floor=D("0.5"))
BONUS = Rule("bonus", D(2), step=D("0.5"))
PENALTY = Rule("penalty", D(1))
SURVEY = Rule("survey", D("3.5"))
ALL_RULES = [NUMBER, CHOICE, TIERS, DEDUCTION, DEDUCTION_FLOOR, BONUS, PENALTY, SURVEY]
INTERNAL = "could not be checked"


def points_of(rule, raw):
    result = score(rule, raw)
    assert result.ok, result.error
    return result.points


def error_of(rule, raw):
    result = score(rule, raw)
    assert not result.ok and result.points is None
    return result.error


# --- parse_decimal -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("8,5", "8.5"),
        ("8.5", "8.5"),
        (" 8,50 ", "8.50"),
        ("-0,5", "-0.5"),
        ("\u22120,5", "-0.5"),  # Unicode minus pasted from Word
        ("10", "10"),
        ("+3", "3"),
        (7, "7"),
        (D("2.25"), "2.25"),
        (0.1, "0.1"),
    ],
)
def test_parse_decimal_accepts(raw, expected):
    assert parse_decimal(raw) == D(expected)


@pytest.mark.parametrize(
    "raw, words",
    [
        ("abc", "not a number"),
        ("", "Enter a number"),
        ("   ", "Enter a number"),
        ("8,,5", "more than one comma or dot"),
        ("1.000,5", "more than one comma or dot"),
        ("1,2,3", "more than one comma or dot"),
        ("1e3", "exponent"),
        ("2,5E-1", "exponent"),
        ("NaN", "not a number"),
        ("Infinity", "not a number"),
        ("8,", "not a number"),
        ("8 5", "not a number"),
        ("٣", "not a number"),  # Arabic-Indic digit: Decimal would take it, we do not
        ("1" * 40, "not a number"),
        (float("nan"), "cannot be read"),
        (True, "cannot be read"),
        ([1], "cannot be read"),
    ],
)
def test_parse_decimal_refuses(raw, words):
    with pytest.raises(ScoreError) as caught:
        parse_decimal(raw)
    assert words in caught.value.message


# --- examples per rule kind ----------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, "", "   ", "\u00a0", b""])
@pytest.mark.parametrize("rule", ALL_RULES)
def test_empty_means_no_score_yet(rule, raw):
    assert score(rule, raw) == ScoreResult(points=None, canonical=None, error=None)


def test_number_examples():
    assert score(NUMBER, " 8,50 ") == ScoreResult(D("8.50"), "8.5", None)
    assert score(NUMBER, "10") == ScoreResult(D("10.00"), "10", None)
    assert score(NUMBER, "0") == ScoreResult(D("0.00"), "0", None)
    assert points_of(NUMBER, 7) == D("7.00")
    assert points_of(NUMBER, D("9.75")) == D("9.75")
    assert points_of(NUMBER, b"2,25") == D("2.25")


def test_number_refusals_say_why():
    assert error_of(NUMBER, "10,25") == "Score 10,25 is over the maximum 10."
    assert error_of(NUMBER, "-1") == "Score -1 cannot be negative."
    assert "not a number" in error_of(NUMBER, "abc")
    assert "more than one comma or dot" in error_of(NUMBER, "8,,5")
    assert "more decimals than allowed" in error_of(NUMBER, "8,125")
    assert "(steps of 0,25)" in error_of(NUMBER, "8,125")
    assert error_of(NUMBER, "8,3") == ("Score 8,3 does not fit steps of 0,25: enter 8,25 or 8,5.")


def test_number_custom_step():
    whole = Rule("number", D(3), step=D(1))
    assert points_of(whole, "2") == D("2.00")
    assert "more decimals than allowed" in error_of(whole, "2,5")
    half = Rule("number", D(3), step=D("0.5"))
    assert points_of(half, "2,5") == D("2.50")
    assert "more decimals than allowed" in error_of(half, "2,25")


def test_choice_by_key_or_label():
    assert score(CHOICE, "tre_han") == ScoreResult(D("0.50"), "tre_han", None)
    assert score(CHOICE, "  ban hành ĐÚNG hạn ") == ScoreResult(D("1.00"), "dung_han", None)
    decomposed = unicodedata.normalize("NFD", "Không ban hành")
    assert score(CHOICE, decomposed) == ScoreResult(D("0.00"), "khong", None)


def test_choice_unknown_lists_the_choices():
    message = error_of(CHOICE, "có")
    assert "not one of the choices" in message
    assert "Ban hành đúng hạn; Ban hành trễ hạn; Không ban hành" in message


def test_tiers_pick_the_highest_tier_reached():
    assert score(TIERS, "85") == ScoreResult(D("1.00"), "85", None)
    assert points_of(TIERS, "90") == D("2.00")
    assert points_of(TIERS, "95%") == D("2.00")
    assert score(TIERS, "85,5 %") == ScoreResult(D("1.00"), "85.5", None)
    assert points_of(TIERS, "69,99") == D("0.00")
    assert points_of(TIERS, "100") == D("2.00")
    assert "outside 0 to 100" in error_of(TIERS, "100,5")
    assert "outside 0 to 100" in error_of(TIERS, "-1")
    assert "not a number" in error_of(TIERS, "nhiều")


def test_deduction_counts_occurrences():
    assert score(DEDUCTION, "0") == ScoreResult(D("1.00"), "0", None)
    assert score(DEDUCTION, "3") == ScoreResult(D("0.25"), "3", None)
    assert points_of(DEDUCTION, "9") == D("0.00")
    assert points_of(DEDUCTION_FLOOR, "1") == D("1.50")
    assert points_of(DEDUCTION_FLOOR, "10") == D("0.50")
    assert "whole number" in error_of(DEDUCTION, "1,5")
    assert "cannot be negative" in error_of(DEDUCTION, "-1")


def test_bonus_is_capped():
    assert points_of(BONUS, "1,5") == D("1.50")
    assert error_of(BONUS, "2,5") == "Bonus 2,5 is over the maximum bonus 2."
    assert "more decimals" in error_of(BONUS, "0,25")


def test_penalty_takes_points_away_either_sign():
    assert score(PENALTY, "0,5") == ScoreResult(D("-0.50"), "0.5", None)
    assert score(PENALTY, "-0,5") == ScoreResult(D("-0.50"), "0.5", None)
    assert score(PENALTY, "0") == ScoreResult(D("0.00"), "0", None)
    assert error_of(PENALTY, "-1,5") == "Penalty 1,5 is over the maximum penalty 1."


def test_survey_lines_are_not_self_scored():
    message = error_of(SURVEY, "3")
    assert "sociological survey" in message and "does not score" in message


@pytest.mark.parametrize(
    "rule, raw",
    [
        (Rule("choice", D(1)), "x"),
        (Rule("choice", D(1), options=(Option("a", "A", D(5)),)), "a"),
        (Rule("tiers", D(1), tiers=(Tier(D(0), D(3)),)), "50"),
        (Rule("deduction", D(1)), "1"),
        (Rule("deduction", D(1), per_occurrence=D("0.5"), floor=D(2)), "1"),
        (Rule("formula", D(1)), "1"),
    ],
)
def test_misconfigured_rules_report_instead_of_scoring(rule, raw):
    assert "set up incorrectly" in error_of(rule, raw)


def test_rule_of_reads_a_criterion_row():
    criterion = Criterion(
        code="1.1",
        rule="tiers",
        max_points=D(2),
        tiers=[CriterionTier(min_percent=D(70), points=D(1))],
        options=[CriterionOption(key="b", label="B", points=D(1), position=2)],
    )
    criterion.tiers.append(CriterionTier(min_percent=D(90), points=D(2)))
    criterion.options.insert(0, CriterionOption(key="a", label="A", points=D(0), position=1))
    rule = rule_of(criterion)
    assert rule.kind == "tiers" and rule.max_points == D(2) and rule.step is None
    assert rule.tiers == ((D(90), D(2)), (D(70), D(1)))
    # Options left over from an earlier rule kind play no part in a tiers rule.
    assert rule.options == ()
    assert points_of(rule, "91") == D("2.00")
    criterion.rule = "choice"
    choice = rule_of(criterion)
    assert [o.key for o in choice.options] == ["a", "b"] and choice.tiers == ()
    assert points_of(choice, "b") == D("1.00")


# --- validate_rule, format_points ----------------------------------------------------------


@pytest.mark.parametrize("rule", ALL_RULES)
def test_example_rules_are_valid(rule):
    assert validate_rule(rule) == []


@pytest.mark.parametrize(
    "rule, words",
    [
        (Rule("choice", D(1)), "at least one option"),
        (Rule("choice", D(1), options=(Option("a", "A", D(2)),)), "between 0 and 1"),
        (Rule("choice", D(1), options=(Option("a", "A", D(-1)),)), "between 0 and 1"),
        (
            Rule("choice", D(1), options=(Option("a", "A", 1), Option("A", "B", 0))),
            "more than once",
        ),
        (Rule("choice", D(1), options=(Option("", "A", D(1)),)), "needs a key"),
        (Rule("tiers", D(1)), "at least one tier"),
        (Rule("tiers", D(1), tiers=(Tier(D(50), D(2)),)), "0 to 1 points"),
        (Rule("tiers", D(1), tiers=(Tier(D(150), D(1)),)), "outside 0 to 100"),
        (Rule("tiers", D(2), tiers=(Tier(D(90), D(1)), Tier(D(50), D(2)))), "fewer"),
        (Rule("deduction", D(1)), "per occurrence"),
        (Rule("deduction", D(1), per_occurrence=D(0)), "greater than 0"),
        (Rule("deduction", D(1), per_occurrence=D("0.25"), floor=D(2)), "between 0 and 1"),
        (Rule("number", D(10), step=D(0)), "greater than 0"),
        (Rule("number", D(10), step=D("0.75")), "does not divide"),
        (Rule("number", D(10), step=D("0.125")), "too fine"),
        (Rule("number", D(-1)), "at least 0"),
        (Rule("formula", D(1)), "Unknown scoring rule"),
    ],
)
def test_validate_rule_finds_configuration_errors(rule, words):
    problems = validate_rule(rule)
    assert any(words in p for p in problems), problems


@pytest.mark.parametrize(
    "value, shown",
    [(D("8.50"), "8,5"), (D(10), "10"), (D("10.00"), "10"), (None, ""), (D("-0.25"), "-0,25")]
    + [(D("-0.00"), "0"), (D("0.125"), "0,13"), (3, "3"), (D("100.00"), "100")],
)
def test_format_points(value, shown):
    assert format_points(value) == shown


# --- properties ----------------------------------------------------------------------------

anything = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet="0123456789,.-+%eE \u00a0\u2212"),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.binary(),
    st.booleans(),
)
decimals_2 = st.decimals(min_value=-5, max_value=120, places=2, allow_nan=False)
# Inputs that look like what people type, so random rules also get accepted scores to check.
typed = decimals_2.map(lambda d: format(d, "f").replace(".", ","))
options = st.lists(st.tuples(st.text(max_size=3), st.text(max_size=5), decimals_2), max_size=3)
random_rules = st.builds(
    Rule,
    kind=st.sampled_from(RULE_KINDS),
    max_points=st.decimals(min_value=-1, max_value=100, places=2, allow_nan=False),
    step=st.sampled_from([None, D("0.25"), D("0.5"), D(1), D("0.1"), D(0), D(-1)]),
    options=options.map(lambda xs: tuple(Option(*x) for x in xs)),
    tiers=st.lists(st.tuples(decimals_2, decimals_2), max_size=3).map(
        lambda xs: tuple(Tier(*x) for x in xs)
    ),
    per_occurrence=st.one_of(st.none(), decimals_2),
    floor=st.one_of(st.none(), decimals_2),
)


def assert_sound(rule, result):
    assert isinstance(result, ScoreResult)
    if not result.ok:
        assert result.error and INTERNAL not in result.error and result.points is None
        return
    if result.points is None:
        assert result.canonical is None
        return
    low, high = (-rule.max_points, 0) if rule.kind == "penalty" else (0, rule.max_points)
    assert low <= result.points <= high
    assert result.points.as_tuple().exponent == -2
    # What we store must mean the same points when read back.
    assert score(rule, result.canonical).points == result.points


@settings(max_examples=300, deadline=None)
@given(rule=st.sampled_from(ALL_RULES), raw=anything)
def test_score_never_raises_and_stays_in_bounds(rule, raw):
    assert_sound(rule, score(rule, raw))


@settings(max_examples=300, deadline=None)
@given(rule=random_rules, raw=st.one_of(anything, typed, st.sampled_from(["0", "1", "a", "85%"])))
def test_any_rule_configuration_never_raises(rule, raw):
    assert_sound(rule, score(rule, raw))


@given(
    step=st.sampled_from([D("0.25"), D("0.5"), D(1), D("0.1"), D("0.05")]),
    steps=st.integers(min_value=1, max_value=400),
    data=st.data(),
)
def test_number_multiples_of_the_step_round_trip_with_a_comma(step, steps, data):
    rule = Rule("number", step * steps, step=step)
    value = step * data.draw(st.integers(min_value=0, max_value=steps))
    text = format(value, "f").replace(".", ",")  # e.g. "8,50": trailing zeros are fine
    result = score(rule, text)
    assert result.ok, result.error
    assert result.points == value
    assert format_points(result.points) == format_points(value)
    assert D(result.canonical) == value
