"""The totals after an autosave (sheet_totals, added up by the database) are the totals of
the full sheet (load_sheet, added up line by line), on every sheet of the demo province and on
one sheet given every kind of line: not applicable, survey, bonus, required evidence with and
without evidence or explanation."""

from decimal import Decimal

from app.domain.sheet import load_sheet, sheet_totals
from app.models import Assessment, Criterion, Evidence, Round, ScoreLine, Unit
from app.models.scoring import EVIDENCE_LINK


def _figures(sheet):
    fields = {code: (f.self_points, f.applicable_max) for code, f in sheet.fields.items()}
    return (
        sheet.self_total,
        sheet.applicable_max,
        sheet.lines_total,
        sheet.lines_scored,
        sheet.lines_missing_evidence,
        list(fields.items()),
    )


def test_every_demo_sheet_adds_up_the_same_both_ways(session):
    assessments = session.query(Assessment).order_by(Assessment.id).all()
    assert len(assessments) > 10
    for assessment in assessments:
        assert _figures(sheet_totals(session, assessment)) == _figures(
            load_sheet(session, assessment)
        ), assessment.id
    scored = [sheet_totals(session, a) for a in assessments]
    assert any(s.self_total > 0 for s in scored) and any(s.lines_missing_evidence for s in scored)


def test_a_sheet_with_every_kind_of_line(session):
    unit = session.query(Unit).filter_by(code="XA004").one()
    round_ = session.query(Round).filter(Round.name.contains("2026")).one()
    assessment = session.query(Assessment).filter_by(round_id=round_.id, unit_id=unit.id).one()
    lines = (
        session.query(ScoreLine, Criterion)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(ScoreLine.assessment_id == assessment.id)
        .order_by(Criterion.sort_key)
        .all()
    )
    by_rule = {}
    for line, criterion in lines:
        by_rule.setdefault(criterion.rule, []).append((line, criterion))
    try:
        required = [(li, c) for li, c in lines if c.evidence_required and c.rule != "survey"]
        number = [(li, c) for li, c in by_rule["number"] if not c.evidence_required]
        number[0][0].self_points = Decimal("0.25")
        number[1][0].self_points = Decimal("1.75")
        number[2][0].not_applicable, number[2][0].self_points = True, None
        required[0][0].self_points, required[0][0].explanation = Decimal("1"), None
        required[1][0].explanation = "Có công văn số 12/UBND"
        session.add(Evidence(score_line_id=required[2][0].id, kind=EVIDENCE_LINK,
                             url="https://baochinhphu.vn/bai-viet"))  # fmt: skip
        for line, _criterion in by_rule.get("bonus", [])[:1] + by_rule.get("penalty", [])[:1]:
            line.self_points = Decimal("0.5")
        session.flush()
        quick = sheet_totals(session, assessment)
        assert _figures(quick) == _figures(load_sheet(session, assessment))
        assert quick.self_total >= Decimal("3.5") and quick.lines_missing_evidence >= 1
        assert len(quick.fields) >= 5
    finally:
        session.rollback()
