"""In a real browser: the export buttons on a filtered list download what the list holds.

Screenshot: tests/artifacts/screenshots/export-buttons.png.
"""

import csv
import os

from openpyxl import load_workbook

from app.domain.clock import to_local, utcnow
from app.models import Unit


def test_organiser_downloads_a_filtered_list(
    page, live_server, login_as, session, screenshot_dir, tmp_path
):
    login_as("tochuc")
    page.goto(f"{live_server}/unitview/list/?_flt_2_name=Phường&psize_UnitView=5")
    excel = page.locator(".list-export a").nth(0)
    text_file = page.locator(".list-export a").nth(1)
    assert excel.is_visible() and text_file.is_visible()
    path = os.path.join(screenshot_dir, "export-buttons.png")
    page.screenshot(path=path, full_page=False)
    assert os.path.getsize(path) > 0

    wards = session.query(Unit).filter(Unit.name.contains("Phường")).count()
    assert wards > 5, "the filter must leave more than one page"
    today = to_local(utcnow()).strftime("%d-%m-%Y")
    with page.expect_download() as download_info:
        excel.click()
    download = download_info.value
    assert download.suggested_filename == f"Đơn vị {today}.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = load_workbook(saved).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == wards and all("Phường" in row[1] for row in rows)

    with page.expect_download() as download_info:
        text_file.click()
    download = download_info.value
    assert download.suggested_filename == f"Đơn vị {today}.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle))) == wards + 1
    # Still on the list: a download does not navigate away.
    assert "/unitview/list/" in page.url
