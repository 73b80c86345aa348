"""Vietnamese catalogue tooling: our msgids plus FAB's and WTForms' (neither ships a
Vietnamese catalogue; app/form_translations.py serves WTForms' from ours).

python -m app.i18n pot OUT.pot   write one template: app/ + templates/ + FAB's + WTForms' msgids
python -m app.i18n update        regenerate translations/messages.pot, merge it into the vi .po
python -m app.i18n compile       write messages.mo; exit 1 listing untranslated/fuzzy msgids
python -m app.i18n missing       print untranslated/fuzzy/placeholder-broken msgids (exit 1)
python -m app.i18n adopt TSV...  fill untranslated msgids from msgid<TAB>translation files
"""

import os
import re
import sys
from pathlib import Path

from babel.messages.catalog import PYTHON_FORMAT, Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
BABEL_CFG = ROOT / "translations" / "babel.cfg"
POT = ROOT / "translations" / "messages.pot"
PO = ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
APP_DIRS = ("app", "templates")
# N_: a message marked for the catalogue and translated later (app/api/schema_messages.py).
APP_KEYWORDS = {
    "_": None, "gettext": None, "lazy_gettext": None, "_l": None, "N_": None, "ngettext": (1, 2),
}  # fmt: skip
# As ../shared/tools/check-catalogue extracts FAB's msgids, plus FAB's own gettext wrappers:
# the user screens' help texts go through lazy_formatter_gettext, the menu through `__`.
FAB_METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
FAB_KEYWORDS = {
    "_": None,
    "__": None,
    "gettext": None,
    "lazy_gettext": None,
    "lazy_formatter_gettext": None,
    "ngettext": (1, 2),
}
PROJECT = "Chỉ số CCHC"
HEADER = f"# Vietnamese translations for {PROJECT}, Flask-AppBuilder's own strings included.\n#"
BRACE_FIELD = re.compile(r"(?<!\{)\{[^{}]*\}(?!\})")


def _app_dirs_only(dirpath):
    rel = Path(dirpath).relative_to(ROOT).parts
    return not Path(dirpath).name.startswith((".", "_")) and (not rel or rel[0] in APP_DIRS)


