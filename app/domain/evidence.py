"""Evidence (tài liệu kiểm chứng): checking uploads, storing them by content hash, links,
deleting. Every path (score sheet, REST, Excel) calls these functions.

- The type comes from the content (magic bytes), never the name: only PDF, JPEG and PNG; a PNG
  named ".pdf" is stored as image/png.
- The original name is kept exactly (NFC, diacritics included) for display and download. A name
  carrying a folder ("../x.pdf", "C:\\x.pdf") is refused, not trimmed: browsers send bare names.
- Files live under UPLOAD_DIR/<sha[:2]>/<sha[2:4]>/<sha256>, written atomically, stored once per
  content. Deleting evidence keeps the file (other rows and the change log may refer to it).
- Who may attach or remove, and the phase evidence gets: app/domain/supplement.py (the unit
  during its self-assessment; after submission only on lines with an open council request).
"""

import contextlib
import hashlib
import io
import logging
import os
import re
import tempfile
import unicodedata
import zipfile
from urllib.parse import urlsplit

from flask_babel import gettext as _

from app.domain import audit, pdf_content
from app.domain.clock import utcnow
from app.domain.errors import DomainError
from app.domain.supplement import attach_decision, evidence_delete_decision
from app.models.scoring import EVIDENCE_FILE, EVIDENCE_LINK, Evidence

log = logging.getLogger(__name__)

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 255
MAX_URL_CHARS = 2000
_MAGIC = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
# Windows, Linux and macOS programs.
_PROGRAMS = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DRIVE = re.compile(r"[A-Za-z]:")
# Text that makes a browser (or a careless viewer) treat the bytes as a web page.
_MARKUP = (b"<script", b"<html", b"<!doctype", b"<svg", b"<body", b"<iframe", b"<?php")
# Unicode bidi controls let "gpj.exe" display as "exe.jpg"; they have no place in a file name.
_BIDI = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class FileTooLargeError(DomainError):
    """The upload is over the size limit (the web answers 413)."""


def clean_name(filename):
    """The display name to keep: `filename` in NFC, trimmed. Raises DomainError when unusable."""
    name = unicodedata.normalize("NFC", filename or "").strip()
    if not name:
        raise DomainError(_("The file has no name."))
    if any(unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI for ch in name):
        raise DomainError(_("The file name contains control characters; rename the file."))
    # "C:x.pdf": a Windows drive (the multipart parser has already eaten its backslashes).
    if "/" in name or "\\" in name or name in (".", "..") or _DRIVE.match(name):
        raise DomainError(_("The file name must not contain a folder path; rename the file."))
    if len(name) > MAX_NAME_CHARS:
        message = _(
            "The file name is %(count)s characters long; at most %(max)s are allowed. "
            "Rename the file with a shorter name.", count=len(name), max=MAX_NAME_CHARS,
        )  # fmt: skip
        raise DomainError(message)
    return name


def download_name(evidence):
    """The name to offer on download: the original one, with the real type's extension added
    when the name claims another type (a PNG uploaded as "scan.pdf" downloads as
    "scan.pdf.png", so the computer opens it with the right program)."""
    name = evidence.original_name or "tai-lieu"
    ext = EXTENSIONS.get(evidence.mime_type)
    if ext and not name.lower().endswith((ext, ".jpeg") if ext == ".jpg" else ext):
        name += ext
    return name


# --- content -------------------------------------------------------------------------------


def sniff(data):
    """PDF, JPEG or PNG judged by the first bytes, else None."""
    return next((mime for magic, mime in _MAGIC if data.startswith(magic)), None)


