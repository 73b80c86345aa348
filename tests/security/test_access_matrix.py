"""The access matrix (issue 6, item 1): every endpoint of the url_map x every role x (own row,
foreign row, no row), against the one table of tests/security/access_matrix.py.

What is checked:
- the table has an entry for every endpoint of the url_map and for every FAB action of every
  registered view, and none for anything that no longer exists;
- every read cell (GET) is requested: an allowed one must answer 2xx or redirect elsewhere than
  the login page without a danger/warning flash; a refused one 401, 403, 404, a redirect to
  the login page, or a redirect or page with a danger/warning flash;
- every refused write cell (POST, PUT, DELETE, FAB's delete and single-row action even on GET,
  FAB actions through action_post, per action name) is sent with a body the owner's request
  would be accepted with (tests/security/matrix_payloads.py): it must be refused as above and
  the app must commit nothing to the database while it runs (every INSERT/UPDATE/DELETE the
  app's engine commits is watched);
- allowed write cells are not sent (they would change the world the other cells read); the
  last test sends one allowed write per kind of work and sees it accepted and committed, which
  shows the bodies and the watch work;
- no answer is a server error.
Pages are asked with a logged-in session of the role's account and its CSRF token (the app
runs with CSRF on), /api/ with the account's JWT; anonymous has neither. The rows are those
of tests/security/matrix_world.py.
"""

import itertools
import time

import pytest
from sqlalchemy.orm import Session

from app.extensions import db
from app.security import roles
from tests.conftest import DEMO_PASSWORD
from tests.security.access_matrix import TABLE
from tests.security.conftest import csrf_login, page_token
from tests.security.matrix_payloads import body_for
from tests.security.matrix_requests import (
    NO_ACTION,
    Answer,
    Clients,
    Watch,
    answer_of,
    id_names,
    is_write,
    read_flashes,
    row_ids,
    url_for_rule,
)
from tests.security.matrix_world import ACCOUNTS, ANONYMOUS, ROLES, build, remove
from tests.unit.appraisal_world import people  # noqa: F401  (fixture)
from tests.web.appraisal_web import web_people  # noqa: F401  (fixture)

ROW_KINDS = ("own", "foreign", "none")
STATS = {"requests": 0, "skipped_allowed_writes": 0, "started": time.monotonic()}


def _jwt(app, username):
    answer = app.test_client().post(
        "/api/v1/security/login",
        json={"username": username, "password": DEMO_PASSWORD, "provider": "db", "refresh": False},
    )
    assert answer.status_code == 200, (username, answer.text)
    return answer.get_json()["access_token"]


@pytest.fixture(scope="module")
def world(test_engine, web_people):  # noqa: F811
    unit_ids, user_ids = web_people
    with Session(test_engine) as s:
        built = build(s, unit_ids, user_ids)
    yield built
    with Session(test_engine) as s:
        remove(s, built, unit_ids, user_ids)


@pytest.fixture(scope="module")
def matrix(guarded_app, world):
    sessions, tokens, csrf = {}, {}, {}
    for role in ROLES:
        client = guarded_app.test_client()
        if role == ANONYMOUS:
            csrf[role] = page_token(client, "/login/")
        else:
            assert csrf_login(client, ACCOUNTS[role], DEMO_PASSWORD).status_code == 302, role
            csrf[role] = page_token(client, "/resetmypassword/form")
            tokens[role] = _jwt(guarded_app, ACCOUNTS[role])
        sessions[role] = client
    with guarded_app.app_context():
        watch = Watch(db.engine)
    yield Clients(guarded_app, sessions, tokens, csrf), watch
    watch.close()
    slow = sorted(STATS.get("times", {}).items(), key=lambda kv: -kv[1])[:25]
    print("\n".join(f"{t:6.2f} {e}" for e, t in slow))
    took = time.monotonic() - STATS["started"]
    print(f"\naccess matrix: {len(TABLE)} entries, {STATS['requests']} requests, "
          f"{STATS['skipped_allowed_writes']} allowed writes not sent, {took:.1f} s")  # fmt: skip


def _ask(clients, watch, role, method, url, body, write):
    watch.start()
    STATS["requests"] += 1
    try:
        response, client = clients.send(role, method, url, body, write)
    except Exception as err:  # noqa: BLE001  (TESTING re-raises the app's error here)
        return Answer(500, "", [], list(watch.committed), None, repr(err))
    return answer_of(response, read_flashes(client, response), list(watch.committed))


def _cells(endpoint, expect, rule, world):
    """(role, row, method, url, body, allowed, write) of one route of `endpoint`."""
    ids_in_url = id_names(rule)
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    if expect.actions is not None:
        named = expect.actions or {NO_ACTION: None}
        for (name, sub), role, row, method in itertools.product(
            named.items(), ROLES, ROW_KINDS, methods
        ):
            kind = sub.kind if sub is not None else expect.kind
            ids = row_ids(world, kind, role, row)
            allowed = sub is not None and sub.allowed(role, row)
            if endpoint.endswith(".action_post"):
                url, body = rule.rule, body_for(endpoint, world, name, ids)
            else:
                url, body = url_for_rule(rule, ids, name), body_for(endpoint, world, ids=ids)
            yield role, f"{row} [{name}]", method, url, body, allowed, True
        return
    row_kinds = ROW_KINDS if ids_in_url else ("none",)
    for role, row, method in itertools.product(ROLES, row_kinds, methods):
        write = is_write(endpoint, method)
        ids = row_ids(world, expect.kind, role, row) if ids_in_url else ()
        # A missing id is refused to everyone, also where an id-less route opens a list.
        allowed = expect.allowed(role, row) and not (ids_in_url and row == "none")
        url = url_for_rule(rule, ids)
        body = body_for(endpoint, world, ids=ids) if write else None
        yield role, row, method, url, body, allowed, write


