"""Unit types and the unit tree (any depth; merged units point to their successor)."""

from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.models.decorators import renders
from sqlalchemy import Boolean, ForeignKey, Integer, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.text import vi_sort_key
from app.models.types import NFCString, SortKey


class UnitType(Model):
    __tablename__ = "unit_type"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(NFCString(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(NFCString(200), nullable=False)

    def __repr__(self):
        return self.name


class Unit(Model):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(NFCString(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(NFCString(255), nullable=False)
    # A sortable form of the name so lists order the Vietnamese way (Đ after D) in SQL.
    name_sort: Mapped[str] = mapped_column(SortKey(600), nullable=False, default="", index=True)
    unit_type_id: Mapped[int] = mapped_column(
        ForeignKey("unit_type.id"), nullable=False, index=True
    )
    unit_type: Mapped[UnitType] = relationship(UnitType)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    parent: Mapped[Optional["Unit"]] = relationship(
        "Unit", remote_side=[id], foreign_keys=[parent_id], backref="children"
    )
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    successor: Mapped[Optional["Unit"]] = relationship(
        "Unit", remote_side=[id], foreign_keys=[successor_id]
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def __repr__(self):
        return self.name

    @renders("name_sort")
    def sorted_name(self):
        """The name, for list columns: FAB sorts it by the Vietnamese sort key."""
        return self.name


@event.listens_for(Unit.name, "set", retval=False)
def _keep_sort_key(target, value, oldvalue, initiator):
    target.name_sort = vi_sort_key(value or "")
