"""The bad-upload battery: every kind of file a careless or hostile user might attach as
evidence, built here from nothing (no sample file in the repository), each with the name it
arrives under and an English fragment of the reason it must be refused for."""

import io
import struct
import zipfile
import zlib

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)


def _pdf_bytes(writer):
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def blank_writer(pages=1):
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    return writer


def pdf(pages=1):
    return _pdf_bytes(blank_writer(pages))


def _js_action(code="app.alert('x');"):
    return DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(code)}
    )


def pdf_open_action(kind):
    writer = blank_writer()
    action = _js_action() if kind == "/JavaScript" else DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
    )  # fmt: skip
    writer._root_object[NameObject("/OpenAction")] = action
    return _pdf_bytes(writer)


def pdf_link_with_javascript():
    """The script sits on a link of page 1, not on the document: found only page by page."""
    writer = blank_writer()
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(0), FloatObject(0)] * 2),
            NameObject("/A"): _js_action("this.submitForm('https://example.invalid/');"),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    return _pdf_bytes(writer)


def pdf_with_web_link():
    """A page with an ordinary web link (a /URI action): fine, it runs nothing."""
    writer = blank_writer()
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(0), FloatObject(0)] * 2),
            NameObject("/A"): DictionaryObject(
                {
                    NameObject("/S"): NameObject("/URI"),
                    NameObject("/URI"): TextStringObject("https://songlam.gov.vn/van-ban"),
                }
            ),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    return _pdf_bytes(writer)


def pdf_page_open_script():
    """A page that runs a script when it is shown (/AA /O)."""
    writer = blank_writer()
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): _js_action()})
    return _pdf_bytes(writer)


def pdf_with_attachment():
    """A PDF carrying a program as an attached file."""
    writer = blank_writer()
    writer.add_attachment("setup.exe", b"MZ\x90\x00" + b"\x00" * 200)
    return _pdf_bytes(writer)


def pdf_encrypted(user_password):
    writer = blank_writer()
    writer.encrypt(
        user_password=user_password, owner_password="chu-so-huu-2025", algorithm="AES-128"
    )
    return _pdf_bytes(writer)


def pdf_with_escaped_javascript_name():
    """ "/J#61vaScript" is "/JavaScript" to a PDF reader, not to a byte search."""
    data = pdf_open_action("/JavaScript")
    return data.replace(b"/JavaScript", b"/J#61vaScript")


