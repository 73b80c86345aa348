"""The demo's appraisal under way: this year's round of the department framework, whose
self-assessment is over and whose appraisal window is open on the day the demo is loaded.

Every department has scored itself; the team leader (totruong) has assigned fields 1 to 3 of
five departments to the support member (giupviec) and the appraiser (thamdinh), through the
domain (conflicts of interest apply: nobody works on their own department); some lines are
already scored, appraised, and for one department field 1 approved. So each demo account has
something to do: giupviec scores, thamdinh appraises, totruong approves and assigns the rest
(the coverage view lists it), hoidong can ask for a supplement on the approved lines.
"""

import datetime
from decimal import Decimal

from app.domain import appraisal, approval
from app.domain.assignment import apply_assignment
from app.domain.scoring import rule_of, score
from app.models.criteria import (
    RULE_CHOICE,
    RULE_DEDUCTION,
    RULE_NUMBER,
    RULE_SURVEY,
    RULE_TIERS,
    Criterion,
)
from app.models.rounds import Round
from app.models.scoring import STATUS_SUBMITTED, Assessment, ScoreLine

ROUND_NAME = "Xác định Chỉ số CCHC các sở, ban, ngành"
# In days from today: self-assessment over, appraisal open now, supplement after.
OFFSETS = (-30, -5, -3, 10, 14, 21)
# The departments whose fields 1 to 3 are assigned, and how far each one is.
ASSIGNED_UNITS = ("SXD", "SCT", "SYT", "SGDDT", "SNNMT")
ASSIGNED_FIELDS = ("1", "2", "3")
NOT_SUBMITTED = "SKHCN"  # its window simply closed
# Support scores already given: unit -> field codes; appraised: unit -> fields; approved.
SCORED = {"SYT": ("1",), "SXD": ("1", "2"), "SCT": ("1",)}
APPRAISED = {"SYT": ("1",), "SXD": ("1",)}
APPROVED = {"SYT": ("1",)}
SUPPORT_COMMENT = "Đã đối chiếu tài liệu kiểm chứng với báo cáo của đơn vị."
ADJUST_COMMENT = "Tài liệu kiểm chứng chưa chứng minh đầy đủ; giảm điểm theo hướng dẫn."


def windows(today):
    """The local days of each window's start and end."""
    return [today + datetime.timedelta(days=n) for n in OFFSETS]


def _self_input(criterion, index):
    """A plausible self score: most lines at or near the maximum, a few lower."""
    if criterion.rule == RULE_CHOICE:
        options = sorted(criterion.options, key=lambda o: o.position)
        return options[1 if index % 5 == 4 and len(options) > 1 else 0].key
    if criterion.rule == RULE_TIERS:
        return "100" if index % 3 else "85"
    if criterion.rule == RULE_DEDUCTION:
        return "0" if index % 4 else "1"
    step = criterion.step or Decimal("0.5")
    points = criterion.max_points - (step if index % 4 == 3 else 0)
    return str(points)


def fill_self_scores(session, round_, units, submitted_at):
    """Every department's self score on every line (not the survey's), as if typed."""
    lines = (
        session.query(ScoreLine, Criterion, Assessment)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .filter(Assessment.round_id == round_.id, Criterion.rule != RULE_SURVEY)
        .order_by(Assessment.id, Criterion.sort_key)
    )
    for index, (line, criterion, _assessment) in enumerate(lines):
        result = score(rule_of(criterion), _self_input(criterion, index))
        line.self_input, line.self_points = result.canonical, result.points
        line.explanation = f"Đơn vị đã thực hiện nội dung {criterion.code} theo kế hoạch."
        line.updated_at = submitted_at
    for assessment in session.query(Assessment).filter(Assessment.round_id == round_.id):
        if assessment.unit_id != units[NOT_SUBMITTED].id:
            assessment.status, assessment.submitted_at = STATUS_SUBMITTED, submitted_at


def _lines(session, round_, unit, field):
    return (
        session.query(ScoreLine)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(
            Assessment.round_id == round_.id,
            Assessment.unit_id == unit.id,
            Criterion.rule != RULE_SURVEY,
            Criterion.code.startswith(field + "."),
        )
        .order_by(Criterion.sort_key)
        .all()
    )


def _field(session, round_, code):
    return session.query(Criterion).filter_by(framework_id=round_.framework_id, code=code).one()


def assign_and_work(session, round_, team, units, users, now):
    """Step 1 through the domain, then steps 2 to 4 on part of the lines."""
    leader, support, appraiser = users["totruong"], users["giupviec"], users["thamdinh"]
    unit_ids = [units[code].id for code in ASSIGNED_UNITS]
    for code in ASSIGNED_FIELDS:
        field = _field(session, round_, code)
        apply_assignment(session, round_, team, unit_ids, field, support, "support", leader, now)
        apply_assignment(
            session, round_, team, unit_ids, field, appraiser, "appraiser", leader, now
        )
    session.flush()
    step = datetime.timedelta(minutes=7)
    for unit_code, fields in SCORED.items():
        for field in fields:
            for line in _lines(session, round_, units[unit_code], field):
                now += step
                appraisal.save_support_score(
                    session, line, line.self_input, SUPPORT_COMMENT, support, now
                )
    for unit_code, fields in APPRAISED.items():
        for field in fields:
            for index, line in enumerate(_lines(session, round_, units[unit_code], field)):
                now += step
                if index == 0 and line.criterion.rule == RULE_NUMBER:
                    lower = max(line.support_points - (line.criterion.step or 1), Decimal(0))
                    appraisal.appraise(session, line, appraiser, str(lower), ADJUST_COMMENT, now)
                else:
                    appraisal.appraise(session, line, appraiser, now=now)
    for unit_code, fields in APPROVED.items():
        assessment = (
            session.query(Assessment)
            .filter_by(round_id=round_.id, unit_id=units[unit_code].id)
            .one()
        )
        for field in fields:
            now += step
            approval.approve_field(
                session, assessment, _field(session, round_, field), leader, now=now
            )
    session.flush()


def department_round(year, framework, organiser, departments, days, at):
    """A draft round of `departments`; `at(day, hour)` turns local days into UTC."""
    times = [at(day, 8 if i % 2 == 0 else 17) for i, day in enumerate(days)]
    return Round(
        name=ROUND_NAME, year=year, framework=framework, organiser_unit=organiser,
        units=list(departments), self_start=times[0], self_end=times[1],
        appraisal_start=times[2], appraisal_end=times[3], supplement_start=times[4],
        supplement_end=times[5],
    )  # fmt: skip
