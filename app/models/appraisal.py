"""Appraisal teams (Tổ thẩm định) with their members, and the council (Hội đồng thẩm định)."""

import datetime

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.criteria import Criterion
from app.models.rounds import Round
from app.models.types import NFCString
from app.models.units import Unit
from app.models.users import AppUser

MEMBER_LEADER = "leader"
MEMBER_APPRAISER = "appraiser"
MEMBER_SUPPORT = "support"
MEMBER_ROLES = (MEMBER_LEADER, MEMBER_APPRAISER, MEMBER_SUPPORT)


class AppraisalTeam(Model):
    __tablename__ = "appraisal_team"
    __table_args__ = (UniqueConstraint("round_id", "name", name="uq_team_round_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), nullable=False, index=True)
    round: Mapped[Round] = relationship(Round)
    name: Mapped[str] = mapped_column(NFCString(255), nullable=False)
    members: Mapped[list["TeamMember"]] = relationship(
        "TeamMember", back_populates="team", cascade="all, delete-orphan"
    )

    def __repr__(self):
        return self.name


class TeamMember(Model):
    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_team_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(
        ForeignKey("appraisal_team.id"), nullable=False, index=True
    )
    team: Mapped[AppraisalTeam] = relationship(AppraisalTeam, back_populates="members")
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    user: Mapped[AppUser] = relationship(AppUser)
    role: Mapped[str] = mapped_column(NFCString(16), nullable=False, default=MEMBER_APPRAISER)

    def __repr__(self):
        return f"{self.user} ({self.role})"


class CouncilMember(Model):
    __tablename__ = "council_member"
    __table_args__ = (UniqueConstraint("round_id", "user_id", name="uq_council_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), nullable=False, index=True)
    round: Mapped[Round] = relationship(Round)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    user: Mapped[AppUser] = relationship(AppUser)
    position: Mapped[str] = mapped_column(NFCString(100), nullable=False, default="")

    def __repr__(self):
        return f"{self.user}"


ASSIGN_SUPPORT = "support"
ASSIGN_APPRAISER = "appraiser"
ASSIGNMENT_KINDS = (ASSIGN_SUPPORT, ASSIGN_APPRAISER)


class Assignment(Model):
    """Step 1 (phân công chấm điểm): one unit's subtree of the framework (a field, criterion or
    sub-criterion and everything under it) given to a team member, to score (support) or to
    appraise. Where two assignments of one kind cover a line, the one nearer the line wins."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("round_id", "unit_id", "criterion_id", "kind", name="uq_assignment"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), nullable=False, index=True)
    round: Mapped[Round] = relationship(Round)
    team_id: Mapped[int] = mapped_column(ForeignKey("appraisal_team.id"), nullable=False)
    team: Mapped[AppraisalTeam] = relationship(AppraisalTeam)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    unit: Mapped[Unit] = relationship(Unit)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"), nullable=False)
    criterion: Mapped[Criterion] = relationship(Criterion)
    kind: Mapped[str] = mapped_column(NFCString(12), nullable=False, default=ASSIGN_SUPPORT)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    user: Mapped[AppUser] = relationship(AppUser, foreign_keys=[user_id])
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    assigned_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)

    def __repr__(self):
        return f"{self.unit} · {self.criterion.code if self.criterion else ''} → {self.user}"
