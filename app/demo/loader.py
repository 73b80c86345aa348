"""Load the demo province into an empty database: units, accounts, frameworks, rounds, teams.

`load_demo` is all or nothing: it checks first, writes everything in one transaction and commits
at the end; on any error it rolls back and re-raises.
"""

import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func

from app.demo import appraisal as demo_appraisal
from app.demo import framework as demo_framework
from app.demo import past_round as demo_past_round
from app.demo import people
from app.demo import units as demo_units
from app.domain.clock import to_local, to_utc, utcnow
from app.domain.criteria_tree import code_sort_key, parent_code
from app.domain.errors import DomainError
from app.domain.rounds import open_round
from app.models.appraisal import AppraisalTeam, CouncilMember, TeamMember
from app.models.criteria import (
    RULE_NUMBER,
    Criterion,
    CriterionOption,
    CriterionTier,
    Framework,
    GradeBand,
)
from app.models.rounds import Round
from app.models.scoring import Assessment, ScoreLine
from app.models.units import Unit, UnitType


class DemoDataError(DomainError):
    """The demo data cannot be loaded into this database; the message says why."""


ROUND_NAME = "Đánh giá, xếp loại công tác CCHC cấp xã năm {year}"
# Last year's windows, as the seeds describe them: (month, day) of self-assessment start and
# end, appraisal start and end, supplement start and end, in October and November.
PAST_CALENDAR = ((10, 6), (10, 24), (10, 28), (11, 7), (11, 12), (11, 19))
# This year's, in days from today: self-assessment open now, appraisal and supplement after.
CURRENT_OFFSETS = (-10, 20, 23, 34, 38, 45)


def _dec(value):
    return None if value is None else Decimal(str(value))


def _at(day, hour):
    """Naive UTC for `hour`:00 local time (Asia/Ho_Chi_Minh) on `day`."""
    return to_utc(datetime.datetime.combine(day, datetime.time(hour)))


# --- checks -----------------------------------------------------------------------------------


def _refusals(session, sm):
    problems = []
    if session.query(Unit.id).first() or session.query(Framework.id).first():
        problems.append(
            _("The database already has units or frameworks: demo data needs an empty one.")
        )
    wanted = {role for person in people.PEOPLE for role in person["roles"]}
    missing = sorted(role for role in wanted if sm.find_role(role) is None)
    if missing:
        problems.append(
            _("Roles missing: %(roles)s. Run “flask sync-roles” first.", roles=", ".join(missing))
        )
    taken = [
        p["username"]
        for p in people.PEOPLE
        if sm.find_user(username=p["username"]) or sm.find_user(email=p["email"])
    ]
    if taken:
        problems.append(_("These demo accounts already exist: %(names)s.", names=", ".join(taken)))
    return problems


# --- builders ---------------------------------------------------------------------------------


def _add_units(session):
    types = {code: UnitType(code=code, name=name) for code, name in demo_units.UNIT_TYPES}
    by_code = {}
    for row in demo_units.all_units():
        by_code[row["code"]] = Unit(
            code=row["code"],
            name=row["name"],
            unit_type=types[row["type"]],
            parent=by_code[row["parent"]] if row["parent"] else None,
            active=row["active"],
        )
    for row in demo_units.all_units():
        if row["successor"]:
            by_code[row["code"]].successor = by_code[row["successor"]]
    session.add_all(list(types.values()) + list(by_code.values()))
    session.flush()
    return types, by_code


def _add_users(session, sm, password, units):
    users = {}
    for person in people.PEOPLE:
        user = sm.add_user(
            person["username"],
            person["first_name"],
            person["last_name"],
            person["email"],
            [sm.find_role(role) for role in person["roles"]],
            password=password,
            commit=False,
        )
        if not user or user not in session:
            raise DemoDataError(
                _("The demo account %(name)s could not be created.", name=person["username"])
            )
        user.unit = units[person["unit"]] if person["unit"] else None
        users[person["username"]] = user
    session.flush()
    return users


