"""No unpublished figure leaks: every GET route of the app (its url_map), with the ids of an
unpublished round's rows (round, units, results, field results, assessments, lines,
evidence, survey imports), asked by an anonymous visitor, by the Viewer account (its session)
and by the REST API with the Viewer's token, never shows one of that round's totals, indexes
or scores. The pages, CSV, JSON, Excel (read back with openpyxl) and PDF (pdftotext) are
searched as text.

The check is shown able to fail: once the round is published, the public pages carry the
same figures; withdrawn again, they are gone.
"""

import io
import itertools
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app.domain import publication
from app.models import AppUser, Round
from tests.conftest import DEMO_PASSWORD
from tests.web.secret_world import secret_world_fixture  # noqa: F401  (secret_world)

# Values for the arguments that are not ids.
WORDS = {
    "fmt": ["csv", "xlsx"], "filename": ["bao-cao.xlsx"], "locale": ["vi"],
    "version": ["v1"], "group_by": ["role"],
}  # fmt: skip
SKIPPED = ("/static/", "/logout")  # files on disk; the crawl must stay logged in
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _text(response):
    """What a person could read in the response: text, the cells of a workbook, a PDF's text."""
    data, kind = response.data, response.headers.get("Content-Type", "")
    if data[:2] == b"PK":
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if data[:4] == b"%PDF":
        assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed to read PDFs"
        done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
        return done.stdout.decode("utf-8", "replace")
    if "json" in kind or "text" in kind or "csv" in kind:
        return data.decode("utf-8", "replace")
    return data.decode("latin-1")


def _urls(app, world):
    """Every GET route with every sample id (pairs of round and unit where two ids are
    needed), FAB's lists filtered on the round, and the public ranking's second page."""
    ids = [str(i) for i in world.sample_ids()]
    # FAB's `action/<name>/<pk>`: each view's own actions (GET runs them on one row).
    actions = {type(v).__name__: sorted(getattr(v, "actions", {}) or {"none": None})
               for v in app.appbuilder.baseviews}  # fmt: skip
    pairs = [(str(world.round_id), str(u)) for u in world.unit_ids.values()]
    urls = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(SKIPPED):
            continue
        names = _ARGUMENT.findall(rule.rule)
        words = dict(WORDS, name=actions.get(rule.endpoint.split(".")[0], ["none"]))
        id_names = [n for n in names if n not in words]
        if len(id_names) > 1:
            id_values = pairs + [(i,) * len(id_names) for i in ids]
        else:
            id_values = [(i,) for i in ids] if id_names else [()]
        word_names = [n for n in names if n in words]
        word_values = itertools.product(*(words[n] for n in word_names))
        for id_combo, word_combo in itertools.product(id_values, list(word_values)):
            values = dict(zip(id_names, id_combo, strict=True))
            values.update(zip(word_names, word_combo, strict=True))
            url = _ARGUMENT.sub(lambda m, v=values: v[m.group(1)], rule.rule)
            urls.add(url)
            if url.endswith(("/list/", "/export/csv", "/export/xlsx")):
                urls.add(f"{url}?_flt_0_round={world.round_id}")
    urls.add(f"/cong-bo/{world.round_id}/?page=2")
    return sorted(urls)


def _leaks(client, urls, figures, headers=None):
    """(url, status, figure) for every figure found; the statuses seen."""
    found, statuses = [], {}
    for url in urls:
        try:
            response = client.get(url, headers=headers or {}, follow_redirects=False)
        except Exception:  # noqa: BLE001  (a crash shows nothing; TESTING re-raises it here)
            statuses[url] = 500
            continue
        statuses[url] = response.status_code
        if response.status_code >= 300:
            continue
        text = _text(response)
        found += [(url, response.status_code, f) for f in figures if f in text]
    return found, statuses


def _viewer_token(app):
    client = app.test_client()
    answer = client.post(
        "/api/v1/security/login",
        json={"username": "xem", "password": DEMO_PASSWORD, "provider": "db", "refresh": False},
    )
    assert answer.status_code == 200, answer.text
    return answer.get_json()["access_token"]


@pytest.fixture(scope="module")
def urls(app, secret_world):
    return _urls(app, secret_world)


def test_anonymous_visitors_see_no_unpublished_figure(app, secret_world, urls):
    assert len(urls) > 500  # the whole url_map, with its ids
    found, statuses = _leaks(app.test_client(), urls, secret_world.figures())
    assert found == []
    # The round's public pages are the "does not exist" page, like any unknown id.
    assert statuses[f"/cong-bo/{secret_world.round_id}/"] == 404
    unit = secret_world.unit_ids["BM-1"]
    assert statuses[f"/cong-bo/{secret_world.round_id}/{unit}"] == 404
    # The REST API and its description need a token.
    api = [u for u in urls if u.startswith("/api/v1/") and "security/login" not in u]
    assert api and all(statuses[u] == 401 for u in api), [
        (u, statuses[u]) for u in api if statuses[u] != 401
    ][:5]


def test_the_viewer_sees_no_unpublished_figure_on_any_page_file_or_api(
    app, client_as, secret_world, urls
):
    viewer = client_as("xem")
    found, statuses = _leaks(viewer, urls, secret_world.figures())
    assert found == []
    assert statuses["/unitresultview/list/"] == 200  # the viewer's own results screen
    token = _viewer_token(app)
    api = [u for u in urls if u.startswith("/api/")]
    found, statuses = _leaks(
        app.test_client(), api, secret_world.figures(), {"Authorization": f"Bearer {token}"}
    )
    assert found == []
    assert statuses["/api/v1/framework/"] == 200  # the token works: the API was really read
    assert statuses["/api/v1/_openapi"] in (200, 403)


def test_the_check_finds_the_figures_once_published_and_not_after_withdrawal(
    app, test_engine, secret_world
):
    round_url = f"/cong-bo/{secret_world.round_id}/"
    unit_url = f"{round_url}{secret_world.unit_ids['BM-1']}"
    anonymous = app.test_client()
    with Session(test_engine) as session:
        organiser = session.query(AppUser).filter_by(username="tochuc").one()
        round_ = session.get(Round, secret_world.round_id)
        publication.publish_round(session, round_, organiser)
        session.commit()
        try:
            ranking, unit = anonymous.get(round_url), anonymous.get(unit_url)
            assert ranking.status_code == unit.status_code == 200
            assert {"86,74", "73,92", "87,13", "71,61"} <= {
                f for f in secret_world.figures() if f in ranking.text
            }
            assert "173,47" in unit.text and "104,56" in unit.text and "86,74" in unit.text
        finally:
            publication.unpublish_round(session, round_, organiser, "Kiểm thử: rút lại")
            session.commit()
    found, _statuses = _leaks(anonymous, [round_url, unit_url], secret_world.figures())
    assert found == []
