"""A scoring rule's configuration problems, for the framework editor and the framework import.

`app/domain/scoring.py` gives a typed score its meaning; this module says whether a rule can
give any meaning at all (a step that divides the maximum, options with distinct keys, tiers
that do not pay less for a higher result).
"""

from itertools import pairwise

from flask_babel import gettext as _

from app.domain.scoring import decimal_places, fold, vi_number
from app.models.criteria import (
    RULE_BONUS,
    RULE_CHOICE,
    RULE_DEDUCTION,
    RULE_KINDS,
    RULE_NUMBER,
    RULE_PENALTY,
    RULE_TIERS,
)


def validate_rule(rule):
    """Configuration problems of a rule, as messages for the framework editor ([] = fine)."""
    if rule.kind not in RULE_KINDS:
        return [_("Unknown scoring rule “%(kind)s”.", kind=rule.kind)]
    top = rule.max_points
    if top is None or not top.is_finite() or top < 0:
        return [_("The maximum points must be a number of at least 0.")]
    problems, step, floor, per = [], rule.step, rule.floor, rule.per_occurrence
    if rule.kind in (RULE_NUMBER, RULE_BONUS, RULE_PENALTY) and step is not None:
        values = {"step": vi_number(step) if step.is_finite() else str(step), "max": vi_number(top)}
        if not step.is_finite() or step <= 0:
            problems.append(_("The step must be greater than 0."))
        elif decimal_places(step) > 2:
            problems.append(
                _("Points are kept to 2 decimals: the step %(step)s is too fine.", **values)
            )
        elif top % step != 0:
            problems.append(
                _("The step %(step)s does not divide the maximum points %(max)s.", **values)
            )
    if rule.kind == RULE_CHOICE:
        problems += _option_problems(rule)
    if rule.kind == RULE_TIERS:
        problems += _tier_problems(rule)
    if rule.kind == RULE_DEDUCTION:
        if per is None:
            problems.append(_("A deduction rule needs the points deducted per occurrence."))
        elif per <= 0:
            problems.append(_("The points deducted per occurrence must be greater than 0."))
        if floor is not None and not 0 <= floor <= top:
            problems.append(
                _(
                    "The lowest score after deductions must be between 0 and %(max)s.",
                    max=vi_number(top),
                )
            )
    return problems


def _option_problems(rule):
    if not rule.options:
        return [_("A choice rule needs at least one option.")]
    problems, keys, labels = [], set(), set()
    for key, label, points in rule.options:
        if not fold(key or ""):
            problems.append(_("Every option needs a key."))
            continue
        values = {"key": key, "label": label, "max": vi_number(rule.max_points)}
        # Matching ignores case, so keys that differ only by case would be ambiguous.
        if fold(key) in keys:
            problems.append(_("Option “%(key)s” is listed more than once.", **values))
        if fold(label or "") in labels:
            problems.append(_("Two options have the same label “%(label)s”.", **values))
        keys.add(fold(key))
        labels.add(fold(label or ""))
        if points is None or not 0 <= points <= rule.max_points:
            problems.append(_("Option “%(key)s” must give between 0 and %(max)s points.", **values))
    return problems


def _tier_problems(rule):
    if not rule.tiers:
        return [_("A tiers rule needs at least one tier.")]
    problems, seen = [], set()
    for min_percent, points in rule.tiers:
        values = {"percent": vi_number(min_percent) + "%", "max": vi_number(rule.max_points)}
        if not 0 <= min_percent <= 100:
            problems.append(_("Tier start %(percent)s is outside 0 to 100.", **values))
        if min_percent in seen:
            problems.append(_("Two tiers start at %(percent)s.", **values))
        seen.add(min_percent)
        if not 0 <= points <= rule.max_points:
            problems.append(_("The tier from %(percent)s must give 0 to %(max)s points.", **values))
    # A higher result earning fewer points is almost always a typo in the framework.
    for lower, higher in pairwise(sorted(rule.tiers, key=lambda t: t.min_percent)):
        if higher.points < lower.points:
            percent = vi_number(higher.min_percent) + "%"
            problems.append(
                _(
                    "The tier from %(percent)s gives fewer points than a lower tier.",
                    percent=percent,
                )
            )
    return problems
