"""The score sheet in chromium: typing a score saves it without a reload, Tab goes to the next
score, a wrong value stays in the input with the reason; and a screenshot of the sheet."""

import io
import os
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfWriter
from sqlalchemy import func
from sqlalchemy.orm import Session

from app.models import AppUser, AuditEvent, ScoreLine
from tests.web.test_sheet import build_small_sheet, demo_assessment, remove_small_sheet

SAVED = re.compile(r"Đã lưu|Saved")
LINE_COLUMNS = (
    "self_input", "self_points", "explanation", "not_applicable", "not_applicable_reason",
    "preparer_id",
)  # fmt: skip


@pytest.fixture()
def small_sheet(test_engine):
    with Session(test_engine) as s:
        ids = build_small_sheet(s)
        staff = s.query(AppUser).filter_by(username="canbo.xa").one()
        for line in s.query(ScoreLine).filter(ScoreLine.id.in_(ids["lines"].values())):
            line.preparer_id = staff.id
        s.commit()
    yield ids
    with Session(test_engine) as s:
        remove_small_sheet(s, ids)


@pytest.fixture()
def demo_sheet_with_field_2_for_staff(test_engine):
    """The demo 2026 sheet of XA001 with field 2 given to canbo.xa; put back afterwards."""
    with Session(test_engine) as s:
        assessment = demo_assessment(s, "XA001")
        staff = s.query(AppUser).filter_by(username="canbo.xa").one()
        lines = s.query(ScoreLine).filter_by(assessment_id=assessment.id).all()
        saved = {line.id: {c: getattr(line, c) for c in LINE_COLUMNS} for line in lines}
        last_event = s.query(func.max(AuditEvent.id)).scalar() or 0
        field_2 = [line for line in lines if line.criterion.code.startswith("2.")]
        for line in field_2:
            line.preparer_id = staff.id
        s.commit()
        ids = {line.criterion.code: line.id for line in lines}
        ids["assessment"] = assessment.id
    yield ids
    with Session(test_engine) as s:
        for line in s.query(ScoreLine).filter(ScoreLine.id.in_(saved)):
            for column, value in saved[line.id].items():
                setattr(line, column, value)
        s.query(AuditEvent).filter(
            AuditEvent.id > last_event,
            AuditEvent.entity == "score_line",
            AuditEvent.entity_id.in_(saved),
        ).delete(synchronize_session=False)
        s.commit()


def not_scored_text(page, line_id):
    """The badge text of a line that has no score yet (translated or not)."""
    return page.locator(f"#line-{line_id} .missing-badge").inner_text()


def test_staff_types_a_score_and_sees_it_saved(login_as, live_server, small_sheet, session):
    page = login_as("canbo.xa")
    page.goto(f"{live_server}/sheet/{small_sheet['assessment']}")
    lines = small_sheet["lines"]
    score = page.locator(f"#score-{lines['1.1']}")
    score.fill("8,5")
    page.keyboard.press("Tab")
    row = page.locator(f"#line-{lines['1.1']}")
    expect(row.locator(".save-status")).to_have_text(SAVED)
    expect(row.locator("[data-points]")).to_have_text("8,5")
    expect(page.locator(".sheet-summary [data-total]")).to_have_text("8,5")
    expect(page.locator('[data-field-total="1"]')).to_have_text("8,5")
    expect(page.locator(".sheet-summary [data-scored]")).to_have_text("1")
    # Tab went to the next score (the choice of 1.2), not to the row's other controls.
    assert page.evaluate("document.activeElement.id") == f"score-{lines['1.2']}"
    # Once the user pauses, the line's "missing" badge says what is still needed: 1.1 is
    # scored but requires evidence or an explanation.
    badge = row.locator(".missing-badge")
    expect(badge).not_to_have_text(not_scored_text(page, lines["1.2"]))
    expect(badge).to_be_visible()
    session.expire_all()
    assert session.get(ScoreLine, lines["1.1"]).self_points == Decimal("8.50")

    # A wrong value stays where it was typed, in red, with the reason; nothing is stored.
    wrong = page.locator(f"#score-{lines['2.1']}")
    wrong.fill("8,,5")
    wrong.press("Enter")
    bad_row = page.locator(f"#line-{lines['2.1']}")
    expect(bad_row.locator(".save-status")).to_contain_text("8,,5")
    expect(wrong).to_have_class(re.compile(r"is-invalid"))
    expect(wrong).to_have_value("8,,5")
    assert page.url.endswith(f"/sheet/{small_sheet['assessment']}")  # Enter did not submit
    session.expire_all()
    assert session.get(ScoreLine, lines["2.1"]).self_points is None


