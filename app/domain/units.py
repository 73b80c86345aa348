"""Rules of the unit tree: unique codes, no cycles, merged units point to a live successor."""

import unicodedata

from flask_babel import gettext as _

from app.models.units import Unit


def code_key(code):
    """Compare-form of a code: NFC and case-folded in Python (SQLite's lower() folds ASCII
    only, so ĐK1 and đk1 would pass as two codes)."""
    folded = unicodedata.normalize("NFC", str(code or "")).strip().casefold()
    return unicodedata.normalize("NFC", folded)


def _code_taken(session, column, id_column, code, own_id):
    """Does another row than `own_id` hold `code`, compared by code_key?"""
    key = code_key(code)
    rows = session.query(id_column, column)
    if own_id is not None:
        rows = rows.filter(id_column != own_id)
    with session.no_autoflush:
        return any(code_key(other) == key for _id, other in rows)


def _walk_up(session, start_id, link):
    """Yield the ids met following `link` ("parent_id" or "successor_id") from `start_id`."""
    seen = set()
    current = start_id
    while current is not None and current not in seen:
        seen.add(current)
        yield current
        current = session.query(getattr(Unit, link)).filter(Unit.id == current).scalar()


def unit_problems(session, unit):
    """Return every reason `unit` (new or edited, not yet flushed) cannot be saved."""
    problems = []
    code = (unit.code or "").strip()
    if not code:
        problems.append(_("The unit code is required."))
    else:
        if _code_taken(session, Unit.code, Unit.id, code, unit.id):
            problems.append(_("Unit code %(code)s is already used by another unit.", code=code))
    if not (unit.name or "").strip():
        problems.append(_("The unit name is required."))
    parent_id = unit.parent.id if unit.parent is not None else unit.parent_id
    if unit.id is not None and parent_id is not None:
        if unit.id in _walk_up(session, parent_id, "parent_id"):
            problems.append(
                _("A unit cannot be placed under itself or under one of its own units.")
            )
    successor_id = unit.successor.id if unit.successor is not None else unit.successor_id
    if successor_id is not None:
        if unit.id is not None and unit.id in _walk_up(session, successor_id, "successor_id"):
            problems.append(_("A unit cannot be its own successor, directly or through others."))
        if unit.active:
            problems.append(_("A unit with a successor has been merged: mark it inactive."))
    return problems


def unit_type_problems(session, unit_type):
    """Return every reason `unit_type` (new or edited) cannot be saved."""
    from app.models.units import UnitType

    problems = []
    code = (unit_type.code or "").strip()
    if not code:
        problems.append(_("The unit type code is required."))
    else:
        if _code_taken(session, UnitType.code, UnitType.id, code, unit_type.id):
            problems.append(_("This code is already used by another unit type."))
    if not (unit_type.name or "").strip():
        problems.append(_("The unit type name is required."))
    return problems


def unit_type_delete_problems(session, unit_type):
    if session.query(Unit.id).filter(Unit.unit_type_id == unit_type.id).first():
        return [_("Units of this type exist: change or remove them first.")]
    from app.models.criteria import Framework

    if session.query(Framework.id).filter(Framework.unit_type_id == unit_type.id).first():
        return [_("A framework is made for this unit type: it cannot be deleted.")]
    return []


def unit_delete_problems(session, unit):
    """Why `unit` cannot be deleted (it is then marked inactive instead), or []."""
    from app.models import AppUser, Assessment, Round

    if session.query(Unit.id).filter(Unit.parent_id == unit.id).first():
        return [_("This unit has units under it: move or remove them first.")]
    if session.query(Unit.id).filter(Unit.successor_id == unit.id).first():
        return [_("Merged units name this unit as their successor: it cannot be deleted.")]
    if session.query(Assessment.id).filter(Assessment.unit_id == unit.id).first():
        return [_("This unit has taken part in a round: mark it inactive instead.")]
    if session.query(Round.id).filter(Round.organiser_unit_id == unit.id).first():
        return [_("This unit organises a round: it cannot be deleted.")]
    if session.query(AppUser.id).filter(AppUser.unit_id == unit.id).first():
        return [_("Accounts belong to this unit: move them first, or mark it inactive.")]
    return []
