"""The home page after login, per role, on the hand-built round of dashboard_world.py: the
figures match the data, a unit account sees nothing of another unit, the viewer nothing
unpublished, the page is Vietnamese, the charts are inline SVG, and the number of queries
does not grow with the number of units."""

import glob
import re

import lxml.html
import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.domain.assignees import coverage
from app.domain.clock import format_local
from app.extensions import db
from app.models import Round
from tests.conftest import login
from tests.vietnamese import catalogue, install
from tests.web.dashboard_world import (
    PREVIOUS_NAME,
    ROUND_NAME,
    build_world,
    index_of,
    previous_index_of,
    remove_world,
)
from tests.web.test_vietnamese_screens import ENGLISH, _catalogue_english


@pytest.fixture()
def vietnamese(monkeypatch):
    install(monkeypatch)


def _world(test_engine, n):
    with Session(test_engine) as s:
        return build_world(s, n)


def _remove(test_engine, world):
    with Session(test_engine) as s:
        remove_world(s, world)


@pytest.fixture()
def dash(test_engine, vietnamese):
    world = _world(test_engine, 5)
    yield world
    _remove(test_engine, world)


def home(app, world, key):
    client = login(app.test_client(), world.users[key])
    response = client.get("/")
    assert response.status_code == 200
    return response.data.decode()


def doc(body):
    return lxml.html.fromstring(body)


def figure(node, name, part="value"):
    """The figure `name` (data-figure) under `node`: its value or its total, as text."""
    found = node.xpath(f".//div[@data-figure='{name}']//span[@data-{part}]")
    assert found, f"no figure {name}"
    return found[0].text_content().strip()


def section(body, xpath):
    found = doc(body).xpath(xpath)
    assert len(found) == 1, xpath
    return found[0]


def text(node):
    return " ".join(node.text_content().split())


# --- the organiser ------------------------------------------------------------------------------


def test_organiser_sees_the_rounds_progress(app, dash, session):
    body = home(app, dash, "organiser")
    panel = section(body, f"//div[@id='round-{dash.round_id}']")
    n = dash.n
    assert (figure(panel, "submitted"), figure(panel, "submitted", "total")) == ("2", "5")
    # Applicable non-survey lines: 4 per unit, one not applicable; DB-U02's three approved.
    assert (figure(panel, "approved"), figure(panel, "approved", "total")) == ("3", str(4 * n - 1))
    # 2.1 of DB-U02..DB-U05 lacks an appraiser: the coverage screen's own count.
    round_ = session.get(Round, dash.round_id)
    assert figure(panel, "gaps") == str(n - 1) == str(len(coverage(session, round_)))
    assert figure(panel, "requests") == "1"
    assert (
        panel.xpath(".//div[@data-figure='requests']//*[@data-answered]")[0].get("data-answered")
        == "1"
    )
    teams = {
        row.get("data-team"): [c.text_content().strip() for c in row.xpath("./td[@data-col]")]
        for row in panel.xpath(".//table[contains(@class,'dash-teams')]//tr[@data-team]")
    }
    # total, scored, appraised, approved
    assert teams["Tổ thẩm định A (thử)"] == [str(3 * n - 1), "4", "3", "2"]
    assert teams["Tổ thẩm định B (thử)"] == ["3", "1", "1", "1"]
    assert teams[""] == [str(n - 3)]


def test_organiser_sees_the_time_left_to_the_minute(app, dash):
    body = home(app, dash, "organiser")
    panel = text(section(body, f"//div[@id='round-{dash.round_id}']"))
    assert "Thời hạn thẩm định" in panel
    assert f"kết thúc lúc {format_local(dash.appraisal_end)}" in panel
    # Built 2 days 3 hours 45 minutes and 40 seconds before the deadline.
    assert "còn 2 ngày 3 giờ 45 phút" in panel


