"""Survey results (điều tra xã hội học) and each unit's computed result of a round."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.criteria import GradeBand
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
    # Each field's (top-level criterion's) points, applicable maximum and component index,
    # stored in the unit's row: {"<criterion id>": ["8.50", "10.00", "85.00" or null]}.
    # Written by the computation with the other figures, in the same statement; `fields`
    # reads it. One row per unit keeps a national computation to 3,321 rows (not 36,531,
    # each with foreign keys to check); as few bytes as can be, they are written each time.
    # Deferred: it is most of a row's width, and the lists sort all of a round's rows for
    # one page of them; the readers ask for it (`undefer`, or by id for the page's rows).
    field_figures: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict, deferred=True)

    @property
    def fields(self):
        """{field (criterion) id: FieldFigures}, exact Decimals."""
        return decode_fields(self.field_figures)


@dataclass(frozen=True)
class FieldFigures:
    """Points and component index of one field (lĩnh vực) in a unit's result."""

    points: Decimal
    applicable_max: Decimal
    index: Decimal | None


def field_entry(points, applicable_max, index):
    """One field's figures as `UnitResult.field_figures` stores them: Decimals or their
    text, stored as text (exact, whatever the database's JSON does with numbers)."""
    return [str(points), str(applicable_max), None if index is None else str(index)]


def encode_fields(figures):
    """{criterion id: FieldFigures} as `UnitResult.field_figures` stores it."""
    return {
        str(criterion_id): field_entry(f.points, f.applicable_max, f.index)
        for criterion_id, f in figures.items()
    }


def index_sums(stored_figures):
    """{field id: (sum of its component indexes in hundredths, how many units have one)}
    over several units' `field_figures`: the exact parts of a mean index per field."""
    sums = {}
    for stored in stored_figures:
        for field_id, figures in decode_fields(stored).items():
            hundredths, count = sums.get(field_id, (0, 0))
            if figures.index is not None:
                hundredths, count = hundredths + int(figures.index.scaleb(2)), count + 1
            sums[field_id] = (hundredths, count)
    return sums


def decode_fields(stored):
    """`encode_fields` reversed."""
    return {
        int(key): FieldFigures(
            Decimal(points), Decimal(maximum), None if index is None else Decimal(index)
        )
        for key, (points, maximum, index) in (stored or {}).items()
    }  # fmt: skip
