"""FAB's own REST answers in the asker's language.

FAB answers a missing row with "Not found", a refused one with "Forbidden", a bad query with
"Arguments are not correct", and titles its lists "List Unit" from the class name: English,
whatever the language. These mixins give every API of the app the same answers translated,
and the titles of the screen the API shares its rows with."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.api import schema_messages


class PlainAnswers:
    """For any FAB API (BaseApi or ModelRestApi): the default error answers translated."""

    def response_400(self, message=None):
        message = schema_messages.translated(message)
        return super().response_400(message or _("The request's arguments are not correct."))

    def response_401(self):
        return self.response(401, message=_("Log in first: the token is missing or has expired."))

    def response_403(self):
        return self.response(403, message=_("You may not do this."))

    def response_404(self):
        return self.response(404, message=_("Not found"))

    def response_422(self, message=None):
        # Marshmallow's English messages of a badly typed body, translated too.
        message = schema_messages.translated(message)
        return super().response_422(message or _("The data could not be processed."))


_PLAIN = {
    "list_title": _l("List"),
    "show_title": _l("Details"),
    "add_title": _l("Add"),
    "edit_title": _l("Edit"),
}


def _screen_title(attr):
    """A title read from the screen when asked (in the asker's language); FAB's attempt to
    set its English default is ignored."""

    def read(api):
        # The view's class attribute: what it declares, not FAB's default built from its name.
        return str(getattr(api.screen, attr, None) or _PLAIN[attr])

    return property(read, lambda api, value: None)


class ScreenTitles:
    """For a ModelRestApi: the titles of `screen` (the FAB view of the same rows) where it
    names them, else plain "List" / "Details" / "Add" / "Edit"."""

    screen = None
    list_title = _screen_title("list_title")
    show_title = _screen_title("show_title")
    add_title = _screen_title("add_title")
    edit_title = _screen_title("edit_title")
