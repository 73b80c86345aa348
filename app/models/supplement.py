"""The council's requests for supplements (yêu cầu bổ sung) on single lines of a unit."""

import datetime

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.rounds import Round
from app.models.scoring import ScoreLine
from app.models.types import NFCString, NFCText
from app.models.users import AppUser

REQUEST_OPEN = "open"  # the unit may add evidence or explanations to the line
REQUEST_ANSWERED = "answered"  # the unit answered; the team appraises the line again
REQUEST_CLOSED = "closed"  # the line was approved again
REQUEST_STATES = (REQUEST_OPEN, REQUEST_ANSWERED, REQUEST_CLOSED)


class SupplementRequest(Model):
    __tablename__ = "supplement_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), nullable=False, index=True)
    round: Mapped[Round] = relationship(Round)
    score_line_id: Mapped[int] = mapped_column(
        ForeignKey("score_line.id"), nullable=False, index=True
    )
    score_line: Mapped[ScoreLine] = relationship(ScoreLine, backref="supplement_requests")
    reason: Mapped[str] = mapped_column(NFCText, nullable=False)
    status: Mapped[str] = mapped_column(NFCString(12), nullable=False, default=REQUEST_OPEN)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    requested_by: Mapped[AppUser | None] = relationship(AppUser, foreign_keys=[requested_by_id])
    requested_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    # What the unit wrote back (its evidence goes on the line with phase "supplement").
    response: Mapped[str | None] = mapped_column(NFCText)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    responded_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)

    def __repr__(self):
        return self.reason
