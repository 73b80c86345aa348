"""Last year's commune round, line by line: varied, realistic self scores, not-applicable
lines with their reasons, evidence links, and the appraisal team's scores, written in bulk.

Every value goes through the line's scoring rule (app/domain/scoring.py), so what is stored is
what the score sheet would have stored; each write leaves the change log entry the domain
would have left (score, support_score, appraise, approve, submit), at the time it happened.
Deterministic: the same demo every time (a random generator seeded per unit).
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import selectinload

from app.domain.scoring import format_points, rule_of, score
from app.models.appraisal import Assignment
from app.models.audit import AuditEvent
from app.models.criteria import (
    RULE_BONUS,
    RULE_CHOICE,
    RULE_DEDUCTION,
    RULE_PENALTY,
    RULE_SURVEY,
    RULE_TIERS,
    Criterion,
)
from app.models.scoring import APPRAISAL_APPROVED, STATUS_SUBMITTED, Assessment, Evidence, ScoreLine
from app.models.units import Unit

# Two communes scored alike, so the ranking shows a shared rank.
TWINS = {"XA015": "XA014"}
# A remote commune that struggled that year: the ranking's last, graded "Yếu".
STRUGGLING = {"XA033": 0.12}
# Lines of the demo unit sent back by the council for a supplement: scored low at first.
SUPPLEMENT_UNIT = "XA001"
SUPPLEMENT_CODES = ("3.1.1", "7.4.1")
NA_REASONS = {
    "1.3.2": "Trong năm không có đoàn kiểm tra CCHC nào phát hiện tồn tại tại xã.",
    "2.1.1": "Trong năm HĐND, UBND xã không ban hành văn bản quy phạm pháp luật.",
    "2.1.2": "Trong năm HĐND, UBND xã không ban hành văn bản quy phạm pháp luật.",
    "3.3.2": "Trong năm không có hồ sơ thủ tục hành chính giải quyết quá hạn.",
    "6.2.1": "Xã không được giao kế hoạch vốn đầu tư công trong năm.",
    "7.3.4": "Không phát sinh hồ sơ tiếp nhận, trả kết quả qua bưu chính công ích.",
}
NA_DEFAULT = "Trong năm không phát sinh nội dung này tại đơn vị."
ADJUST_COMMENTS = (
    "Tài liệu kiểm chứng chưa chứng minh đầy đủ; giảm điểm theo hướng dẫn chấm điểm.",
    "Báo cáo gửi chậm so với thời hạn quy định; điều chỉnh điểm.",
    "Kết quả thực hiện thấp hơn số liệu đơn vị tự đánh giá (đối chiếu Hệ thống thông tin"
    " giải quyết TTHC của tỉnh).",
)
SUPPORT_COMMENT = "Đã đối chiếu tài liệu kiểm chứng với báo cáo của đơn vị."


@dataclass
class People:
    leader: object  # the demo unit's leader (lanhdao.xa), who typed its sheet
    support: object
    appraiser: object
    team_leader: object
    leader_unit_id: int | None = None


@dataclass
class Written:
    """What was written: the lines per unit and the survey quality of each unit."""

    strengths: dict = field(default_factory=dict)  # unit code -> 0..1
    lines: dict = field(default_factory=dict)  # (unit code, criterion code) -> line id


def strength_of(code, year):
    """How well a commune does, 0.4 to 0.98 (one remote commune far lower), the same every
    time the demo is loaded."""
    if code in STRUGGLING:
        return STRUGGLING[code]
    rng = random.Random(f"{year}:{TWINS.get(code, code)}")
    return 0.4 + 0.58 * rng.random() ** 0.6


def _level(rng, strength):
    """full, partial or low, more often full for a stronger unit."""
    draw = rng.random()
    if draw < strength:
        return "full"
    return "partial" if draw < strength + (1 - strength) * 0.7 else "low"


def _input(criterion, rule, level, rng):
    """What the unit types on a line at `level` (the rule turns it into points)."""
    if criterion.rule == RULE_CHOICE:
        options = sorted(rule.options, key=lambda o: o.points, reverse=True)
        index = {"full": 0, "partial": 1, "low": len(options) - 1}[level]
        return options[min(index, len(options) - 1)].key
    if criterion.rule == RULE_TIERS:
        tiers = sorted(rule.tiers, key=lambda t: t.min_percent, reverse=True)
        chosen = {"full": 0, "partial": 1, "low": len(tiers) - 1}[level]
        chosen = min(chosen, len(tiers) - 1)
        low = int(tiers[chosen].min_percent)
        high = 100 if chosen == 0 else int(tiers[chosen - 1].min_percent) - 1
        return str(rng.randint(low, max(low, min(high, low + 6))))
    if criterion.rule == RULE_DEDUCTION:
        return {"full": "0", "partial": "1", "low": "2"}[level]
    if criterion.rule in (RULE_BONUS, RULE_PENALTY):
        step = rule.step or Decimal("0.25")
        if criterion.rule == RULE_BONUS:  # an initiative recognised: a few communes only
            return str(step * 2 if level == "full" and rng.random() < 0.3 else 0)
        return str(step if level == "low" else 0)  # a reprimand: rarer still
    step = rule.step or Decimal("0.25")
    lower = {"full": 0, "partial": 1, "low": 2}[level]
    return str(max(rule.max_points - step * lower, Decimal(0)))


def _explanation(criterion, level, number):
    if level == "full":
        return (
            f"Đã thực hiện đầy đủ nội dung {criterion.code}; tài liệu kiểm chứng: văn bản số"
            f" {100 + number}/UBND ngày {10 + number % 18}/{1 + number % 9}/2025."
        )
    return (
        f"Đã thực hiện nội dung {criterion.code} nhưng chưa đầy đủ: còn nhiệm vụ hoàn thành"
        " chậm so với kế hoạch."
    )


def _criteria(session, framework_id):
    return (
        session.query(Criterion)
        .options(selectinload(Criterion.options), selectinload(Criterion.tiers))
        .filter(Criterion.framework_id == framework_id)
        .all()
    )


def _event(at, user, action, entity, entity_id, old=None, new=None, reason=None):
    return {
        "at": at, "user_id": getattr(user, "id", None), "action": action, "entity": entity,
        "entity_id": entity_id, "old_value": old, "new_value": new, "reason": reason,
    }  # fmt: skip


def _line_rows(session, round_):
    return session.execute(
        select(ScoreLine.id, ScoreLine.criterion_id, Assessment.unit_id)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .where(Assessment.round_id == round_.id)
        .order_by(Assessment.unit_id, ScoreLine.id)
    ).all()


def write_lines(session, round_, people, times):
    """Self scores, not-applicable marks, evidence links and the team's scores (steps 2 to
    4) on every line of `round_` but the survey's; the assessments submitted. `times` gives
    datetimes: self_at(unit index), submitted_at, support_at, appraised_at, approved_at."""
    criteria = {c.id: c for c in _criteria(session, round_.framework_id)}
    rules = {c.id: rule_of(c) for c in criteria.values()}
    rows = _line_rows(session, round_)
    codes = dict(session.execute(select(Unit.id, Unit.code)).tuples().all())
    written, typed, adjusted, events, evidence = Written(), [], [], [], []
    unit_order = {u: i for i, u in enumerate(sorted({r[2] for r in rows}))}
    rngs = {}
    for line_id, criterion_id, unit_id in rows:
        criterion, code, rule = criteria[criterion_id], codes[unit_id], rules[criterion_id]
        written.lines[(code, criterion.code)] = line_id
        if criterion.rule == RULE_SURVEY:
            continue
        if code not in rngs:
            written.strengths[code] = strength_of(code, round_.year)
            rngs[code] = random.Random(f"{round_.year}:{TWINS.get(code, code)}:l")
        strength, rng = written.strengths[code], rngs[code]
        by = people.leader if unit_id == people.leader_unit_id else None
        at = times["self_at"](unit_order[unit_id]) + datetime.timedelta(minutes=len(typed))
        level, skip = _level(rng, strength), rng.random() < 0.12
        if code == SUPPLEMENT_UNIT and criterion.code in SUPPLEMENT_CODES:
            level, skip = "partial", False
        if skip and criterion.allow_not_applicable:
            reason = NA_REASONS.get(criterion.code, NA_DEFAULT)
            typed.append(_typed(line_id, None, None, None, at, by, reason))
            events.append(_event(at, by, "not_applicable", "score_line", line_id, None, None,
                                 reason))  # fmt: skip
            continue
        result = score(rule, _input(criterion, rule, level, rng))
        if not result.ok:  # never expected: the demo's inputs fit their rules
            raise ValueError(f"{code} {criterion.code}: {result.error}")
        typed.append(_typed(line_id, result.canonical, result.points,
                            _explanation(criterion, level, len(typed)), at, by, None))  # fmt: skip
        final, comment = result, None
        if level == "full" and rule.kind not in (RULE_BONUS, RULE_PENALTY) and rng.random() < 0.008:
            lower = score(rule, _input(criterion, rule, "partial", rng))
            if lower.ok and lower.points < result.points:
                final, comment = lower, ADJUST_COMMENTS[len(adjusted) % len(ADJUST_COMMENTS)]
                adjusted.append({"v_id": line_id, "v_input": lower.canonical,
                                 "v_points": lower.points, "v_comment": comment})  # fmt: skip
        events.append(_event(at, by, "score", "score_line", line_id, "",
                             format_points(result.points)))  # fmt: skip
        events += _team_events(line_id, result.points, final.points, comment, people, times)
        if criterion.evidence_required:
            site = f"https://{code.lower()}.songlam.gov.vn/van-ban/{round_.year}"
            evidence.append({
                "score_line_id": line_id, "kind": "link", "phase": "initial", "signed": False,
                "url": f"{site}/tieu-chi-{criterion.code}", "uploaded_at": at,
                "uploaded_by_id": getattr(by, "id", None),
            })  # fmt: skip
    _store(session, round_, typed, adjusted, people, times)
    _submit(session, round_, people, times["submitted_at"], events)
    if evidence:
        session.execute(insert(Evidence.__table__), evidence)
    session.execute(insert(AuditEvent.__table__), events)
    session.flush()
    return written


def _typed(line_id, canonical, points, explanation, at, by, na_reason):
    return {
        "v_id": line_id, "v_input": canonical, "v_points": points, "v_explanation": explanation,
        "v_at": at, "v_by": getattr(by, "id", None), "v_na": na_reason is not None,
        "v_na_reason": na_reason,
    }  # fmt: skip


def _team_events(line_id, points, final, comment, people, times):
    support = SUPPORT_COMMENT if comment else None
    points, final = format_points(points), format_points(final)
    return [
        _event(times["support_at"], people.support, "support_score", "score_line", line_id,
               "", points, support),
        _event(times["appraised_at"], people.appraiser, "appraise", "score_line", line_id,
               "", final, comment),
        _event(times["approved_at"], people.team_leader, "approve", "score_line", line_id,
               "", final),
    ]  # fmt: skip


def _store(session, round_, typed, adjusted, people, times):
    """The unit's entries line by line; then the team's steps 2 to 4 on every scored line in
    one statement (the support member took the unit's score, the appraiser accepted it, the
    leader approved it); then the few adjustments, with the appraiser's comment."""
    table = ScoreLine.__table__
    by_id = table.c.id == bindparam("v_id")
    session.execute(
        update(table).where(by_id).values(
            self_input=bindparam("v_input"), self_points=bindparam("v_points"),
            explanation=bindparam("v_explanation"), updated_at=bindparam("v_at"),
            updated_by_id=bindparam("v_by"), not_applicable=bindparam("v_na"),
            not_applicable_reason=bindparam("v_na_reason"), version=table.c.version + 1,
        ),
        typed,
    )  # fmt: skip
    scored = select(ScoreLine.id).join(Assessment, ScoreLine.assessment_id == Assessment.id)
    scored = scored.join(Criterion, ScoreLine.criterion_id == Criterion.id).where(
        Assessment.round_id == round_.id, Criterion.rule != RULE_SURVEY,
        ScoreLine.not_applicable.is_(False),
    )  # fmt: skip
    session.execute(
        update(table).where(table.c.id.in_(scored)).values(
            support_input=table.c.self_input, support_points=table.c.self_points,
            support_by_id=people.support.id, support_at=times["support_at"],
            appraised_input=table.c.self_input, appraised_points=table.c.self_points,
            appraised_by_id=people.appraiser.id, appraised_at=times["appraised_at"],
            approved_points=table.c.self_points, approved_by_id=people.team_leader.id,
            approved_at=times["approved_at"], appraisal_state=APPRAISAL_APPROVED,
            version=table.c.version + 3,
        )
    )  # fmt: skip
    if adjusted:
        session.execute(
            update(table).where(by_id).values(
                support_comment=SUPPORT_COMMENT, appraised_input=bindparam("v_input"),
                appraised_points=bindparam("v_points"), approved_points=bindparam("v_points"),
                appraisal_comment=bindparam("v_comment"),
            ),
            adjusted,
        )  # fmt: skip