def _what_it_is(data):
    """A user-facing description of a refused file's real kind."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data.startswith(_PROGRAMS):
        return _("a program (executable)")
    if data.startswith((b"PK\x03\x04", b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b")):
        return _("a compressed archive or an Office document (Word, Excel)")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return _("an old Office document (Word, Excel)")
    if head.startswith(b"<") or any(marker in head for marker in _MARKUP):
        return _("a web page or drawing (HTML, SVG, XML) that may carry script")
    return _("a file of an unknown type")


def _refuse_type(data):
    message = _(
        "Only PDF, JPEG and PNG documents can be attached; this file is %(what)s. "
        "Scan or export it to PDF and upload again.", what=_what_it_is(data),
    )  # fmt: skip
    raise DomainError(message)


def _is_polyglot(data):
    """True when the bytes also read as a ZIP archive or carry markup near the start."""
    if b"PK\x03\x04" in data[:1024] or b"PK\x03\x04" in data[-65536:]:
        return True
    # A ZIP reader finds its directory at the end, whatever comes before it.
    if zipfile.is_zipfile(io.BytesIO(data)):
        return True
    head = data[:1024].lower()
    return any(marker in head for marker in _MARKUP)


def _resolve(obj):
    return obj.get_object() if hasattr(obj, "get_object") else obj


def _signature_value(value, size):
    """A signature dictionary with a sane /ByteRange (inside the file) and /Contents."""
    value = _resolve(value)
    if not hasattr(value, "get") or value.get("/Contents") is None:
        return False
    byte_range = _resolve(value.get("/ByteRange"))
    try:
        start, length1, offset2, length2 = (int(_resolve(x)) for x in byte_range)
    except (TypeError, ValueError):
        return False
    return start == 0 and 0 <= length1 <= offset2 and 0 <= length2 <= size - offset2


def _fields(fields, inherited_ft=None, seen=None, depth=0):
    """Yield (field, field type) through the AcroForm field tree, kids included."""
    seen = set() if seen is None else seen
    for ref in _resolve(fields) or []:
        key = (getattr(ref, "idnum", None), getattr(ref, "generation", None))
        if key[0] is not None and key in seen or depth > 32:
            continue
        seen.add(key)
        field = _resolve(ref)
        if not hasattr(field, "get"):
            continue
        ft = field.get("/FT", inherited_ft)
        yield field, ft
        if field.get("/Kids") is not None:
            yield from _fields(field["/Kids"], ft, seen, depth + 1)


def pdf_signed(reader, size):
    """True when the PDF has a signature field (/FT /Sig) whose value holds /ByteRange and
    /Contents, or a certification signature under /Perms. Presence only: not validated."""
    root = _resolve(reader.trailer["/Root"])
    acroform = _resolve(root.get("/AcroForm"))
    if hasattr(acroform, "get") and acroform.get("/Fields") is not None:
        for field, ft in _fields(acroform["/Fields"]):
            if ft == "/Sig" and _signature_value(field.get("/V"), size):
                return True
    perms = _resolve(root.get("/Perms"))
    if hasattr(perms, "values"):
        return any(_signature_value(v, size) for v in perms.values())
    return False


def _open_encrypted(reader):
    """Encrypted PDFs are fine only with an empty user password (e.g. "no printing" PDFs)."""
    with contextlib.suppress(Exception):  # AES needs the optional cryptography package
        if reader.decrypt(""):
            return
    raise DomainError(_("The PDF is protected by a password; upload an unprotected copy."))


def _inspect_pdf(data):
    """Open the PDF with pypdf; returns whether it is signed. Raises DomainError if unusable."""
    from pypdf import PdfReader

    if b"%%EOF" not in data[-1024:]:  # the end marker must be near the end: else truncated
        raise DomainError(_("The PDF is incomplete (cut off while copying); upload it again."))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            _open_encrypted(reader)
        if len(reader.pages) == 0:
            raise DomainError(_("The PDF has no pages."))
        found = pdf_content.hidden_content(reader, data)
        if found == pdf_content.SCRIPTS:
            raise DomainError(_("The PDF contains scripts or launches programs; not accepted."))
        if found == pdf_content.ATTACHMENTS:
            message = _(
                "The PDF carries attached files inside it; attach each document on its own "
                "(as PDF, JPEG or PNG)."
            )
            raise DomainError(message)
        return pdf_signed(reader, len(data))
    except DomainError:
        raise
    except Exception as err:  # pypdf raises many kinds of error on damaged files
        log.info("Refused an unreadable PDF: %r", err)
        raise DomainError(_("The PDF is damaged and cannot be opened; scan it again.")) from err


def _inspect_image(data, mime):
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            intact = image.format == {JPEG: "JPEG", PNG: "PNG"}[mime]
        # verify() reads no JPEG pixel: decode the whole image (a JPEG at 1/8 scale, which
        # still reads every byte) so that a file cut off while copying is caught.
        with Image.open(io.BytesIO(data)) as image:
            if image.format == "JPEG":
                image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()
    except Image.DecompressionBombError as err:
        raise DomainError(_("The image has too many pixels; scan it smaller.")) from err
    except Exception:  # Pillow raises many kinds of error on damaged files
        intact = False
    if not intact:
        raise DomainError(_("The image is damaged and cannot be opened."))


def check_content(data, max_bytes=DEFAULT_MAX_BYTES):
    """(mime type, signed) of an acceptable evidence file; raises DomainError otherwise."""
    if not data:
        raise DomainError(_("The file is empty (0 bytes)."))
    if len(data) > max_bytes:
        message = _(
            "The file is larger than the limit of %(size)s MB; scan it at a lower resolution "
            "or split it.", size=f"{max_bytes / 1048576:g}".replace(".", ","),
        )  # fmt: skip
        raise FileTooLargeError(message)
    mime = sniff(data)
    if mime is None:
        _refuse_type(data)
    if _is_polyglot(data):
        raise DomainError(_("The file hides another file (an archive or a web page) inside."))
    if mime == PDF:
        return mime, _inspect_pdf(data)
    _inspect_image(data, mime)
    return mime, False


# --- storage -------------------------------------------------------------------------------


def evidence_path(upload_dir, sha256):
    """Where the content with this SHA-256 lives: upload_dir/ab/cd/abcd…"""
    if not _SHA256.fullmatch(sha256 or ""):
        raise ValueError("not a SHA-256 hex digest")
    return os.path.join(upload_dir, sha256[:2], sha256[2:4], sha256)


def store_bytes(upload_dir, data):
    """Write `data` once under its hash, atomically (temp file + os.replace); returns the hash.
    Content already on disk with the right size is not written again."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = evidence_path(upload_dir, sha256)
    if os.path.isfile(path) and os.path.getsize(path) == len(data):
        return sha256
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)
    return sha256


