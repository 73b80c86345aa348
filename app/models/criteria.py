"""Criteria frameworks (Bộ tiêu chí), their criteria tree, scoring-rule details and grade bands."""

import datetime
from decimal import Decimal
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.types import NFCString, NFCText, Points, SortKey
from app.models.units import UnitType

# Scoring rule kinds; app/domain/scoring.py gives each its meaning.
RULE_NUMBER = "number"
RULE_CHOICE = "choice"
RULE_TIERS = "tiers"
RULE_DEDUCTION = "deduction"
RULE_BONUS = "bonus"
RULE_PENALTY = "penalty"
RULE_SURVEY = "survey"
RULE_KINDS = (
    RULE_NUMBER,
    RULE_CHOICE,
    RULE_TIERS,
    RULE_DEDUCTION,
    RULE_BONUS,
    RULE_PENALTY,
    RULE_SURVEY,
)


class Framework(Model):
    __tablename__ = "framework"
    __table_args__ = (UniqueConstraint("code", name="uq_framework_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(NFCString(40), nullable=False)
    name: Mapped[str] = mapped_column(NFCString(255), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    unit_type_id: Mapped[int] = mapped_column(ForeignKey("unit_type.id"), nullable=False)
    unit_type: Mapped[UnitType] = relationship(UnitType)
    legal_basis: Mapped[str | None] = mapped_column(NFCText)
    max_points: Mapped[Decimal] = mapped_column(Points(), nullable=False, default=Decimal("100"))
    frozen: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    frozen_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("framework.id"))

    criteria: Mapped[list["Criterion"]] = relationship(
        "Criterion", back_populates="framework", cascade="all, delete-orphan"
    )
    grade_bands: Mapped[list["GradeBand"]] = relationship(
        "GradeBand", back_populates="framework", cascade="all, delete-orphan"
    )

    def __repr__(self):
        return f"{self.name} ({self.year})"


class Criterion(Model):
    """A node of the tree: field (lĩnh vực) > criterion (tiêu chí) > sub-criterion, any depth."""

    __tablename__ = "criterion"
    __table_args__ = (UniqueConstraint("framework_id", "code", name="uq_criterion_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("framework.id"), nullable=False, index=True
    )
    framework: Mapped[Framework] = relationship(Framework, back_populates="criteria")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("criterion.id"), index=True)
    parent: Mapped[Optional["Criterion"]] = relationship(
        "Criterion", remote_side=[id], back_populates="children"
    )
    children: Mapped[list["Criterion"]] = relationship("Criterion", back_populates="parent")
    code: Mapped[str] = mapped_column(NFCString(40), nullable=False)
    # "1.10" after "1.9": a zero-padded form of the code, kept in step by the domain.
    sort_key: Mapped[str] = mapped_column(SortKey(200), nullable=False, default="", index=True)
    title: Mapped[str] = mapped_column(NFCText, nullable=False)
    max_points: Mapped[Decimal] = mapped_column(Points(), nullable=False, default=Decimal("0"))
    rule: Mapped[str] = mapped_column(NFCString(16), nullable=False, default=RULE_NUMBER)
    step: Mapped[Decimal | None] = mapped_column(Points())
    per_occurrence: Mapped[Decimal | None] = mapped_column(Points())
    floor: Mapped[Decimal | None] = mapped_column(Points())
    allow_not_applicable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    evidence_required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    guidance: Mapped[str | None] = mapped_column(NFCText)
    # Survey lines: which survey gives their points (e.g. "sipas", "officials").
    survey_kind: Mapped[str | None] = mapped_column(NFCString(40))

    options: Mapped[list["CriterionOption"]] = relationship(
        "CriterionOption",
        back_populates="criterion",
        cascade="all, delete-orphan",
        order_by="CriterionOption.position",
    )
    tiers: Mapped[list["CriterionTier"]] = relationship(
        "CriterionTier",
        back_populates="criterion",
        cascade="all, delete-orphan",
        order_by="CriterionTier.min_percent.desc()",
    )

    @property
    def depth(self):
        return self.code.count(".")

    def __repr__(self):
        return f"{self.code} {self.title}"


class CriterionOption(Model):
    """One fixed choice of a `choice` rule: e.g. "dung_han" -> 1 point."""

    __tablename__ = "criterion_option"
    __table_args__ = (UniqueConstraint("criterion_id", "key", name="uq_option_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("criterion.id"), nullable=False, index=True
    )
    criterion: Mapped[Criterion] = relationship(Criterion, back_populates="options")
    key: Mapped[str] = mapped_column(NFCString(40), nullable=False)
    label: Mapped[str] = mapped_column(NFCString(255), nullable=False)
    points: Mapped[Decimal] = mapped_column(Points(), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    def __repr__(self):
        return f"{self.label} ({self.points})"


class CriterionTier(Model):
    """One tier of a `tiers` rule: from `min_percent` up, the line earns `points`."""

    __tablename__ = "criterion_tier"
    __table_args__ = (UniqueConstraint("criterion_id", "min_percent", name="uq_tier_min"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("criterion.id"), nullable=False, index=True
    )
    criterion: Mapped[Criterion] = relationship(Criterion, back_populates="tiers")
    min_percent: Mapped[Decimal] = mapped_column(Points(), nullable=False)
    points: Mapped[Decimal] = mapped_column(Points(), nullable=False)

    def __repr__(self):
        return f">= {self.min_percent}% -> {self.points}"


class GradeBand(Model):
    """A grade (Xuất sắc, Tốt, ...) from `min_index` up, unless a field is under `field_floor`."""

    __tablename__ = "grade_band"
    __table_args__ = (UniqueConstraint("framework_id", "name", name="uq_grade_band_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("framework.id"), nullable=False, index=True
    )
    framework: Mapped[Framework] = relationship(Framework, back_populates="grade_bands")
    name: Mapped[str] = mapped_column(NFCString(60), nullable=False)
    min_index: Mapped[Decimal] = mapped_column(Points(), nullable=False)
    field_floor: Mapped[Decimal | None] = mapped_column(Points())
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    def __repr__(self):
        return self.name
