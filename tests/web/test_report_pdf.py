"""The self-assessment report PDF: its text extracts back exactly (pdftotext), diacritics
included, it is refused to other units, and its layout is rendered to PNG for a look.

Fixed strings are msgids: `_shown` asks the app's catalogue what the Vietnamese PDF prints and,
once translations/pending/report.tsv is merged, that it is exactly the Vietnamese below.
"""

import datetime
import os
import re
import shutil
import subprocess
import time
import unicodedata
from decimal import Decimal
from urllib.parse import quote

import pytest
from flask_babel import force_locale, gettext

from app.domain.scoring import format_points
from app.domain.sheet import load_sheet
from app.models import Assessment, Evidence, Round, ScoreLine, Unit
from app.models.criteria import RULE_NUMBER, RULE_SURVEY, Criterion
from app.reports import pdf
from tests.conftest import ARTIFACTS


@pytest.fixture(autouse=True)
def _poppler():
    """The PDF checks need poppler-utils: missing, they fail (a skipped check tests nothing)."""
    if not shutil.which("pdftotext") or not shutil.which("pdftoppm"):
        pytest.fail("poppler-utils is not installed: run `make system-deps`.", pytrace=False)


EXPLANATION = "Đã ban hành kế hoạch đúng hạn, đạt 100% chỉ tiêu"
NA_REASON = "Đơn vị không phát sinh thủ tục hành chính thuộc lĩnh vực này"
FILE_NAME = "Kế hoạch 12-KH-UBND chuyển đổi số.pdf"
LINK = "https://truyenhinh.example.vn/tin-tuc/cai-cach-hanh-chinh"
ARTIFACT_DIR = os.path.join(ARTIFACTS, "report_pdf")


def nfc(text):
    return unicodedata.normalize("NFC", text)


def _shown(app, msgid, vietnamese=None, **values):
    """What the PDF prints for `msgid` in the default locale (vi)."""
    with app.test_request_context(), force_locale("vi"):
        text = gettext(msgid, **values)
        if vietnamese is not None and gettext(msgid) != msgid:
            assert gettext(msgid) == vietnamese, f"catalogue translates {msgid!r} differently"
    return text


def _pdftotext(data, *options, name="self_assessment.pdf"):
    path = os.path.join(ARTIFACT_DIR, name)
    with open(path, "wb") as handle:
        handle.write(data)
    out = subprocess.run(
        ["pdftotext", *options, path, "-"], capture_output=True, check=True, timeout=60
    )
    return nfc(out.stdout.decode("utf-8"))


def _assessment(session, unit_code="XA001"):
    return (
        session.query(Assessment)
        .join(Round, Assessment.round_id == Round.id)
        .join(Unit, Assessment.unit_id == Unit.id)
        .filter(Unit.code == unit_code, Round.name.contains("2026"))
        .one()
    )


def _lines(session, assessment):
    rows = (
        session.query(ScoreLine, Criterion)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(ScoreLine.assessment_id == assessment.id)
        .order_by(Criterion.sort_key)
        .all()
    )
    number = [line for line, c in rows if c.rule == RULE_NUMBER and c.max_points >= 1]
    na = [line for line, c in rows if c.allow_not_applicable and c.rule != RULE_SURVEY]
    survey = [line for line, c in rows if c.rule == RULE_SURVEY]
    return number[-1], na[-1], survey[0]


_FIELDS = ("self_input", "self_points", "explanation", "not_applicable", "not_applicable_reason")


@pytest.fixture()
def scored(session):
    """XA001's 2026 assessment with "0,75" and an explanation on a number line, evidence (a
    file and a link) and a not-applicable line; everything restored afterwards."""
    os.makedirs(ARTIFACT_DIR, exist_ok=True)
    assessment = _assessment(session)
    number, na, survey = _lines(session, assessment)
    saved = {line.id: {f: getattr(line, f) for f in _FIELDS} for line in (number, na)}
    number.self_input, number.self_points, number.explanation = "0,75", Decimal("0.75"), EXPLANATION
    na.not_applicable, na.not_applicable_reason = True, NA_REASON
    evidence = [
        Evidence(
            score_line_id=number.id, kind="file", original_name=FILE_NAME, sha256="0" * 64,
            size=1234, mime_type="application/pdf", signed=True,
            uploaded_at=datetime.datetime(2026, 1, 5, 2, 0),
        ),
        Evidence(score_line_id=number.id, kind="link", url=LINK),
    ]  # fmt: skip
    session.add_all(evidence)
    session.flush()
    evidence_ids = [item.id for item in evidence]
    try:
        yield assessment, number, na, survey
    finally:
        session.rollback()
        session.query(Evidence).filter(Evidence.id.in_(evidence_ids)).delete()
        for line_id, values in saved.items():
            session.query(ScoreLine).filter(ScoreLine.id == line_id).update(values)
        session.expire_all()


