"""What users will read in Vietnamese: the vi catalogue plus every pending translation
(translations/pending/*.tsv, merged later by the lead), installed for one test by `install`.
Tests of new strings can then assert the Vietnamese text itself, and keep passing once the
pending files are merged. In a test module:

    @pytest.fixture()
    def vietnamese(monkeypatch):
        install(monkeypatch)
"""

import csv
import glob
import os
from functools import lru_cache

from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOGUE = os.path.join(ROOT, "translations", "vi", "LC_MESSAGES", "messages.po")


@lru_cache(maxsize=1)
def catalogue():
    """msgid -> Vietnamese: the vi catalogue, then every pending translation."""
    with open(CATALOGUE, "rb") as handle:
        entries = {m.id: m.string for m in read_po(handle) if m.id and isinstance(m.id, str)}
    for path in sorted(glob.glob(os.path.join(ROOT, "translations", "pending", "*.tsv"))):
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(row) == 2 and row[1]:
                    entries[row[0]] = row[1]
    return {k: v for k, v in entries.items() if v}


def install(monkeypatch):
    """Flask-Babel translates to Vietnamese with catalogue() until the test ends."""
    import flask_babel

    translations = Translations()
    translations._catalog = dict(catalogue())
    translations.plural = lambda n: 0
    original = flask_babel.Domain.get_translations

    def get_translations(self):
        if str(flask_babel.get_locale()) == "vi":
            return translations
        return original(self)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", get_translations)