def extract_app():
    """Yield (message, (file, line), comments) for app/ and templates/, as babel.cfg maps them."""
    with open(BABEL_CFG, encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    tags = {"comment_tags": ("TRANSLATORS:",), "strip_comment_tags": True}
    found = extract_from_dir(ROOT, method_map, options_map, APP_KEYWORDS, **tags,
                             directory_filter=_app_dirs_only)  # fmt: skip
    for name, line, message, comments, _ctx in found:
        yield message, (name, line), comments


def extract_fab():
    import flask_appbuilder

    root = os.path.dirname(flask_appbuilder.__file__)
    for name, line, message, _c, _ctx in extract_from_dir(root, FAB_METHOD_MAP, None, FAB_KEYWORDS):
        yield message, ("flask_appbuilder/" + name, line), []


def extract_wtforms():
    """Yield WTForms' msgids from the template it ships (its validators' and fields' messages)."""
    from wtforms.i18n import messages_path

    with open(Path(messages_path()) / "wtforms.pot", "rb") as f:
        template = read_po(f)
    for msg in list(template)[1:]:
        yield msg.id, ("wtforms/locale/wtforms.pot", 0), []


def msgids(messages):
    """Every non-empty msgid, singular and plural, the way check-catalogue collects them."""
    each = (msg if isinstance(msg, tuple) else (msg,) for msg, _loc, _c in messages)
    return {m for ids in each for m in ids if m}


def write_pot(path):
    """Write one template with our msgids, FAB's and WTForms'; return it as a Catalog."""
    import flask_appbuilder

    pot = Catalog(project=PROJECT, version=f"(FAB {flask_appbuilder.__version__})", fuzzy=False)
    for message, location, comments in [*extract_app(), *extract_fab(), *extract_wtforms()]:
        pot.add(message, None, [location], auto_comments=comments)  # babel skips empty msgids
    with open(path, "wb") as out:
        write_po(out, pot, width=100, sort_by_file=True)
    return pot


def load_po(path=None):
    path = path or PO
    if not Path(path).exists():  # first run: an empty Vietnamese catalogue
        return Catalog("vi", header_comment=HEADER, project=PROJECT, version="1.0", fuzzy=False)
    with open(path, "rb") as f:
        return read_po(f, locale="vi")


def merge(pot, old):
    """The pot's msgids with old translations kept by exact msgid (no fuzzy matching): new ones
    come in untranslated and not fuzzy, obsolete ones are dropped; the old header is kept."""
    new = Catalog("vi", header_comment=old.header_comment, fuzzy=False)
    new.mime_headers = old.mime_headers
    for msg in list(pot)[1:]:
        prev = old.get(msg.id, msg.context)
        string = prev.string if prev is not None else ""
        if msg.pluralizable:  # Vietnamese: nplurals=1
            string = (string,) if isinstance(string, str) else tuple(string[:1])
        elif isinstance(string, tuple):
            string = string[0]
        msg.string = string
        if prev is not None:  # the translator's comments and own "needs review" mark stay
            msg.user_comments, msg.flags = prev.user_comments, msg.flags | (prev.flags & {"fuzzy"})
        new[msg.id] = msg
    return new


def placeholders(text):
    """Sorted %-style and {}-style placeholders in a string (%% and {{ }} excluded)."""
    found = [m.group(0) for m in PYTHON_FORMAT.finditer(text) if m.group(0) != "%%"]
    return sorted(found + BRACE_FIELD.findall(text))


def problems(catalog):
    """Untranslated, fuzzy or placeholder-mismatched msgids, as printable lines."""
    out = []
    for msg in list(catalog)[1:]:
        source = msg.id[-1] if isinstance(msg.id, tuple) else msg.id
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        if msg.fuzzy:
            out.append(f"fuzzy: {msg.id!r}")
        elif not all(strings):
            out.append(f"untranslated: {msg.id!r}")
        elif any(placeholders(s) != placeholders(source) for s in strings):
            out.append(f"placeholders differ: {msg.id!r} -> {msg.string!r}")
    return out


def adopt(catalog, paths):
    """Fill untranslated msgids of `catalog` from tab-separated files; return how many."""
    pairs = {}
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if "\t" in line:
                msgid, string = line.split("\t", 1)
                pairs[msgid] = string
    filled = 0
    for msg in list(catalog)[1:]:
        source = msg.id[0] if isinstance(msg.id, tuple) else msg.id
        current = msg.string[0] if isinstance(msg.string, tuple) else msg.string
        if source in pairs and not current:
            msg.string = (pairs[source],) if isinstance(msg.id, tuple) else pairs[source]
            filled += 1
    return filled


def _write(catalog):
    with open(PO, "wb") as out:
        write_po(out, catalog, width=100, sort_output=True, include_lineno=False)


def main(argv):
    cmd = argv[0] if argv else ""
    if cmd == "pot" and len(argv) == 2:
        print(f"{argv[1]}: {len(write_pot(argv[1]))} msgids")
    elif cmd == "update":
        new = merge(write_pot(POT), load_po())
        _write(new)
        print(f"{PO}: {len(new)} msgids, {len(problems(new))} need work")
    elif cmd == "adopt" and len(argv) > 1:
        catalog = load_po()
        filled = adopt(catalog, argv[1:])
        _write(catalog)
        print(f"{PO}: {filled} translations adopted, {len(problems(catalog))} still need work")
    elif cmd in ("compile", "missing"):
        bad = problems(catalog := load_po())
        if bad:
            print(*bad, sep="\n", file=sys.stderr if cmd == "compile" else sys.stdout)
            return 1
        if cmd == "compile":
            with open(PO.with_suffix(".mo"), "wb") as out:
                write_mo(out, catalog)
            print(f"{PO.with_suffix('.mo')}: {len(catalog)} msgids")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
