"""Where a framework row (criterion, grade band, option, tier) belongs: as an edit would leave
it, and as the database holds it now.

A form or a PUT applies its values to the row before the policy and the domain see it, so
`row.framework` is already where the edit would put it. The stored foreign key says where the
row is today: an edit is judged against both, so taking a row out of a frozen framework is
refused like any other change to it.
"""

from contextlib import nullcontext

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect
from sqlalchemy.orm import object_session

from app.models.criteria import Criterion, CriterionOption, CriterionTier, Framework, GradeBand

# The relation naming each row's owner, and the foreign key holding it.
OWNER = {
    Criterion: ("framework", "framework_id"),
    GradeBand: ("framework", "framework_id"),
    CriterionOption: ("criterion", "criterion_id"),
    CriterionTier: ("criterion", "criterion_id"),
}

_MOVE_REFUSED = {
    Criterion: _l("A criterion cannot be moved to another framework; add it there instead."),
    GradeBand: _l("A grade band cannot be moved to another framework; add it there instead."),
    CriterionOption: _l("An option cannot be moved to another criterion; add it there instead."),
    CriterionTier: _l("A tier cannot be moved to another criterion; add it there instead."),
}


def owner_id(row):
    """The id of the framework (the criterion, for options and tiers) the edit points `row` to."""
    relation, column = OWNER[type(row)]
    # A relation set by the edit (even to None) wins over the foreign key, which only catches
    # up at flush time; a relation never loaded leaves the foreign key as the answer.
    if relation in inspect(row).dict:
        owner = getattr(row, relation)
        return owner.id if owner is not None else None
    return getattr(row, column)


def move_problems(session, row):
    """A saved row stays where it is: moving it would change two frameworks at once (and a
    frozen one unseen); a new row is added where it belongs instead."""
    if row.id is None:
        return []
    # Reading the new owner may load it; a flush then would store the move before it is judged.
    with session.no_autoflush:
        if owner_id(row) == stored_owner_id(session, row):
            return []
    return [str(_MOVE_REFUSED[type(row)])]


def framework_of(row):
    """The framework `row` belongs to once the edit is applied (None if it names none)."""
    if isinstance(row, Framework):
        return row
    if isinstance(row, (Criterion, GradeBand)):
        return row.framework
    if isinstance(row, (CriterionOption, CriterionTier)):
        return row.criterion.framework if row.criterion is not None else None
    return None


def _stored_query(session, row):
    """A query of the stored framework's `frozen` flag for a saved `row`."""
    model = type(row)
    if model is Framework:
        return session.query(Framework.frozen).filter(Framework.id == row.id)
    if model in (Criterion, GradeBand):
        return (
            session.query(Framework.frozen)
            .join(model, model.framework_id == Framework.id)
            .filter(model.id == row.id)
        )
    return (
        session.query(Framework.frozen)
        .join(Criterion, Criterion.framework_id == Framework.id)
        .join(model, model.criterion_id == Criterion.id)
        .filter(model.id == row.id)
    )


def stored_value(session, row, column):
    """The value of `column` the database holds for `row` (None for a row not saved yet)."""
    if row.id is None:
        return None
    model = type(row)
    # Without this, the query would first flush the edit and read its own new value back.
    with session.no_autoflush:
        return session.query(getattr(model, column)).filter(model.id == row.id).scalar()


def stored_owner_id(session, row):
    """The owner id the database holds for `row` (None for a row not saved yet)."""
    return stored_value(session, row, OWNER[type(row)][1])


def touches_frozen(row):
    """True when the framework `row` would belong to, or belongs to now, is frozen."""
    if row is None:
        return False
    with _no_autoflush(row):
        framework = framework_of(row)
        if framework is not None and framework.frozen:
            return True
        session = object_session(row)
        if session is None or row.id is None or type(row) not in (Framework, *OWNER):
            return False  # a row never saved: only where it would go counts
        return bool(_stored_query(session, row).scalar())


def _no_autoflush(row):
    """Reading a new row's owner must not flush the half-made row with it: the session is the
    row's, or for a row not added yet its owner's."""
    relation = OWNER.get(type(row), (None,))[0]
    owner = inspect(row).dict.get(relation) if relation else None
    session = object_session(row) or (object_session(owner) if owner is not None else None)
    return session.no_autoflush if session is not None else nullcontext()
