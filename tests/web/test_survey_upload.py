"""The organiser's survey import over HTTP: every bad file gets a Vietnamese report by line
number and nothing is imported; a good file is previewed (what it imports, what it
replaces) and applied on confirmation, once; a template to fill in; past imports listed.

On tests/web/secret_world.py's round (finalised, not published: a survey may still come)."""

import html
import io
import re
import unicodedata

import pytest
from openpyxl import Workbook, load_workbook

from app.models import SurveyImport, SurveyResult
from tests.vietnamese import catalogue
from tests.vietnamese import install as install_vietnamese
from tests.web.appraisal_web import text_of
from tests.web.secret_world import secret_world_fixture  # noqa: F401  (secret_world)

URL = "/survey-import/"


@pytest.fixture(autouse=True)
def vietnamese(monkeypatch):
    install_vietnamese(monkeypatch)


def vi(msgid, **values):
    text = catalogue().get(msgid, msgid)
    return text % values if values else text


def _upload(client, world, data, name="ket-qua.csv", mode="points", kind="sipas"):
    form = {"round_id": str(world.round_id), "kind": kind, "mode": mode,
            "file": (io.BytesIO(data), name)}  # fmt: skip
    return client.post(URL, data=form, content_type="multipart/form-data")


def _errors(response):
    """{line (or "" for the whole file): message} of the page's report."""
    rows = re.findall(
        r'<tr class="survey-error" data-line="([^"]*)">\s*<td>.*?</td>\s*<td>(.*?)</td>'
        r"<td>(.*?)</td>",
        response.data.decode(),
        re.S,
    )
    return {line: html.unescape(message) for line, _code, message in rows}


def _imports(session, world):
    session.expire_all()
    return session.query(SurveyImport).filter_by(round_id=world.round_id).count()


def _csv(*rows, encoding="utf-8"):
    text = "\n".join(";".join(row) for row in rows)
    if encoding == "cp1258":  # Windows-1258 writes the tones as separate marks
        text = "".join(_cp1258_letter(ch) for ch in text)
    return text.encode(encoding)


def _cp1258_letter(ch):
    tones = "\u0300\u0301\u0303\u0309\u0323"
    parts = unicodedata.normalize("NFD", ch)
    base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
    return base + "".join(c for c in parts if c in tones)


HEADER = ("Mã đơn vị", "Kết quả")


@pytest.mark.parametrize(
    ("rows", "mode", "line", "msgid", "values"),
    [
        ((("BM-1", "50"), ("XA999", "40")), "points", "3", "No unit has the code “%(code)s”.",
         {"code": "XA999"}),
        ((("BM-1", "50"), ("bm-1", "40")), "points", "3", "%(name)s is already on line %(line)s.",
         {"name": "Xã Bí Mật 1", "line": 2}),
        ((("BM-1", "120"), ("BM-2", "90")), "percent", "2",
         "The percentage %(value)s%% is over 100%%.", {"value": "120"}),
        ((("BM-1", "năm mươi"), ("BM-2", "40")), "points", "2",
         "“%(value)s” is not a number. Write it like 8 or 8,5.", {"value": "năm mươi"}),
        ((("BM-1", "50"), ("XA001", "40")), "points", "3",
         "%(name)s does not take part in this assessment round.", {"name": "Phường Lam Giang"}),
    ],
)  # fmt: skip
def test_a_bad_row_is_reported_by_line_and_nothing_is_imported(
    session, organiser_client, secret_world, rows, mode, line, msgid, values
):
    before = _imports(session, secret_world)
    response = _upload(organiser_client, secret_world, _csv(HEADER, *rows), mode=mode)
    assert response.status_code == 422
    assert _errors(response)[line] == vi(msgid, **values)
    assert vi("Nothing was imported: the file has errors.") in text_of(response)
    assert 'id="confirm-survey"' not in response.data.decode()
    assert _imports(session, secret_world) == before


@pytest.mark.parametrize(
    ("data", "name", "msgid"),
    [
        (b"", "rong.csv", "The file is empty."),
        (b"\x00\x01\x02PK garbage \xff\xfe\x00" * 20, "hong.xlsx",
         "The file is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file with a "
         "unit code column and a value column."),
        (b"PK\x03\x04 a broken zip", "hong.xlsx",
         "The file is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file with a "
         "unit code column and a value column."),
    ],
)  # fmt: skip
def test_a_broken_file_is_refused_as_a_whole_never_a_server_error(
    session, organiser_client, secret_world, data, name, msgid
):
    before = _imports(session, secret_world)
    response = _upload(organiser_client, secret_world, data, name)
    assert response.status_code == 422
    assert _errors(response)[""] == vi(msgid)
    assert _imports(session, secret_world) == before


