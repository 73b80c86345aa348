"""What the generated lists share: fewer queries per page, people's names, short text.

FAB loads a list page's rows in one query and then every related row lazily, one query per
row and column: `PreloadingInterface` loads them in a few IN queries instead, and keeps them
for the request.
"""

from flask import g
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import AppUser, Assessment
from app.security import roles


def permissions_without(*dropped):
    """The method permission map without `dropped` (FAB then hides their buttons; their
    routes are excluded by the view as well)."""
    return {k: v for k, v in roles.METHOD_PERMISSIONS.items() if k not in dropped}


def remember_users(ids):
    """{user id: full name} for the request, loading the ids not seen yet in one query."""
    names = g.setdefault("_list_user_names", {})
    wanted = {i for i in ids if i is not None} - set(names)
    if wanted:
        for user in db.session.query(AppUser).filter(AppUser.id.in_(wanted)):
            names[user.id] = user.get_full_name()
    return names


def user_name(user_id):
    """A user's full name from their id, looked up once per request."""
    return remember_users([user_id]).get(user_id, "")


def shorten(text, length=80):
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def assessments_with_unit_and_round(ids):
    query = db.session.query(Assessment).filter(Assessment.id.in_(ids))
    return query.options(joinedload(Assessment.unit), joinedload(Assessment.round))


def keep_for_request(query):
    """Load `query` and hold its rows until the request ends."""
    # The identity map holds rows weakly: keep them for the request, so the lazy loads of the
    # list's rows find them there instead of querying once per row.
    g.setdefault("_list_preloaded", []).extend(query.all())


class PreloadingInterface(SQLAInterface):
    """Loads a page's related rows in a few IN queries after FAB's list query."""

    def query(self, *args, **kwargs):
        count, rows = super().query(*args, **kwargs)
        if rows:
            self.preload(rows)
        return count, rows

    def preload(self, rows):  # what each list shows besides its own columns
        pass

    def get_related_interface(self, col_name):
        # Dropdowns of related models are built from this: an assessment shows unit and round.
        model = self.get_related_model(col_name)
        return (AssessmentInterface if model is Assessment else SQLAInterface)(model, self.session)


class AssessmentInterface(PreloadingInterface):
    def preload(self, rows):
        keep_for_request(assessments_with_unit_and_round({r.id for r in rows}))
        remember_users(r.submitted_by_id for r in rows)
