"""Conflict of interest: nobody appraises their own unit.

A person "works for" a unit when their account's unit is that unit or a unit above it in the
tree (a district's staff do not appraise its communes). The rule holds at every step: the
leader assigning (app/domain/assignment.py), the support member scoring and the appraiser
appraising (app/domain/appraisal.py), the leader approving or returning
(app/domain/approval.py).
"""

from flask_babel import gettext as _

from app.domain.decision import ALLOW, deny
from app.models.units import Unit


def unit_chains(session, unit_ids):
    """{unit id: {the unit and every unit above it}}, one query per tree level."""
    parent_of, frontier = {}, set(unit_ids)
    while frontier:
        rows = session.query(Unit.id, Unit.parent_id).filter(Unit.id.in_(frontier)).all()
        parent_of.update(rows)
        frontier = {p for _u, p in rows if p is not None and p not in parent_of}
    chains = {}
    for unit_id in unit_ids:
        chain, current = set(), unit_id
        while current is not None and current not in chain:
            chain.add(current)
            current = parent_of.get(current)
        chains[unit_id] = chain
    return chains


def works_for(user, unit):
    """Does `user` work for `unit` (a Unit) or a unit above it? Walks the loaded tree: a
    sheet asks for each of its lines, and the session loads each unit once."""
    own = getattr(user, "unit_id", None)
    seen = set()
    while own is not None and unit is not None and unit.id not in seen:
        if unit.id == own:
            return True
        seen.add(unit.id)
        unit = unit.parent
    return False


def own_unit_decision(user, unit):
    """Refused when `user` works for `unit` (or a unit above it): steps 2 to 4 on its lines."""
    if works_for(user, unit):
        return deny(
            _("You work for this unit or a unit above it: nobody appraises their own unit.")
        )
    return ALLOW


def leader_own_unit_message():
    """Why a leader may not assign a unit they work for: they would approve its lines."""
    return _(
        "You work for this unit or a unit above it: nobody appraises their own unit, so the "
        "leader of another team must assign and approve its lines."
    )
