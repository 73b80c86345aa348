"""Survey results (điều tra xã hội học) and each unit's computed result of a round."""

import datetime
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.criteria import Criterion, GradeBand
from app.models.rounds import Round
from app.models.types import NFCString, Points
from app.models.units import Unit
from app.models.users import AppUser

SURVEY_POINTS = "points"  # the file gives the points of the survey kind
SURVEY_PERCENT = "percent"  # the file gives a percentage of the kind's maximum
SURVEY_MODES = (SURVEY_POINTS, SURVEY_PERCENT)


class SurveyImport(Model):
    """One uploaded survey file of one kind; a new import of the kind replaces the old rows."""

    __tablename__ = "survey_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), nullable=False, index=True)
    round: Mapped[Round] = relationship(Round)
    kind: Mapped[str] = mapped_column(NFCString(40), nullable=False)
    mode: Mapped[str] = mapped_column(NFCString(8), nullable=False, default=SURVEY_POINTS)
    file_name: Mapped[str | None] = mapped_column(NFCString(255))
    rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    imported_by: Mapped[AppUser | None] = relationship(AppUser)
    imported_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)


class SurveyResult(Model):
    __tablename__ = "survey_result"
    __table_args__ = (UniqueConstraint("round_id", "unit_id", "kind", name="uq_survey_result"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), nullable=False, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    unit: Mapped[Unit] = relationship(Unit)
    kind: Mapped[str] = mapped_column(NFCString(40), nullable=False)
    # As typed in the file: points, or a percentage when the import's mode says so.
    value: Mapped[Decimal] = mapped_column(Points(), nullable=False)
    points: Mapped[Decimal] = mapped_column(Points(), nullable=False)
    import_id: Mapped[int] = mapped_column(ForeignKey("survey_import.id"), nullable=False)
    survey_import: Mapped[SurveyImport] = relationship(SurveyImport)


class UnitResult(Model):
    """A unit's result of a round, as app/domain/results.py computes it."""

    __tablename__ = "unit_result"
    __table_args__ = (UniqueConstraint("round_id", "unit_id", name="uq_unit_result"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), nullable=False, index=True)
    round: Mapped[Round] = relationship(Round)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    unit: Mapped[Unit] = relationship(Unit)
    self_total: Mapped[Decimal] = mapped_column(Points(), nullable=False, default=Decimal(0))
    approved_total: Mapped[Decimal] = mapped_column(Points(), nullable=False, default=Decimal(0))
    survey_points: Mapped[Decimal] = mapped_column(Points(), nullable=False, default=Decimal(0))
    bonus: Mapped[Decimal] = mapped_column(Points(), nullable=False, default=Decimal(0))
    penalty: Mapped[Decimal] = mapped_column(Points(), nullable=False, default=Decimal(0))
    # Points achieved (approved + survey + bonus - penalty) over the applicable maximum.
    total: Mapped[Decimal] = mapped_column(Points(), nullable=False, default=Decimal(0))
    applicable_max: Mapped[Decimal] = mapped_column(Points(), nullable=False, default=Decimal(0))
    index: Mapped[Decimal] = mapped_column(Points(), nullable=False, default=Decimal(0))
    grade_band_id: Mapped[int | None] = mapped_column(ForeignKey("grade_band.id"))
    grade_band: Mapped[GradeBand | None] = relationship(GradeBand)
    rank: Mapped[int | None] = mapped_column(Integer)
    previous_index: Mapped[Decimal | None] = mapped_column(Points())
    index_change: Mapped[Decimal | None] = mapped_column(Points())
    computed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)

    fields: Mapped[list["FieldResult"]] = relationship(
        "FieldResult", back_populates="unit_result", cascade="all, delete-orphan"
    )


class FieldResult(Model):
    """Points and component index of one field (lĩnh vực) in a unit's result."""

    __tablename__ = "field_result"
    __table_args__ = (UniqueConstraint("unit_result_id", "criterion_id", name="uq_field_result"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Looked up through uq_field_result (its leading column); on PostgreSQL the table is kept
    # half full for in-place recomputation (migration 0005).
    unit_result_id: Mapped[int] = mapped_column(
        ForeignKey("unit_result.id", ondelete="CASCADE"), nullable=False
    )
    unit_result: Mapped[UnitResult] = relationship(UnitResult, back_populates="fields")
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"), nullable=False)
    criterion: Mapped[Criterion] = relationship(Criterion)
    points: Mapped[Decimal] = mapped_column(Points(), nullable=False, default=Decimal(0))
    applicable_max: Mapped[Decimal] = mapped_column(Points(), nullable=False, default=Decimal(0))
    index: Mapped[Decimal | None] = mapped_column(Points())