def _fsync_dir(folder):
    # The rename survives a power cut only once the folder itself is on disk.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- operations ----------------------------------------------------------------------------


def _require_edit(actor, line, now):
    """The phase the new evidence gets ("initial", or "supplement" for a council request)."""
    decision, phase = attach_decision(actor, line, now)
    if not decision:
        raise DomainError(decision.reason)
    return phase


def _already_attached(session, line, **match):
    query = session.query(Evidence).filter_by(score_line_id=line.id, **match)
    return query.order_by(Evidence.id).first()


def add_file(
    session, line, filename, data, actor, now=None, *, upload_dir, max_bytes=DEFAULT_MAX_BYTES
):
    """Check and store an uploaded file as evidence of `line`; returns the new Evidence.

    Refused with DomainError (FileTooLargeError for the size) when the line may not be edited
    now, the name or the content is unacceptable, or the same content is already on the line.
    The caller commits."""
    now = now or utcnow()
    phase = _require_edit(actor, line, now)
    name = clean_name(filename)
    mime, signed = check_content(data, max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    twin = _already_attached(session, line, sha256=sha256)
    if twin is not None:
        existing = twin.original_name
        message = _('This file is already attached to this line as "%(name)s".', name=existing)
        raise DomainError(message)
    try:
        store_bytes(upload_dir, data)
    except OSError as err:
        log.exception("Storing evidence under %s failed", upload_dir)
        raise DomainError(_("The file could not be saved on the server; try again.")) from err
    evidence = Evidence(
        score_line=line, kind=EVIDENCE_FILE, phase=phase, original_name=name,
        sha256=sha256, size=len(data), mime_type=mime, signed=signed,
        uploaded_by_id=getattr(actor, "id", None), uploaded_at=now,
    )  # fmt: skip
    session.add(evidence)
    audit.record(session, actor, "evidence_add", "score_line", line.id, new=name)
    return evidence


def check_url(url):
    """The link to keep (trimmed, NFC) if it is a plain http(s) address; else DomainError."""
    url = unicodedata.normalize("NFC", url or "").strip()
    if not url:
        raise DomainError(_("Type the address of the link."))
    if len(url) > (limit := MAX_URL_CHARS):
        raise DomainError(_("The link is too long (at most %(max)s characters).", max=limit))
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in url):
        raise DomainError(_("The link must not contain spaces or control characters."))
    bad = _("Only web links starting with http:// or https:// can be attached.")
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError as err:
        raise DomainError(bad) from err
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise DomainError(bad)
    if parts.username is not None or parts.password is not None:
        # "https://truyenhinh.vn@evil.example" shows one site and opens another.
        raise DomainError(_("The link must not contain a user name or password."))
    return url


def add_link(session, line, url, actor, now=None):
    """Attach a web link (a TV report, an article) to `line`; returns the new Evidence."""
    now = now or utcnow()
    phase = _require_edit(actor, line, now)
    url = check_url(url)
    if _already_attached(session, line, kind=EVIDENCE_LINK, url=url) is not None:
        raise DomainError(_("This link is already attached to this line."))
    evidence = Evidence(
        score_line=line, kind=EVIDENCE_LINK, phase=phase, url=url,
        uploaded_by_id=getattr(actor, "id", None), uploaded_at=now,
    )  # fmt: skip
    session.add(evidence)
    audit.record(session, actor, "evidence_add", "score_line", line.id, new=url)
    return evidence


def delete_evidence(session, evidence, actor, now=None):
    """Remove `evidence` from its line (allowed when the line may be edited). The stored file
    stays: the same content may belong to other rows, and the change log refers to it."""
    now = now or utcnow()
    line = evidence.score_line
    if not (decision := evidence_delete_decision(actor, evidence, now)):
        raise DomainError(decision.reason)
    name = evidence.original_name or evidence.url
    session.delete(evidence)
    audit.record(session, actor, "evidence_delete", "score_line", line.id, old=name)
