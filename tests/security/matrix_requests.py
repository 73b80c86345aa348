"""How tests/security/test_access_matrix.py asks one cell of the access matrix: the URL of a
route with the row's ids, the client (session with its CSRF token for pages, JWT for
/api/), the body of a write, and what the answer means (allowed, refused, or neither).

Refused, and nothing committed to the database while the request ran (Watch): 401, 403,
404, a redirect to the login page, a redirect with a danger or warning flash, a 422 JSON
answer of a bulk approval that refused every line ("skipped") or of Flask-JWT-Extended
refusing the token ("msg"); for a write, or the form of one, also its page coming back with
a flashed danger/warning message or its error box. Allowed (reads and forms; allowed writes
are not sent): 2xx (a form: without such a flash), or a redirect elsewhere without one.
Anything else (400, 405, 409, other 422s, 5xx, a read refused by a 200 page) is reported.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from sqlalchemy import event

from tests.security.matrix_world import ANONYMOUS, MISSING

# A message FAB flashed into the page (its flash.html), and a form's own error box.
FLASHED = re.compile(r'<div class="alert alert-(?:danger|warning)">\s*<button[^>]*data-dismiss')
ERROR_BOX = re.compile(r'class="alert alert-danger" role="alert"')
ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
# Route arguments that are not row ids, and the value each is sent.
WORDS = {"fmt": "csv", "filename": "matrix-none.txt", "locale": "vi", "version": "v1",
         "group_by": "0", "path": "x"}  # fmt: skip
NO_ACTION = "no-such-action"
READ_METHODS = {"GET"}
# GET routes that change something: FAB's delete and its single-row action run on GET, and
# logging out ends the session the other cells need.
GET_WRITES = (".delete", ".action", "AppAuthDBView.logout")


def is_write(endpoint, method):
    return (
        method not in READ_METHODS
        or endpoint.endswith(GET_WRITES[:2])
        or (endpoint == GET_WRITES[2])
    )


def id_names(rule):
    return [n for n in ARGUMENT.findall(rule.rule) if n not in WORDS and n != "name"]


@dataclass
class Answer:
    status: int
    location: str
    flashes: list
    committed: list
    json: object
    text: str

    def refused(self, write):
        """`write`: a write, or the form of one (its page may refuse with a warning)."""
        if self.status >= 500 or self.committed:
            return False
        if self.status in (401, 403, 404):
            return True
        redirect = self.status in (301, 302, 303)
        if redirect and urlparse(self.location).path.startswith("/login"):
            return True
        if redirect and self.warned():
            return True
        if self.status == 422 and self.json_refusal():
            return True
        # A write refused on its own page (the form again, with the reason): nothing saved.
        return write and not redirect and self.warned(in_page=True, errors=True)

    def json_refusal(self):
        """A bulk approval that refused every line (each with its reason: "skipped"), or
        Flask-JWT-Extended refusing the token ("msg")."""
        data = self.json if isinstance(self.json, dict) else {}
        return bool(data.get("skipped")) or set(data) == {"msg"}

    def warned(self, in_page=False, errors=False):
        """A danger or warning message: flashed (kept in the session across a redirect, or
        `in_page`, rendered), or (`errors`) a form's error box."""
        if any(category in ("danger", "warning", "error") for category, _m in self.flashes):
            return True
        if in_page and FLASHED.search(self.text):
            return True
        return errors and bool(ERROR_BOX.search(self.text))

    def allowed(self, form=False):
        """`form`: the GET of a form, which must not open with a refusal on it."""
        if self.status >= 300 and self.status < 400:
            path = urlparse(self.location).path
            return not path.startswith("/login") and not self.refused(False)
        return 200 <= self.status < 300 and not (form and self.warned(in_page=True))

    def describe(self):
        where = f" -> {self.location}" if self.location else ""
        flashed = f" flash {self.flashes}" if self.flashes else ""
        wrote = f" COMMITTED {self.committed[:3]}" if self.committed else ""
        body = "" if self.status < 400 or self.flashes else f" {self.text[:160]!r}"
        return f"{self.status}{where}{flashed}{wrote}{body}"


class Watch:
    """INSERT/UPDATE/DELETE statements the app's engine committed since `start()`."""

    def __init__(self, engine):
        self.pending, self.committed = [], []
        event.listen(engine, "before_cursor_execute", self._execute)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)
        self.engine = engine

    def _execute(self, conn, cursor, statement, parameters, context, executemany):
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if verb in ("INSERT", "UPDATE", "DELETE"):
            self.pending.append(" ".join(statement.split())[:90])

    def _commit(self, conn):
        self.committed += self.pending
        self.pending = []

    def _rollback(self, conn):
        self.pending = []

    def start(self):
        self.pending, self.committed = [], []

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._execute)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)


def url_for_rule(rule, ids, action=None):
    """The rule's URL with `ids` (in the order of its id arguments) and the fixed words."""
    values = dict(zip(id_names(rule), ids, strict=True))
    values.update(WORDS)
    values["name"] = action or NO_ACTION
    return ARGUMENT.sub(lambda m: str(values[m.group(1)]), rule.rule)


class Clients:
    """One logged-in session (with its CSRF token) and one JWT per role; anonymous has none."""

    def __init__(self, app, sessions, tokens, csrf_tokens):
        self.app, self.sessions, self.tokens, self.csrf = app, sessions, tokens, csrf_tokens
        self.api = app.test_client()  # no cookies: the API answers the token alone

    def send(self, role, method, url, body=None, write=False):
        api = url.startswith("/api/")
        client = self.api if api else self.sessions[role]
        headers = {}
        if api and role != ANONYMOUS:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        if write and not api:
            headers["X-CSRFToken"] = self.csrf[role]
        kwargs = {"headers": headers, "follow_redirects": False}
        body = body or {}
        if "json" in body:
            kwargs["json"] = body["json"]
        elif "data" in body:
            kwargs["data"] = body["data"]
        return client.open(url, method=method, **kwargs), (None if api else client)


def answer_of(response, flashes, committed):
    kind = response.headers.get("Content-Type", "")
    textual = "json" in kind or "text" in kind
    text = response.get_data(as_text=True) if textual else ""
    data = response.get_json(silent=True) if "json" in kind else None
    return Answer(response.status_code, response.headers.get("Location", ""), flashes,
                  committed, data, text)  # fmt: skip


def read_flashes(client, response):
    """The messages flashed by `response` (taken out of the session). Flashing writes the
    session, so only a response that sets the session cookie can carry any."""
    if client is None:
        return []
    name = client.application.config["SESSION_COOKIE_NAME"] + "="
    if not any(c.startswith(name) for c in response.headers.getlist("Set-Cookie")):
        return []
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []) or [])


def row_ids(world, expect_kind, role, row):
    """The URL ids of the `row` kind ("own", "foreign", "none") for `role`."""
    own, foreign = world.rows(expect_kind, role)
    chosen = {"own": own, "foreign": foreign}.get(row)
    if chosen is None:  # no row: an id nobody has (a pair keeps its round)
        chosen = (own[0], MISSING) if isinstance(own, tuple) else MISSING
    return chosen if isinstance(chosen, tuple) else (chosen,)