def test_report_text_extracts_exactly(app, client_as, session, scored):
    assessment, number, na, survey = scored
    unit, round_ = assessment.unit, assessment.round
    number_code, number_max = number.criterion.code, format_points(number.criterion.max_points)
    na_code, survey_code = na.criterion.code, survey.criterion.code
    sheet = load_sheet(session, assessment)
    total = _shown(
        app,
        "Total self score: %(total)s out of %(max)s applicable points.",
        total=format_points(sheet.self_total),
        max=format_points(sheet.applicable_max),
    )
    translated = _shown(app, "self-assessment report", "báo cáo tự đánh giá") != (
        "self-assessment report"
    )
    filename = "bao-cao-tu-danh-gia" if translated else "self-assessment-report"

    client = client_as("lanhdao.xa")
    printed_on = pdf.today_local()
    started = time.perf_counter()
    response = client.get(f"/reports/self-assessment/{assessment.id}.pdf")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(filename)}-XA001-2026.pdf" in disposition
    print(f"\nself-assessment PDF of {len(sheet.rows)} rows rendered in {elapsed:.2f} s")

    text = _pdftotext(response.data, "-layout")
    expected = [
        _shown(app, "SOCIALIST REPUBLIC OF VIET NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        _shown(app, "Independence - Freedom - Happiness", "Độc lập - Tự do - Hạnh phúc"),
        _shown(app, "HEAD OF THE UNIT", "THỦ TRƯỞNG ĐƠN VỊ"),
        _shown(app, "(Signature, full name and seal)", "(Ký, ghi rõ họ tên, đóng dấu)"),
        f"{_shown(app, 'Unit')}: {unit.name}",
        "UBND PHƯỜNG LAM GIANG",
        round_.name,
        total,
    ]
    for item in expected:
        assert nfc(item) in text, f"{item!r} not in the PDF text"
    assert "■" not in text and "\ufffd" not in text
    # The scored line's row: code, maximum, then the self score with a decimal comma.
    row = next(line for line in text.splitlines() if line.strip().startswith(number_code + " "))
    assert re.search(rf"\s{re.escape(number_max)}\s+0,75\s", row), row
    # Table cells wrap over several lines, which -layout interleaves with the next cells:
    # read cells in drawing order (-raw) with line breaks taken as spaces.
    raw = _pdftotext(response.data, "-raw")
    flowing = re.sub(r"\s+", " ", raw)
    na_text = f"{_shown(app, 'Not applicable', 'Không áp dụng')}: {NA_REASON}"
    survey_text = _shown(
        app, "Scored by the sociological survey", "Chấm điểm qua điều tra xã hội học"
    )
    for item in (EXPLANATION, na_text, survey_text, FILE_NAME):
        assert nfc(item) in flowing, f"{item!r} not in the PDF text"
    # A link longer than its column is broken inside the word: compare without line breaks.
    assert LINK in re.sub(r"\s+", "", raw)
    for code in (na_code, survey_code):
        assert re.search(rf"(^|\n)\s*{re.escape(code)}\s", text), code
    # The summary by field: code, applicable maximum, self score (blank where nothing of the
    # field is self-scored); a long title wraps below, so the figures end the first line.
    scorable = pdf.scorable_fields(sheet)
    for code, field in sheet.fields.items():
        self_points = format_points(field.self_points) if code in scorable else ""
        figures = rf"\s{re.escape(format_points(field.applicable_max))}\s+{re.escape(self_points)}"
        assert re.search(rf"(^|\n){re.escape(code)}\s+\S.*{figures}\s*(\n|$)", text), code
    # Dated where and when it was printed, as an administrative document is.
    with app.test_request_context(), force_locale("vi"):
        place = pdf.province_place(unit)
        dated = {pdf.place_date(place, day) for day in (printed_on, pdf.today_local())}
    assert any(nfc(line) in text for line in dated), dated

    # Pages as images, to look at the layout (tests/artifacts/report_pdf/page-1.png).
    for old in os.listdir(ARTIFACT_DIR):
        if old.startswith("page-"):
            os.remove(os.path.join(ARTIFACT_DIR, old))
    pdf_path = os.path.join(ARTIFACT_DIR, "self_assessment.pdf")
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", pdf_path, os.path.join(ARTIFACT_DIR, "page")],
        check=True,
        timeout=120,
    )
    assert any(name.startswith("page-") for name in os.listdir(ARTIFACT_DIR))


