"""Rules of the framework tree: code order, parents, maxima that must add up, and yearly copies.

A framework (Bộ tiêu chí) is a tree field > criterion > sub-criterion. Points sit on the leaves;
every inner node's maximum is the sum of its children's, and the fields add up to the
framework's maximum (usually 100). A framework is frozen once a round uses it, so next year's
version starts as a copy.
"""

import re
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import inspect

from app.domain.rule_check import validate_rule
from app.domain.scoring import format_points, rule_of
from app.models.criteria import RULE_BONUS, RULE_PENALTY

# Bonus and penalty lines sit outside the 100 points: they move a total, they do not make it up.
_OUTSIDE_MAXIMUM = (RULE_BONUS, RULE_PENALTY)
_SEGMENT = re.compile(r"(\d*)(.*)", re.DOTALL)


def _clean_code(code):
    text = unicodedata.normalize("NFC", str(code or "")).strip().strip(".")
    return ".".join(part.strip() for part in text.split("."))


def code_sort_key(code):
    """A string that sorts codes in reading order: '1.9' < '1.10' < '1.99' < '2'.

    Each dot-separated segment's leading number is zero-padded to 4 digits ('1.10' ->
    '0001.0010'); letters are kept lower-case after it ('1.a' -> '0001.a', '2b' -> '0002b').
    A parent's key is a prefix of its children's and '.' sorts before digits and letters, so a
    parent comes right before its own children.
    """
    parts = []
    for segment in _clean_code(code).split("."):
        digits, rest = _SEGMENT.fullmatch(segment).groups()
        # int() drops leading zeros so '01' and '1' sort together; width 4 covers any real code.
        number = str(int(digits)).zfill(4) if digits else ""
        parts.append(number + rest.casefold())
    return ".".join(parts)


def parent_code(code):
    """The code one level up: '1.2.3' -> '1.2'; a top-level code ('1') -> None."""
    cleaned = _clean_code(code)
    if "." not in cleaned:
        return None
    return cleaned.rsplit(".", 1)[0]


def check_parent(node_id, new_parent_id, parent_of):
    """Error message if `new_parent_id` as parent of `node_id` would make a loop, else None.

    `parent_of` maps every node id to its current parent id (None at the top). Works for any
    tree: units, criteria.
    """
    if new_parent_id is None:
        return None
    if new_parent_id == node_id:
        return _("An item cannot be its own parent.")
    seen = set()
    current = new_parent_id
    # Walk up from the new parent; `seen` stops on a loop already in the data.
    while current is not None and current not in seen:
        if current == node_id:
            return _("The chosen parent sits under this item in the tree; that would make a loop.")
        seen.add(current)
        current = parent_of.get(current)
    return None


def _get(node, name):
    if isinstance(node, dict):
        return node.get(name)
    return getattr(node, name, None)


def sum_problems(nodes, framework_max=None):
    """Messages for maxima that do not add up.

    `nodes` are dicts or objects with id, parent_id, code, max_points and rule. For each node
    with children, the children's maxima (bonus and penalty lines left out) must equal its
    maximum; with `framework_max`, the top-level fields must add up to it.
    """
    ids = {_get(n, "id") for n in nodes}
    children = {}
    for node in nodes:
        parent = _get(node, "parent_id")
        # A parent outside the list (another framework, deleted) makes the node top-level here.
        children.setdefault(parent if parent in ids else None, []).append(node)
    problems = []
    for node in sorted(nodes, key=lambda n: code_sort_key(_get(n, "code"))):
        kids = children.get(_get(node, "id"))
        if not kids:
            continue
        total = _counted_sum(kids, include_all=_get(node, "rule") in _OUTSIDE_MAXIMUM)
        maximum = _get(node, "max_points") or 0
        if total != maximum:
            problems.append(
                _(
                    "%(code)s: its sub-items add up to %(sum)s points,"
                    " but its maximum points are %(max)s.",
                    code=_get(node, "code"),
                    sum=format_points(total),
                    max=format_points(maximum),
                )
            )
    if framework_max is not None:
        total = _counted_sum(children.get(None, []))
        if total != framework_max:
            problems.append(
                _(
                    "The fields add up to %(sum)s points, but the framework's maximum is %(max)s.",
                    sum=format_points(total),
                    max=format_points(framework_max),
                )
            )
    return problems