def test_organiser_links_lead_to_the_lists_of_the_round(app, dash):
    body = home(app, dash, "organiser")
    panel = section(body, f"//div[@id='round-{dash.round_id}']")
    links = {
        a.text_content().strip(): a.get("href") for a in panel.xpath(".//p[@class='dash-links']/a")
    }
    assert links["Bản tự đánh giá"] == f"/assessmentview/list/?_flt_0_round={dash.round_id}"
    client = login(app.test_client(), dash.users["organiser"])
    for href in links.values():
        assert client.get(href).status_code == 200, href


def test_council_member_sees_the_same_overview(app, dash):
    body = home(app, dash, "council")
    panel = section(body, f"//div[@id='round-{dash.round_id}']")
    assert figure(panel, "submitted") == "2"
    assert figure(panel, "gaps") == "4"


# --- the unit --------------------------------------------------------------------------------


def test_unit_leader_sees_the_sheet_progress_and_missing_items(app, dash):
    body = home(app, dash, "lead1")
    sheet = section(body, f"//div[contains(@class,'dash-sheet')][@data-round='{dash.round_id}']")
    assert (figure(sheet, "scored"), figure(sheet, "scored", "total")) == ("3", "4")
    assert figure(sheet, "missing") == "2"
    missing = [text(li) for li in sheet.xpath(".//ul[@class='dash-missing']/li")]
    assert missing == [
        "1.1 Tiêu chí 1.1: bắt buộc có tài liệu kiểm chứng: hãy đính kèm tài liệu hoặc giải trình",
        "1.3 Tiêu chí 1.3: chưa chấm điểm",
    ]
    links = sheet.xpath(".//ul[@class='dash-missing']/li/a/@href")
    assert links[1].endswith(f"?show=missing#line-{dash.lines[(1, '1.3')]}")
    assert figure(sheet, "requests") == "0"
    words = text(sheet)
    assert "Thời hạn tự đánh giá" in words and "được gia hạn đến" in words
    assert "còn 1 ngày 2 giờ 30 phút" in words


def test_unit_staff_sees_the_lines_assigned_to_them(app, dash):
    body = home(app, dash, "staff1")
    sheet = section(body, f"//div[contains(@class,'dash-sheet')][@data-round='{dash.round_id}']")
    assert (figure(sheet, "mine"), figure(sheet, "mine", "total")) == ("2", "2")


def test_unit_leader_sees_the_councils_requests(app, dash):
    body = home(app, dash, "lead2")
    sheet = section(body, f"//div[contains(@class,'dash-sheet')][@data-round='{dash.round_id}']")
    assert figure(sheet, "requests") == "2"  # the closed one is over
    requests = text(sheet.xpath(".//ul[@class='dash-requests']")[0])
    assert "Bổ sung quyết định ban hành kế hoạch" in requests
    assert "Bổ sung báo cáo kết quả" in requests
    assert "Bổ sung văn bản chỉ đạo" not in requests


@pytest.mark.parametrize("key, own", [("lead1", 1), ("lead2", 2), ("staff1", 1)])
def test_unit_accounts_see_no_figure_of_another_unit(app, dash, key, own):
    body = home(app, dash, key)
    page = text(doc(body))
    for i in range(1, dash.n + 1):
        if i != own:
            assert f"Xã Thử Bảng {i:02d}" not in page
    # Their own published result (last year), with their rank, and nobody else's index.
    results = section(body, "//section[@id='dash-own-results']")
    assert figure(results, "index") == _vn(previous_index_of(own))
    assert (figure(results, "rank"), figure(results, "rank", "total")) == (str(own), "5")
    for i in range(1, dash.n + 1):
        for value in (index_of(i), previous_index_of(i)):
            if i != own:
                assert _vn(value) not in page
    assert _vn(index_of(own)) not in page  # this year's result is not published
    assert not doc(body).xpath("//section[@id='dash-rounds']")
    assert not doc(body).xpath("//svg")
    assert "Bổ sung quyết định ban hành kế hoạch" not in page or own == 2


def _vn(value):
    return f"{value:.2f}".replace(".", ",")


# --- the team members ------------------------------------------------------------------------


