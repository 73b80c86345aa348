"""In a real browser: Vietnamese screens for units and criteria frameworks, form errors.

Screenshots go to tests/artifacts/screenshots/ for a person to look at.
"""

import os
import re

from app.domain.text import vi_sort_key
from app.models import Criterion, Framework, Unit

COMMUNE_FRAMEWORK = "CCHC-XA-2026"


def _column(page, heading):
    """The stripped texts of the list table's column whose header reads `heading`."""
    return page.evaluate(
        """(heading) => {
            const table = document.querySelector("table.table-bordered");
            const headers = [...table.querySelectorAll("thead th")].map(th => th.innerText.trim());
            const index = headers.indexOf(heading);
            if (index < 0) throw new Error("no column " + heading + " in " + headers.join(" | "));
            return [...table.querySelectorAll("tbody tr")]
                .map(tr => tr.children[index])
                .filter(td => td)
                .map(td => td.innerText.trim());
        }""",
        heading,
    )


def _shot(page, screenshot_dir, name, full_page=True):
    path = os.path.join(screenshot_dir, name)
    page.screenshot(path=path, full_page=full_page)
    assert os.path.getsize(path) > 0


def test_admin_browses_units_and_the_commune_framework(
    page, live_server, login_as, session, screenshot_dir
):
    login_as("admin")

    # Units: Vietnamese headings and labels, rows in Vietnamese alphabetical order.
    page.goto(f"{live_server}/unitview/list/?psize_UnitView=100")
    body = page.inner_text("body")
    assert "Đơn vị" in body
    headers = [h.strip() for h in page.locator("table.table-bordered thead th").all_inner_texts()]
    for label in ("Mã", "Tên", "Loại đơn vị", "Đơn vị cấp trên"):
        assert label in headers, headers
    names = _column(page, "Tên")
    assert len(names) == session.query(Unit).count()
    assert names == sorted(names, key=vi_sort_key)
    # Đ sorts after D and before E, not after Z as a byte-wise sort would put it.
    first_letters = [n[0] for n in names]
    assert "Đ" in first_letters
    assert first_letters.index("Đ") < first_letters.index("X")
    codes = _column(page, "Mã")
    assert "SNV" in codes and "T01" in codes
    _shot(page, screenshot_dir, "units.png")

    # The 2026 commune framework: show page with its criteria listed below.
    framework = session.query(Framework).filter_by(code=COMMUNE_FRAMEWORK).one()
    page.goto(f"{live_server}/frameworkview/show/{framework.id}")
    body = page.inner_text("body")
    assert COMMUNE_FRAMEWORK in body
    assert framework.name in body
    assert "Bộ tiêu chí" in body
    assert "Cây tiêu chí" in body
    _shot(page, screenshot_dir, "framework.png")
    page.click("a[data-toggle=tab]:text-is('Tiêu chí')")
    criteria_tab = page.locator(".tab-pane.active")
    criteria_tab.locator("table").first.wait_for()
    assert "Ban hành Kế hoạch CCHC năm của UBND cấp xã" in criteria_tab.inner_text()
    _shot(page, screenshot_dir, "framework_criteria.png")

    # Its criteria tree, reached through the page's own button.
    with page.expect_navigation():
        page.click(f"a[href$='/frameworkview/tree/{framework.id}']")
    assert page.url.endswith(f"/frameworkview/tree/{framework.id}")
    tree = page.locator("table.criteria-tree")
    tree_text = tree.inner_text()
    for code, title in (
        ("1", "Công tác chỉ đạo, điều hành cải cách hành chính"),
        ("1.1", "Kế hoạch cải cách hành chính năm"),
        ("1.1.1", "Ban hành Kế hoạch CCHC năm của UBND cấp xã"),
    ):
        assert title in tree_text
        assert session.query(Criterion).filter_by(framework_id=framework.id, code=code).count()
    assert "Tổng điểm các lĩnh vực" in tree_text
    headers = [h.strip() for h in tree.locator("thead th").all_inner_texts()]
    assert headers[:2] == ["Mã", "Nội dung"]

    rows = page.evaluate(
        """() => [...document.querySelectorAll("table.criteria-tree tbody tr")].map(tr => ({
            code: tr.children[0].innerText.trim(),
            codePad: parseFloat(getComputedStyle(tr.children[0]).paddingLeft),
            titlePad: parseFloat(getComputedStyle(tr.children[1]).paddingLeft),
            codeLeft: tr.children[0].getBoundingClientRect().left,
        }))"""
    )
    expected_codes = [
        c
        for (c,) in session.query(Criterion.code)
        .filter_by(framework_id=framework.id)
        .order_by(Criterion.sort_key)
    ]
    assert [r["code"] for r in rows] == expected_codes
    by_code = {r["code"]: r for r in rows}
    for key in ("codePad", "titlePad"):
        assert by_code["1"][key] < by_code["1.1"][key] < by_code["1.1.1"][key], key
    # Same depth, same indent; and every row's cells start in the same column.
    for r in rows:
        depth = r["code"].count(".")
        reference = by_code[("1", "1.1", "1.1.1")[min(depth, 2)]]
        assert r["codePad"] == reference["codePad"], r
    assert len({r["codeLeft"] for r in rows}) == 1
    _shot(page, screenshot_dir, "criteria_tree.png")


