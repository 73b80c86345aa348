"""Evidence over HTTP: staff of Phường Lam Giang (XA001) attach, download and delete evidence
on one line of this year's round; staff of another unit cannot touch it; a closed window
refuses every write. The fixture opens (or closes) the window and restores everything."""

import datetime
import io
import os
import uuid
from urllib.parse import quote

import pytest
from pypdf import PdfWriter

from app.domain.clock import utcnow
from app.models import AppUser, Assessment, AuditEvent, Criterion, Evidence, Round, ScoreLine, Unit
from tests.conftest import ARTIFACTS, ROOT
from tests.helpers import page_text

JSON = {"Accept": "application/json"}
UPLOADS = os.path.join(ARTIFACTS, "uploads")
NAME = "Quyết định số 12-QĐ.pdf"
# From the catalogue's "Đã hết thời gian tự đánh giá (kết thúc lúc …)": the window's name is
# Vietnamese whatever state the compiled catalogue is in.
WINDOW_CLOSED = "thời gian tự đánh giá"


def unique_pdf():
    """A one-page PDF whose content (hence hash) no earlier run has stored."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": f"Kiểm chứng {uuid.uuid4()}"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def stored(sha256):
    return os.path.isfile(os.path.join(UPLOADS, sha256[:2], sha256[2:4], sha256))


def sha_of(data):
    import hashlib

    return hashlib.sha256(data).hexdigest()


@pytest.fixture()
def xa001_line(session):
    """The last self-scored line of XA001 in this year's round, assigned to canbo.xa, with the
    self-assessment window open. Yields a helper object; restores the round and the line."""
    round_ = session.query(Round).order_by(Round.year.desc(), Round.id).first()
    assert str(round_.year) in round_.name
    unit = session.query(Unit).filter_by(code="XA001").one()
    assessment = session.query(Assessment).filter_by(round_id=round_.id, unit_id=unit.id).one()
    line = (
        session.query(ScoreLine)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(ScoreLine.assessment_id == assessment.id, Criterion.rule != "survey")
        .order_by(Criterion.sort_key.desc())
        .first()
    )
    staff = session.query(AppUser).filter_by(username="canbo.xa").one()
    saved = dict(
        self_start=round_.self_start, self_end=round_.self_end, locked=round_.locked,
        status=assessment.status, preparer_id=line.preparer_id,
    )  # fmt: skip
    before = {e.id for e in session.query(Evidence).filter_by(score_line_id=line.id)}
    now = utcnow()
    round_.self_start, round_.self_end = (
        now - datetime.timedelta(days=1),
        now + datetime.timedelta(days=1),
    )
    round_.locked, assessment.status, line.preparer_id = False, "draft", staff.id
    session.commit()

    class Ctx:
        pass

    ctx = Ctx()
    ctx.session, ctx.round, ctx.assessment, ctx.line, ctx.staff = (
        session, round_, assessment, line, staff,
    )  # fmt: skip
    ctx.upload_url = f"/evidence/line/{line.id}/upload"

    def close_window():
        ctx.round.self_end = utcnow() - datetime.timedelta(minutes=1)
        session.commit()

    ctx.close_window = close_window
    try:
        yield ctx
    finally:
        session.rollback()
        session.expire_all()
        round_.self_start, round_.self_end = saved["self_start"], saved["self_end"]
        round_.locked, assessment.status = saved["locked"], saved["status"]
        line.preparer_id = saved["preparer_id"]
        for row in session.query(Evidence).filter_by(score_line_id=line.id):
            if row.id not in before:
                session.delete(row)
        session.commit()


def upload(client, url, data, name, json=True):
    return client.post(
        url,
        data={"file": (io.BytesIO(data), name)},
        headers=JSON if json else {},
        content_type="multipart/form-data",
    )


def evidence_count(ctx):
    ctx.session.expire_all()
    return ctx.session.query(Evidence).filter_by(score_line_id=ctx.line.id).count()


def test_staff_uploads_a_pdf_and_downloads_it_back_byte_identical(xa001_line, staff_client):
    ctx, data = xa001_line, unique_pdf()
    response = upload(staff_client, ctx.upload_url, data, NAME)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    item = body["evidence"]
    assert body["ok"] and item["name"] == NAME and item["kind"] == "file"
    assert item["size"] == len(data) and item["sha256"] == sha_of(data) and item["signed"] is False

    # Listed on the line, logged, stored under UPLOAD_DIR by hash and nowhere under app/static.
    ctx.session.expire_all()
    row = ctx.session.get(Evidence, item["id"])
    assert row.score_line_id == ctx.line.id and row.original_name == NAME
    assert row.mime_type == "application/pdf" and row.uploaded_by_id == ctx.staff.id
    event = (
        ctx.session.query(AuditEvent)
        .filter_by(action="evidence_add", entity="score_line", entity_id=ctx.line.id)
        .order_by(AuditEvent.id.desc())
        .first()
    )
    assert event.new_value == NAME and event.user_id == ctx.staff.id
    assert stored(item["sha256"])
    static = [f for _d, _s, files in os.walk(os.path.join(ROOT, "app", "static")) for f in files]
    assert item["sha256"] not in static

    # The sheet shows the whole SHA-256, so the file can be checked against a copy by hand.
    panel = staff_client.get(f"/sheet/{ctx.assessment.id}?line={ctx.line.id}")
    assert f"<code>{sha_of(data)}</code>" in panel.get_data(as_text=True)

    download = staff_client.get(item["download_url"])
    assert download.status_code == 200
    assert download.data == data
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(NAME, safe='')}" in disposition
    assert 'filename="Quyet_dinh_so_12-QD.pdf"' in disposition
    inline = staff_client.get(item["download_url"] + "?inline=1")
    assert inline.headers["Content-Disposition"].startswith("inline;")


def test_plain_form_post_flashes_and_returns_to_the_sheet(xa001_line, staff_client):
    ctx = xa001_line
    response = upload(staff_client, ctx.upload_url, unique_pdf(), "Báo cáo.pdf", json=False)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sheet/{ctx.assessment.id}")
    assert evidence_count(ctx) >= 1


def test_another_units_staff_can_neither_download_upload_nor_delete(xa001_line, client_as):
    ctx = xa001_line
    owner = client_as("canbo.xa")
    item = upload(owner, ctx.upload_url, unique_pdf(), NAME).get_json()["evidence"]
    other = client_as("canbo.xa2")

    download = other.get(item["download_url"])
    assert download.status_code == 404 and download.data != b"" and b"%PDF" not in download.data
    forged = upload(other, ctx.upload_url, unique_pdf(), "gia-mao.pdf")
    assert forged.status_code == 404 and forged.get_json()["ok"] is False
    deleted = other.post(item["delete_url"], headers=JSON)
    assert deleted.status_code == 404 and deleted.get_json()["ok"] is False
    link = other.post(ctx.upload_url, data={"url": "https://truyenhinh.vn/x"}, headers=JSON)
    assert link.status_code == 404

    ctx.session.expire_all()
    assert ctx.session.get(Evidence, item["id"]) is not None
    assert evidence_count(ctx) == 1


def test_closed_window_refuses_upload_and_delete_and_keeps_everything(xa001_line, staff_client):
    ctx = xa001_line
    item = upload(staff_client, ctx.upload_url, unique_pdf(), NAME).get_json()["evidence"]
    ctx.close_window()
    data = unique_pdf()

    refused = upload(staff_client, ctx.upload_url, data, "muộn.pdf")
    assert refused.status_code == 403
    assert WINDOW_CLOSED in refused.get_json()["error"]
    assert not stored(sha_of(data))
    link = staff_client.post(
        ctx.upload_url, data={"url": "https://truyenhinh.vn/muon"}, headers=JSON
    )
    assert link.status_code == 403
    deleted = staff_client.post(item["delete_url"], headers=JSON)
    assert deleted.status_code == 403
    assert WINDOW_CLOSED in deleted.get_json()["error"]

    # A plain form post: the reason is flashed for the sheet page (another view) to show.
    page = staff_client.post(item["delete_url"])
    assert page.status_code == 302 and page.headers["Location"].endswith(
        f"/sheet/{ctx.assessment.id}"
    )
    with staff_client.session_transaction() as flask_session:
        flashes = flask_session.get("_flashes", [])
    assert any(category == "danger" and WINDOW_CLOSED in text for category, text in flashes)
    assert evidence_count(ctx) == 1
    assert staff_client.get(item["download_url"]).status_code == 200  # reading stays possible


def test_delete_removes_the_row_keeps_the_file_and_logs(xa001_line, staff_client):
    ctx = xa001_line
    item = upload(staff_client, ctx.upload_url, unique_pdf(), NAME).get_json()["evidence"]
    response = staff_client.post(item["delete_url"], headers=JSON)
    assert response.status_code == 200 and response.get_json()["ok"]
    assert evidence_count(ctx) == 0
    assert stored(item["sha256"])
    event = (
        ctx.session.query(AuditEvent)
        .filter_by(action="evidence_delete", entity_id=ctx.line.id)
        .order_by(AuditEvent.id.desc())
        .first()
    )
    assert event.old_value == NAME


def test_links_http_only(xa001_line, staff_client):
    ctx = xa001_line
    good = staff_client.post(
        ctx.upload_url, data={"url": "https://truyenhinh.vn/phong-su"}, headers=JSON
    )
    assert good.status_code == 201
    item = good.get_json()["evidence"]
    assert item["kind"] == "link" and item["url"] == "https://truyenhinh.vn/phong-su"
    follow = staff_client.get(item["download_url"])
    assert follow.status_code == 302 and follow.headers["Location"] == item["url"]
    for bad in ("javascript:alert(1)", "ftp://x", "data:text/html,<script>1</script>"):
        response = staff_client.post(ctx.upload_url, data={"url": bad}, headers=JSON)
        assert response.status_code == 400, bad
        assert response.get_json()["ok"] is False and response.get_json()["error"]
    assert evidence_count(ctx) == 1


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00" + b"\x00" * 500, "Quyết định.pdf"),
        (b"<html><script>alert(1)</script></html>", "trang.pdf"),
        (b"<!DOCTYPE html>\n<html><body>B\xc3\xa1o c\xc3\xa1o</body></html>", "Báo cáo.html"),
        (b"", "rong.pdf"),
        (None, "../../app/static/x.pdf"),
        (None, "a" * 296 + ".pdf"),
    ],
    ids=["exe renamed pdf", "html renamed pdf", "html file", "empty", "dot-dot name",
         "300-char name"],
)  # fmt: skip
def test_bad_uploads_get_a_message_and_store_nothing(xa001_line, staff_client, data, name):
    ctx = xa001_line
    # Evidence already on the line stays as it was after the refused upload.
    kept = upload(staff_client, ctx.upload_url, unique_pdf(), NAME).get_json()["evidence"]
    data = unique_pdf() if data is None else data
    response = upload(staff_client, ctx.upload_url, data, name)
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and len(body["error"]) > 10
    assert evidence_count(ctx) == 1
    assert not stored(sha_of(data))
    assert staff_client.get(kept["download_url"]).status_code == 200


def test_over_the_size_limit_is_a_413_with_a_message(xa001_line, staff_client, app):
    ctx = xa001_line
    old = app.config["MAX_UPLOAD_MB"]
    app.config["MAX_UPLOAD_MB"] = 0.0005  # 524 bytes
    try:
        data = unique_pdf()
        assert len(data) > 600
        small_body = upload(staff_client, ctx.upload_url, data, "lon.pdf")
        huge_body = upload(staff_client, ctx.upload_url, data * 200, "rat-lon.pdf")
    finally:
        app.config["MAX_UPLOAD_MB"] = old
    for response in (small_body, huge_body):
        assert response.status_code == 413
        assert response.get_json()["ok"] is False and "MB" in response.get_json()["error"]
    assert evidence_count(ctx) == 0 and not stored(sha_of(data))


def test_missing_file_on_disk_is_a_clear_404(xa001_line, staff_client):
    ctx = xa001_line
    row = Evidence(
        score_line_id=ctx.line.id, kind="file", phase="initial", original_name="mất.pdf",
        sha256="0" * 64, size=10, mime_type="application/pdf",
    )  # fmt: skip
    ctx.session.add(row)
    ctx.session.commit()
    response = staff_client.get(f"/evidence/{row.id}/download")
    assert response.status_code == 404
    text = page_text(response)
    assert "backup" in text or "sao lưu" in text


def test_unknown_evidence_is_a_404(staff_client):
    assert staff_client.get("/evidence/999999999/download").status_code == 404
    assert staff_client.post("/evidence/999999999/delete", headers=JSON).status_code == 404
    assert staff_client.post("/evidence/line/999999999/upload", headers=JSON).status_code == 404
