"""Every screen of the catalogue renders in Vietnamese: no English FAB or app string left."""

import html
import re

import pytest
from babel.messages.pofile import read_po

from app import i18n
from app.models import (
    AppraisalTeam,
    AppUser,
    CouncilMember,
    Criterion,
    Framework,
    GradeBand,
    Round,
    Unit,
    UnitType,
)
from tests.conftest import ROOT

# Words FAB's templates write without gettext, plus FAB msgids that are easy to miss.
ENGLISH = {
    "Cancel", "Search", "List", "Add", "Edit", "Delete", "Show", "Actions", "Record Count",
    "No records found", "Save", "Back", "Refresh", "Detail", "Security", "Logout", "Profile",
    "Add Filter", "Login", "User confirmation needed", "Yes", "No", "True", "False", "None",
    "Catalogue", "Assessment", "Units", "Criteria", "Rounds",
}  # fmt: skip


def _catalogue_english():
    """Every English msgid a screen may show untranslated: the app's own, and FAB's and
    WTForms' as the catalogue test extracts them, whether or not the catalogue has them yet.
    A msgid whose Vietnamese is the same word (e.g. "Email" kept as is) does not count."""
    with open(f"{ROOT}/translations/vi/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle)
    vietnamese = {
        (m.id[0] if m.pluralizable else m.id): (m.string[0] if m.pluralizable else m.string)
        for m in list(catalogue)[1:]
    }
    candidates = set(vietnamese) | i18n.msgids(i18n.extract_fab())
    candidates |= i18n.msgids(i18n.extract_wtforms())
    return {m for m in candidates if isinstance(m, str) and vietnamese.get(m) != m}


def _text_nodes(body):
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<option[^>]*>.*?</option>", " ", body, flags=re.S)  # data, not UI text
    nodes = re.split(r"<[^>]+>", body)
    return {html.unescape(n).strip() for n in nodes if n.strip()}


def _screens(session):
    unit = session.query(Unit).first()
    framework = session.query(Framework).filter_by(frozen=True).first()
    criterion = session.query(Criterion).filter_by(framework_id=framework.id).first()
    draft = session.query(Framework).filter_by(frozen=False).first()
    round_ = session.query(Round).first()
    user = session.query(AppUser).filter_by(username="canbo.xa").one()
    edited = {
        "gradebandview": session.query(GradeBand).first(),
        "unittypeview": session.query(UnitType).first(),
        "appraisalteamview": session.query(AppraisalTeam).first(),
        "councilmemberview": session.query(CouncilMember).first(),
    }
    assert all(edited.values()), f"demo data lacks a record to edit: {edited}"
    return [
        *(f"/{view}/edit/{item.id}" for view, item in edited.items()),
        f"/users/show/{user.id}", f"/users/edit/{user.id}",
        "/", "/unitview/list/", "/unitview/add", f"/unitview/show/{unit.id}",
        f"/unitview/edit/{unit.id}", "/unittypeview/list/", "/unittypeview/add",
        "/frameworkview/list/", "/frameworkview/add", f"/frameworkview/show/{framework.id}",
        f"/frameworkview/edit/{framework.id}", f"/frameworkview/tree/{framework.id}",
        f"/criterionview/show/{criterion.id}", f"/criterionview/edit/{criterion.id}",
        "/criterionview/add", "/gradebandview/add", f"/framework-excel/import/{draft.id}",
        "/roundview/list/", "/roundview/add", f"/roundview/show/{round_.id}",
        f"/roundview/edit/{round_.id}", "/appraisalteamview/list/", "/appraisalteamview/add",
        "/teammemberview/add", "/councilmemberview/list/", "/councilmemberview/add",
        "/users/list/", "/users/add", "/users/userinfo/", "/auditeventview/list/",
    ]  # fmt: skip


def test_every_catalogue_screen_is_vietnamese(session, admin_client):
    english = ENGLISH | _catalogue_english()
    problems = {}
    for url in _screens(session):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        leftovers = sorted(_text_nodes(response.data.decode()) & english)
        if leftovers:
            problems[url] = leftovers
    assert not problems, f"English left on screens: {problems}"


@pytest.mark.parametrize("locale, expected", [("vi", "Đơn vị"), ("en", "Units")])
def test_language_switch(admin_client, locale, expected):
    admin_client.get(f"/lang/{locale}")
    body = admin_client.get("/unitview/list/").data.decode()
    assert expected in body
    admin_client.get("/lang/vi")