def test_organiser_adding_a_unit_with_a_used_code_sees_why_and_keeps_the_input(
    page, live_server, login_as, session, screenshot_dir
):
    before = session.query(Unit).count()
    name = "Đơn vị thử trùng mã (trình duyệt)"
    login_as("tochuc")
    page.goto(f"{live_server}/unitview/add")
    page.fill("input#code", "snv")
    page.fill("input#name", name)
    page.select_option("select#unit_type", label="Sở, ban, ngành", force=True)
    with page.expect_navigation():
        page.click("form#model_form button[type=submit]")

    body = page.inner_text("body")
    assert re.search(r"Mã đơn vị snv đã được đơn vị khác sử dụng", body), body[:2000]
    assert page.input_value("input#name") == name
    assert page.input_value("input#code") == "snv"
    _shot(page, screenshot_dir, "unit_duplicate_code.png")
    session.expire_all()
    assert session.query(Unit).count() == before


def test_sorting_units_by_the_name_header_keeps_vietnamese_order(page, live_server, login_as):
    login_as("admin")
    page.goto(f"{live_server}/unitview/list/?psize_UnitView=100")
    with page.expect_navigation():
        page.click("table.table-bordered thead th a:has-text('Tên')")
    assert "_oc_UnitView=sorted_name" in page.url
    names = _column(page, "Tên")
    assert names == sorted(names, key=vi_sort_key)


def test_deleting_a_unit_asks_in_vietnamese(page, live_server, login_as, session, screenshot_dir):
    unit = session.query(Unit).filter_by(code="SNV").one()
    login_as("tochuc")
    page.goto(f"{live_server}/unitview/list/?psize_UnitView=100")
    page.click(f"[id='btn-delete-/unitview/delete/{unit.id}']")
    modal = page.locator("#modal-confirm")
    modal.wait_for(state="visible")
    page.wait_for_timeout(300)  # the Bootstrap fade-in
    # Viewport only: Bootstrap's fixed backdrop would cover just the top of a full-page shot.
    _shot(page, screenshot_dir, "unit_delete_confirm.png", full_page=False)
    text = modal.inner_text()
    assert "Bạn có chắc chắn muốn xóa" in text
    buttons = [b.strip() for b in modal.locator(".modal-footer .btn").all_inner_texts()]
    assert buttons == ["Hủy", "Đồng ý"], buttons
    modal.locator(".modal-footer button").click()
    modal.wait_for(state="hidden")
    session.expire_all()
    assert session.get(Unit, unit.id) is not None
