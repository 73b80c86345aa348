"""A past commune round, complete and published, as it happened in October to December (the
demo has two: last year's and the year before's):

1. every commune scored itself (app/demo/past_scores.py: varied scores, not-applicable lines
   with reasons, evidence links) and submitted;
2. the team leader assigned every field of every commune to the support member and the
   appraiser, who scored and appraised (a few adjustments with comments), and the team leader
   approved (written in bulk, as app/domain/assignment.py, appraisal.py and approval.py
   write them, change log included);
3. the council asked Phường Lam Giang for a supplement on two lines, the unit answered and
   attached a link, the team scored, appraised and approved them again (the domain's own
   functions, in the supplement window);
4. the organiser imported the three surveys (points, app/domain/survey_import.py), the
   council verified and finalised the round, the organiser computed and published the
   results (app/domain/results.py, publication.py).
So the public ranking, the dashboard's charts and the year-on-year changes (last year's
against the year before's, through the mergers) have real data.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from app.demo import past_scores
from app.domain import appraisal, approval, evidence, publication, supplement
from app.domain.results import compute_results
from app.domain.round_state import enter_appraisal
from app.domain.scoring import rule_of
from app.domain.survey import framework_kinds
from app.domain.survey_import import import_survey
from app.domain.verification import finalise_round, verify_round
from app.models.appraisal import AppraisalTeam
from app.models.criteria import RULE_SURVEY, Criterion
from app.models.results import SURVEY_POINTS
from app.models.scoring import ScoreLine

DAY, HOUR = datetime.timedelta(days=1), datetime.timedelta(hours=1)
# Communes formed by the July 2025 mergers (from the former ones that point to them): not
# assessed before 2025.
FORMED_IN_2025 = ("XA011",)
# The survey files the organiser received, one per kind (their names as they were sent).
SURVEY_FILES = {
    "sipas": "Kết quả SIPAS cấp xã {year}.csv",
    "officials": "Kết quả khảo sát đại biểu HĐND, trưởng thôn {year}.csv",
    "services": "Kết quả hài lòng dịch vụ y tế, giáo dục {year}.csv",
}
SUPPLEMENT_REASON = (
    "Đề nghị bổ sung tài liệu kiểm chứng chứng minh kết quả thực hiện (văn bản, báo cáo có"
    " chữ ký, đóng dấu)."
)
SUPPLEMENT_ANSWER = "Đơn vị đã bổ sung báo cáo kết quả thực hiện có chữ ký của Chủ tịch UBND."
RESCORE_COMMENT = "Đã đối chiếu tài liệu bổ sung: đơn vị thực hiện đầy đủ."


def _fields(session, framework_id):
    """The fields (top-level criteria) that have lines the team scores."""
    scored = select(Criterion.code).where(
        Criterion.framework_id == framework_id, Criterion.rule != RULE_SURVEY
    )
    codes = {code.split(".")[0] for code in session.scalars(scored)}
    return (
        session.query(Criterion)
        .filter(
            Criterion.framework_id == framework_id,
            Criterion.parent_id.is_(None),
            Criterion.code.in_(codes),
        )
        .order_by(Criterion.sort_key)
        .all()
    )


def _assign(session, round_, people, at):
    team = session.query(AppraisalTeam).filter_by(round_id=round_.id).one()
    past_scores.write_assignments(
        session, round_, team, _fields(session, round_.framework_id), people, at
    )
    session.flush()


def _supplement(session, round_, people, lines, council, start):
    """The council's request on the demo unit's two weak lines, answered and approved again."""
    targets = [
        session.get(ScoreLine, lines[(past_scores.SUPPLEMENT_UNIT, code)])
        for code in past_scores.SUPPLEMENT_CODES
    ]
    requests = [
        supplement.request_supplement(session, line, SUPPLEMENT_REASON, council, start)
        for line in targets
    ]
    session.flush()
    answered = start + 2 * DAY
    for line, request in zip(targets, requests, strict=True):
        supplement.respond(session, request, SUPPLEMENT_ANSWER, people.leader, answered)
        link = f"https://xa001.songlam.gov.vn/van-ban/{round_.year}/bo-sung-{line.criterion.code}"
        evidence.add_link(session, line, link, people.leader, answered + HOUR)
    session.flush()
    for line in targets:
        best = _best_input(line.criterion)
        appraisal.save_support_score(
            session, line, best, RESCORE_COMMENT, people.support, start + 5 * DAY
        )
        appraisal.appraise(session, line, people.appraiser, now=start + 5 * DAY + HOUR)
        approval.approve_line(session, line, people.team_leader, now=start + 6 * DAY)
    session.flush()


def _best_input(criterion):
    """The input worth the line's full points (its best option, 100%, no breach)."""
    rule = rule_of(criterion)
    if rule.options:
        return max(rule.options, key=lambda o: o.points).key
    if rule.tiers:
        return "100"
    if criterion.rule == "deduction":
        return "0"
    return str(rule.max_points)