def _criterion(row, guidance):
    code, title, max_points = row[:3]
    rule = row[3] if len(row) > 3 else {}
    flags = row[4] if len(row) > 4 else ""
    criterion = Criterion(
        code=code,
        sort_key=code_sort_key(code),
        title=title,
        max_points=_dec(max_points),
        rule=rule.get("rule", RULE_NUMBER),
        step=_dec(rule.get("step")),
        per_occurrence=_dec(rule.get("per_occurrence")),
        floor=_dec(rule.get("floor")),
        allow_not_applicable="N" in flags,
        evidence_required="E" in flags,
        guidance=guidance.get(code),
        survey_kind=rule.get("survey_kind"),
    )
    criterion.options = [
        CriterionOption(key=key, label=label, points=_dec(points), position=i)
        for i, (key, label, points) in enumerate(rule.get("options", ()))
    ]
    criterion.tiers = [
        CriterionTier(min_percent=_dec(low), points=_dec(points))
        for low, points in rule.get("tiers", ())
    ]
    return criterion


def _add_framework(session, spec, year, unit_types, copied_from=None):
    framework = Framework(
        code=spec["code"].format(year=year),
        name=spec["name"],
        year=year,
        unit_type=unit_types[spec["unit_type"]],
        legal_basis=spec["legal_basis"],
        max_points=_dec(spec["max_points"]),
        copied_from_id=copied_from.id if copied_from is not None else None,
    )
    by_code = {}
    for row in spec["criteria"]:
        criterion = _criterion(row, spec["guidance"])
        criterion.framework = framework
        parent = parent_code(criterion.code)
        criterion.parent = by_code[parent] if parent else None
        by_code[criterion.code] = criterion
    framework.grade_bands = [
        GradeBand(name=name, min_index=_dec(low), field_floor=_dec(floor), position=i)
        for i, (name, low, floor) in enumerate(spec["grade_bands"])
    ]
    session.add(framework)
    session.flush()
    return framework


def _round(year, framework, organiser, communes, days):
    """A draft round; `days` are the local days of each window's start (08:00) and end (17:00)."""
    start_self, end_self, start_appraisal, end_appraisal, start_supplement, end_supplement = [
        _at(day, 8 if i % 2 == 0 else 17) for i, day in enumerate(days)
    ]
    return Round(
        name=ROUND_NAME.format(year=year),
        year=year,
        framework=framework,
        organiser_unit=organiser,
        units=list(communes),
        self_start=start_self,
        self_end=end_self,
        appraisal_start=start_appraisal,
        appraisal_end=end_appraisal,
        supplement_start=start_supplement,
        supplement_end=end_supplement,
    )


def _past_windows(year):
    return [datetime.date(year, month, day) for month, day in PAST_CALENDAR]


def _current_windows(today):
    return [today + datetime.timedelta(days=n) for n in CURRENT_OFFSETS]


def _add_team(session, round_, users):
    team = AppraisalTeam(round=round_, name=people.TEAM_NAME)
    team.members = [TeamMember(user=users[name], role=role) for name, role in people.TEAM_MEMBERS]
    session.add(team)
    session.add_all(
        CouncilMember(round=round_, user=users[name], position=position)
        for name, position in people.COUNCIL
    )


def _count(session, model):
    return session.query(func.count()).select_from(model).scalar()


def _appraisal_round(session, users, units, unit_types, framework, today):
    """This year's departments: self-assessment over, appraisal under way (demo/appraisal.py)."""
    department_type = unit_types[demo_units.DEPARTMENT_TYPE]
    departments = [u for u in units.values() if u.unit_type is department_type and u.active]
    round_ = demo_appraisal.department_round(
        today.year, framework, units[demo_units.ORGANISER_CODE], departments,
        demo_appraisal.windows(today), _at,
    )  # fmt: skip
    session.add(round_)
    session.flush()
    open_round(session, round_, users[people.ROUND_ACTOR], now=round_.self_start)
    _add_team(session, round_, users)
    session.flush()
    demo_appraisal.fill_self_scores(
        session, round_, units, submitted_at=round_.self_end - datetime.timedelta(days=1)
    )
    team = session.query(AppraisalTeam).filter_by(round_id=round_.id).one()
    now = round_.appraisal_start + datetime.timedelta(hours=2)
    demo_appraisal.assign_and_work(session, round_, team, units, users, now)
    return round_


