"""The world of the access matrix (tests/security/test_access_matrix.py): two communes, A (the
accounts' own unit or assignment) and B (someone else's), in three rounds of their own, so
that every kind of row exists once as "own" and once as "foreign" for every role.

Built on the units and accounts of tests/unit/appraisal_world.py (T4-XA-A, T4-XA-B, one
account per role), for a test module, removed afterwards:

- P, the appraisal round (build_world): self-assessment over and submitted by both units,
  appraisal and supplement windows open now. Team 1 (t4.leader, t4.support, t4.appraiser)
  holds unit A, team 2 (t4.leader2, t4.support2) unit B; on both units' lines 1.3.2 is
  assigned and not scored, 1.3.1 scored by the support member, 1.2 appraised, 2.1 and 2.2
  approved, and 1.1 approved then sent back by the council (t4.council) for a supplement.
  A's lines are prepared by t4.unit_staff (who answers the council on them).
- S, the self-assessment round (tests/security/matrix_rounds.py): window open now, A's lines
  prepared by t4.unit_staff, window grants for both units, a supplement request on B's line
  1.1 (a row outside P).
- R, a round of 2030 whose results are computed and published.
Evidence (links) on line 1.1 of both units in P and S; a Viewer account (am.viewer); two
draft frameworks with criteria, options, tiers and bands (the catalogue's rows have no owner:
"own" and "foreign" are two of them, both editable); two single sign-on mappings and FAB
groups. Other kinds (FAB's roles, permissions, survey imports, the change log) use two
existing rows.

`rows(key, role)` gives the (own, foreign) ids of one kind of row for one role: A's row and
B's row, except where the role's own rows are wider by design. Team leaders see every unit of
the rounds where they lead a team, the council every appraisal: for both the foreign line,
assessment, evidence or request is B's in round S. Appraisal accounts' own rows are their
assignments in P whatever the page.
"""

from dataclasses import dataclass, field

from flask_appbuilder.security.sqla.models import (
    Group,
    Permission,
    PermissionView,
    Role,
    ViewMenu,
)
from sqlalchemy import select

from app.domain import appraisal as ap
from app.domain import approval as apr
from app.domain import supplement as sup
from app.domain.clock import utcnow
from app.models import (
    AppraisalTeam,
    AppUser,
    Assessment,
    Assignment,
    AuditEvent,
    CouncilMember,
    Criterion,
    CriterionOption,
    CriterionTier,
    Evidence,
    Framework,
    GradeBand,
    Round,
    ScoreLine,
    SupplementRequest,
    SurveyImport,
    TeamMember,
    Unit,
    UnitResult,
    UnitType,
    WindowGrant,
)
from app.models.sso import SsoMapping
from app.security import roles
from tests.security import matrix_rounds as extra
from tests.security.matrix_rounds import DAY, VIEWER
from tests.unit.appraisal_world import GOOD_INPUT, assign, build_world, remove_world

ANONYMOUS = "anonymous"
ROLES = (roles.ADMIN, roles.ORGANISER, roles.UNIT_LEADER, roles.UNIT_STAFF,
         roles.SUPPORT_MEMBER, roles.APPRAISER, roles.TEAM_LEADER, roles.COUNCIL,
         roles.VIEWER, ANONYMOUS)  # fmt: skip
ACCOUNTS = {
    roles.ADMIN: "t4.admin", roles.ORGANISER: "t4.organiser",
    roles.UNIT_LEADER: "t4.unit_leader", roles.UNIT_STAFF: "t4.unit_staff",
    roles.SUPPORT_MEMBER: "t4.support", roles.APPRAISER: "t4.appraiser",
    roles.TEAM_LEADER: "t4.leader", roles.COUNCIL: "t4.council", roles.VIEWER: VIEWER,
}  # fmt: skip
UNIT_ROLES = (roles.UNIT_LEADER, roles.UNIT_STAFF)
TEAM_ROLES = (roles.SUPPORT_MEMBER, roles.APPRAISER)
# Line states in P, by criterion code (see the module docstring).
APPROVED, APPRAISED, SCORED, PENDING = ("1.1", "2.1", "2.2"), ("1.2",), ("1.3.1",), ("1.3.2",)
MISSING = 987654321  # the "no row" id