def zip_archive(members=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in (members or {"evil.html": "<script>alert(1)</script>"}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx():
    return zip_archive(
        {
            "[Content_Types].xml": "<Types/>",
            "word/document.xml": "<w:document><w:body>Báo cáo</w:body></w:document>",
        }
    )


def image(kind, size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


def noisy_image(kind, size=(240, 180)):
    """An image of noise: it compresses badly, so a cut file misses most of its pixels."""
    pixels = bytes((i * 7919 + (i >> 3) * 104729) % 251 for i in range(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, kind)
    return buffer.getvalue()


def cut(data, fraction):
    return data[: int(len(data) * fraction)]


def jpeg_with_comment(comment):
    """A JPEG whose first segment is a comment (COM) holding `comment`."""
    data = image("JPEG")
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return data[:2] + segment + data[2:]


def png_bomb(side=40000):
    """A tiny PNG that claims side x side pixels: a decompression bomb."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def pdf_with_uncompressed_javascript_stream():
    """JavaScript in a stream the /Names tree points to, written by hand (no pypdf help)."""
    writer = blank_writer()
    stream = DecodedStreamObject()
    stream.set_data(b"app.alert('x');")
    js = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): writer._add_object(stream)}
    )
    names = DictionaryObject(
        {
            NameObject("/JavaScript"): DictionaryObject(
                {NameObject("/Names"): ArrayObject([TextStringObject("a"), writer._add_object(js)])}
            )
        }
    )
    writer._root_object[NameObject("/Names")] = names
    return _pdf_bytes(writer)


PE_STUB = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 46 + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(1)</script></svg>"
)

# kind: (bytes, name it arrives under, English fragment of the reason)
BAD_CONTENT = {
    "exe renamed .pdf": (PE_STUB + b"\x00" * 300, "Quyết định.pdf", "program"),
    "ELF program named .pdf": (ELF, "bao-cao.pdf", "program"),
    "HTML with script named .pdf": (HTML, "trang.pdf", "web page"),
    "SVG with script named .png": (SVG, "anh.png", "web page"),
    "PHP page named .jpg": (b"<?php system($_GET['c']); ?>", "anh.jpg", "web page"),
    "polyglot PDF + ZIP": (pdf() + zip_archive(), "hai-mat.pdf", "hides another file"),
    "ZIP behind a PDF header": (b"%PDF-1.7\n" + zip_archive(), "gia.pdf", "hides another file"),
    "PNG + ZIP": (image("PNG") + zip_archive(), "anh.png", "hides another file"),
    "JPEG with HTML in a comment": (
        jpeg_with_comment(b"<html><script>alert(1)</script></html>"), "anh.jpg",
        "hides another file",
    ),
    "PDF with JavaScript on opening": (pdf_open_action("/JavaScript"), "js.pdf", "scripts"),
    "PDF launching a program": (pdf_open_action("/Launch"), "launch.pdf", "scripts"),
    "PDF with JavaScript on a link": (pdf_link_with_javascript(), "link.pdf", "scripts"),
    "PDF with a script when a page opens": (pdf_page_open_script(), "page.pdf", "scripts"),
    "PDF with an escaped /JavaScript name": (
        pdf_with_escaped_javascript_name(), "esc.pdf", "scripts",
    ),
    "PDF with a JavaScript name tree": (
        pdf_with_uncompressed_javascript_stream(), "names.pdf", "scripts",
    ),
    "PDF carrying an attached program": (pdf_with_attachment(), "dinh-kem.pdf", "attached"),
    "PDF with a password to open": (pdf_encrypted("mat-khau-mo"), "khoa.pdf", "password"),
    "zero bytes": (b"", "rong.pdf", "empty"),
    "wrong magic": (b"%PDX-1.7\n" + b"\x00" * 100, "sai.pdf", "unknown type"),
    "HTML before a PDF header": (HTML + b"\n" + pdf(), "truoc.pdf", "web page"),
    "truncated PDF": (pdf(pages=3)[:-200], "cut.pdf", "incomplete"),
    "PDF header, garbage body": (
        b"%PDF-1.7\n" + b"\x13\x37" * 300 + b"\n%%EOF\n", "r.pdf", "damaged",
    ),
    "truncated PNG": (cut(noisy_image("PNG"), 0.8), "cut.png", "damaged"),
    "truncated JPEG": (cut(noisy_image("JPEG"), 0.8), "cut.jpg", "damaged"),
    "JPEG cut just before its end": (noisy_image("JPEG")[:-40], "cut.jpg", "damaged"),
    "JPEG header, garbage body": (b"\xff\xd8\xff\xe0" + b"garbage" * 50, "r.jpg", "damaged"),
    "PNG decompression bomb": (png_bomb(), "bomb.png", "too many pixels"),
    "Word document (ZIP) renamed .pdf": (docx(), "bao-cao.pdf", "archive"),
    "old Office document renamed .pdf": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "cu.pdf", "Office",
    ),
    "RAR archive": (b"Rar!\x1a\x07\x00" + b"\x00" * 100, "nen.pdf", "archive"),
    "gzip archive": (b"\x1f\x8b\x08\x00" + b"\x00" * 100, "nen.pdf", "archive"),
}  # fmt: skip

# kind: (name, English fragment of the reason); the content is a good PDF
BAD_NAMES = {
    "path traversal": ("../../etc/passwd.pdf", "folder path"),
    "deeply nested path": ("a/" * 60 + "x.pdf", "folder path"),
    "Windows path": ("C:\\Windows\\System32\\x.pdf", "folder path"),
    "Windows drive, backslashes lost": ("C:WindowsSystem32x.pdf", "folder path"),
    "NUL in the name": ("bao-cao.pdf\x00.exe", "control characters"),
    "300-character name": ("a" * 296 + ".pdf", "characters long"),
    "right-to-left override": ("bao-cao\u202efdp.exe", "control characters"),
    "only spaces": ("    ", "no name"),
}

# Accepted: the type comes from the content, and the download gets the real extension.
GOOD = {
    "PDF with a web link": (pdf_with_web_link(), "co-lien-ket.pdf", "application/pdf"),
    "PNG named .jpg": (image("PNG"), "anh.jpg", "image/png"),
    "JPEG named .pdf": (image("JPEG"), "scan.pdf", "image/jpeg"),
    "PDF restricted but without a password to open": (
        pdf_encrypted(""), "han-che.pdf", "application/pdf",
    ),
}  # fmt: skip
