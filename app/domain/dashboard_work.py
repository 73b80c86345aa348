"""The dashboard's figures for the people doing the work (app/domain/dashboard.py has the
overview of the organiser, the council and the administrator):

- `unit_progress` (unit leader, unit staff): the unit's own sheet per round: lines scored,
  the user's own lines, what still stops submission, the deadline, the council's requests;
- `member_progress` (support member, appraiser, team leader): the lines to do and done per
  round (app/domain/appraisal_work.py), the deadline, and for a team leader the round's
  coverage gaps.

A fixed number of queries per round (never per unit or line).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import or_, select, tuple_

from app.domain.appraisal_work import WorkItem
from app.domain.appraisal_work import _count as count_line
from app.domain.assignees import LineAssignees, winner
from app.domain.clock import utcnow
from app.domain.dashboard import (
    TEAM_WINDOWS,
    UNIT_WINDOWS,
    WORKING_PHASES,
    RoundOverview,
    WindowStatus,
    line_pass,
    rounds_query,
    window_status,
)
from app.domain.self_assessment import missing_in_sheet
from app.domain.sheet import load_sheet
from app.models.appraisal import (
    ASSIGN_APPRAISER,
    ASSIGN_SUPPORT,
    MEMBER_LEADER,
    AppraisalTeam,
    Assignment,
    TeamMember,
)
from app.models.criteria import RULE_SURVEY, Criterion
from app.models.rounds import Round
from app.models.scoring import STATUS_SUBMITTED, Assessment, ScoreLine
from app.models.supplement import REQUEST_CLOSED, SupplementRequest
from app.models.units import Unit

MISSING_SHOWN = 10  # missing items listed on a unit's dashboard (the sheet lists them all)

# --- a unit's sheets -----------------------------------------------------------------------------


@dataclass
class RequestItem:
    """A council request on one of the unit's lines that is not closed yet."""

    id: int
    line_id: int
    code: str
    title: str
    reason: str
    status: str
    requested_at: object


@dataclass
class UnitProgress:
    round: Round
    assessment: Assessment
    lines_total: int = 0  # applicable lines the unit scores (survey lines left out)
    lines_scored: int = 0
    missing_evidence: int = 0
    mine_total: int = 0  # lines the user prepares (assigned inside the unit)
    mine_scored: int = 0
    missing: list = field(default_factory=list)  # first MISSING_SHOWN (line, reason)
    missing_count: int = 0
    requests: list = field(default_factory=list)  # of RequestItem
    window: WindowStatus | None = None

    @property
    def submitted(self):
        return self.assessment.status == STATUS_SUBMITTED

    @property
    def percent(self):
        return round(100 * self.lines_scored / self.lines_total) if self.lines_total else 0


