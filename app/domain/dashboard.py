"""The figures of the home page after login (the dashboard), per role.

- `working_rounds`: the rounds under way the user works on (organiser: the rounds its unit
  organises; council: the rounds it sits on; admin: all; unit accounts: their unit's).
- `round_overviews` (organiser, admin, council): per round, units submitted / total, lines
  held by each appraisal team and how many are scored, appraised, approved, lines nobody
  holds, coverage gaps (lines still without a support member or an appraiser, as the
  coverage screen counts them), supplement requests not closed, the current window.
- `unit_progress`, `member_progress` (unit accounts, team members): app/domain/dashboard_work.py;
  the results' charts: app/domain/dashboard_results.py.
- `window_status`: which window of a round is current for a unit, and the time left in it,
  to the minute (windows.py decides; grants included).

Every figure comes from a fixed number of set-based queries: the lines of all rounds at once,
the assignments of all rounds at once, counts grouped in SQL; who holds a line is resolved in
memory the way the sheets resolve it (the most specific assignment wins, assignees.winner).
The number of queries never grows with the number of units, lines or teams.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.domain import membership, policy
from app.domain.assignees import winner
from app.domain.clock import utcnow
from app.domain.windows import bounds, deadline, grant_until
from app.models.appraisal import (
    ASSIGN_APPRAISER,
    ASSIGN_SUPPORT,
    AppraisalTeam,
    Assignment,
    CouncilMember,
    TeamMember,
)
from app.models.criteria import RULE_SURVEY, Criterion
from app.models.rounds import (
    PHASE_APPRAISAL,
    PHASE_SELF,
    PHASE_SUPPLEMENT,
    WINDOW_APPRAISAL,
    WINDOW_SELF,
    WINDOW_SUPPLEMENT,
    Round,
    round_unit,
)
from app.models.scoring import (
    APPRAISAL_APPRAISED,
    APPRAISAL_APPROVED,
    APPRAISAL_SCORED,
    STATUS_SUBMITTED,
    Assessment,
    ScoreLine,
)
from app.models.supplement import REQUEST_ANSWERED, REQUEST_CLOSED, REQUEST_OPEN, SupplementRequest
from app.security import roles

# The phases whose work the dashboard follows (before: draft; after: the results).
WORKING_PHASES = (PHASE_SELF, PHASE_APPRAISAL, PHASE_SUPPLEMENT, "verification", "finalised")
# A phase's window and the ones after it, in the order a round goes through them.
_WINDOWS_FROM = {
    PHASE_SELF: (WINDOW_SELF, WINDOW_APPRAISAL, WINDOW_SUPPLEMENT),
    PHASE_APPRAISAL: (WINDOW_APPRAISAL, WINDOW_SUPPLEMENT),
    PHASE_SUPPLEMENT: (WINDOW_SUPPLEMENT,),
}
_SCORED = (APPRAISAL_SCORED, APPRAISAL_APPRAISED, APPRAISAL_APPROVED)
_APPRAISED = (APPRAISAL_APPRAISED, APPRAISAL_APPROVED)

OPEN, UPCOMING, CLOSED, LOCKED = "open", "upcoming", "closed", "locked"
UNIT_WINDOWS = (WINDOW_SELF, WINDOW_SUPPLEMENT)  # the windows a unit works in
TEAM_WINDOWS = (WINDOW_APPRAISAL, WINDOW_SUPPLEMENT)  # the windows a team member works in


# --- windows -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowStatus:
    """Where a round's current window stands for a unit (or for all units: unit_id None).

    state: "open" (until `at`, `seconds_left` to go), "upcoming" (opens at `at`), "closed"
    (closed at `at`) or "locked" (the organiser locked the phase). `extended`: an
    extension (grant) keeps it open past the window's own end."""

    window: str
    state: str
    at: object  # naive UTC
    seconds_left: float | None = None
    extended: bool = False

    @property
    def minutes_left(self):
        """Whole minutes left (the deadline lock works to the minute), None unless open."""
        if self.seconds_left is None:
            return None
        return max(int(self.seconds_left // 60), 0)


def window_status(round_, unit_id=None, now=None, kinds=None):
    """The current window of `round_` for `unit_id` at `now` (WindowStatus), or None when the
    round's phase has no window (draft, verification, finalised, published) or none is set.

    Among `kinds` (default all: a unit works in the self-assessment and supplement windows,
    a team member in the appraisal and supplement windows): the first window open now (its
    own times or a live extension, whatever the phase: an extension of the self-assessment
    lets a unit score during the appraisal); else, from the phase's own window on, the next
    one to open, else the last one that has closed. The round's grants must be loaded (or
    loadable)."""
    now = now or utcnow()
    if round_.phase not in _WINDOWS_FROM:
        return None
    every = tuple(w for w in _WINDOWS_FROM[PHASE_SELF] if kinds is None or w in kinds)
    for window in every:
        start, end = bounds(round_, window)
        granted = grant_until(round_, window, unit_id, now)
        if granted or (start is not None and end is not None and start <= now < end):
            if round_.locked:
                return WindowStatus(window, LOCKED, end)
            until = deadline(round_, window, unit_id, now)
            extended = end is not None and until > end
            return WindowStatus(window, OPEN, until, (until - now).total_seconds(), extended)
    windows = tuple(w for w in _WINDOWS_FROM[round_.phase] if w in every)
    for window in windows:
        start, _end = bounds(round_, window)
        if start is not None and now < start:
            return WindowStatus(window, UPCOMING, start)
    for window in reversed(every):
        end = deadline(round_, window, unit_id, now)
        if end is not None and end <= now:
            return WindowStatus(window, CLOSED, end)
    return None


def format_minutes(minutes):
    """A time left as Vietnamese write it, to the minute: "2 ngày 3 giờ 5 phút"."""
    if minutes is None:
        return ""
    if minutes < 1:
        return _("less than a minute")
    days, rest = divmod(int(minutes), 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(count)s days", count=days))
    if hours:
        parts.append(_("%(count)s hours", count=hours))
    if mins:
        parts.append(_("%(count)s minutes", count=mins))
    return " ".join(parts)


# --- the rounds a user works on ------------------------------------------------------------------


def rounds_query(session):
    return (
        session.query(Round)
        .options(selectinload(Round.grants))
        .filter(Round.phase.in_(WORKING_PHASES))
        .order_by(Round.year.desc(), Round.id.desc())
    )


def working_rounds(session, user):
    """The rounds under way (self-assessment to finalised) that `user` works on, newest first:
    admin all; organiser those of its unit; council those whose council it sits on; unit
    accounts those their unit takes part in; appraisal accounts those of their teams."""
    names = policy.role_names(user)
    query = policy.scope(user, Round, rounds_query(session), session)
    if roles.ADMIN in names:
        return query.all()
    clauses = []
    if roles.ORGANISER in names and getattr(user, "unit_id", None) is not None:
        clauses.append(Round.organiser_unit_id == user.unit_id)
    if roles.COUNCIL in names:
        council = select(CouncilMember.round_id).where(CouncilMember.user_id == user.id)
        clauses.append(Round.id.in_(council))
    if names & membership.APPRAISAL_ROLES:
        teams = (
            select(AppraisalTeam.round_id)
            .join(TeamMember, TeamMember.team_id == AppraisalTeam.id)
            .where(TeamMember.user_id == user.id)
        )
        clauses.append(Round.id.in_(teams))
    if names & set(roles.UNIT_BOUND_ROLES) and getattr(user, "unit_id", None) is not None:
        clauses.append(Round.units.any(id=user.unit_id))
    if not clauses:
        return []
    return query.filter(or_(*clauses)).all()


# --- the organiser's overview --------------------------------------------------------------------


@dataclass
class LineCounts:
    """Applicable, non-survey lines and how far the appraisal has taken them."""

    total: int = 0
    scored: int = 0
    appraised: int = 0
    approved: int = 0

    def add(self, state):
        self.total += 1
        self.scored += state in _SCORED
        self.appraised += state in _APPRAISED
        self.approved += state == APPRAISAL_APPROVED


@dataclass
class TeamProgress:
    team_id: int
    name: str
    lines: LineCounts = field(default_factory=LineCounts)


@dataclass
class RoundOverview:
    round: Round
    units_total: int = 0
    submitted: int = 0
    lines: LineCounts = field(default_factory=LineCounts)  # every applicable line
    teams: list = field(default_factory=list)  # of TeamProgress, by team name
    unassigned: int = 0  # applicable lines no team holds yet
    gaps: int = 0  # lines without a support member and/or an appraiser (coverage screen)
    gap_units: int = 0  # units with at least one gap
    requests_open: int = 0  # waiting for the unit's answer
    requests_answered: int = 0  # answered, waiting for the team
    window: WindowStatus | None = None

    @property
    def not_submitted(self):
        return self.units_total - self.submitted


def _count_by_round(session, statement):
    return {round_id: count for round_id, count in session.execute(statement)}


def _held(session, round_ids):
    """{(round id, unit id, kind): {criterion code: team id}}: the round's assignments."""
    held = defaultdict(dict)
    for round_id, unit_id, kind, code, team_id in session.execute(
        select(
            Assignment.round_id,
            Assignment.unit_id,
            Assignment.kind,
            Criterion.code,
            Assignment.team_id,
        )  # fmt: skip
        .join(Criterion, Assignment.criterion_id == Criterion.id)
        .where(Assignment.round_id.in_(round_ids))
    ):
        held[(round_id, unit_id, kind)][code] = team_id
    return held


def _lines(session, round_ids):
    """(round id, unit id, criterion code, state, not applicable) of every non-survey line."""
    return session.execute(
        select(
            Assessment.round_id,
            Assessment.unit_id,
            Criterion.code,
            ScoreLine.appraisal_state,
            ScoreLine.not_applicable,
        )  # fmt: skip
        .select_from(ScoreLine)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .where(Assessment.round_id.in_(round_ids), Criterion.rule != RULE_SURVEY)
    )


def line_pass(session, overviews):
    """Fill lines, teams, unassigned and gaps of `overviews` ({round id: RoundOverview}):
    three queries (teams, assignments, lines) for every round together."""
    round_ids = list(overviews)
    teams = {}
    for team_id, round_id, name in session.execute(
        select(AppraisalTeam.id, AppraisalTeam.round_id, AppraisalTeam.name).where(
            AppraisalTeam.round_id.in_(round_ids)
        )
    ):
        teams[team_id] = TeamProgress(team_id, name)
        overviews[round_id].teams.append(teams[team_id])
    held = _held(session, round_ids)
    gap_units = defaultdict(set)
    for round_id, unit_id, code, state, not_applicable in _lines(session, round_ids):
        overview = overviews[round_id]
        support = winner(held.get((round_id, unit_id, ASSIGN_SUPPORT), {}), code)
        appraiser = winner(held.get((round_id, unit_id, ASSIGN_APPRAISER), {}), code)
        if support is None or appraiser is None:
            overview.gaps += 1
            gap_units[round_id].add(unit_id)
        if not_applicable:
            continue
        overview.lines.add(state)
        team_id = appraiser if appraiser is not None else support
        if team_id is None:
            overview.unassigned += 1
        else:
            teams[team_id].lines.add(state)
    for round_id, units in gap_units.items():
        overviews[round_id].gap_units = len(units)
    for overview in overviews.values():
        overview.teams.sort(key=lambda t: t.name)


def round_overviews(session, rounds, now=None):
    """[RoundOverview] of `rounds` (as given, grants loaded), in eight queries whatever the
    number of rounds, units, lines and teams."""
    now = now or utcnow()
    overviews = {r.id: RoundOverview(r, window=window_status(r, None, now)) for r in rounds}
    if not overviews:
        return []
    ids = list(overviews)
    totals = _count_by_round(
        session,
        select(round_unit.c.round_id, func.count())
        .where(round_unit.c.round_id.in_(ids))
        .group_by(round_unit.c.round_id),
    )
    submitted = _count_by_round(
        session,
        select(Assessment.round_id, func.count())
        .where(Assessment.round_id.in_(ids), Assessment.status == STATUS_SUBMITTED)
        .group_by(Assessment.round_id),
    )
    for round_id, status, count in session.execute(
        select(SupplementRequest.round_id, SupplementRequest.status, func.count())
        .where(SupplementRequest.round_id.in_(ids), SupplementRequest.status != REQUEST_CLOSED)
        .group_by(SupplementRequest.round_id, SupplementRequest.status)
    ):
        if status == REQUEST_OPEN:
            overviews[round_id].requests_open += count
        elif status == REQUEST_ANSWERED:
            overviews[round_id].requests_answered += count
    for round_id, overview in overviews.items():
        overview.units_total = totals.get(round_id, 0)
        overview.submitted = submitted.get(round_id, 0)
    line_pass(session, overviews)
    return list(overviews.values())
