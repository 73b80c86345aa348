"""Many people saving at once on one sheet: different lines are all saved (none lost, none
refused); increments of one line by read-modify-write, each sending the version its last
answer gave, lose no step; the totals the sheet shows add up the lines; an Excel import
racing an autosave keeps one of them whole.
"""

import io
import json
import re
from decimal import Decimal

import openpyxl
from sqlalchemy.orm import Session

from app.domain.scoring import format_points
from app.models import ScoreLine
from tests.concurrency.world import (
    LINES,
    Rendezvous,
    audit_events,
    clients,
    read_line,
    run_together,
)
from tests.helpers import page_text
from tests.vietnamese import catalogue

JSON = {"Accept": "application/json"}


def post_json(client, url, **body):
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=JSON)


def points(text):
    return Decimal(text.replace(",", ".")) if text else Decimal(0)


def sheet_total(client, assessment_id):
    answer = client.get(f"/sheet/{assessment_id}", headers=JSON)
    assert answer.status_code == 200
    return answer.json["total"]


def test_different_lines_saved_at_once_are_all_kept(app, session, sheet, test_engine):
    codes = [f"1.{i}" for i in range(1, LINES + 1)]
    tabs = clients(app, 12)
    value_of = {code: format_points(Decimal(i % 20 + 1) / 2) for i, code in enumerate(codes)}

    def save(client, mine):
        def task():
            answers = []
            for code in mine:
                line_id = sheet["lines"][code]
                version = read_line_version(test_engine, line_id)
                answer = post_json(client, f"/sheet/line/{line_id}/score",
                                   value=value_of[code], version=version)  # fmt: skip
                answers.append((code, answer.status_code, answer.get_json()))
            return answers

        return task

    shares = [codes[i :: len(tabs)] for i in range(len(tabs))]
    tasks = [save(c, m) for c, m in zip(tabs, shares, strict=True)]
    results = [answer for answers in run_together(tasks) for answer in answers]
    assert [(code, status) for code, status, _ in results if status != 200] == []
    for code in codes:
        line = read_line(session, sheet["lines"][code])
        assert format_points(line.self_points) == value_of[code], code
        assert [e.new_value for e in audit_events(session, line.id, "score")] == [value_of[code]]
    expected = sum(points(v) for v in value_of.values())
    assert sheet_total(tabs[0], sheet["assessment"]) == format_points(expected)


def read_line_version(engine, line_id):
    """The version of the line now: what a page opened now shows (a session per thread)."""
    with Session(engine) as s:
        return s.get(ScoreLine, line_id).version


def test_increments_by_read_modify_write_lose_no_step(app, session, sheet, test_engine):
    """Four tabs add 0,5 to one line five times each, every save sending the version its last
    answer gave (as the sheet does); a 409 gives the value and version to build on. Meanwhile
    two other tabs save other lines. Every acknowledged save is one step: 20 steps, 10 points,
    each value from 0,5 to 10 saved exactly once."""
    counter = sheet["lines"]["1.1"]
    start = read_line(session, counter).version
    incrementers, others = clients(app, 4), clients(app, 2)

    def increment(client):
        def task():
            value, version, saved, refused = Decimal(0), start, 0, 0
            while saved < 5 and refused < 200:
                answer = post_json(
                    client,
                    f"/sheet/line/{counter}/score",
                    value=format_points(value + Decimal("0.5")),
                    version=version,
                )
                data = answer.get_json()  # fmt: skip
                if answer.status_code == 200:
                    value, saved = points(data["points"]), saved + 1
                else:
                    assert answer.status_code == 409, data
                    value, refused = points(data["current"]), refused + 1
                version = data["version"]
            return saved

        return task

    def other(client, codes):
        def task():
            for code in codes:
                line_id = sheet["lines"][code]
                answer = post_json(client, f"/sheet/line/{line_id}/score", value="2,5",
                                   version=read_line_version(test_engine, line_id))  # fmt: skip
                assert answer.status_code == 200, answer.get_json()
            return 0

        return task

    tasks = [increment(c) for c in incrementers]
    tasks += [other(others[0], ["1.2", "1.3", "1.4"]), other(others[1], ["1.5", "1.6"])]
    assert sum(run_together(tasks)) == 20
    line = read_line(session, counter)
    assert line.self_points == Decimal("10") and line.version == start + 20
    steps = [e.new_value for e in audit_events(session, counter, "score")]
    assert sorted(steps, key=points) == [format_points(Decimal(i) / 2) for i in range(1, 21)]
    assert sheet_total(incrementers[0], sheet["assessment"]) == format_points(
        Decimal("10") + 5 * Decimal("2.5")
    )


def _workbook_with(client, assessment_id, values):
    export = client.get(f"/sheet-excel/{assessment_id}/export")
    assert export.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(export.data))
    sheet = workbook.active
    for row in range(2, sheet.max_row + 1):
        code = sheet.cell(row=row, column=1).value
        if code in values:
            sheet.cell(row=row, column=5).value = values[code]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_excel_import_racing_an_autosave_keeps_one_of_them_whole(
    app, session, sheet, vietnamese
):
    importer, typist = clients(app, 2)
    assessment_id = sheet["assessment"]
    first, second = sheet["lines"]["1.7"], sheet["lines"]["1.8"]
    data = _workbook_with(importer, assessment_id, {"1.7": 5, "1.8": 6})
    preview = importer.post(
        f"/sheet-excel/{assessment_id}/import",
        data={"file": (io.BytesIO(data), "phiếu.xlsx")}, content_type="multipart/form-data",
    )  # fmt: skip
    token = re.search(r'name="token" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    loaded = read_line(session, first).version

    def confirm():
        answer = importer.post(f"/sheet-excel/{assessment_id}/import", data={"token": token})
        return answer.status_code, page_text(answer)

    def autosave():
        answer = post_json(typist, f"/sheet/line/{first}/score", value="7", version=loaded)
        return answer.status_code, answer.get_json()

    with Rendezvous(2).holding():
        (imported, page), (typed, answer) = run_together([confirm, autosave])
    kept = read_line(session, first), read_line(session, second)
    if imported == 302:  # the whole file is in; the typist reads its value
        assert [line.self_points for line in kept] == [Decimal("5"), Decimal("6")]
        assert typed == 409 and answer["current"] == "5"
    else:  # the typed 7 stays; nothing of the file is in, and the page names the line
        assert typed == 200 and [line.self_points for line in kept] == [Decimal("7"), None]
        message = catalogue()[
            "Line %(code)s was changed by someone else after the preview: it now holds "
            "%(value)s. Upload the file again to see the new preview."
        ]
        assert message.split("%(value)s")[0] % {"code": "1.7"} in " ".join(page.split())