def test_other_units_get_404(client_as, session):
    assessment = _assessment(session)
    other = client_as("canbo.xa2")
    assert other.get(f"/reports/self-assessment/{assessment.id}.pdf").status_code == 404
    own = _assessment(session, "XA002")
    leader = client_as("lanhdao.xa")
    assert leader.get(f"/reports/self-assessment/{own.id}.pdf").status_code == 404
    assert leader.get("/reports/self-assessment/999999.pdf").status_code == 404


def test_anonymous_is_sent_to_login(anon_client, session):
    assessment = _assessment(session)
    response = anon_client.get(f"/reports/self-assessment/{assessment.id}.pdf")
    assert response.status_code in (302, 401)
    assert b"%PDF" not in response.data


def test_render_errors_become_a_domain_error(app, monkeypatch):
    from app.domain.errors import DomainError

    class Failed:
        err = 1
        log = ["broken"]

    monkeypatch.setattr(pdf.pisa, "CreatePDF", lambda *args, **kwargs: Failed())
    with app.test_request_context(), pytest.raises(DomainError):
        pdf.render_pdf("<p>x</p>")


def test_without_the_bundled_font_the_render_is_refused(app):
    """A document that does not use the bundled font would print Vietnamese as "■"."""
    from app.domain.errors import DomainError

    with app.test_request_context(), pytest.raises(DomainError):
        pdf.render_pdf("<html><body><p>Phường Lam Giang</p></body></html>")
    with app.test_request_context():
        data = pdf.render_pdf(
            f"<html><head><style>{pdf.FONT_CSS} body {{ font-family: {pdf.FONT_FAMILY}; }}"
            "</style></head><body><p>Phường Lam Giang</p></body></html>"
        )
    os.makedirs(ARTIFACT_DIR, exist_ok=True)
    assert "Phường Lam Giang" in _pdftotext(data, name="font_check.pdf")


def test_characters_the_font_lacks_do_not_stop_the_report(app):

    assert pdf.printable("Đạt ✅ 100%") == "Đạt \ufffd 100%"
    with app.test_request_context():
        data = pdf.render_pdf(
            f"<html><head><style>{pdf.FONT_CSS} body {{ font-family: {pdf.FONT_FAMILY}; }}"
            "</style></head><body><p>Đạt ✅ 100% 好</p></body></html>"
        )
    os.makedirs(ARTIFACT_DIR, exist_ok=True)
    assert "Đạt \ufffd 100% \ufffd" in _pdftotext(data, name="font_check.pdf")


def test_header_place_and_date(app, session):

    department = session.query(Unit).filter_by(code="SNV").one()
    commune = session.query(Unit).filter_by(code="XA001").one()
    assert pdf.issuer_lines(department) == ("UBND TỈNH SÔNG LAM", "SỞ NỘI VỤ")
    assert pdf.issuer_lines(commune) == ("", "UBND PHƯỜNG LAM GIANG")
    with app.test_request_context():
        assert pdf.province_place(commune) == "Sông Lam"
        with force_locale("vi"):
            january = pdf.place_date("Sông Lam", datetime.date(2026, 1, 5))
            october = pdf.place_date("Sông Lam", datetime.date(2026, 10, 27))
        # Decree 30/2020: a leading zero for days under 10 and for January and February.
        assert "05" in january and "01" in january and "2026" in january
        assert "27" in october and " 10 " in october
        app.config["REPORT_PLACE"] = "Lam Giang"
        try:
            assert pdf.province_place(commune) == "Lam Giang"
        finally:
            app.config.pop("REPORT_PLACE")
