"""Survey kinds: named on the framework's survey lines, carried by the framework Excel file,
set on the demo frameworks; a kind's result converted and spread over its lines exactly."""

import io
from decimal import Decimal

import pytest
from flask_appbuilder import Model
from openpyxl import Workbook
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

import app.models  # noqa: F401  (register every table)
from app.domain.framework_import import HEADERS, apply_import, parse_rows
from app.domain.scoring import ScoreError
from app.domain.survey import (
    KIND_LABELS,
    distribute,
    framework_kinds,
    kind_label,
    normalise_kind,
    to_points,
)
from app.models.criteria import RULE_SURVEY, Criterion, Framework
from app.models.units import UnitType
from app.reports.framework_excel import export_framework, read_workbook

D = Decimal


def workbook_bytes(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(code, max_points, rule="Nhập số", kind=None, title=None):
    return [code, title or f"Tiêu chí {code}", max_points, rule, None, None, None, None,
            "Không", "Không", None, kind]  # fmt: skip


ROWS = [
    row("1", 6),
    row("1.1", 6, "Nhập số"),
    row("2", 14),
    row("2.1", 10),
    row("2.1.1", 6, "Điều tra XHH", "sipas"),
    row("2.1.2", 4, "Điều tra XHH", "Sự hài lòng của người dân, tổ chức (SIPAS)"),
    row("2.2", 4, "Điều tra XHH", "OFFICIALS"),
]


@pytest.fixture
def memory_session():
    engine = create_engine("sqlite://")
    Model.metadata.create_all(engine)
    with Session(engine) as db:
        yield db
    engine.dispose()


def test_kind_names_are_read_as_keys_labels_or_a_short_key_of_the_province():
    assert normalise_kind(" SIPAS ") == "sipas"
    assert normalise_kind("Đánh giá của cán bộ, công chức, đại biểu") == "officials"
    assert normalise_kind("Ratings by officials and deputies") == "officials"
    assert normalise_kind("doanh_nghiep") == "doanh_nghiep"
    assert normalise_kind("") is None and normalise_kind(None) is None
    with pytest.raises(ScoreError) as err:
        normalise_kind("Khảo sát riêng của tỉnh")
    assert "sipas" in err.value.message
    assert kind_label("sipas") == str(KIND_LABELS["sipas"])
    assert kind_label("doanh_nghiep") == "doanh_nghiep"


def test_framework_file_carries_the_survey_kind_there_and_back(memory_session):
    items, errors = parse_rows(read_workbook(workbook_bytes(ROWS)), Decimal(20))
    assert errors == []
    assert {i.code: i.survey_kind for i in items if i.rule == RULE_SURVEY} == {
        "2.1.1": "sipas",
        "2.1.2": "sipas",
        "2.2": "officials",
    }
    unit_type = UnitType(code="SO", name="Sở, ban, ngành")
    framework = Framework(code="KS-2026", name="Bộ tiêu chí", year=2026, unit_type=unit_type,
                          max_points=D(20))  # fmt: skip
    memory_session.add(framework)
    memory_session.flush()
    apply_import(memory_session, framework, items)
    memory_session.flush()
    stored = {c.code: c.survey_kind for c in framework.criteria}
    assert stored["2.1.1"] == "sipas" and stored["2.2"] == "officials" and stored["1.1"] is None
    assert framework_kinds(memory_session, framework.id) == {"sipas": D(10), "officials": D(4)}
    again, errors = parse_rows(read_workbook(export_framework(framework)), Decimal(20))
    assert errors == [] and again == items


def test_a_survey_kind_only_on_survey_lines():
    rows = [
        row("1", 6),
        row("1.1", 6, "Nhập số", "sipas"),
        row("2", 14, "Điều tra XHH", "sipas"),
        row("2.1", 10, "Điều tra XHH", "sipas"),
        row("2.2", 4, "Điều tra XHH", "Khảo sát lạ"),
    ]
    _items, errors = parse_rows(read_workbook(workbook_bytes(rows)), Decimal(20))
    by_line = {}
    for line, message in errors:
        by_line.setdefault(line, []).append(message)
    assert "only “Điều tra XHH” lines take a survey kind" in by_line[3][0]
    assert "2 has sub-items: give the survey kind on its lines" in " ".join(by_line[4])
    assert "is not a survey kind" in by_line[6][0]


def test_every_demo_survey_line_names_its_survey(session):
    lines = (
        session.query(Criterion)
        .join(Framework, Criterion.framework_id == Framework.id)
        .filter(Criterion.rule == RULE_SURVEY)
        .all()
    )
    assert lines and all(c.survey_kind in KIND_LABELS for c in lines)
    commune = session.query(Framework).filter(Framework.code.like("CCHC-XA-%")).first()
    assert framework_kinds(session, commune.id) == {
        "sipas": D(20),
        "officials": D(11),
        "services": D(4),
    }


def test_percentages_become_the_kinds_points_to_the_cent():
    assert to_points(D("85"), "percent", D(20)) == D("17.00")
    assert to_points(D("91.55"), "percent", D(7)) == D("6.41")  # 6.4085 half up
    assert to_points(D("100"), "percent", D(20)) == D("20.00")
    assert to_points(D("18.5"), "points", D(20)) == D("18.50")
    for value, mode, message in (
        (D("100.01"), "percent", "over 100"),
        (D("20.25"), "points", "over this survey's maximum of 20 points"),
        (D("-1"), "points", "cannot be negative"),
    ):
        with pytest.raises(ScoreError) as err:
            to_points(value, mode, D(20))
        assert message in err.value.message


def test_points_are_spread_by_largest_remainder_and_add_up_exactly():
    # 5.5 over 4 + 2: 3.6666.. and 1.8333..; the spare cent goes to the larger remainder.
    assert distribute(D("5.50"), [D(4), D(2)]) == [D("3.67"), D("1.83")]
    # Three equal lines: 10 / 3 = 3.333..; one spare cent, to the first line.
    assert distribute(D("10.00"), [D(2), D(2), D(2)]) == [D("3.34"), D("3.33"), D("3.33")]
    maxima = [D(4), D("1.5"), D("1.5"), D(2), D("0.25")]
    for cents in range(0, 926, 7):
        points = D(cents) / 100
        shares = distribute(points, maxima)
        assert sum(shares) == points
        assert all(0 <= s <= m for s, m in zip(shares, maxima, strict=True))
    assert distribute(D("9.25"), maxima) == maxima  # full marks: every line full
