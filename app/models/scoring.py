"""Assessments (one per round and unit) and their score lines (one per leaf criterion)."""

import datetime
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.criteria import Criterion
from app.models.rounds import Round
from app.models.types import NFCString, NFCText, Points
from app.models.units import Unit

STATUS_DRAFT = "draft"
STATUS_SUBMITTED = "submitted"

# Where a line is in the appraisal (steps 2 to 4); app/domain/appraisal.py moves it.
APPRAISAL_PENDING = "pending"  # nobody of the team has scored it yet
APPRAISAL_SCORED = "scored"  # step 2 done: the support member's score
APPRAISAL_APPRAISED = "appraised"  # step 3 done: the appraiser accepted or adjusted it
APPRAISAL_APPROVED = "approved"  # step 4 done: the team leader approved it; frozen
APPRAISAL_RETURNED = "returned"  # the team leader sent it back with a comment
APPRAISAL_STATES = (
    APPRAISAL_PENDING,
    APPRAISAL_SCORED,
    APPRAISAL_APPRAISED,
    APPRAISAL_APPROVED,
    APPRAISAL_RETURNED,
)
CYCLE_FIRST = 1  # thẩm định lần đầu
CYCLE_SUPPLEMENT = 2  # thẩm định bổ sung, on the council's requests only


class Assessment(Model):
    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("round_id", "unit_id", name="uq_assessment_round_unit"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), nullable=False, index=True)
    round: Mapped[Round] = relationship(Round)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    unit: Mapped[Unit] = relationship(Unit)
    status: Mapped[str] = mapped_column(NFCString(20), nullable=False, default=STATUS_DRAFT)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    submitted_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)

    lines: Mapped[list["ScoreLine"]] = relationship("ScoreLine", back_populates="assessment")

    def __repr__(self):
        return f"{self.unit} - {self.round}"


class ScoreLine(Model):
    __tablename__ = "score_line"
    __table_args__ = (
        UniqueConstraint("assessment_id", "criterion_id", name="uq_score_line_criterion"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Looked up through uq_score_line_criterion (its leading column). On PostgreSQL pages
    # keep room for an autosave's new row version (migration 0005).
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), nullable=False)
    assessment: Mapped[Assessment] = relationship(Assessment, back_populates="lines")
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("criterion.id"), nullable=False, index=True
    )
    criterion: Mapped[Criterion] = relationship(Criterion)
    # What the unit typed (an option key, a percentage, a count) and the points it is worth.
    self_input: Mapped[str | None] = mapped_column(NFCString(40))
    self_points: Mapped[Decimal | None] = mapped_column(Points())
    explanation: Mapped[str | None] = mapped_column(NFCText)
    not_applicable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    not_applicable_reason: Mapped[str | None] = mapped_column(NFCText)
    preparer_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    # The appraisal keeps every value beside the others (the change log keeps each one it
    # replaced): support score (step 2), appraised score (step 3), approved score (step 4).
    support_input: Mapped[str | None] = mapped_column(NFCString(40))
    support_points: Mapped[Decimal | None] = mapped_column(Points())
    support_comment: Mapped[str | None] = mapped_column(NFCText)
    support_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    support_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    appraised_input: Mapped[str | None] = mapped_column(NFCString(40))
    appraised_points: Mapped[Decimal | None] = mapped_column(Points())
    appraisal_comment: Mapped[str | None] = mapped_column(NFCText)
    appraised_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    appraised_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    # Survey lines get their approved points from the survey import, not from the team.
    approved_points: Mapped[Decimal | None] = mapped_column(Points())
    approval_comment: Mapped[str | None] = mapped_column(NFCText)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    approved_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    appraisal_state: Mapped[str] = mapped_column(
        NFCString(12), nullable=False, default=APPRAISAL_PENDING, index=True
    )
    appraisal_cycle: Mapped[int] = mapped_column(Integer, nullable=False, default=CYCLE_FIRST)

    __mapper_args__ = {"version_id_col": version}


EVIDENCE_FILE = "file"
EVIDENCE_LINK = "link"
PHASE_INITIAL = "initial"
PHASE_SUPPLEMENT = "supplement"


class Evidence(Model):
    """A scanned or signed document (stored by content hash) or a link, on one score line."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    score_line_id: Mapped[int] = mapped_column(
        ForeignKey("score_line.id"), nullable=False, index=True
    )
    score_line: Mapped[ScoreLine] = relationship(ScoreLine, backref="evidence")
    kind: Mapped[str] = mapped_column(NFCString(8), nullable=False, default=EVIDENCE_FILE)
    phase: Mapped[str] = mapped_column(NFCString(12), nullable=False, default=PHASE_INITIAL)
    # The name as the user's computer had it, Vietnamese diacritics included, for display only.
    original_name: Mapped[str | None] = mapped_column(NFCString(255))
    sha256: Mapped[str | None] = mapped_column(NFCString(64), index=True)
    size: Mapped[int | None] = mapped_column(Integer)
    mime_type: Mapped[str | None] = mapped_column(NFCString(60))
    url: Mapped[str | None] = mapped_column(NFCText)
    signed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    uploaded_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)

    def __repr__(self):
        return self.original_name or self.url or ""