def test_support_member_sees_lines_to_do_and_done(app, dash):
    work = _work(app, dash, "support_a")
    assert (figure(work, "support"), figure(work, "support", "total")) == ("4", str(3 * dash.n - 1))
    assert figure(work, "left") == str(3 * dash.n - 1 - 4)
    words = text(work)
    assert "còn 2 ngày 3 giờ 45 phút" in words
    assert not work.xpath(".//div[@data-figure='appraisal']")


def _work(app, world, key):
    body = home(app, world, key)
    return section(body, f"//div[contains(@class,'dash-work')][@data-round='{world.round_id}']")


def test_appraiser_and_team_leaders(app, dash):
    work = _work(app, dash, "appraiser_a")
    assert (figure(work, "appraisal"), figure(work, "appraisal", "total")) == ("3", "14")
    leader = _work(app, dash, "leader_a")
    assert (figure(leader, "approval"), figure(leader, "approval", "total")) == ("2", "14")
    assert figure(leader, "left") == "1"  # DB-U04 1.1 appraised, waiting for approval
    assert figure(leader, "gaps") == "4"
    leader_b = _work(app, dash, "leader_b")
    assert (figure(leader_b, "approval"), figure(leader_b, "approval", "total")) == ("1", "3")
    assert (figure(leader_b, "appraisal"), figure(leader_b, "appraisal", "total")) == ("0", "1")


# --- results ---------------------------------------------------------------------------------


def test_organiser_sees_this_years_results_not_published_yet(app, dash):
    body = home(app, dash, "organiser")
    results = section(body, "//section[@id='dash-results']")
    assert results.get("data-round") == str(dash.round_id)
    assert "Chưa công bố" in text(results)
    assert figure(results, "units") == "5"
    # (95,37 + 88,37 + 81,37 + 74,37 + 67,37) / 5 = 406,85 / 5, and last year's
    # (93,11 + 86,11 + 79,11 + 72,11 + 69,11) / 5 = 399,55 / 5
    assert figure(results, "average") == "81,37"
    assert "Năm 2039: 79,91" in text(results)
    assert "4 tăng, 1 giảm, 0 không đổi" in text(results)
    grades = _table(results, "chart-grades")
    assert grades == [["Xuất sắc", "1", "1"], ["Tốt", "2", "1"], ["Khá", "1", "2"],
                      ["Trung bình", "1", "1"], ["Yếu", "0", "0"]]  # fmt: skip
    assert _table(results, "chart-fields") == [
        ["1. Công tác chỉ đạo điều hành", "82,37"], ["2. Cải cách thủ tục hành chính", "80,37"],
    ]  # fmt: skip
    assert _table(results, "chart-top")[0] == ["Xã Thử Bảng 01", "95,37"]
    assert _table(results, "chart-top")[-1] == ["Xã Thử Bảng 05", "67,37"]
    years = _table(results, "chart-years")
    assert years[0] == ["Chỉ số CCHC (bình quân)", "81,37", "79,91"]


def _table(node, chart_id):
    rows = node.xpath(f".//figure[@id='{chart_id}']//details//tbody/tr")
    return [[c.text_content().strip() for c in row.xpath("./th|./td")] for row in rows]


def test_charts_are_inline_svg_with_titles_and_bars(app, dash):
    body = home(app, dash, "organiser")
    results = section(body, "//section[@id='dash-results']")
    svgs = results.xpath(".//svg")
    assert len(svgs) == 4  # grades, fields, units (5 units: one chart), year on year
    for svg in svgs:
        assert svg.get("role") == "img"
        labelled = svg.get("aria-labelledby").split()
        assert svg.xpath("./title")[0].get("id") == labelled[0]
        assert svg.xpath("./desc")[0].text_content().strip()
    top = results.xpath(".//figure[@id='chart-top']//rect")
    widths = [float(r.get("width")) for r in top]
    assert widths == sorted(widths, reverse=True) and widths[0] == pytest.approx(95.37 * 4, 0.01)
    assert top[0].xpath("./title")[0].text_content() == "Xã Thử Bảng 01: 95,37"
    assert "<script" not in re.sub(r"<script[^>]*nonce=[^>]*>", "", body)  # FAB's own, nonced