@dataclass
class MatrixWorld:
    """Ids only: the tests' requests run in the app, not in this module's session."""

    p: int
    s: int
    r: int
    units: dict  # "A"/"B" -> id
    users: dict  # role -> user id
    other_user: int
    assessments: dict  # (round key, "A"/"B") -> id
    lines: dict  # (round key, "A"/"B", code) -> id
    evidence: dict  # (round key, "A"/"B") -> id
    requests: dict  # (round key, "A"/"B") -> id
    assignments: dict  # "A"/"B" -> id (support assignment of field 1)
    teams: tuple  # (team 1, team 2)
    team_members: tuple  # (leader of team 1, leader of team 2) rows
    grants: dict  # "A"/"B" -> id
    results: dict  # "A"/"B" -> UnitResult id
    crit: dict  # criterion code -> id (the framework of P, S and R)
    global_rows: dict = field(default_factory=dict)  # key -> (own, foreign)

    def line_of(self, round_id, unit_id, code):
        """The id of line `code` of a unit in round P or S (a page's (round, unit) pair)."""
        rkey = {self.p: "P", self.s: "S"}.get(round_id)
        ukey = {v: k for k, v in self.units.items()}.get(unit_id)
        return self.lines.get((rkey, ukey, code), MISSING)

    # -- rows per role ---------------------------------------------------------------------

    def _scoped(self, kind, round_key, role, code="1.1"):
        """(own, foreign) of an assessment-bound kind: "assessment", "line", "evidence",
        "request", "round_unit" in the round `round_key` of the page."""

        def pick(rkey, unit):
            if kind == "assessment":
                return self.assessments[(rkey, unit)]
            if kind == "line":
                return self.lines[(rkey, unit, code)]
            if kind == "evidence":
                return self.evidence[(rkey, unit)]
            if kind == "request":
                return self.requests[(rkey, unit)]
            return ({"P": self.p, "S": self.s}[rkey], self.units[unit])  # round_unit

        if role in TEAM_ROLES + (roles.TEAM_LEADER, roles.COUNCIL):
            # Their own rows are their assignments (council: its round) in P.
            foreign = ("S", "B") if role in (roles.TEAM_LEADER, roles.COUNCIL) else ("P", "B")
            if kind == "request" and foreign[0] == "S" and ("S", "B") not in self.requests:
                foreign = ("P", "B")
            return pick("P", "A"), pick(*foreign)
        if kind == "request":
            round_key = "P"  # only P has the council's requests on both units
        return pick(round_key, "A"), pick(round_key, "B")

    def rows(self, key, role):
        """(own id, foreign id) of the kind of row `key` for `role`; ids may be tuples
        (round, unit) for the pages that take both."""
        kind, _at, rest = key.partition("@")
        round_key, _colon, code = rest.partition(":")
        if kind in ("assessment", "line", "evidence", "request", "round_unit"):
            return self._scoped(kind, round_key or "S", role, code or "1.1")
        if kind == "round":
            own = {"P": self.p, "S": self.s, "R": self.r}[round_key or "P"]
            return own, self.global_rows["foreign_round"]
        if kind == "result":
            return self.results["A"], self.results["B"]
        if kind == "result_unit":
            return (self.r, self.units["A"]), (self.r, self.units["B"])
        if kind == "unit":
            return self.units["A"], self.units["B"]
        if kind == "assignment":
            return self.assignments["A"], self.assignments["B"]
        if kind == "team":
            return self.teams
        if kind == "team_member":
            return self.team_members
        if kind == "grant":
            return self.grants["A"], self.grants["B"]
        if kind == "user":
            own = self.users.get(role, self.other_user)
            other = self.users[roles.UNIT_LEADER] if own != self.users[roles.UNIT_LEADER] else (
                self.other_user)  # fmt: skip
            return own, other
        return self.global_rows[kind]


# --- building -------------------------------------------------------------------------------


def _windows_now(round_, now):
    """P: self-assessment over, appraisal and supplement open now."""
    round_.self_start, round_.self_end = now - 40 * DAY, now - 30 * DAY
    round_.appraisal_start, round_.appraisal_end = now - 2 * DAY, now + 5 * DAY
    round_.supplement_start, round_.supplement_end = now - 1 * DAY, now + 6 * DAY


