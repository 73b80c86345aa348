"""Frameworks as a whole: freezing, copying to a new year, editing criteria rules."""

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func

from app.domain import audit, framework_import, framework_rows
from app.domain.clock import utcnow
from app.domain.criteria_tree import (
    check_parent,
    code_sort_key,
    copy_framework,
    freeze_problems,
    parent_code,
)
from app.domain.errors import DomainError
from app.domain.scoring import CENT, format_points
from app.models.criteria import (
    RULE_SURVEY,
    Criterion,
    CriterionOption,
    CriterionTier,
    Framework,
    GradeBand,
)


def freeze_framework(session, framework, actor):
    """Freeze `framework` after checking its tree adds up; raises DomainError with every problem."""
    if framework.frozen:
        raise DomainError(_("The framework is already frozen."))
    problems = freeze_problems(framework)
    if problems:
        raise DomainError(_("The framework cannot be frozen."), problems)
    framework.frozen, framework.frozen_at = True, utcnow()
    audit.record(session, actor, "freeze", "framework", framework.id)


def copy_to_next_year(session, framework, actor):
    """Copy `framework` (criteria, options, tiers, grade bands) to the following year."""
    year = framework.year + 1
    base_code = f"{framework.code.rsplit('-', 1)[0]}-{year}"
    code, n = base_code, 1
    while session.query(Framework.id).filter(Framework.code == code).first():
        n += 1
        code = f"{base_code}-{n}"
    # The year is a column of its own; only a year written into the name is updated.
    name = framework.name.replace(str(framework.year), str(year))
    copy = copy_framework(session, framework, year, code, name)
    audit.record(session, actor, "copy", "framework", framework.id, new=copy.code)
    return copy


def framework_problems(session, framework):
    """Why a framework row (new or edited) cannot be saved."""
    problems = []
    clash = session.query(Framework.id).filter(
        func.lower(Framework.code) == (framework.code or "").lower()
    )
    if framework.id is not None:
        clash = clash.filter(Framework.id != framework.id)
    if clash.first():
        problems.append(_("Framework code %(code)s is already used.", code=framework.code))
    if framework.year is None or not 2000 <= framework.year <= 2100:
        problems.append(_("The year must be between 2000 and 2100."))
    if framework.max_points is None or framework.max_points <= 0:
        problems.append(_("The framework's maximum must be more than 0."))
    return problems


def prepare_criterion(session, criterion):
    """Derive the parent and sort key from the code and return why it cannot be saved.

    A saved criterion stays in its framework; its code may not change while criteria sit
    under it (their codes would no longer start with it), nor put it under itself.
    """
    code = framework_import.clean_code(criterion.code)
    criterion.code = code
    if not code:
        return [_("The criterion code is required.")]
    moved = framework_rows.move_problems(session, criterion)
    if moved:
        return moved
    # The same rules as the Excel import: the code's shape, the maximum's size.
    problems = []
    if bad_code := framework_import.code_problem(code):
        problems.append(bad_code)
    max_column = framework_import.HEADERS[framework_import.MAX_POINTS]
    if too_large := framework_import.points_problem(criterion.max_points):
        problems.append(_("%(column)s: %(problem)s", column=max_column, problem=too_large))
    if problems:
        return problems
    framework_id = framework_rows.owner_id(criterion)
    same = session.query(Criterion).filter(Criterion.framework_id == framework_id)
    problems.extend(_same_code_problems(session, criterion, framework_id, code))
    problems.extend(_code_change_problems(session, criterion, code))
    parent = None
    if parent_code(code):
        parent = same.filter(Criterion.code == parent_code(code)).first()
        if parent is None:
            problems.append(
                _("Add criterion %(parent)s before %(code)s.", parent=parent_code(code), code=code)
            )
        elif _makes_loop(session, criterion, parent):
            problems.append(
                _(
                    "Code %(code)s would put this criterion under %(parent)s, which is the"
                    " criterion itself or sits under it.",
                    code=code,
                    parent=parent_code(code),
                )
            )
            parent = criterion.parent
    criterion.parent = parent
    criterion.sort_key = code_sort_key(code)
    if criterion.max_points is None or criterion.max_points < 0:
        problems.append(_("The maximum points must be 0 or more."))
    problems.extend(_survey_kind_problems(criterion))
    # Options and tiers are added after the criterion itself, so the rule as a whole is
    # checked when the framework is frozen (freeze_problems), not here.
    return problems


def _same_code_problems(session, criterion, framework_id, code):
    """A code is taken when another criterion of the framework has the same sort key: "01"
    is "1" and "1.01" is "1.1" (the order, the parents and the import read them as one)."""
    key = code_sort_key(code)
    others = session.query(Criterion.code).filter(Criterion.framework_id == framework_id)
    if criterion.id is not None:
        others = others.filter(Criterion.id != criterion.id)
    with session.no_autoflush:
        taken = [other for (other,) in others if code_sort_key(other) == key]
    if not taken:
        return []
    if taken[0] == code:
        return [_("Code %(code)s is already used in this framework.", code=code)]
    return [
        _(
            "Code %(code)s is the same as %(other)s, already used in this framework.",
            code=code,
            other=taken[0],
        )
    ]