def test_viewer_sees_only_published_results(app, dash):
    body = home(app, dash, "viewer")
    page = text(doc(body))
    results = section(body, "//section[@id='dash-results']")
    assert results.get("data-round") == str(dash.previous_id)
    assert PREVIOUS_NAME in text(results)
    assert ROUND_NAME not in page
    for i in range(1, dash.n + 1):
        assert _vn(index_of(i)) not in page  # this year's figures are not published
    assert figure(results, "average") == "79,91"
    assert not doc(body).xpath("//section[@id='dash-rounds']")
    assert "Chưa công bố" not in page
    # Asking for the unpublished round by its id shows last year's, never this year's.
    client = login(app.test_client(), dash.users["viewer"])
    other = client.get(f"/?results={dash.round_id}").data.decode()
    assert ROUND_NAME not in other and _vn(index_of(1)) not in other


# --- Vietnamese, anonymous visitors, queries ----------------------------------------------------


@pytest.mark.parametrize("key", ["organiser", "lead1", "support_a", "leader_a", "viewer"])
def test_the_dashboard_is_vietnamese(app, dash, key):
    body = home(app, dash, key)
    english = (ENGLISH | _catalogue_english() | set(_pending_msgids())) - set(catalogue().values())
    node = section(body, "//div[contains(@class,'dashboard')]")
    nodes = {" ".join(t.split()) for t in node.itertext() if t.strip()}
    assert not nodes & english, sorted(nodes & english)
    assert "Chỉ số cải cách hành chính" in text(node)


def _pending_msgids():
    """Strings still waiting in translations/pending/ (merged ones are in the catalogue)."""
    for path in glob.glob("translations/pending/*.tsv"):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                msgid = line.split("\t")[0]
                if "%(" not in msgid:
                    yield msgid


def test_anonymous_visitor_gets_the_login_and_no_figure(app, dash, anon_client):
    body = anon_client.get("/").data.decode()
    assert 'href="/login/"' in body
    assert ROUND_NAME not in body and PREVIOUS_NAME not in body
    assert "dash-results" not in body


def _queries(app, world, key):
    client = login(app.test_client(), world.users[key])
    client.get("/")  # warm: FAB's menus and permissions, once per process
    count = [0]

    def seen(*_args):
        count[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return count[0]


ROLES = ("organiser", "council", "lead1", "staff1", "support_a", "leader_a", "viewer")


def test_query_count_does_not_grow_with_units(app, test_engine, vietnamese):
    counts = {}
    for n in (5, 50):
        world = _world(test_engine, n)
        try:
            counts[n] = {key: _queries(app, world, key) for key in ROLES}
        finally:
            _remove(test_engine, world)
    assert counts[5] == counts[50], counts
    print("queries per dashboard:", counts[5])


@pytest.mark.parametrize("key", ["support_a", "appraiser_a", "leader_a", "leader_b"])
def test_member_counts_are_my_works_counts(app, dash, session, key):
    """The dashboard counts a member's lines as the "my work" screen does, line for line."""
    from app.domain.appraisal_work import my_work
    from app.domain.dashboard_work import member_progress
    from app.models import AppUser

    user = session.query(AppUser).filter_by(username=dash.users[key]).one()
    with app.test_request_context("/"):
        expected = [i for i in my_work(session, user) if i.round.id == dash.round_id]
        progress = [p for p in member_progress(session, user) if p.round.id == dash.round_id]
    assert len(progress) == 1
    per_unit = {
        i.unit.id: (i.support.total, i.support.done, i.appraisal.total, i.appraisal.done,
                    i.approval.total, i.approval.done, i.waiting)
        for i in progress[0].items
    }  # fmt: skip
    assert per_unit == {
        i.unit.id: (i.support.total, i.support.done, i.appraisal.total, i.appraisal.done,
                    i.approval.total, i.approval.done, i.waiting)
        for i in expected
    }  # fmt: skip
    assert per_unit