def _work_the_lines(w, unit, support, appraiser, leader):
    """Support scores, appraisals and approvals on one unit's lines of P (real clock)."""
    s = w.s
    for code in APPROVED + APPRAISED + SCORED:
        ap.save_support_score(s, w.line(unit, code), GOOD_INPUT[code], None, support)
    for code in APPROVED + APPRAISED:
        ap.appraise(s, w.line(unit, code), appraiser)
    report = apr.approve(s, [w.line(unit, code) for code in APPROVED], leader)
    assert not report.skipped, report.messages
    s.commit()
    request = sup.request_supplement(
        s, w.line(unit, "1.1"), "Bổ sung quyết định", w.users["council"]
    )
    s.add(Evidence(score_line=w.line(unit, "1.1"), kind="link", url=f"https://{unit}.example/p",
                   uploaded_at=utcnow()))  # fmt: skip
    s.commit()
    return request.id


def _two(s, model, *where):
    ids = s.scalars(select(model.id).where(*where).order_by(model.id).limit(2)).all()
    assert len(ids) == 2, model
    return tuple(ids)


def build(s, unit_ids, user_ids):
    now = utcnow()
    units = {k: s.get(Unit, i) for k, i in unit_ids.items()}
    users = {k: s.get(AppUser, i) for k, i in user_ids.items()}
    w = build_world(s, units, users)
    w.assessments["B"].status = "submitted"
    for line in s.query(ScoreLine).filter_by(assessment_id=w.assessments["A"].id):
        line.preparer_id = users["unit_staff"].id  # staff answer the council on these
    _windows_now(w.round, now)
    s.commit()
    for code in ("1", "2"):
        assign(w, code, "support", "support", ("A",))
        assign(w, code, "appraiser", "appraiser", ("A",))
        assign(w, code, "support", "support2", ("B",), actor="leader2", team=w.team2)
        assign(w, code, "appraiser", "leader2", ("B",), actor="leader2", team=w.team2)
    requests = {
        ("P", "A"): _work_the_lines(w, "A", users["support"], users["appraiser"], users["leader"]),
        ("P", "B"): _work_the_lines(w, "B", users["support2"], users["leader2"], users["leader2"]),
    }
    self_round = extra.self_round(s, w, now)
    results_round = extra.results_round(s, w, now)
    viewer = extra.viewer(s)
    extra.drafts(s, w.a.unit_type_id)
    extra.add_groups(s)
    s.add_all([SsoMapping(subject=f"matrix-{u}", unit_id=w.units[f"T4-XA-{u}"].id, active=True)
               for u in ("A", "B")])  # fmt: skip
    s.commit()
    return describe(s, w, self_round, results_round, viewer, requests)


