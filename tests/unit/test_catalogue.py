"""The Vietnamese catalogue is complete: every app and FAB msgid translated, nothing fuzzy.

A developer who adds `_("...")` without translating it gets a red test here. Fix it with
`.venv/bin/python -m app.i18n update`, translate the new entries in
translations/vi/LC_MESSAGES/messages.po, then `.venv/bin/python -m app.i18n compile`.
"""

import os
import subprocess
import sys
import unicodedata

import flask_appbuilder
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app import i18n

CHECKER = os.path.join(i18n.ROOT.parent, "shared", "tools", "check-catalogue")
HINT = "run `python -m app.i18n update` and translate the new entries in the vi .po"


def _ids(message):
    return message if isinstance(message, tuple) else (message,)


@pytest.fixture(scope="module")
def catalog():
    with open(i18n.PO, "rb") as f:
        return read_po(f, locale="vi")


@pytest.fixture(scope="module")
def translated(catalog):
    """msgid -> translation, keyed the way check-catalogue reads the file (singular msgid)."""
    return {m.id[0] if m.pluralizable else m.id: m.string for m in list(catalog)[1:]}


@pytest.fixture(scope="module")
def fab_msgids():
    """FAB's msgids as app/i18n.py extracts them: what ../shared/tools/check-catalogue finds,
    plus the strings FAB passes through its own wrappers (lazy_formatter_gettext)."""
    return i18n.msgids(i18n.extract_fab())


@pytest.fixture(scope="module")
def wtforms_msgids():
    """WTForms' validation messages (singular msgids, as the catalogue keys plurals), from the
    template the installed package ships."""
    return {_ids(message)[0] for message, _loc, _c in i18n.extract_wtforms()}


def test_header_is_vietnamese(catalog):
    headers = dict(catalog.mime_headers)
    assert headers["Language"] == "vi"
    assert headers["Plural-Forms"] == "nplurals=1; plural=0;"
    assert "charset=utf-8" in headers["Content-Type"].lower()
    assert not catalog.fuzzy


def test_nothing_untranslated_or_fuzzy(catalog):
    fuzzy = [m.id for m in list(catalog)[1:] if m.fuzzy]
    empty = [m.id for m in list(catalog)[1:] if not all(_ids(m.string))]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    assert not empty, f"untranslated entries: {empty}"


def test_every_fab_msgid_is_translated(fab_msgids, translated):
    assert len(fab_msgids) > 100, "FAB extraction found too little: has the method map changed?"
    missing = sorted(m for m in fab_msgids if not translated.get(m))
    assert not missing, f"FAB msgids missing from the vi catalogue ({HINT}): {missing}"


def test_fab_extraction_covers_its_gettext_wrappers(fab_msgids):
    """Every way FAB marks a string for translation is extracted, e.g. the user form's help
    text on roles (lazy_formatter_gettext) and check-catalogue's plain keywords."""
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    root = os.path.dirname(flask_appbuilder.__file__)
    found = extract_from_dir(root, method_map, keywords=keywords)
    plain = {m for _f, _l, message, _c, _x in found for m in _ids(message) if m}
    assert plain <= fab_msgids
    role_help = "The user role on the application, this will associate with a list of permissions"
    assert role_help in fab_msgids


def test_every_wtforms_msgid_is_translated(wtforms_msgids, translated):
    assert {"Not a valid integer value.", "Not a valid choice."} <= wtforms_msgids
    missing = sorted(m for m in wtforms_msgids if not translated.get(m))
    assert not missing, f"WTForms msgids missing from the vi catalogue ({HINT}): {missing}"


def test_every_app_msgid_is_in_the_catalogue(translated, catalog):
    ours = i18n.msgids(i18n.extract_app())
    assert ours, "no app msgids extracted: is translations/babel.cfg right?"
    known = {m for msg in list(catalog)[1:] for m in _ids(msg.id)}
    missing = sorted(ours - known)
    assert not missing, f"app msgids missing from the vi catalogue ({HINT}): {missing}"


def _format_error(source, string):
    """Format the translation with the arguments the code passes for the msgid, or say why not."""
    found = [p for p in i18n.placeholders(source) if p.startswith("%")]
    named = {p[2 : p.index(")")]: 1 for p in found if p.startswith("%(")}
    try:
        string % (named or (1,) * len(found))
    except (TypeError, ValueError, KeyError) as exc:
        return str(exc)
    return None


def test_placeholders_match(catalog):
    wrong = []
    for msg in list(catalog)[1:]:
        source = _ids(msg.id)[-1]
        for string in _ids(msg.string):
            if i18n.placeholders(string) != i18n.placeholders(source):
                wrong.append((msg.id, string))
            elif "python-format" in msg.flags and _format_error(source, string):
                wrong.append((msg.id, f"{string}: {_format_error(source, string)}"))
    assert not wrong, f"placeholders differ between msgid and msgstr: {wrong}"


def test_translations_are_nfc(catalog):
    decomposed = [m.id for m in list(catalog)[1:] for s in _ids(m.string)
                  if not unicodedata.is_normalized("NFC", s)]  # fmt: skip
    assert not decomposed, f"translations not in NFC: {decomposed}"


def test_update_keeps_translations_adds_new_untranslated_drops_obsolete():
    pot = Catalog(fuzzy=False)
    for msgid in ("Kept", "Review me", "New %(count)s", ("One file", "%(num)s files")):
        pot.add(msgid)
    old = Catalog("vi", fuzzy=False)
    old.add("Kept", "Giữ lại", user_comments=["ghi chú của người dịch"])
    old.add("Review me", "Xem lại", flags=["fuzzy"])
    old.add("Gone", "Bỏ")
    old.add("New %(count)s items", "%(count)s mục mới")  # similar, but not the same msgid
    new = i18n.merge(pot, old)
    assert new.get("Kept").string == "Giữ lại"
    assert new.get("Kept").user_comments == ["ghi chú của người dịch"]
    assert new.get("Review me").fuzzy  # a translator's own mark is kept
    assert new.get("Gone") is None and new.get("New %(count)s items") is None
    fresh = new.get("New %(count)s")
    assert fresh.string == "" and not fresh.fuzzy and "python-format" in fresh.flags
    assert new.get("One file").string == ("",)
    assert dict(new.mime_headers)["Plural-Forms"] == "nplurals=1; plural=0;"


@pytest.mark.skipif(not os.path.exists(CHECKER), reason="shared check-catalogue not available")
def test_check_catalogue_passes():
    """The checker we are measured by reads the .po with its own parser: run it as it is."""
    run = subprocess.run(
        [sys.executable, CHECKER, str(i18n.PO)],
        cwd=i18n.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
