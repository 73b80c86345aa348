"""Frameworks as a whole: freezing, copying to a new year, editing criteria rules."""

from flask_babel import gettext as _
from sqlalchemy import func

from app.domain import audit
from app.domain.clock import utcnow
from app.domain.criteria_tree import code_sort_key, copy_framework, freeze_problems, parent_code
from app.domain.errors import DomainError
from app.models.criteria import RULE_SURVEY, Criterion, Framework, GradeBand


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
    """Derive the parent and sort key from the code and return why it cannot be saved."""
    problems = []
    code = (criterion.code or "").strip().rstrip(".")
    criterion.code = code
    if not code:
        return [_("The criterion code is required.")]
    framework_id = criterion.framework.id if criterion.framework else criterion.framework_id
    same = session.query(Criterion).filter(Criterion.framework_id == framework_id)
    clash = same.filter(Criterion.code == code)
    if criterion.id is not None:
        clash = clash.filter(Criterion.id != criterion.id)
    if clash.first():
        problems.append(_("Code %(code)s is already used in this framework.", code=code))
    parent = None
    if parent_code(code):
        parent = same.filter(Criterion.code == parent_code(code)).first()
        if parent is None:
            problems.append(
                _("Add criterion %(parent)s before %(code)s.", parent=parent_code(code), code=code)
            )
    criterion.parent = parent
    criterion.sort_key = code_sort_key(code)
    if criterion.max_points is None or criterion.max_points < 0:
        problems.append(_("The maximum points must be 0 or more."))
    problems.extend(_survey_kind_problems(criterion))
    # Options and tiers are added after the criterion itself, so the rule as a whole is
    # checked when the framework is frozen (freeze_problems), not here.
    return problems


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
    problems = []
    if band.min_index is None or not 0 <= band.min_index <= 100:
        problems.append(_("The minimum index must be between 0 and 100."))
    if band.field_floor is not None and not 0 <= band.field_floor <= 100:
        problems.append(_("The field floor must be between 0 and 100."))
    framework_id = band.framework.id if band.framework else band.framework_id
    clash = session.query(GradeBand.id).filter(
        GradeBand.framework_id == framework_id, GradeBand.name == (band.name or "").strip()
    )
    if band.id is not None:
        clash = clash.filter(GradeBand.id != band.id)
    if clash.first():
        problems.append(_("This framework already has a grade named %(name)s.", name=band.name))
    return problems


def framework_delete_problems(session, framework):
    from app.models.rounds import Round

    if session.query(Round.id).filter(Round.framework_id == framework.id).first():
        return [_("A round uses this framework: it cannot be deleted.")]
    return []


def criterion_delete_problems(session, criterion):
    if session.query(Criterion.id).filter(Criterion.parent_id == criterion.id).first():
        return [_("Delete the criteria under it first.")]
    return []
