"""The appraisal sheet of one (round, unit) as plain rows: for each line its four values, who
holds it, and what the user may do on it now (steps 2 to 4), with the totals and progress.

Read-only. A fixed number of queries whatever the number of lines: the self-assessment sheet's
three (app/domain/sheet.py), the line assignees' four (app/domain/assignees.py), the names of
the people who wrote the values, and one per team the user may lead. Every decision comes from
app/domain/appraisal.py and app/domain/approval.py, given the assignees resolved here.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from app.domain.appraisal import appraise_decision, support_decision
from app.domain.approval import approve_decision, return_decision
from app.domain.assignees import LineAssignees, assignees_for
from app.domain.clock import utcnow
from app.domain.decision import deny
from app.domain.sheet import load_sheet
from app.models.criteria import RULE_BONUS, RULE_PENALTY, RULE_SURVEY
from app.models.rounds import WINDOW_APPRAISAL, WINDOW_SUPPLEMENT
from app.models.scoring import (
    APPRAISAL_APPRAISED,
    APPRAISAL_APPROVED,
    APPRAISAL_RETURNED,
    APPRAISAL_SCORED,
    CYCLE_SUPPLEMENT,
)
from app.models.users import AppUser

COLUMNS = ("self", "support", "appraised", "approved")
_POINTS = {
    "self": "self_points",
    "support": "support_points",
    "appraised": "appraised_points",
    "approved": "approved_points",
}
_OUTSIDE_MAXIMUM = (RULE_BONUS, RULE_PENALTY)
FILTERS = ("mine", "todo", "all")


@dataclass
class Totals:
    """Sums of one field (or the whole sheet) per column, over the applicable lines."""

    points: dict = field(default_factory=lambda: {c: Decimal("0") for c in COLUMNS})
    applicable_max: Decimal = Decimal("0")

    def add(self, criterion, line):
        if line.not_applicable:
            return
        if criterion.rule not in _OUTSIDE_MAXIMUM:
            self.applicable_max += criterion.max_points
        for column, attr in _POINTS.items():
            value = getattr(line, attr)
            if value is not None:
                self.points[column] += value


@dataclass
class Progress:
    """How far the team is on the lines it scores (survey and not-applicable lines left out)."""

    lines: int = 0
    scored: int = 0  # a support score exists and is current (scored, appraised or approved)
    appraised: int = 0  # appraised or approved
    approved: int = 0
    returned: int = 0
    unassigned: int = 0  # no support member or no appraiser yet

    def add(self, line, held):
        self.lines += 1
        state = line.appraisal_state
        if state in (APPRAISAL_SCORED, APPRAISAL_APPRAISED, APPRAISAL_APPROVED):
            self.scored += 1
        if state in (APPRAISAL_APPRAISED, APPRAISAL_APPROVED):
            self.appraised += 1
        if state == APPRAISAL_APPROVED:
            self.approved += 1
        if state == APPRAISAL_RETURNED:
            self.returned += 1
        if held.support is None or held.appraiser is None:
            self.unassigned += 1


@dataclass
class AppraisalRow:
    """A heading (line None) or a line with its assignees and the user's decisions."""

    criterion: object
    depth: int
    field_code: str
    line: object = None
    evidence_count: int = 0
    held: LineAssignees = field(default_factory=LineAssignees)
    support: object = None  # Decision: may the user enter the support score now
    appraise: object = None  # Decision: may the user appraise now
    approve: object = None  # Decision: may the user approve now
    give_back: object = None  # Decision: may the user return the line now
    mine: bool = False  # the user scores, appraises or decides this line
    team_line: bool = False  # survey and not-applicable lines are no work for the team

    @property
    def todo(self):
        """Something the user may do on the line now."""
        return bool(self.support or self.appraise or self.approve)

    @property
    def is_heading(self):
        return self.line is None


@dataclass
class AppraisalSheet:
    assessment: object
    rows: list = field(default_factory=list)
    fields: dict = field(default_factory=dict)  # top-level code -> Totals
    total: Totals = field(default_factory=Totals)
    progress: Progress = field(default_factory=Progress)
    mine: Progress = field(default_factory=Progress)  # the lines the user holds or decides
    names: dict = field(default_factory=dict)  # user id -> full name
    window: str = WINDOW_APPRAISAL  # the window that applies to the sheet's open work

    @property
    def lines(self):
        return [row.line for row in self.rows if row.line is not None]

    @property
    def leads(self):
        """Does the user decide (step 4) any line of the sheet?"""
        return any(row.approve or row.give_back for row in self.rows if row.line is not None)


def _user_ids(lines, held):
    ids = set()
    for line in lines:
        ids.update((line.support_by_id, line.appraised_by_id, line.approved_by_id))
    for assignees in held.values():
        ids.update(a.user_id for a in (assignees.support, assignees.appraiser) if a is not None)
    return ids - {None}


def _names(session, ids):
    if not ids:
        return {}
    return {u.id: u.get_full_name() for u in session.query(AppUser).filter(AppUser.id.in_(ids))}


def _decide(session, user, row, now, leads, roles):
    """The four decisions of one line, from the domain, with its assignees given; `leads`
    and `roles` keep the user's team memberships across the lines (one query per team)."""
    line, held = row.line, row.held
    row.support = support_decision(session, user, line, now, held, roles)
    row.appraise = appraise_decision(session, user, line, now, held, roles)
    row.approve = approve_decision(session, user, line, now, held, leads)
    row.give_back = return_decision(session, user, line, now, held, leads)


def load_appraisal_sheet(session, assessment, user, now=None):
    """Every criterion of the round's framework in tree order, with on each line its values,
    assignees and what `user` may do now; totals per field and overall for the four columns;
    progress of the whole sheet and of the user's own lines."""
    now = now or utcnow()
    user = user._get_current_object() if hasattr(user, "_get_current_object") else user
    base = load_sheet(session, assessment)
    held = assignees_for(session, assessment.round, [assessment.unit_id])
    sheet = AppraisalSheet(assessment=assessment)
    sheet.names = _names(session, _user_ids(base.lines, held))
    leads, roles = {}, {}
    user_id = getattr(user, "id", None)
    for base_row in base.rows:
        criterion, line = base_row.criterion, base_row.line
        top = base_row.field_code
        row = AppraisalRow(criterion, base_row.depth, top, line, base_row.evidence_count)
        sheet.rows.append(row)
        if criterion.parent_id is None:
            sheet.fields[top] = Totals()
        if line is None:
            continue
        row.held = held.get(line.id) or LineAssignees()
        for totals in (sheet.total, sheet.fields.get(top)):
            if totals is not None:
                totals.add(criterion, line)
        if line.appraisal_cycle == CYCLE_SUPPLEMENT:
            sheet.window = WINDOW_SUPPLEMENT
        row.team_line = criterion.rule != RULE_SURVEY and not line.not_applicable
        if not row.team_line:
            reason = deny("")
            row.support = row.appraise = row.approve = row.give_back = reason
            continue
        _decide(session, user, row, now, leads, roles)
        holders = {a.user_id for a in (row.held.support, row.held.appraiser) if a is not None}
        row.mine = user_id in holders or _leads_line(row, leads)
        sheet.progress.add(line, row.held)
        if row.mine:
            sheet.mine.add(line, row.held)
    return sheet


def _leads_line(row, leads):
    """The user leads the team that decides on the line (even when it is not ready yet)."""
    chosen = row.held.appraiser or row.held.support
    return chosen is not None and leads.get(chosen.team_id, False)
