"""Turn what a person typed for one line of the framework into points.

`score(rule, raw)` is the only place that gives raw input a meaning; forms, the REST API, imports
and the appraisal screens all call it, so a score means the same thing everywhere. Points are
exact decimals with 2 places, as stored in the database (`Points()` columns).
"""

import logging
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import NamedTuple

from flask_babel import gettext as _

from app.models.criteria import (
    RULE_BONUS,
    RULE_CHOICE,
    RULE_DEDUCTION,
    RULE_NUMBER,
    RULE_PENALTY,
    RULE_SURVEY,
    RULE_TIERS,
)

log = logging.getLogger(__name__)

DEFAULT_STEP = Decimal("0.25")
CENT = Decimal("0.01")
# Long enough for any real score or percentage; longer input is a paste accident, and refusing it
# early keeps Decimal arithmetic cheap and error messages short.
MAX_INPUT_LENGTH = 32
_NUMBER = re.compile(r"([+-]?)(\d+)(?:[.,](\d+))?", re.ASCII)
_EXPONENT = re.compile(r"[+-]?[\d.,]+[eE][+-]?\d+", re.ASCII)
# Unicode minus and dashes arrive from Word and PDF copies of official documents.
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2012": "-"})


class ScoreError(ValueError):
    """Raw input that cannot be read; the message is ready to show to the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Option(NamedTuple):
    key: str
    label: str
    points: Decimal


class Tier(NamedTuple):
    min_percent: Decimal
    points: Decimal


@dataclass(frozen=True)
class Rule:
    """How one line is scored: a plain, hashable copy of a Criterion's rule columns."""

    kind: str
    max_points: Decimal
    step: Decimal | None = None
    options: tuple = ()  # of Option(key, label, points)
    tiers: tuple = ()  # of Tier(min_percent, points)
    per_occurrence: Decimal | None = None
    floor: Decimal | None = None


@dataclass(frozen=True)
class ScoreResult:
    """Outcome of `score`: points (None = no score yet) and the input to store, or an error."""

    points: Decimal | None = None
    canonical: str | None = None
    error: str | None = None

    @property
    def ok(self):
        return self.error is None


def _dec(value):
    """Decimal from a column value; floats go through repr so 0.1 stays 0.1."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def rule_of(criterion):
    """Build the `Rule` of a Criterion row, with its options (choice rules) or tiers (tiers
    rules). Other rules never read them, so they are not loaded for them: an autosave of a
    plain number loads neither."""
    kind = criterion.rule
    return Rule(
        kind=kind,
        max_points=_dec(criterion.max_points) if criterion.max_points is not None else Decimal(0),
        step=_dec(criterion.step),
        options=tuple(
            Option(o.key, o.label, _dec(o.points))
            for o in sorted(criterion.options, key=lambda o: o.position or 0)
        )
        if kind == RULE_CHOICE
        else (),
        tiers=tuple(
            Tier(_dec(t.min_percent), _dec(t.points))
            for t in sorted(criterion.tiers, key=lambda t: _dec(t.min_percent), reverse=True)
        )
        if kind == RULE_TIERS
        else (),
        per_occurrence=_dec(criterion.per_occurrence),
        floor=_dec(criterion.floor),
    )


def _plain(value):
    """'8.5', '10', '0': no exponent, no trailing zeros, no negative zero."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def vi_number(value):
    """Vietnamese decimal comma, exact (messages must show the digits the user typed)."""
    return _plain(value).replace(".", ",")


