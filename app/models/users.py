"""The FAB user, bound to the unit they work for."""

import datetime

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import DateTime, ForeignKey, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.users import TYPED_FIELDS, typed_value
from app.models.units import Unit


class AppUser(User):
    """Same table as FAB's user (single-table inheritance); adds the unit."""

    __tablename__ = "ab_user"
    __table_args__ = {"extend_existing": True}

    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    unit: Mapped[Unit | None] = relationship(Unit, foreign_keys=[unit_id])
    # Set after repeated failed logins (app/security/lockout.py); None: not locked.
    locked_until: Mapped[datetime.datetime | None] = mapped_column(DateTime)

    def get_full_name(self):
        # Vietnamese order: family name first ("Nguyễn Văn An").
        return f"{self.last_name} {self.first_name}"

    def __repr__(self):
        return self.get_full_name()


def _store_typed(target, value, oldvalue, initiator):
    return typed_value(value)


# On FAB's User, propagated: every path that sets these (the user screens, FAB's REST API,
# `flask fab create-admin`, SSO sign-up) assigns the attribute, so each one stores NFC.
for _field in TYPED_FIELDS:
    event.listen(getattr(User, _field), "set", _store_typed, retval=True, propagate=True)