def describe(s, w, self_round, results_round, viewer, requests):
    unit = {"A": w.a.id, "B": w.b.id}
    rounds = {"P": w.round.id, "S": self_round.id, "R": results_round.id}
    assessments, lines, evidence = {}, {}, {}
    for rkey in ("P", "S"):
        for ukey, unit_id in unit.items():
            a = s.query(Assessment).filter_by(round_id=rounds[rkey], unit_id=unit_id).one()
            assessments[(rkey, ukey)] = a.id
            for line in s.query(ScoreLine).filter_by(assessment_id=a.id):
                lines[(rkey, ukey, line.criterion.code)] = line.id
            evidence[(rkey, ukey)] = s.scalar(
                select(Evidence.id).join(ScoreLine).where(ScoreLine.assessment_id == a.id)
            )
    on_b = s.scalar(select(SupplementRequest.id).where(SupplementRequest.round_id == rounds["S"]))
    requests = {**requests, ("S", "B"): on_b}
    support = (
        select(Assignment.id)
        .where(Assignment.round_id == w.round.id, Assignment.kind == "support")
        .order_by(Assignment.id)
    )
    assignments = {k: s.scalar(support.where(Assignment.unit_id == unit[k])) for k in unit}
    leaders = select(TeamMember.id).where(TeamMember.role == "leader")
    leader_rows = tuple(s.scalar(leaders.where(TeamMember.team_id == t.id))
                        for t in (w.team, w.team2))  # fmt: skip
    people = {
        r: s.scalar(select(AppUser.id).where(AppUser.username == n)) for r, n in ACCOUNTS.items()
    }
    demo_round = s.scalar(select(Round.id).where(Round.year < 2030).order_by(Round.id.desc()))
    world = MatrixWorld(
        p=rounds["P"], s=rounds["S"], r=rounds["R"], units=unit, users=people,
        other_user=w.users["unit_b_leader"].id, assessments=assessments, lines=lines,
        evidence=evidence, requests=requests, assignments=assignments,
        teams=(w.team.id, w.team2.id), team_members=leader_rows,
        grants=dict(zip("AB", _two(s, WindowGrant, WindowGrant.round_id == rounds["S"]),
                        strict=True)),
        results={k: s.scalar(select(UnitResult.id).where(UnitResult.round_id == rounds["R"],
                                                         UnitResult.unit_id == v))
                 for k, v in unit.items()},
        crit={code: c.id for code, c in w.crit.items()},
    )  # fmt: skip
    drafts = [s.scalar(select(Framework.id).where(Framework.code == c)) for c in extra.DRAFTS]

    def first(model, column, code):
        return tuple(s.scalar(select(model.id).join(Criterion, column == Criterion.id).where(
            Criterion.framework_id == f, Criterion.code == code).order_by(model.id))
            for f in drafts)  # fmt: skip

    world.global_rows = {
        "foreign_round": demo_round,
        # The catalogue's rows have no owner: "own" and "foreign" are two draft frameworks.
        "framework": tuple(drafts),
        "criterion": tuple(s.scalar(select(Criterion.id).where(
            Criterion.framework_id == f, Criterion.code == "1.1")) for f in drafts),
        "criterion_option": first(CriterionOption, CriterionOption.criterion_id, "1.1"),
        "criterion_tier": first(CriterionTier, CriterionTier.criterion_id, "1.2"),
        "grade_band": tuple(s.scalar(select(GradeBand.id).where(GradeBand.framework_id == f)
                                     .order_by(GradeBand.id)) for f in drafts),  # fmt: skip
        "unit_type": (w.a.unit_type_id, s.scalar(select(UnitType.id).where(
            UnitType.id != w.a.unit_type_id))),
        "council_member": (
            s.scalar(select(CouncilMember.id).where(CouncilMember.round_id == w.round.id)),
            s.scalar(select(CouncilMember.id).where(CouncilMember.round_id == demo_round)),
        ),
        "survey_import": _two(s, SurveyImport, SurveyImport.id > 0),
        "audit": _two(s, AuditEvent, AuditEvent.entity == "round", AuditEvent.entity_id.in_(
            [rounds["S"], rounds["R"]])),
        "sso": _two(s, SsoMapping, SsoMapping.subject.like("matrix-%")),
        "role": _two(s, Role, Role.id > 0),
        "permission": _two(s, Permission, Permission.id > 0),
        "view_menu": _two(s, ViewMenu, ViewMenu.id > 0),
        "permission_view": _two(s, PermissionView, PermissionView.id > 0),
        "group": _two(s, Group, Group.name.like("matrix-group-%")),
    }  # fmt: skip
    return world


# --- removing -------------------------------------------------------------------------------


def remove(s, world, unit_ids, user_ids):
    """Everything build() added on top of build_world(), then build_world()'s round."""
    s.rollback()
    extra.remove_extras(s, world.p, world.s, world.r, world.users[roles.VIEWER])
    units = {k: s.get(Unit, i) for k, i in unit_ids.items()}
    users = {k: s.get(AppUser, i) for k, i in user_ids.items()}
    round_ = s.get(Round, world.p)
    crit = {c.code: c for c in s.query(Criterion).filter_by(framework_id=round_.framework_id)}
    teams = s.query(AppraisalTeam).filter_by(round_id=world.p).order_by(AppraisalTeam.id).all()
    assessments_p = {
        k: s.query(Assessment).filter_by(round_id=world.p, unit_id=units[f"T4-XA-{k}"].id).one()
        for k in "AB"
    }  # fmt: skip
    from tests.unit.appraisal_world import World

    remove_world(s, World(s, round_, units, users, teams[0], teams[1], crit, assessments_p))