def format_points(value):
    """Points for display the Vietnamese way: Decimal('8.50') -> '8,5', 10 -> '10', None -> ''."""
    if value is None or value == "":
        return ""
    try:
        number = _dec(value)
        if not number.is_finite():
            return str(value)
        return vi_number(number.quantize(CENT, rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError, TypeError):
        return str(value)


def _shorten(text):
    """Echo the user's input in a message without pasting a whole page back."""
    return text if len(text) <= 20 else text[:20] + "…"


def _unreadable():
    return ScoreError(_("This value cannot be read; type the score again."))


def _as_text(raw):
    """Any input as NFC text, trimmed; numbers become plain digits."""
    if raw is None:
        return ""
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise _unreadable() from None
    if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        number = _dec(raw)
        # adjusted() guards format() against building a million-digit string from 1E+999999.
        if not number.is_finite() or abs(number.adjusted()) > MAX_INPUT_LENGTH:
            raise _unreadable()
        return format(number, "f")
    if not isinstance(raw, str):
        raise _unreadable()
    return unicodedata.normalize("NFC", raw).strip()


def parse_decimal(raw):
    """Read '8,5', '8.5', ' 8,50 ', '-0,5' as a Decimal; raise ScoreError otherwise.

    Only one separator, comma or dot, is allowed: '1.000,5' is refused rather than guessed,
    because in Vietnamese '1.000' means one thousand while a score of 1.000 means one point.
    """
    text = _as_text(raw).translate(_MINUS_SIGNS)
    if not text:
        raise ScoreError(_("Enter a number."))
    match = _NUMBER.fullmatch(text) if len(text) <= MAX_INPUT_LENGTH else None
    if match:
        sign, whole, fraction = match.groups()
        return Decimal(f"{sign}{whole}.{fraction or '0'}")
    value = _shorten(text)
    if len(re.findall(r"[.,]", text)) > 1:
        message = _("“%(value)s” has more than one comma or dot: write it like 8,5.", value=value)
    elif _EXPONENT.fullmatch(text):
        message = _("“%(value)s” uses an exponent: write the number in full.", value=value)
    else:
        message = _("“%(value)s” is not a number. Write it like 8 or 8,5.", value=value)
    raise ScoreError(message)


def decimal_places(value):
    """How many decimals a Decimal shows once normalised: 0.25 -> 2, 10 -> 0."""
    return max(0, -value.normalize().as_tuple().exponent)


def _points(value):
    """Quantise to the stored 2 decimals, never '-0.00'."""
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return Decimal("0.00") if value == 0 else value


class _MisconfiguredError(Exception):
    """The rule itself is wrong (validate_rule would say why); the user cannot fix it."""


def _bounds(rule):
    if rule.kind == RULE_PENALTY:
        return -rule.max_points, Decimal(0)
    return Decimal(0), rule.max_points


def _over_maximum(rule, value):
    values = {"value": vi_number(value), "max": vi_number(rule.max_points)}
    if rule.kind == RULE_PENALTY:
        return _("Penalty %(value)s is over the maximum penalty %(max)s.", **values)
    if rule.kind == RULE_BONUS:
        return _("Bonus %(value)s is over the maximum bonus %(max)s.", **values)
    return _("Score %(value)s is over the maximum %(max)s.", **values)


def _score_amount(rule, text):
    """number, bonus and penalty: a value in [0, max] on the step grid."""
    value = parse_decimal(text)
    if rule.kind == RULE_PENALTY:
        # A penalty is written either way ("0,5" or "-0,5"); it always takes points away.
        value = abs(value)
    if value < 0:
        raise ScoreError(_("Score %(value)s cannot be negative.", value=vi_number(value)))
    if value > rule.max_points:
        raise ScoreError(_over_maximum(rule, value))
    step = rule.step if rule.step is not None and rule.step > 0 else DEFAULT_STEP
    values = {"value": vi_number(value), "step": vi_number(step)}
    if decimal_places(value) > min(decimal_places(step), 2):
        raise ScoreError(
            _("Score %(value)s has more decimals than allowed (steps of %(step)s).", **values)
        )
    if value % step != 0:
        lower = (value / step).to_integral_value(rounding=ROUND_FLOOR) * step
        values.update(lower=vi_number(lower), upper=vi_number(min(lower + step, rule.max_points)))
        raise ScoreError(
            _(
                "Score %(value)s does not fit steps of %(step)s: enter %(lower)s or %(upper)s.",
                **values,
            )
        )
    return (-value if rule.kind == RULE_PENALTY else value), _plain(value)


def fold(text):
    """Text compared the way people read it: NFC, case and spacing ignored."""
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


def _score_choice(rule, text):
    if not rule.options:
        raise _MisconfiguredError
    wanted = fold(text)
    # Keys first: a key is what imports and the API send; labels are what people type.
    for field in ("key", "label"):
        for option in rule.options:
            if fold(getattr(option, field)) == wanted:
                if not fold(option.key or ""):  # the key is what gets stored
                    raise _MisconfiguredError
                return _dec(option.points), option.key
    choices = "; ".join(str(o.label) for o in rule.options)
    raise ScoreError(
        _(
            "“%(value)s” is not one of the choices: %(choices)s.",
            value=_shorten(text),
            choices=choices,
        )
    )


def _score_tiers(rule, text):
    if not rule.tiers:
        raise _MisconfiguredError
    value = parse_decimal(text[:-1].rstrip() if text.endswith("%") else text)
    if not 0 <= value <= 100:
        raise ScoreError(
            _("Percentage %(value)s is outside 0 to 100.", value=vi_number(value) + "%")
        )
    reached = [tier for tier in rule.tiers if _dec(tier.min_percent) <= value]
    points = max(reached, key=lambda t: _dec(t.min_percent)).points if reached else Decimal(0)
    return _dec(points), _plain(value)


def _score_deduction(rule, text):
    if rule.per_occurrence is None:
        raise _MisconfiguredError
    count = parse_decimal(text)
    if count != count.to_integral_value():
        raise ScoreError(
            _(
                "Enter a whole number of occurrences (0, 1, 2...), not %(value)s.",
                value=vi_number(count),
            )
        )
    if count < 0:
        raise ScoreError(_("The number of occurrences cannot be negative."))
    floor = rule.floor if rule.floor is not None else Decimal(0)
    return max(floor, rule.max_points - count * rule.per_occurrence), _plain(count)


_SCORERS = {
    RULE_NUMBER: _score_amount,
    RULE_BONUS: _score_amount,
    RULE_PENALTY: _score_amount,
    RULE_CHOICE: _score_choice,
    RULE_TIERS: _score_tiers,
    RULE_DEDUCTION: _score_deduction,
}


def _score(rule, raw):
    text = _as_text(raw)
    if not text:
        return ScoreResult()
    if rule.kind == RULE_SURVEY:
        raise ScoreError(
            _("This line is scored from the sociological survey; the unit does not score it.")
        )
    scorer = _SCORERS.get(rule.kind)
    if scorer is None or rule.max_points is None or not rule.max_points.is_finite():
        raise _MisconfiguredError
    points, canonical = scorer(rule, text)
    if points is None or not points.is_finite():
        raise _MisconfiguredError
    points = _points(points)
    low, high = _bounds(rule)
    # Options, tiers or floors set above the maximum must not leak out-of-range points.
    if not low <= points <= high:
        raise _MisconfiguredError
    return ScoreResult(points=points, canonical=canonical)


def score(rule, raw):
    """Score `raw` (what the user typed) under `rule`. Never raises.

    Empty input means "no score yet" (ok, points None). Otherwise either `points` (within
    [0, max], or [-max, 0] for penalties, 2 decimals) and `canonical` (the input to store), or
    `error` (a translated message for the user).
    """
    try:
        with localcontext() as ctx:
            ctx.prec = 60
            return _score(rule, raw)
    except ScoreError as exc:
        return ScoreResult(error=exc.message)
    except _MisconfiguredError:
        message = _(
            "The scoring rule of this line is set up incorrectly; please tell the organiser."
        )
    except Exception:  # the caller is a form or an import row: a bug must not take it down
        log.exception("score() failed for rule %r and input %r", rule, raw)
        message = _("This score could not be checked; please tell the organiser.")
    return ScoreResult(error=message)
