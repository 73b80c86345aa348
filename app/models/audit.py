"""The change log (Nhật ký thay đổi): who changed which row, when, from what to what."""

import datetime

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.types import NFCString, NFCText
from app.models.users import AppUser


class AuditEvent(Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    user: Mapped[AppUser | None] = relationship(AppUser)
    action: Mapped[str] = mapped_column(NFCString(60), nullable=False)
    entity: Mapped[str] = mapped_column(NFCString(60), nullable=False)
    entity_id: Mapped[int | None] = mapped_column(Integer, index=True)
    old_value: Mapped[str | None] = mapped_column(NFCText)
    new_value: Mapped[str | None] = mapped_column(NFCText)
    reason: Mapped[str | None] = mapped_column(NFCText)
