"""The whole self-assessment in chromium: a staff member fills three lines (a score typed as
"8,5", an option, a line with an uploaded PDF), the leader sees the totals, submits, and
downloads the self-assessment report, whose text (pdftotext) carries what was entered,
diacritics included.

The sheet is the small one of tests/web/test_sheet.py (unit XA001, its own round, removed at
the end), with every other line already filled so that submitting succeeds."""

import hashlib
import os
import re
import subprocess
import unicodedata
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from app.models import AppUser, Assessment, Criterion, Evidence, ScoreLine
from app.models.scoring import STATUS_SUBMITTED
from tests.conftest import ARTIFACTS
from tests.unit.test_evidence_files import make_signed_pdf
from tests.web.test_report_pdf import _shown
from tests.web.test_sheet import build_small_sheet, remove_small_sheet

SAVED = re.compile(r"Đã lưu|Saved")
FILE_NAME = "Quyết định số 15-QĐ-UBND về kiểm soát thủ tục hành chính.pdf"
REPORT_DIR = os.path.join(ARTIFACTS, "sheet_submit")


def nfc(text):
    return unicodedata.normalize("NFC", text)


@pytest.fixture()
def sheet_to_submit(test_engine):
    """The small sheet with its lines given to canbo.xa; evidence is required on 2.1 (where the
    PDF goes) instead of 1.1; the percentage and deduction lines are already filled."""
    with Session(test_engine) as s:
        ids = build_small_sheet(s)
        criteria = ids["criteria"]
        s.get(Criterion, criteria["1.1"]).evidence_required = False
        s.get(Criterion, criteria["2.1"]).evidence_required = True
        staff = s.query(AppUser).filter_by(username="canbo.xa").one()
        prefilled = {"2.2": ("95", Decimal("2")), "2.3": ("1", Decimal("0.75"))}
        for code, line_id in ids["lines"].items():
            line = s.get(ScoreLine, line_id)
            line.preparer_id = staff.id
            if code in prefilled:
                line.self_input, line.self_points = prefilled[code]
        s.commit()
    os.makedirs(REPORT_DIR, exist_ok=True)
    yield ids
    with Session(test_engine) as s:
        remove_small_sheet(s, ids)


def _pdftotext(path, *options):
    out = subprocess.run(
        ["pdftotext", *options, path, "-"], capture_output=True, check=True, timeout=60
    )
    return nfc(out.stdout.decode("utf-8"))


