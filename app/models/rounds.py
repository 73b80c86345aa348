"""Assessment rounds (Đợt đánh giá): framework, participating units, windows and phase."""

import datetime

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.criteria import Framework
from app.models.types import NFCString, NFCText
from app.models.units import Unit

# Phases in the order a round goes through them (app/domain/rounds.py moves between them).
PHASE_DRAFT = "draft"
PHASE_SELF = "self_assessment"
PHASE_APPRAISAL = "appraisal"
PHASE_SUPPLEMENT = "supplement"
PHASE_VERIFICATION = "verification"
PHASE_FINALISED = "finalised"
PHASE_PUBLISHED = "published"
PHASES = (
    PHASE_DRAFT,
    PHASE_SELF,
    PHASE_APPRAISAL,
    PHASE_SUPPLEMENT,
    PHASE_VERIFICATION,
    PHASE_FINALISED,
    PHASE_PUBLISHED,
)

round_unit = Table(
    "round_unit",
    Model.metadata,
    Column("round_id", Integer, ForeignKey("round.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", Integer, ForeignKey("unit.id"), primary_key=True),
)


class Round(Model):
    __tablename__ = "round"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(NFCString(255), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("framework.id"), nullable=False, index=True
    )
    framework: Mapped[Framework] = relationship(Framework)
    organiser_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    organiser_unit: Mapped[Unit] = relationship(Unit, foreign_keys=[organiser_unit_id])
    units: Mapped[list[Unit]] = relationship(Unit, secondary=round_unit)
    phase: Mapped[str] = mapped_column(NFCString(20), nullable=False, default=PHASE_DRAFT)
    # A manual lock on the current phase, on top of the windows.
    locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Windows, stored in UTC; shown and typed in the configured time zone.
    self_start: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    self_end: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    appraisal_start: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    appraisal_end: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    supplement_start: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    supplement_end: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    opened_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    # The council's verification (thẩm tra) and finalisation, then the publication.
    verified_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    finalised_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    results_computed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    note: Mapped[str | None] = mapped_column(NFCText)

    def __repr__(self):
        return self.name


WINDOW_SELF = "self"
WINDOW_APPRAISAL = "appraisal"
WINDOW_SUPPLEMENT = "supplement"
WINDOW_KINDS = (WINDOW_SELF, WINDOW_APPRAISAL, WINDOW_SUPPLEMENT)


class WindowGrant(Model):
    """An extension or reopening of a window, for one unit (or all when empty), until a time."""

    __tablename__ = "window_grant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), nullable=False, index=True)
    round: Mapped[Round] = relationship(Round, backref="grants")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    unit: Mapped[Unit | None] = relationship(Unit)
    window: Mapped[str] = mapped_column(NFCString(12), nullable=False, default=WINDOW_SELF)
    until: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False)
    reason: Mapped[str] = mapped_column(NFCText, nullable=False)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    granted_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