def test_screenshot_of_the_sheet(
    login_as, live_server, demo_sheet_with_field_2_for_staff, screenshot_dir
):
    ids = demo_sheet_with_field_2_for_staff
    page = login_as("canbo.xa")
    page.goto(f"{live_server}/sheet/{ids['assessment']}")
    score = page.locator(f"#score-{ids['2.1.1']}")
    score.fill("0,75")
    page.keyboard.press("Tab")
    expect(page.locator(f"#line-{ids['2.1.1']} .save-status")).to_have_text(SAVED)
    unscored = not_scored_text(page, ids["2.1.2"])
    expect(page.locator(f"#line-{ids['2.1.1']} .missing-badge")).not_to_have_text(unscored)
    choice = page.locator(f"#score-{ids['2.2.1']}")
    choice.select_option("cham")
    expect(page.locator(f"#line-{ids['2.2.1']} .save-status")).to_have_text(SAVED)
    wrong = page.locator(f"#score-{ids['2.2.2']}")
    wrong.fill("1,3")
    wrong.press("Enter")
    expect(wrong).to_have_class(re.compile(r"is-invalid"))
    # Ctrl+Enter opens the line's explanation and evidence.
    score.focus()
    score.press("Control+Enter")
    expect(page.locator(f"#detail-{ids['2.1.1']}")).to_be_visible()
    # Field 2 at the top, below the sticky totals (scroll-margin-top in sheet.css).
    page.locator(f"#line-{ids['2.1.1']}").evaluate("el => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=os.path.join(screenshot_dir, "sheet.png"))
    page.screenshot(path=os.path.join(screenshot_dir, "sheet_full.png"), full_page=True)


def tiny_pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_evidence_panel_filters_and_keyboard(login_as, live_server, small_sheet, session):
    page = login_as("canbo.xa")
    page.goto(f"{live_server}/sheet/{small_sheet['assessment']}")
    lines = small_sheet["lines"]
    row, detail = page.locator(f"#line-{lines['1.1']}"), page.locator(f"#detail-{lines['1.1']}")
    score = page.locator(f"#score-{lines['1.1']}")
    score.fill("7")
    score.press("Enter")
    expect(row.locator(".save-status")).to_have_text(SAVED)
    # Ctrl+Enter opens the panel and goes to the explanation; Esc closes it, back to the score.
    score.press("Control+Enter")
    explanation = page.locator(f"#explanation-{lines['1.1']}")
    expect(explanation).to_be_focused()
    explanation.press("Escape")
    expect(detail).to_be_hidden()
    expect(score).to_be_focused()
    # Upload a PDF: it appears in the list, the count goes up, the line no longer misses it.
    row.locator(".toggle-detail").click()
    detail.locator("input[type=file]").set_input_files(
        files=[{"name": "Kế hoạch số 12.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()}]
    )
    detail.locator(".upload-evidence button[type=submit]").click()
    item = detail.locator(".evidence-item")
    expect(item).to_contain_text("Kế hoạch số 12.pdf")
    expect(row.locator(".evidence-count")).to_have_text("1")
    expect(row.locator(".missing-badge")).to_be_hidden()
    page.on("dialog", lambda dialog: dialog.accept())
    item.locator("button[type=submit]").click()
    expect(detail.locator(".evidence-item")).to_have_count(0)
    expect(row.locator(".evidence-count")).to_have_text("0")
    # Filters hide rows without a reload: 1.1 is scored but misses its evidence again.
    page.locator("[data-filter=missing]").click()
    expect(page.locator(f"#line-{lines['1.2']}")).to_be_visible()
    expect(page.locator(f"#line-{lines['2.4']}")).to_be_hidden()  # survey: never missing
    expect(row).to_be_visible()
    assert "show=missing" in page.url
    # The history of the line, on demand (the panel stayed open).
    detail.locator(".show-history").click()
    expect(detail.locator(".history-table")).to_contain_text("Phạm Thị Mai")