def test_staff_fills_three_lines_leader_submits_and_downloads_the_report(
    app, login_as, live_server, sheet_to_submit, session, screenshot_dir
):
    ids, lines = sheet_to_submit, sheet_to_submit["lines"]
    sheet_url = f"{live_server}/sheet/{ids['assessment']}"

    # --- the staff member -------------------------------------------------------------------
    page = login_as("canbo.xa")
    page.goto(sheet_url)
    number = page.locator(f"#score-{lines['1.1']}")
    number.fill("8,5")
    number.press("Tab")
    expect(page.locator(f"#line-{lines['1.1']} .save-status")).to_have_text(SAVED)
    expect(page.locator(f"#line-{lines['1.1']} [data-points]")).to_have_text("8,5")
    # Tab went on to the next score, the option list of 1.2: choose with the keyboard's focus.
    assert page.evaluate("document.activeElement.id") == f"score-{lines['1.2']}"
    page.locator(f"#score-{lines['1.2']}").select_option("co")
    expect(page.locator(f"#line-{lines['1.2']} .save-status")).to_have_text(SAVED)
    expect(page.locator(f"#line-{lines['1.2']} [data-points]")).to_have_text("5")

    # 2.1: a score, then its required evidence, a signed PDF with a Vietnamese name.
    row, detail = page.locator(f"#line-{lines['2.1']}"), page.locator(f"#detail-{lines['2.1']}")
    score = page.locator(f"#score-{lines['2.1']}")
    score.fill("1,5")
    score.press("Enter")
    expect(row.locator(".save-status")).to_have_text(SAVED)
    expect(row.locator(".missing-badge")).to_be_visible()  # evidence still missing
    score.press("Control+Enter")
    expect(detail).to_be_visible()
    signed_pdf = make_signed_pdf()
    detail.locator("input[type=file]").set_input_files(
        files=[{"name": FILE_NAME, "mimeType": "application/pdf", "buffer": signed_pdf}]
    )
    detail.locator(".upload-evidence button[type=submit]").click()
    item = detail.locator(".evidence-item")
    expect(item).to_contain_text(FILE_NAME)
    expect(item).to_contain_text(_shown(app, "Digitally signed"))
    sha256 = hashlib.sha256(signed_pdf).hexdigest()
    expect(item.locator(".sha code")).to_have_text(sha256)
    expect(row.locator(".evidence-count")).to_have_text("1")
    expect(row.locator(".missing-badge")).to_be_hidden()
    expect(page.locator(".sheet-summary [data-total]")).to_have_text("17,75")
    page.screenshot(path=os.path.join(screenshot_dir, "sheet_submit_staff.png"), full_page=True)
    # Staff may not submit: the leader's panel is not theirs.
    expect(page.locator(".leader-panel")).to_have_count(0)

    # --- the leader -------------------------------------------------------------------------
    page.goto(f"{live_server}/logout/")
    page = login_as("lanhdao.xa")
    page.goto(sheet_url)
    summary = page.locator(".sheet-summary")
    expect(summary.locator("[data-total]")).to_have_text("17,75")
    expect(summary.locator("[data-max]")).to_have_text("21")
    expect(summary.locator("[data-scored]")).to_have_text("5")
    expect(summary.locator("[data-lines-total]")).to_have_text("5")
    expect(summary.locator("[data-missing-evidence]")).to_have_text("0")
    expect(page.locator('[data-field-total="1"]')).to_have_text("13,5")
    expect(page.locator('[data-field-total="2"]')).to_have_text("4,25")
    page.screenshot(path=os.path.join(screenshot_dir, "sheet_submit_leader.png"), full_page=True)

    with page.expect_navigation():
        page.locator(".leader-actions button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text(
        _shown(app, "The self-assessment has been submitted.")
    )
    expect(summary.locator(".label-success")).to_have_text(_shown(app, "Submitted"))
    # Submitted: the scores are read-only now, and the leader may withdraw instead.
    expect(page.locator(f"#score-{lines['1.1']}")).to_have_count(0)
    expect(page.locator(".leader-actions .btn-warning")).to_be_visible()
    page.screenshot(path=os.path.join(screenshot_dir, "sheet_submit_done.png"))

    with page.expect_download() as download_info:
        page.locator(".summary-links a[href$='.pdf']").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-XA001-2000.pdf")
    pdf_path = os.path.join(REPORT_DIR, "self_assessment.pdf")
    download.save_as(pdf_path)

    # --- what was stored ---------------------------------------------------------------------
    session.expire_all()
    assessment = session.get(Assessment, ids["assessment"])
    leader = session.query(AppUser).filter_by(username="lanhdao.xa").one()
    assert (assessment.status, assessment.submitted_by_id) == (STATUS_SUBMITTED, leader.id)
    stored = {code: session.get(ScoreLine, line_id) for code, line_id in lines.items()}
    assert (stored["1.1"].self_input, stored["1.1"].self_points) == ("8.5", Decimal("8.50"))
    assert (stored["1.2"].self_input, stored["1.2"].self_points) == ("co", Decimal("5.00"))
    evidence = session.query(Evidence).filter_by(score_line_id=lines["2.1"]).one()
    assert (evidence.original_name, evidence.mime_type, evidence.signed) == (
        FILE_NAME, "application/pdf", True,
    )  # fmt: skip

    # --- the report's text --------------------------------------------------------------------
    with open(pdf_path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    text = _pdftotext(pdf_path, "-layout")
    total = _shown(
        app, "Total self score: %(total)s out of %(max)s applicable points.",
        total="17,75", max="21",
    )  # fmt: skip
    for expected in (
        _shown(app, "SOCIALIST REPUBLIC OF VIET NAM"),
        _shown(app, "Independence - Freedom - Happiness"),
        "UBND PHƯỜNG LAM GIANG",
        f"{_shown(app, 'Unit')}: Phường Lam Giang",
        "Vòng thử nghiệm phiếu chấm điểm",
        total,
        _shown(app, "HEAD OF THE UNIT"),
    ):
        assert nfc(expected) in text, f"{expected!r} not in the report"
    assert "■" not in text and "\ufffd" not in text
    # Each filled line's row: code, title with its diacritics, maximum, self score.
    rows = {line.split()[0]: line for line in text.splitlines() if re.match(r"\s*\d", line)}
    assert re.search(r"Tiêu chí chấm bằng số\s+10\s+8,5(\s|$)", rows["1.1"]), rows["1.1"]
    assert re.search(r"Tiêu chí chọn phương án\s+5\s+5(\s|$)", rows["1.2"]), rows["1.2"]
    assert re.search(r"\s2\s+1,5(\s|$)", rows["2.1"]), rows["2.1"]
    # The evidence list: cells wrap, so read them in drawing order with breaks as spaces.
    flowing = re.sub(r"\s+", " ", _pdftotext(pdf_path, "-raw"))
    assert nfc(FILE_NAME) in flowing
    assert _shown(app, "(digitally signed)") in flowing

    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", pdf_path,
         os.path.join(REPORT_DIR, "page")],
        check=True, timeout=120,
    )  # fmt: skip