def _submit(session, round_, people, at, events):
    for assessment in session.query(Assessment).filter(Assessment.round_id == round_.id):
        own = assessment.unit_id == people.leader_unit_id
        assessment.status, assessment.submitted_at = STATUS_SUBMITTED, at
        assessment.submitted_by_id = people.leader.id if own else None
        events.append(_event(at, people.leader if own else None, "submit", "assessment",
                             assessment.id, "draft", STATUS_SUBMITTED))  # fmt: skip


def write_assignments(session, round_, team, fields, people, at):
    """Every field of every unit to the support member and the appraiser, as the team
    leader's assignments would store them (app/domain/assignment.py), with their log."""
    rows = [
        {"round_id": round_.id, "team_id": team.id, "unit_id": unit.id,
         "criterion_id": field.id, "kind": kind, "user_id": member.id,
         "assigned_by_id": people.team_leader.id, "assigned_at": at}
        for unit in round_.units for field in fields
        for member, kind in ((people.support, "support"), (people.appraiser, "appraiser"))
    ]  # fmt: skip
    session.execute(insert(Assignment.__table__), rows)
    names = {unit.id: unit.code for unit in round_.units}
    ids = session.execute(
        select(Assignment.id, Assignment.unit_id, Assignment.criterion_id, Assignment.kind,
               Assignment.user_id).where(Assignment.round_id == round_.id)
    ).all()  # fmt: skip
    codes = {field.id: field.code for field in fields}
    users = {people.support.id: people.support, people.appraiser.id: people.appraiser}
    session.execute(
        insert(AuditEvent.__table__),
        [
            _event(at, people.team_leader, "assign", "assignment", row_id, None,
                   f"{names[unit_id]} · {codes[criterion_id]} · {kind} → "
                   f"{users[user_id].username}")
            for row_id, unit_id, criterion_id, kind, user_id in ids
        ],
    )  # fmt: skip
