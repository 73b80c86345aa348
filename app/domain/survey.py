"""Survey kinds (điều tra xã hội học) and how a unit's survey result becomes line points.

A framework names, on each of its survey lines (rule "survey"), which survey gives its points:
`Criterion.survey_kind`, e.g. "sipas". A kind's maximum is the sum of its lines' maxima; an
imported result (points, or a percentage of that maximum) is spread over those lines in
proportion to their maxima, to the cent, so the lines add up exactly to the result.
"""

import re
import unicodedata
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain.scoring import ScoreError, format_points
from app.models.criteria import RULE_SURVEY, Criterion
from app.models.results import SURVEY_PERCENT, SURVEY_POINTS

SIPAS = "sipas"  # satisfaction of citizens and organisations with public services
OFFICIALS = "officials"  # ratings by officials, deputies and community leaders
SERVICES = "services"  # satisfaction with public health and education services
KIND_LABELS = {
    SIPAS: _l("Satisfaction of citizens and organisations (SIPAS)"),
    OFFICIALS: _l("Ratings by officials and deputies"),
    SERVICES: _l("Satisfaction with public health and education services"),
}
# What the framework file writes beside the key, in Vietnamese whatever the screen language.
FILE_LABELS = {
    SIPAS: "Sự hài lòng của người dân, tổ chức (SIPAS)",
    OFFICIALS: "Đánh giá của cán bộ, công chức, đại biểu",
    SERVICES: "Sự hài lòng về dịch vụ y tế, giáo dục công",
}
MODE_LABELS = {
    SURVEY_POINTS: _l("Points"),
    SURVEY_PERCENT: _l("Percentage of the maximum"),
}
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# A province may run a survey of its own: any short key of letters, digits, "_" or "-".
_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def fold(text):
    """Compare-form of a word: no accents, đ as d, lower case, single spaces."""
    text = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


_WORDS = {fold(label): key for key, label in FILE_LABELS.items()}
_WORDS.update({fold(str(label)): key for key, label in KIND_LABELS.items()})


def kind_label(kind):
    """The translated name of a survey kind; an unknown kind shows as its key."""
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else (kind or "")


def normalise_kind(raw):
    """A kind key from what a framework file or form holds ("SIPAS", a label, "" -> None).

    Raises ScoreError for text that is neither a known label nor a short key."""
    text = fold(raw if raw is not None else "")
    if not text:
        return None
    if text in _WORDS:
        return _WORDS[text]
    if _KEY.fullmatch(text):
        return text
    known = "; ".join(f"{key} ({label})" for key, label in FILE_LABELS.items())
    raise ScoreError(
        _(
            "“%(value)s” is not a survey kind; write one of: %(known)s.",
            value=str(raw)[:40],
            known=known,
        )
    )


def survey_lines(session, framework_id, kind=None):
    """The framework's survey leaves as (criterion id, kind, max points, sort key), in tree
    order; with `kind`, only that kind's. One query."""
    parents = select(Criterion.parent_id).where(
        Criterion.framework_id == framework_id, Criterion.parent_id.is_not(None)
    )
    query = select(Criterion.id, Criterion.survey_kind, Criterion.max_points, Criterion.sort_key)
    query = query.where(
        Criterion.framework_id == framework_id,
        Criterion.rule == RULE_SURVEY,
        Criterion.id.not_in(parents),
    )
    if kind is not None:
        query = query.where(Criterion.survey_kind == kind)
    return list(session.execute(query.order_by(Criterion.sort_key)))


def framework_kinds(session, framework_id):
    """{kind: maximum points} of the framework's survey kinds (lines without a kind left out)."""
    kinds = {}
    for _id, kind, max_points, _key in survey_lines(session, framework_id):
        if kind:
            kinds[kind] = kinds.get(kind, Decimal(0)) + max_points
    return kinds


def to_points(value, mode, maximum):
    """The kind's points for a file value: itself (points) or value% of `maximum`, to the cent.

    Raises ScoreError (negative, a percentage over 100, points over the maximum)."""
    if value < 0:
        raise ScoreError(_("The value %(value)s cannot be negative.", value=format_points(value)))
    if mode == SURVEY_PERCENT:
        if value > HUNDRED:
            raise ScoreError(
                _(
                    "The percentage %(value)s%% is over 100%%.",
                    value=format_points(value),
                )
            )
        return (value * maximum / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    points = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if points > maximum:
        raise ScoreError(
            _(
                "The value %(value)s is over this survey's maximum of %(max)s points.",
                value=format_points(value),
                max=format_points(maximum),
            )
        )
    return points


def distribute(points, maxima):
    """Split `points` over lines with `maxima`, in proportion, to the cent (largest remainder).

    The shares add up exactly to `points`, and none is over its line's maximum when `points`
    is not over their sum. Equal remainders go to the earlier line (tree order)."""
    total = sum(maxima, Decimal(0))
    if not maxima:
        return []
    if total == 0:
        return [Decimal("0.00")] * len(maxima)
    exact = [points * m / total for m in maxima]
    shares = [x.quantize(CENT, rounding=ROUND_DOWN) for x in exact]
    left = int(((points - sum(shares, Decimal(0))) / CENT).to_integral_value())
    order = sorted(range(len(maxima)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:left]:
        shares[i] += CENT
    return shares