def _counted_sum(nodes, include_all=False):
    # Under a bonus (or penalty) heading, the children are the bonus lines themselves: count them.
    return sum(
        (_get(n, "max_points") or 0)
        for n in nodes
        if include_all or _get(n, "rule") not in _OUTSIDE_MAXIMUM
    )


def freeze_problems(framework):
    """Everything that must be fixed before `framework` can be frozen ([] = ready)."""
    criteria = list(framework.criteria)
    if not criteria:
        return [_("The framework has no criteria.")]
    # Python identities rather than ids, so criteria added but not yet flushed count too.
    nodes = [
        {
            "id": id(c),
            "parent_id": id(c.parent) if c.parent is not None else None,
            "code": c.code,
            "max_points": c.max_points,
            "rule": c.rule,
        }
        for c in criteria
    ]
    problems = sum_problems(nodes, framework.max_points)
    parents = {node["parent_id"] for node in nodes}
    for criterion in sorted(criteria, key=lambda c: code_sort_key(c.code)):
        if id(criterion) in parents:
            continue
        for problem in validate_rule(rule_of(criterion)):
            problems.append(_("%(code)s: %(problem)s", code=criterion.code, problem=problem))
    problems.extend(_band_index_problems(framework))
    return problems


def _band_index_problems(framework):
    """Two grades from the same index would leave the grade of that index to chance."""
    first = {}
    problems = []
    for band in sorted(framework.grade_bands, key=lambda b: (b.position or 0, b.name or "")):
        if band.min_index is None:
            continue
        index = format_points(band.min_index)
        if index in first:
            problems.append(
                _(
                    "Grade %(other)s already starts at index %(index)s: each grade needs its"
                    " own minimum index.",
                    other=first[index],
                    index=index,
                )
            )
        else:
            first[index] = band.name
    return problems


def _clone(row, **overrides):
    """A new row of the same class with the same column values, except keys and `overrides`."""
    mapper = inspect(type(row))
    skip = {c.key for c in mapper.column_attrs if any(col.primary_key for col in c.columns)}
    values = {
        attr.key: getattr(row, attr.key) for attr in mapper.column_attrs if attr.key not in skip
    }
    values.update(overrides)
    return type(row)(**values)


def _tree_depth(criterion):
    depth, seen, node = 0, set(), criterion.parent
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        depth += 1
        node = node.parent
    return depth


def copy_framework(session, framework, new_year, new_code, new_name):
    """Deep copy of `framework` for a new year: criteria tree, options, tiers, grade bands.

    The copy is not frozen and remembers its source (copied_from_id). It is added and flushed,
    not committed: the caller owns the transaction.
    """
    # Lazy loads of the source below must not flush a half-built copy.
    with session.no_autoflush:
        # Copying columns generically keeps a column added to the models later from being lost.
        copy = _clone(
            framework,
            code=new_code,
            name=new_name,
            year=new_year,
            frozen=False,
            frozen_at=None,
            copied_from_id=framework.id,
        )
        new_of = {}
        # Parents before children, so each child finds its parent's copy in `new_of`; depth
        # comes from the parent links, not the code, so a code at odds with the tree is harmless.
        criteria = sorted(framework.criteria, key=lambda c: (_tree_depth(c), code_sort_key(c.code)))
        for old in criteria:
            new = _clone(old, framework_id=None, parent_id=None, sort_key=code_sort_key(old.code))
            new.framework = copy
            if old.parent is not None:
                new.parent = new_of[id(old.parent)]
            new.options = [_clone(o, criterion_id=None) for o in old.options]
            new.tiers = [_clone(t, criterion_id=None) for t in old.tiers]
            new_of[id(old)] = new
        copy.grade_bands = [_clone(b, framework_id=None) for b in framework.grade_bands]
        session.add(copy)
    session.flush()
    return copy
