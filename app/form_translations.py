"""WTForms' own messages ("Not a valid integer value.", "Not a valid choice.") in the
user's language, taken from the app's catalogue.

Flask-WTF translates form messages with WTForms' bundled catalogues, and WTForms ships no
Vietnamese one, so they stayed English. Flask-WTF looks for the translations of the current
request in `request.wtforms_translations` before loading its own (flask_wtf/i18n.py): we put
there an adapter that asks Flask-Babel, so WTForms' msgids are translated in messages.po
like every other string (app/i18n.py extracts them) and follow the language switch."""

from flask import request
from flask_babel import get_translations


class CatalogueTranslations:
    """The gettext interface Flask-WTF calls, answered from the app's current catalogue."""

    def ugettext(self, string):
        return get_translations().ugettext(string)

    def ungettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


CATALOGUE = CatalogueTranslations()


def _use_catalogue():
    request.wtforms_translations = CATALOGUE


def init_app(app):
    """Make every form of every request translate WTForms' messages from the catalogue."""
    app.before_request(_use_catalogue)