def test_legacy_encodings_are_read_right(organiser_client, secret_world):
    windows_1258 = _csv(HEADER, ("BM-1", "50,5"), ("BM-2", "40"), encoding="cp1258")
    preview = _upload(organiser_client, secret_world, windows_1258)
    assert preview.status_code == 200, _errors(preview)
    utf16 = "\r\n".join("\t".join(r) for r in (HEADER, ("BM-1", "61"), ("BM-2", "7,5")))
    preview = _upload(organiser_client, secret_world, utf16.encode("utf-16"), "unicode.txt")
    assert preview.status_code == 200, _errors(preview)
    assert "61" in text_of(preview) and "7,5" in text_of(preview)


def test_the_preview_shows_what_replaces_what_then_the_import_applies_once(
    session, organiser_client, client_as, secret_world
):
    before = _imports(session, secret_world)
    workbook = Workbook()
    workbook.active.append(["KẾT QUẢ ĐIỀU TRA SIPAS"])
    workbook.active.append(["Mã đơn vị", "Tên đơn vị", "Kết quả"])
    workbook.active.append(["BM-1", "Xã Bí Mật 1", 75])
    workbook.active.append(["BM-2", "Xã Bí Mật 2", 62.5])
    data = io.BytesIO()
    workbook.save(data)
    preview = _upload(organiser_client, secret_world, data.getvalue(), "SIPAS 2031.xlsx",
                      mode="percent")  # fmt: skip
    assert preview.status_code == 200
    text = text_of(preview)
    # 75% and 62,5% of the survey's 80 points; the previous import's 68,91 and 57,29.
    assert "68,91 → 60" in text and "57,29 → 50" in text
    assert vi("This import replaces the previous one: %(file)s, %(count)s units, imported at "
              "%(time)s.", file="bi-mat.csv", count=2, time="")[:40] in text  # fmt: skip
    assert _imports(session, secret_world) == before  # the preview wrote nothing
    token = re.search(r'name="token" value="([^"]+)"', preview.data.decode()).group(1)
    # Another account cannot confirm the organiser's preview.
    stolen = client_as("admin").post(URL, data={"token": token})
    assert stolen.status_code == 409 and _imports(session, secret_world) == before
    done = organiser_client.post(URL, data={"token": token}, follow_redirects=True)
    assert done.status_code == 200 and "SIPAS 2031.xlsx" in text_of(done)
    assert _imports(session, secret_world) == before + 1
    points = dict(
        (r.unit.code, r.points)
        for r in session.query(SurveyResult).filter_by(round_id=secret_world.round_id)
    )
    assert {code: str(p) for code, p in points.items()} == {"BM-1": "60.00", "BM-2": "50.00"}
    again = organiser_client.post(URL, data={"token": token})
    assert again.status_code == 409 and _imports(session, secret_world) == before + 1


def test_a_kind_the_framework_has_not_is_refused(session, organiser_client, secret_world):
    response = _upload(organiser_client, secret_world, _csv(HEADER, ("BM-1", "2")),
                       kind="services")  # fmt: skip
    assert response.status_code == 422
    kind = vi("Satisfaction with public health and education services")
    assert _errors(response)[""] == vi(
        "The round's criteria framework has no survey lines of the kind “%(kind)s”.", kind=kind
    )


def test_the_template_lists_the_rounds_units(organiser_client, secret_world):
    response = organiser_client.get(f"{URL}template.xlsx?round_id={secret_world.round_id}")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("Mã đơn vị", "Tên đơn vị", "Kết quả")
    assert rows[1:] == [("BM-1", "Xã Bí Mật 1", None), ("BM-2", "Xã Bí Mật 2", None)]
    assert "attachment" in response.headers["Content-Disposition"]


def test_only_the_organiser_imports(client_as, secret_world):
    for username in ("lanhdao.xa", "xem", "hoidong"):
        client = client_as(username)
        assert client.get(URL).status_code in (302, 403)
        response = _upload(client, secret_world, _csv(HEADER, ("BM-1", "1")))
        assert response.status_code in (302, 403)


def test_past_imports_are_listed_in_vietnamese(organiser_client, secret_world):
    text = text_of(organiser_client.get("/surveyimportview/list/"))
    assert "bi-mat.csv" in text and "Sự hài lòng của người dân, tổ chức (SIPAS)" in text
