"""The small appraisal round of tests/unit/appraisal_world.py, for tests over HTTP: its
accounts get the demo password, its windows are moved around the real clock (the requests
run at the time they run), and a few steps are done through the domain to arrange the lines.

The fixtures reach tests/web/ and tests/api/ through their conftest.py.
"""

import datetime
import html
import re
from dataclasses import dataclass

import pytest
from werkzeug.security import generate_password_hash

from app.domain import appraisal as ap
from app.domain import approval as apr
from app.domain import supplement as sup
from app.domain.clock import utcnow
from app.models import AppUser, AuditEvent, Round, ScoreLine, SupplementRequest, WindowGrant
from tests.conftest import DEMO_PASSWORD, login
from tests.unit.appraisal_world import GOOD_INPUT, SCORED, assign
from tests.web.test_scoring_views import vi

DAY = datetime.timedelta(days=1)


def set_windows(world, phase="appraisal"):
    """Windows around now: "appraisal" (self-assessment over, appraisal open, supplement
    later), "supplement" (appraisal over, supplement open) or "closed" (everything over)."""
    now = utcnow()
    round_ = world.s.get(Round, world.round.id)
    round_.self_start, round_.self_end = now - 40 * DAY, now - 30 * DAY
    if phase == "appraisal":
        round_.appraisal_start, round_.appraisal_end = now - 2 * DAY, now + 5 * DAY
        round_.supplement_start, round_.supplement_end = now + 6 * DAY, now + 12 * DAY
    elif phase == "supplement":
        round_.appraisal_start, round_.appraisal_end = now - 20 * DAY, now - 10 * DAY
        round_.supplement_start, round_.supplement_end = now - 1 * DAY, now + 5 * DAY
    else:
        round_.appraisal_start, round_.appraisal_end = now - 20 * DAY, now - 10 * DAY
        round_.supplement_start, round_.supplement_end = now - 8 * DAY, now - 2 * DAY
    world.s.commit()


@dataclass
class Web:
    """The world plus what the HTTP tests need: clients per account, line ids, states."""

    world: object
    app: object

    def client(self, key):
        return login(self.app.test_client(), self.world.users[key].username)

    def line(self, unit, code):
        return self.world.line(unit, code)

    def line_id(self, unit, code):
        return self.world.line(unit, code).id

    def state(self, unit, code):
        line = self.world.fresh(self.world.line(unit, code))
        return line.appraisal_state

    def fresh(self, obj):
        return self.world.fresh(obj)

    # -- arranging through the domain (the clock: now, inside the open window) --------------

    def staff(self, units=("A",)):
        """Team 1 takes both fields of the units: support member and appraiser."""
        for code in ("1", "2"):
            assign(self.world, code, "support", "support", units)
            assign(self.world, code, "appraiser", "appraiser", units)

    def score(self, codes=SCORED, unit="A"):
        s, users = self.world.s, self.world.users
        for code in codes:
            line = self.world.line(unit, code)
            ap.save_support_score(s, line, GOOD_INPUT[code], None, users["support"])
        s.commit()

    def appraise(self, codes=SCORED, unit="A"):
        s, users = self.world.s, self.world.users
        for code in codes:
            ap.appraise(s, self.world.line(unit, code), users["appraiser"])
        s.commit()

    def approve(self, codes=SCORED, unit="A"):
        lines = [self.world.line(unit, code) for code in codes]
        report = apr.approve(self.world.s, lines, self.world.users["leader"])
        self.world.s.commit()
        assert not report.skipped, report.messages

    def approved_unit(self, unit="A"):
        """Every scored line of the unit scored, appraised and approved by team 1."""
        self.staff((unit,))
        self.score(unit=unit)
        self.appraise(unit=unit)
        self.approve(unit=unit)

    def request(self, code, unit="A", reason="Thiếu quyết định ban hành kế hoạch"):
        request = sup.request_supplement(
            self.world.s, self.world.line(unit, code), reason, self.world.users["council"]
        )
        self.world.s.commit()
        return request

    def requests(self):
        self.world.s.expire_all()
        return (
            self.world.s.query(SupplementRequest)
            .filter_by(round_id=self.world.round.id)
            .order_by(SupplementRequest.id)
            .all()
        )

    def grant(self, window, until, unit=None):
        grant = WindowGrant(
            round_id=self.world.round.id, unit_id=unit.id if unit else None, window=window,
            until=until, reason="Gia hạn do sự cố mạng", granted_at=utcnow(),
        )  # fmt: skip
        self.world.s.add(grant)
        self.world.s.commit()
        return grant

    def events(self, action, entity="score_line"):
        self.world.s.expire_all()
        return self.world.s.query(AuditEvent).filter_by(action=action, entity=entity).count()

    def snapshot(self, unit="A"):
        """Every appraisal value of the unit's lines, to prove a refusal changed nothing."""
        self.world.s.expire_all()
        lines = (
            self.world.s.query(ScoreLine)
            .filter_by(assessment_id=self.world.assessments[unit].id)
            .order_by(ScoreLine.id)
        )
        return [
            (line.id, line.appraisal_state, line.appraisal_cycle, line.support_points,
             line.appraised_points, line.approved_points, line.approval_comment, line.version)
            for line in lines
        ]  # fmt: skip


@pytest.fixture(scope="module")
def web_people(people, test_engine):
    """The world's accounts may log in with the demo password."""
    from sqlalchemy.orm import Session

    _units, users = people
    with Session(test_engine) as s:
        hashed = generate_password_hash(DEMO_PASSWORD)
        for user_id in users.values():
            s.get(AppUser, user_id).password = hashed
        s.commit()
    return people


@pytest.fixture()
def web(world, web_people, app):
    set_windows(world)
    return Web(world, app)


# --- reading pages ------------------------------------------------------------------------------


def alerts(response):
    """The flashed messages (and error boxes) of an HTML page, as text."""
    found = re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', response.data.decode(), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", a)).replace("×", " ").split())
            for a in found]  # fmt: skip


def said(response, msgid, **values):
    """Is `msgid` (as the catalogue translates it, with `values`) in the page's messages?"""
    wanted = " ".join(vi(msgid, **values).split())
    return any(wanted.rstrip(".") in message for message in alerts(response))


def text_of(response):
    body = response.data.decode()
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def action(client, view, name, ids, **form):
    """Post a FAB list action on rows `ids` (any id: forged ones included)."""
    data = {"action": name, "rowid": [str(i) for i in ids], **form}
    return client.post(f"/{view}/action_post", data=data, follow_redirects=True)