def survey_csv(session, round_, kind, maximum, strengths):
    """The survey file of `kind`: one row per commune, points to 2 decimals, ";" separated
    with decimal commas, as a Vietnamese Excel writes CSV."""
    from app.models.units import Unit

    rows = ["Mã đơn vị;Tên đơn vị;Kết quả"]
    units = session.execute(
        select(Unit.code, Unit.name).where(Unit.id.in_([u.id for u in round_.units]))
    ).all()
    for code, name in sorted(units):
        quality = Decimal(str(round(0.45 + 0.52 * strengths.get(code, 0.8), 4)))
        twin = past_scores.TWINS.get(code, code)  # twins answer alike: a shared rank
        wobble = Decimal((sum(map(ord, twin + kind)) % 9) - 4) / 100
        share = min(max(quality + wobble, Decimal("0.3")), Decimal(1))
        points = (maximum * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        rows.append(f"{code};{name};{str(points).replace('.', ',')}")
    return ("\n".join(rows) + "\n").encode("utf-8")


def complete_round(session, round_, users):
    """Take the opened `round_`, whose windows are all over, through to published results
    (see the module docstring); `users`: the demo accounts by user name."""
    people = past_scores.People(
        leader=users["lanhdao.xa"], support=users["giupviec"], appraiser=users["thamdinh"],
        team_leader=users["totruong"], leader_unit_id=users["lanhdao.xa"].unit_id,
    )  # fmt: skip
    organiser, council = users["tochuc"], users["hoidong"]
    self_start, appraisal_start = round_.self_start, round_.appraisal_start
    times = {
        "self_at": lambda i: self_start + DAY * (1 + i % 12) + HOUR * (i % 7),
        "submitted_at": round_.self_end - DAY,
        "support_at": appraisal_start + DAY,
        "appraised_at": appraisal_start + 3 * DAY,
        "approved_at": appraisal_start + 6 * DAY,
    }
    written = past_scores.write_lines(session, round_, people, times)
    enter_appraisal(session, round_, people.team_leader)
    _assign(session, round_, people, appraisal_start + HOUR)
    _supplement(session, round_, people, written.lines, council, round_.supplement_start + HOUR)
    imported = round_.supplement_end + DAY
    for kind, maximum in sorted(framework_kinds(session, round_.framework_id).items()):
        data = survey_csv(session, round_, kind, maximum, written.strengths)
        name = SURVEY_FILES.get(kind, "{year}.csv").format(year=round_.year)
        import_survey(session, round_, kind, SURVEY_POINTS, data, name, organiser, imported)
        imported += HOUR
    verify_round(session, round_, council, now=round_.supplement_end + 4 * DAY)
    finalise_round(session, round_, council, now=round_.supplement_end + 5 * DAY)
    compute_results(session, round_, organiser, now=round_.supplement_end + 6 * DAY)
    publication.publish_round(session, round_, organiser, now=round_.supplement_end + 12 * DAY)
    session.flush()
