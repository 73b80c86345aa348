"""The administrator's single sign-on mapping: who signs in through the identity provider
(by subject or e-mail) and which unit and roles that gives them here."""

import datetime

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.types import NFCString, NFCText
from app.models.units import Unit

sso_mapping_role = Table(
    "sso_mapping_role",
    Model.metadata,
    Column(
        "mapping_id",
        Integer,
        ForeignKey("sso_mapping.id", name="fk_sso_mapping_role_mapping", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "role_id",
        Integer,
        ForeignKey("ab_role.id", name="fk_sso_mapping_role_role", ondelete="CASCADE"),
        nullable=False,
    ),
    PrimaryKeyConstraint("mapping_id", "role_id", name="pk_sso_mapping_role"),
)


class SsoMapping(Model):
    """One person of the identity provider: matched by `subject` (the provider's stable id,
    claim "sub") or, when no subject is given, by `email` (stored lower-case)."""

    __tablename__ = "sso_mapping"
    __table_args__ = (
        PrimaryKeyConstraint("id", name="pk_sso_mapping"),
        UniqueConstraint("subject", name="uq_sso_mapping_subject"),
        UniqueConstraint("email", name="uq_sso_mapping_email"),
    )

    id: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(NFCString(255))
    email: Mapped[str | None] = mapped_column(NFCString(320))
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("unit.id", name="fk_sso_mapping_unit"), index=True
    )
    unit: Mapped[Unit | None] = relationship(Unit)
    roles: Mapped[list[Role]] = relationship(Role, secondary=sso_mapping_role)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    note: Mapped[str | None] = mapped_column(NFCText)
    changed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)

    def __repr__(self):
        return self.email or self.subject or ""