def _unit_requests(session, assessment_ids):
    """{assessment id: [RequestItem]} of the requests not closed yet, oldest first: one query."""
    found = defaultdict(list)
    if not assessment_ids:
        return found
    rows = session.execute(
        select(
            ScoreLine.assessment_id,
            SupplementRequest.id,
            ScoreLine.id,
            Criterion.code,
            Criterion.title,
            SupplementRequest.reason,
            SupplementRequest.status,
            SupplementRequest.requested_at,
        )  # fmt: skip
        .select_from(SupplementRequest)
        .join(ScoreLine, SupplementRequest.score_line_id == ScoreLine.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .where(
            ScoreLine.assessment_id.in_(assessment_ids),
            SupplementRequest.status != REQUEST_CLOSED,
        )
        .order_by(SupplementRequest.id)
    )
    for assessment_id, *values in rows:
        found[assessment_id].append(RequestItem(*values))
    return found


def unit_progress(session, user, rounds, now=None):
    """[UnitProgress] of the user's unit in `rounds` (only rounds it takes part in): its
    own sheet only, whatever else the user's roles see. One query for the assessments, one
    for the requests, then the sheet (two queries) per round."""
    now = now or utcnow()
    unit_id = getattr(user, "unit_id", None)
    if unit_id is None or not rounds:
        return []
    by_round = {r.id: r for r in rounds}
    assessments = (
        session.query(Assessment)
        .filter(Assessment.unit_id == unit_id, Assessment.round_id.in_(list(by_round)))
        .all()
    )
    requests = _unit_requests(session, [a.id for a in assessments])
    found = []
    for assessment in assessments:
        round_ = by_round[assessment.round_id]
        sheet = load_sheet(session, assessment)
        missing = missing_in_sheet(sheet)
        progress = UnitProgress(
            round_, assessment, sheet.lines_total, sheet.lines_scored,
            sheet.lines_missing_evidence, missing=missing[:MISSING_SHOWN],
            missing_count=len(missing), requests=requests.get(assessment.id, []),
            window=window_status(round_, unit_id, now, UNIT_WINDOWS),
        )  # fmt: skip
        for row in sheet.rows:
            line = row.line
            if line is None or line.preparer_id != user.id or line.not_applicable:
                continue
            if row.criterion.rule == RULE_SURVEY:
                continue
            progress.mine_total += 1
            progress.mine_scored += line.self_points is not None
        found.append(progress)
    found.sort(key=lambda p: (-p.round.year, -p.round.id))
    return found


# --- a team member's work ------------------------------------------------------------------------


@dataclass
class Work:
    done: int = 0
    total: int = 0

    @property
    def left(self):
        return self.total - self.done


@dataclass
class MemberProgress:
    round: Round
    support: Work = field(default_factory=Work)  # lines I score (step 2)
    appraisal: Work = field(default_factory=Work)  # lines I appraise (step 3)
    approval: Work = field(default_factory=Work)  # lines my team decides (step 4)
    waiting: int = 0  # appraised, waiting for my approval
    items: list = field(default_factory=list)  # appraisal_work.WorkItem per unit, work left first
    leads: bool = False
    gaps: int | None = None  # coverage gaps of the round, for its team leaders
    window: WindowStatus | None = None

    @property
    def left(self):
        return self.support.left + self.appraisal.left + self.waiting


@dataclass(frozen=True)
class _Holder:
    """Who holds a line for one kind of work: what appraisal_work's counting reads of an
    Assignment (its user and team), without loading Assignment rows."""

    user_id: int
    team_id: int


def _work_items(session, user_id, led_teams):
    """[appraisal_work.WorkItem] of the user in the rounds under way: counted by
    appraisal_work's own rule (`_count`, as "my work" counts), on rows read as plain tuples
    in five queries for every round together (the pairs, rounds, units, assignments and
    lines), where my_work loads every assignment of each round as an object."""
    clause = Assignment.user_id == user_id
    if led_teams:
        clause = or_(clause, Assignment.team_id.in_(led_teams))
    mine = (
        select(Assignment.round_id, Assignment.unit_id)
        .join(Round, Assignment.round_id == Round.id)
        .where(clause, Round.phase.in_(WORKING_PHASES))
        .distinct()
    )
    pairs = session.execute(mine).all()
    if not pairs:
        return []
    rounds = {r.id: r for r in rounds_query(session).filter(Round.id.in_({r for r, _u in pairs}))}
    units = {u.id: u for u in session.query(Unit).filter(Unit.id.in_(mine.with_only_columns(
        Assignment.unit_id)))}  # fmt: skip
    held = defaultdict(dict)  # (round, unit, kind) -> {code: _Holder}
    for round_id, unit_id, kind, code, team_id, holder_id in session.execute(
        select(
            Assignment.round_id,
            Assignment.unit_id,
            Assignment.kind,
            Criterion.code,
            Assignment.team_id,
            Assignment.user_id,
        )  # fmt: skip
        .join(Criterion, Assignment.criterion_id == Criterion.id)
        .where(tuple_(Assignment.round_id, Assignment.unit_id).in_(mine))
    ):
        held[(round_id, unit_id, kind)][code] = _Holder(holder_id, team_id)
    items = {}
    for round_id, unit_id, assessment_id, code, state in session.execute(
        select(
            Assessment.round_id,
            Assessment.unit_id,
            Assessment.id,
            Criterion.code,
            ScoreLine.appraisal_state,
        )  # fmt: skip
        .select_from(ScoreLine)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .where(
            tuple_(Assessment.round_id, Assessment.unit_id).in_(mine),
            Criterion.rule != RULE_SURVEY,
            ScoreLine.not_applicable.is_(False),
        )
    ):
        assignees = LineAssignees(
            winner(held.get((round_id, unit_id, ASSIGN_SUPPORT), {}), code),
            winner(held.get((round_id, unit_id, ASSIGN_APPRAISER), {}), code),
        )
        item = items.get((round_id, unit_id))
        if item is None:
            item = items[(round_id, unit_id)] = WorkItem(rounds[round_id], units[unit_id],
                                                         assessment_id)  # fmt: skip
        count_line(item, assignees, state, user_id, led_teams)
    return [i for i in items.values() if i.support.total or i.appraisal.total or i.approval.total]


def member_progress(session, user, now=None):
    """[MemberProgress] per round under way of the user's appraisal work, newest round
    first: the lines to score, appraise and approve and how many are done (counted as "my
    work" counts them, app/domain/appraisal_work.py), the current window, and for the rounds
    where the user leads a team the coverage gaps. A fixed number of queries whatever the
    number of rounds, units and lines."""
    now = now or utcnow()
    user_id = getattr(user, "id", None)
    led_teams = {
        team_id
        for (team_id,) in session.query(TeamMember.team_id).filter(
            TeamMember.user_id == user_id, TeamMember.role == MEMBER_LEADER
        )
    }
    per_round = {}
    for item in _work_items(session, user_id, led_teams):
        progress = per_round.get(item.round.id)
        if progress is None:
            progress = per_round[item.round.id] = MemberProgress(item.round)
        for name in ("support", "appraisal", "approval"):
            mine, theirs = getattr(progress, name), getattr(item, name)
            mine.total += theirs.total
            mine.done += theirs.done
        progress.waiting += item.waiting
        progress.items.append(item)
    led = {
        round_id
        for (round_id,) in session.query(AppraisalTeam.round_id).filter(
            AppraisalTeam.id.in_(led_teams)
        )
    }
    missing = [i for i in led if i not in per_round]
    if missing:
        for round_ in rounds_query(session).filter(Round.id.in_(missing)):
            per_round[round_.id] = MemberProgress(round_)
    led_overviews = {i: RoundOverview(per_round[i].round) for i in led if i in per_round}
    if led_overviews:
        line_pass(session, led_overviews)
    for round_id, progress in per_round.items():
        progress.items.sort(key=lambda i: -i.left)
        progress.window = window_status(progress.round, None, now, TEAM_WINDOWS)
        if round_id in led_overviews:
            progress.leads, progress.gaps = True, led_overviews[round_id].gaps
    return sorted(per_round.values(), key=lambda p: (-p.round.year, -p.round.id))
