"""Evidence uploads judged on their bytes and names (no HTTP): what is refused, what is kept,
how files are stored, and signature detection. The last tests go through add_file on this
year's commune round, unit XA009, with accounts made here, so they meet no other test's lines."""

import datetime
import hashlib
import io
import os
import unicodedata
import zipfile

import pytest
from flask_appbuilder.security.sqla.models import Role
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from app.domain import evidence as ev
from app.domain.errors import DomainError
from app.models import AppUser, Assessment, AuditEvent, Criterion, Evidence, Round, ScoreLine, Unit
from app.security import roles

VIETNAMESE_NAME = "Quyết định số 12-QĐ.pdf"


# --- sample files --------------------------------------------------------------------------


def make_pdf(pages=1, action=None):
    """Blank pages; `action` ("/JavaScript" or "/Launch") makes the PDF run it when opened."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if action:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject(action),
                NameObject("/JS"): TextStringObject("app.alert('x');"),
                NameObject("/F"): TextStringObject("cmd.exe"),
            }
        )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_signed_pdf(with_value=True):
    """A blank page with an AcroForm signature field, as a signing tool leaves it."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    field = DictionaryObject(
        {
            NameObject("/FT"): NameObject("/Sig"),
            NameObject("/T"): TextStringObject("Chữ ký số"),
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
        }
    )
    if with_value:
        value = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Sig"),
                NameObject("/Filter"): NameObject("/Adobe.PPKLite"),
                NameObject("/SubFilter"): NameObject("/adbe.pkcs7.detached"),
                NameObject("/ByteRange"): ArrayObject(
                    [NumberObject(0), NumberObject(10), NumberObject(100), NumberObject(10)]
                ),
                NameObject("/Contents"): ByteStringObject(b"\x30\x82" + b"\x00" * 62),
            }
        )
        field[NameObject("/V")] = writer._add_object(value)
    field_ref = writer._add_object(field)
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([field_ref]), NameObject("/SigFlags"): NumberObject(3)}
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_image(kind):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


def zip_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.html", "<script>alert(1)</script>")
    return buffer.getvalue()


# --- bad content ---------------------------------------------------------------------------

BAD_FILES = {
    "renamed .exe (MZ header)": (b"MZ\x90\x00\x03" + b"\x00" * 200, "program"),
    "ELF program": (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "program"),
    "HTML with script named .pdf": (
        b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
        "web page",
    ),
    "SVG with script named .png": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>alert(1)</script></svg>",
        "web page",
    ),
    "polyglot PDF + ZIP": (make_pdf() + zip_bytes(), "hides another file"),
    "PDF with HTML near the start": (
        make_pdf().replace(b"%PDF-1.3\n", b"%PDF-1.3\n%<html><script>x</script>\n", 1),
        "hides another file",
    ),
    "zero bytes": (b"", "empty"),
    "wrong magic": (b"%PDX-1.7\n" + b"\x00" * 100, "unknown type"),
    "Word document (ZIP)": (zip_bytes(), "archive"),
    "old Office document": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Office"),
    "truncated PDF": (make_pdf(pages=3)[:-200], "incomplete"),
    "PDF header, garbage body": (b"%PDF-1.7\n" + b"\x13\x37" * 300 + b"\n%%EOF\n", "damaged"),
    "PDF running JavaScript": (make_pdf(action="/JavaScript"), "scripts"),
    "PDF launching a program": (make_pdf(action="/Launch"), "launches programs"),
    "truncated PNG": (make_image("PNG")[:60], "damaged"),
    "JPEG header, garbage body": (b"\xff\xd8\xff\xe0" + b"garbage" * 50, "damaged"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_file_is_refused_with_a_message(kind):
    data, fragment = BAD_FILES[kind]
    with pytest.raises(DomainError) as refused:
        ev.check_content(data)
    assert fragment in refused.value.message


def test_at_least_twelve_kinds_of_bad_file_are_covered():
    assert len(BAD_FILES) + len(BAD_NAMES) >= 12 + 5


def test_over_the_limit_is_refused_as_too_large():
    data = make_pdf()
    with pytest.raises(ev.FileTooLargeError, match="1 MB"):
        ev.check_content(data + b"\x00" * (1024 * 1024), max_bytes=1024 * 1024)
    assert ev.check_content(data, max_bytes=len(data))[0] == ev.PDF


# --- good content --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "mime"),
    [(make_pdf(), ev.PDF), (make_image("PNG"), ev.PNG), (make_image("JPEG"), ev.JPEG)],
    ids=["pdf", "png", "jpeg"],
)
def test_good_files_get_their_type_from_the_content(data, mime):
    assert ev.check_content(data) == (mime, False)