def _check(matrix, world, endpoint):
    clients, watch = matrix
    expect = TABLE[endpoint]
    problems = []
    for rule in clients.app.url_map.iter_rules(endpoint):
        for role, row, method, url, body, allowed, write in _cells(endpoint, expect, rule, world):
            if allowed and write:
                STATS["skipped_allowed_writes"] += 1
                continue
            answer = _ask(clients, watch, role, method, url, body, write)
            form = method == "GET" and "POST" in rule.methods  # the page of a write
            ok = answer.allowed(form) if allowed else answer.refused(write or form)
            if answer.status >= 500 or not ok:
                wanted = "allowed" if allowed else "refused"
                problems.append(f"{role} {row} {method} {url}: {wanted}, got {answer.describe()}")
    return problems


@pytest.mark.parametrize("endpoint", sorted(TABLE))
def test_access(matrix, world, endpoint):
    started = time.monotonic()
    if TABLE[endpoint].excluded:
        assert endpoint in {r.endpoint for r in matrix[0].app.url_map.iter_rules()}
        return
    problems = _check(matrix, world, endpoint)
    STATS.setdefault("times", {})[endpoint] = time.monotonic() - started
    assert not problems, f"{endpoint}: {len(problems)} cells differ\n" + "\n".join(problems)


def test_the_table_names_every_endpoint_and_every_action(guarded_app):
    rules = {}
    for rule in guarded_app.url_map.iter_rules():
        rules.setdefault(rule.endpoint, []).append(rule)
    views = {type(view).__name__: view for view in guarded_app.appbuilder.baseviews}
    problems = [
        f"no entry: {e} {[r.rule for r in rules[e]]}" for e in sorted(set(rules) - set(TABLE))
    ]
    problems += [f"no such endpoint any more: {e}" for e in sorted(set(TABLE) - set(rules))]
    for endpoint in sorted(set(TABLE) & set(rules)):
        expect, (view, _dot, method) = TABLE[endpoint], endpoint.partition(".")
        with_ids = [r.rule for r in rules[endpoint] if id_names(r)]
        if method in ("action", "action_post") and view in views:
            declared = set(getattr(views[view], "actions", None) or {})
            listed = set(expect.actions or {}) if expect.actions is not None else None
            if listed is None:
                problems.append(f"{endpoint}: the view's actions {sorted(declared)} need actions()")
            elif listed != declared:
                problems += [f"{endpoint}: action without entry: {a}" for a in declared - listed]
                problems += [f"{endpoint}: no such action any more: {a}" for a in listed - declared]
        elif expect.excluded is None and bool(expect.kind) != bool(with_ids):
            problems.append(f"{endpoint}: rows() is for routes with a row id, page() for the rest")
    assert not problems, "\n".join(problems)


# One allowed write per kind of work, sent last (they change the world): accepted and
# committed, so the bodies the refused cells carry would work for the owner, and the watch
# sees writes.
ACCEPTED = [
    ("ScoreSheetView.autosave", None, roles.UNIT_STAFF),
    ("ScoreSheetView.save_line", None, roles.UNIT_LEADER),
    ("ScoreSheetView.assign", None, roles.UNIT_LEADER),
    ("EvidenceView.upload_evidence", None, roles.UNIT_STAFF),
    ("AppraisalSheetView.support_score", None, roles.SUPPORT_MEMBER),
    ("AppraisalSheetView.appraise", None, roles.APPRAISER),
    ("AppraisalSheetView.approve", None, roles.TEAM_LEADER),
    ("CouncilResultsView.request_lines", None, roles.COUNCIL),
    ("SupplementRequestApi.put", None, roles.UNIT_LEADER),
    ("AppraisalLineView.action_post", "return_line", roles.TEAM_LEADER, "line@P:1.3.1"),
    ("AssignmentView.action_post", "unassign", roles.TEAM_LEADER),
    ("UnitApi.put", None, roles.ORGANISER),
    ("AppraisalTeamApi.put", None, roles.ORGANISER),
]


def test_the_owners_writes_are_accepted_and_seen(matrix, world):
    clients, watch = matrix
    problems = []
    for endpoint, action, role, *kind in ACCEPTED:
        rule = next(clients.app.url_map.iter_rules(endpoint))
        expect = TABLE[endpoint].actions[action] if action else TABLE[endpoint]
        assert expect.allowed(role, "own"), (endpoint, role)
        # The line 1.2 the leader returns is approved by then: another line ready for it.
        ids = row_ids(world, kind[0] if kind else expect.kind, role, "own")
        if action:
            url, body = rule.rule, body_for(endpoint, world, action, ids)
        else:
            url, body = url_for_rule(rule, ids), body_for(endpoint, world, ids=ids)
        method = sorted(rule.methods - {"HEAD", "OPTIONS", "GET"})[0]
        answer = _ask(clients, watch, role, method, url, body, True)
        if answer.status >= 400 or answer.warned(in_page=True) or not answer.committed:
            problems.append(f"{endpoint} {action or ''} as {role}: {answer.describe()}")
    assert not problems, "\n".join(problems)