def _history_round(session, users, units, communes, spec, unit_types, year):
    """The communes' round of the year before last, before the July 2025 mergers: the
    communes of then, the former ones included (a merged commune's change is measured against
    the communes it was formed from), not those formed by the mergers."""
    framework = _add_framework(session, spec, year, unit_types)
    former = [u for u in units.values() if u.successor is not None and u.unit_type is
              communes[0].unit_type]  # fmt: skip
    then = [u for u in communes if u.code not in demo_past_round.FORMED_IN_2025] + former
    round_ = _round(year, framework, units[demo_units.ORGANISER_CODE], then, _past_windows(year))
    session.add(round_)
    session.flush()
    open_round(session, round_, users[people.ROUND_ACTOR], now=round_.self_start)
    _add_team(session, round_, users)
    session.flush()
    return round_


# --- entry point ------------------------------------------------------------------------------


def load_demo(session, appbuilder, password, today=None):
    """Insert the demo province into an empty database and commit; return counts of rows.

    `today` (a date in Vietnam, default now) places this year's windows: the communes'
    self-assessment open from 10 days before to 20 days after it; the departments' appraisal
    open from 3 days before to 10 days after it (app/demo/appraisal.py); last year's round
    lies wholly in the past.

    `session` must be the app's session (appbuilder.session), since FAB creates the accounts
    through it. The roles must exist (flask sync-roles). Raises DemoDataError, leaving the
    database untouched, if the database is not empty or the roles are missing.
    """
    sm = appbuilder.sm
    problems = _refusals(session, sm)
    if problems:
        raise DemoDataError(_("The demo data was not loaded."), problems)
    today = today or to_local(utcnow()).date()
    try:
        counts = _load(session, sm, password, today)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return counts


def _load(session, sm, password, today):
    unit_types, units = _add_units(session)
    users = _add_users(session, sm, password, units)
    commune_type = unit_types[demo_units.COMMUNE_TYPE]
    communes = [u for u in units.values() if u.unit_type is commune_type and u.active]
    organiser = units[demo_units.ORGANISER_CODE]
    spec = demo_framework.COMMUNE_FRAMEWORK

    last_year, this_year = today.year - 1, today.year
    old = _add_framework(session, spec, last_year, unit_types)
    new = _add_framework(session, spec, this_year, unit_types, copied_from=old)
    departments_spec = demo_framework.DEPARTMENT_FRAMEWORK
    department_fw = _add_framework(session, departments_spec, this_year, unit_types)
    # Next year's department framework, in draft: the organiser is preparing it.
    _add_framework(session, departments_spec, this_year + 1, unit_types, copied_from=department_fw)

    rounds = [
        _round(last_year, old, organiser, communes, _past_windows(last_year)),
        _round(this_year, new, organiser, communes, _current_windows(today)),
    ]
    session.add_all(rounds)
    session.flush()
    actor = users[people.ROUND_ACTOR]
    for round_ in rounds:
        # Opened when its self-assessment window opened, as the organiser would have done.
        open_round(session, round_, actor, now=round_.self_start)
        _add_team(session, round_, users)
    session.flush()
    # The two previous years' rounds went all the way: appraised, surveyed, finalised and
    # published (the year before first: last year's changes are measured against it).
    history = _history_round(session, users, units, communes, spec, unit_types, last_year - 1)
    demo_past_round.complete_round(session, history, users)
    demo_past_round.complete_round(session, rounds[0], users)
    rounds.append(history)
    rounds.append(_appraisal_round(session, users, units, unit_types, department_fw, today))

    return {
        "unit_types": len(unit_types),
        "units": len(units),
        "active_communes": len(communes),
        "users": len(users),
        "frameworks": _count(session, Framework),
        "criterion_rows": _count(session, Criterion),
        "rounds": len(rounds),
        "assessments": _count(session, Assessment),
        "score_lines": _count(session, ScoreLine),
        "teams": _count(session, AppraisalTeam),
        "council_members": _count(session, CouncilMember),
    }