def _code_change_problems(session, criterion, code):
    """Renaming a parent would leave its children's codes pointing at nothing (or elsewhere):
    the children are recoded first, one by one, so each move is seen and checked."""
    stored = framework_rows.stored_value(session, criterion, "code")
    if stored is None or stored == code:
        return []
    if session.query(Criterion.id).filter(Criterion.parent_id == criterion.id).first():
        return [
            _(
                "Criterion %(code)s has criteria under it: change their codes or delete them"
                " before changing its code.",
                code=stored,
            )
        ]
    return []


def _makes_loop(session, criterion, parent):
    if criterion.id is None:
        return False  # a new criterion has nothing under it
    parent_of = dict(
        session.query(Criterion.id, Criterion.parent_id).filter(
            Criterion.framework_id == framework_rows.owner_id(criterion)
        )
    )
    return check_parent(criterion.id, parent.id, parent_of) is not None


def _survey_kind_problems(criterion):
    """A survey line may name its survey; other lines may not (the import would skip them)."""
    from app.domain.scoring import ScoreError
    from app.domain.survey import normalise_kind

    try:
        criterion.survey_kind = normalise_kind(criterion.survey_kind)
    except ScoreError as err:
        return [err.message]
    if criterion.survey_kind and criterion.rule != RULE_SURVEY:
        return [_("Only lines scored from the survey take a survey kind.")]
    return []


def grade_band_problems(session, band):
    """Why a grade band (new or edited) cannot be saved."""
    moved = framework_rows.move_problems(session, band)
    if moved:
        return moved
    problems = []
    if band.min_index is None or not 0 <= band.min_index <= 100:
        problems.append(_("The minimum index must be between 0 and 100."))
    if band.field_floor is not None and not 0 <= band.field_floor <= 100:
        problems.append(_("The field floor must be between 0 and 100."))
    same_framework = GradeBand.framework_id == framework_rows.owner_id(band)
    if _sibling(session, band, same_framework, GradeBand.name == (band.name or "").strip()):
        problems.append(_("This framework already has a grade named %(name)s.", name=band.name))
    if band.min_index is not None and not problems:
        problems.extend(_same_min_index_problems(session, band))
    return problems


def _same_min_index_problems(session, band):
    """Two grades from the same index would leave the grade of that index to chance."""
    # Compared as the database stores it (two decimals), so 80 and 80,00 are the same band.
    threshold = Decimal(band.min_index).quantize(CENT)
    same_framework = GradeBand.framework_id == framework_rows.owner_id(band)
    other = _sibling(session, band, same_framework, GradeBand.min_index == threshold,
                     column=GradeBand.name)  # fmt: skip
    if other is None:
        return []
    return [
        _(
            "Grade %(other)s already starts at index %(index)s: each grade needs its own"
            " minimum index.",
            other=other[0],
            index=format_points(threshold),
        )
    ]


def _sibling(session, row, *conditions, column=None):
    """The first other saved row of `row`'s kind meeting `conditions` (its `column`, the id by
    default), or None: the clash a duplicate name, key or threshold would make."""
    model = type(row)
    query = session.query(column if column is not None else model.id).filter(*conditions)
    if row.id is not None:
        query = query.filter(model.id != row.id)
    # The row may be half-made by a form: the query must not flush it first.
    with session.no_autoflush:
        return query.first()


def option_problems(session, option):
    """Why a fixed-choice option (new or edited) cannot be saved."""
    moved = framework_rows.move_problems(session, option)
    if moved:
        return moved
    option.key = (option.key or "").strip()
    same_criterion = CriterionOption.criterion_id == framework_rows.owner_id(option)
    if _sibling(session, option, same_criterion, CriterionOption.key == option.key):
        return [_("Option key %(key)s is already used for this criterion.", key=option.key)]
    return []


def tier_problems(session, tier):
    """Why a percentage tier (new or edited) cannot be saved."""
    moved = framework_rows.move_problems(session, tier)
    if moved:
        return moved
    if tier.min_percent is None:
        return []  # the form asks for it
    # Compared as the database stores it (two decimals), so 80 and 80,00 are the same tier.
    threshold = Decimal(tier.min_percent).quantize(CENT)
    same_criterion = CriterionTier.criterion_id == framework_rows.owner_id(tier)
    if _sibling(session, tier, same_criterion, CriterionTier.min_percent == threshold) is None:
        return []
    percent = format_points(threshold) + "%"
    return [_("This criterion already has a tier from %(percent)s.", percent=percent)]


def framework_delete_problems(session, framework):
    from app.models.rounds import Round

    if session.query(Round.id).filter(Round.framework_id == framework.id).first():
        return [_("A round uses this framework: it cannot be deleted.")]
    return []


def criterion_delete_problems(session, criterion):
    if session.query(Criterion.id).filter(Criterion.parent_id == criterion.id).first():
        return [_("Delete the criteria under it first.")]
    return []