def test_a_png_named_pdf_is_stored_as_png_and_downloads_with_png_extension():
    mime, _signed = ev.check_content(make_image("PNG"))
    assert mime == ev.PNG
    row = Evidence(original_name="Ảnh chụp.pdf", mime_type=mime)
    assert ev.download_name(row) == "Ảnh chụp.pdf.png"
    assert ev.download_name(Evidence(original_name=VIETNAMESE_NAME, mime_type=ev.PDF)) == (
        VIETNAMESE_NAME
    )


# --- signatures ----------------------------------------------------------------------------


def test_signature_detection():
    assert ev.check_content(make_pdf()) == (ev.PDF, False)
    assert ev.check_content(make_signed_pdf()) == (ev.PDF, True)
    # An empty signature box (not signed yet) is not a signature.
    assert ev.check_content(make_signed_pdf(with_value=False)) == (ev.PDF, False)


# --- names ---------------------------------------------------------------------------------

BAD_NAMES = {
    "300 characters": ("a" * 296 + ".pdf", "300 characters"),
    "NUL": ("bao-cao.pdf\x00.exe", "control characters"),
    "newline": ("bao\ncao.pdf", "control characters"),
    "right-to-left override": ("bao-cao\u202efdp.exe", "control characters"),
    "../ path": ("../../etc/passwd.pdf", "folder path"),
    "..\\ path": ("..\\..\\windows\\win.ini.pdf", "folder path"),
    "absolute path": ("/etc/passwd.pdf", "folder path"),
    "Windows drive path": ("C:\\Users\\canbo\\bao-cao.pdf", "folder path"),
    "deeply nested": ("a/" * 40 + "x.pdf", "folder path"),
    "dot-dot": ("..", "folder path"),
    "empty": ("   ", "no name"),
}


@pytest.mark.parametrize("kind", sorted(BAD_NAMES))
def test_bad_name_is_refused_with_a_message(kind):
    name, fragment = BAD_NAMES[kind]
    with pytest.raises(DomainError) as refused:
        ev.clean_name(name)
    assert fragment in refused.value.message


def test_vietnamese_name_is_kept_exactly_and_in_nfc():
    assert ev.clean_name(VIETNAMESE_NAME) == VIETNAMESE_NAME
    decomposed = unicodedata.normalize("NFD", VIETNAMESE_NAME)
    assert decomposed != VIETNAMESE_NAME
    assert ev.clean_name(decomposed) == VIETNAMESE_NAME
    # Counted after NFC: 255 precomposed letters pass although their NFD form is longer.
    long_name = "ệ" * 251 + ".pdf"
    assert ev.clean_name(unicodedata.normalize("NFD", long_name)) == long_name


# --- storage -------------------------------------------------------------------------------


def test_same_content_is_stored_once_atomically(tmp_path):
    data = make_pdf()
    sha = ev.store_bytes(str(tmp_path), data)
    assert sha == hashlib.sha256(data).hexdigest()
    path = ev.evidence_path(str(tmp_path), sha)
    assert path == os.path.join(str(tmp_path), sha[:2], sha[2:4], sha)
    mtime = os.stat(path).st_mtime_ns
    assert ev.store_bytes(str(tmp_path), data) == sha
    assert os.stat(path).st_mtime_ns == mtime
    files = [os.path.join(d, f) for d, _s, names in os.walk(tmp_path) for f in names]
    assert files == [path]  # no temporary file left behind
    with open(path, "rb") as handle:
        assert handle.read() == data


def test_a_damaged_copy_on_disk_is_rewritten(tmp_path):
    data = make_pdf()
    sha = ev.store_bytes(str(tmp_path), data)
    path = ev.evidence_path(str(tmp_path), sha)
    with open(path, "wb") as handle:
        handle.write(data[:10])
    ev.store_bytes(str(tmp_path), data)
    with open(path, "rb") as handle:
        assert handle.read() == data


@pytest.mark.parametrize("bad", ["../../etc/passwd", "", None, "ABC", "g" * 64])
def test_evidence_path_takes_only_a_hex_digest(bad):
    with pytest.raises(ValueError):
        ev.evidence_path("/tmp/x", bad)


# --- links ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://truyenhinh.vn/phong-su",
        "http://songlam.gov.vn/tin-tuc?id=12&trang=2#muc-1",
        "https://báo.vn/cải-cách-hành-chính",
    ],
)
def test_http_links_are_accepted(url):
    assert ev.check_url(" " + url + " ") == url


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("javascript:alert(1)", "http://"),
        ("JavaScript:alert(1)", "http://"),
        ("data:text/html;base64,PHNjcmlwdD4=", "http://"),
        ("file:///etc/passwd", "http://"),
        ("ftp://x", "http://"),
        ("https://", "http://"),
        ("//truyenhinh.vn/x", "http://"),
        ("https://truyenhinh.vn:99999/x", "http://"),
        ("https://truyenhinh.vn/a b", "spaces"),
        ("https://truyenhinh.vn/\x00", "spaces"),
        ("https://truyenhinh.vn\u202e/x", "spaces"),
        ("https://truyenhinh.vn@evil.example/x", "user name"),
        ("https://x.vn/" + "a" * 2000, "too long"),
        ("", "Type the address"),
    ],
)
def test_bad_links_are_refused(url, fragment):
    with pytest.raises(DomainError) as refused:
        ev.check_url(url)
    assert fragment in refused.value.message


# --- through add_file, on the database -------------------------------------------------------


@pytest.fixture()
def unit_lines(session):
    """Two lines of XA009 (this year's commune round), its leader account, a time inside the
    window."""
    unit = session.query(Unit).filter_by(code="XA009").one()
    round_ = session.query(Round).filter(Round.name.contains("2026")).one()
    assessment = session.query(Assessment).filter_by(round_id=round_.id, unit_id=unit.id).one()
    leader = session.query(AppUser).filter_by(username="test.leader.xa009").one_or_none()
    if leader is None:
        role = session.query(Role).filter_by(name=roles.UNIT_LEADER).one()
        leader = AppUser(
            username="test.leader.xa009", first_name="Thử", last_name="Trần", active=True,
            email="test.leader.xa009@songlam.gov.vn", roles=[role], unit_id=unit.id,
        )  # fmt: skip
        session.add(leader)
        session.commit()
    lines = (
        session.query(ScoreLine)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(ScoreLine.assessment_id == assessment.id, Criterion.rule != "survey")
        .order_by(Criterion.sort_key)
        .limit(2)
        .all()
    )
    now = round_.self_start + datetime.timedelta(days=1)
    yield session, lines, leader, now
    session.rollback()
    for line in lines:
        session.query(Evidence).filter_by(score_line_id=line.id).delete()
    session.commit()


def _stored(upload_dir):
    return sorted(f for _d, _s, names in os.walk(upload_dir) for f in names)


def test_add_file_keeps_the_name_stores_once_and_logs(unit_lines, tmp_path):
    session, (first, second), leader, now = unit_lines
    data, upload_dir = make_signed_pdf(), str(tmp_path)
    one = ev.add_file(session, first, VIETNAMESE_NAME, data, leader, now, upload_dir=upload_dir)
    two = ev.add_file(session, second, "Bản sao.pdf", data, leader, now, upload_dir=upload_dir)
    session.commit()
    assert one.original_name == VIETNAMESE_NAME and one.signed and one.mime_type == ev.PDF
    assert one.size == len(data) and one.sha256 == two.sha256 == hashlib.sha256(data).hexdigest()
    assert one.uploaded_by_id == leader.id and one.uploaded_at == now
    assert _stored(upload_dir) == [one.sha256]
    event = (
        session.query(AuditEvent)
        .filter_by(action="evidence_add", entity="score_line", entity_id=first.id)
        .order_by(AuditEvent.id.desc())
        .first()
    )
    assert event.new_value == VIETNAMESE_NAME and event.user_id == leader.id
    with pytest.raises(DomainError, match="already attached"):
        ev.add_file(session, first, "lần 2.pdf", data, leader, now, upload_dir=upload_dir)
    ev.delete_evidence(session, one, leader, now)
    session.commit()
    assert session.get(Evidence, two.id) is not None
    assert _stored(upload_dir) == [two.sha256]  # the file stays for the other row and history


@pytest.mark.parametrize("kind", ["renamed .exe (MZ header)", "polyglot PDF + ZIP", "zero bytes"])
def test_refused_files_store_nothing(unit_lines, tmp_path, kind):
    session, (line, _second), leader, now = unit_lines
    with pytest.raises(DomainError):
        ev.add_file(
            session, line, "x.pdf", BAD_FILES[kind][0], leader, now, upload_dir=str(tmp_path)
        )
    assert _stored(str(tmp_path)) == []
    assert session.query(Evidence).filter_by(score_line_id=line.id).count() == 0


def test_closed_window_refuses_file_link_and_delete(unit_lines, tmp_path):
    session, (line, _second), leader, now = unit_lines
    row = ev.add_link(session, line, "https://truyenhinh.vn/phong-su", leader, now)
    session.commit()
    late = line.assessment.round.self_end + datetime.timedelta(minutes=1)
    with pytest.raises(DomainError, match="closed"):
        ev.add_file(session, line, "a.pdf", make_pdf(), leader, late, upload_dir=str(tmp_path))
    with pytest.raises(DomainError, match="closed"):
        ev.add_link(session, line, "https://truyenhinh.vn/khac", leader, late)
    with pytest.raises(DomainError, match="closed"):
        ev.delete_evidence(session, row, leader, late)
    assert _stored(str(tmp_path)) == []
    assert session.get(Evidence, row.id) is not None
