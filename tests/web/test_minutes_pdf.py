"""The appraisal minutes PDF of a unit (Biên bản thẩm định): its text extracts back exactly
with pdftotext, diacritics included (scores, comments of every step, totals, signatures);
who may download it; its first page rendered to PNG for a look
(tests/artifacts/minutes_pdf/page-1.png)."""

import os
import re
import shutil
import subprocess
import unicodedata
from decimal import Decimal

import pytest
from werkzeug.security import generate_password_hash

from app.domain import appraisal as ap
from app.domain import approval as apr
from app.domain import supplement as sup
from app.domain.scoring import format_points
from app.reports import document
from tests.conftest import ARTIFACTS, DEMO_PASSWORD, login
from tests.unit import appraisal_world as aw
from tests.vietnamese import install as install_vietnamese

people = aw.people  # the small appraisal round of tests/unit/appraisal_world.py
world = aw.world
ARTIFACT_DIR = os.path.join(ARTIFACTS, "minutes_pdf")
SIGNING_IN = ("leader", "support", "support2", "appraiser", "council", "council_outsider",
              "organiser", "unit_leader", "unit_b_leader")  # fmt: skip


@pytest.fixture(autouse=True)
def _poppler():
    if not shutil.which("pdftotext") or not shutil.which("pdftoppm"):
        pytest.fail("poppler-utils is not installed: run `make system-deps`.", pytrace=False)


@pytest.fixture()
def vietnamese(monkeypatch):
    install_vietnamese(monkeypatch)


@pytest.fixture()
def accounts(world):
    """The world's people may log in (with the demo password) for these tests."""
    for key in SIGNING_IN:
        world.users[key].password = generate_password_hash(DEMO_PASSWORD)
    world.s.commit()
    yield {key: f"t4.{key}" for key in SIGNING_IN}
    for key in SIGNING_IN:
        world.users[key].password = None
    world.s.commit()


def nfc(text):
    return unicodedata.normalize("NFC", text)


def _pdftotext(data, *options):
    os.makedirs(ARTIFACT_DIR, exist_ok=True)
    path = os.path.join(ARTIFACT_DIR, "minutes.pdf")
    with open(path, "wb") as handle:
        handle.write(data)
    out = subprocess.run(["pdftotext", *options, path, "-"], capture_output=True, check=True,
                         timeout=60)  # fmt: skip
    return nfc(out.stdout.decode("utf-8"))


def appraise_unit_a(world):
    """Team 1 appraises unit A with comments, a return and an adjustment, the council asks
    for a supplement on 1.1, the unit answers and 1.1 is re-appraised and approved."""
    users = world.users
    support, appraiser, leader = users["support"], users["appraiser"], users["leader"]
    aw.staff_everything(world, units=("A",))
    now = aw.DURING_APPRAISAL
    for code in aw.SCORED:
        comment = "Đủ tài liệu kiểm chứng" if code == "1.1" else None
        ap.save_support_score(world.s, world.line("A", code), aw.GOOD_INPUT[code], comment,
                              support, now=now)  # fmt: skip
    ap.appraise(world.s, world.line("A", "1.2"), appraiser, "tre", "Báo cáo trễ hạn 3 ngày",
                now=now)  # fmt: skip
    apr.return_line(world.s, world.line("A", "2.1"), leader, "Thiếu văn bản chứng minh", now=now)
    ap.save_support_score(world.s, world.line("A", "2.1"), "2", "Chỉ có 2 thủ tục", support,
                          now=now)  # fmt: skip
    for code in aw.SCORED:
        if code != "1.2":
            ap.appraise(world.s, world.line("A", code), appraiser, now=now)
    apr.approve_unit(world.s, world.assessments["A"], leader, now=now)
    world.s.commit()
    line = world.line("A", "1.1")
    request = sup.request_supplement(world.s, line, "Thiếu quyết định ban hành kế hoạch",
                                     users["council"], now=now)  # fmt: skip
    world.s.commit()
    later = aw.DURING_SUPPLEMENT
    sup.respond(world.s, request, "Đã bổ sung Quyết định số 12/QĐ-UBND", users["unit_leader"],
                now=later)  # fmt: skip
    ap.save_support_score(world.s, line, "4", "Có quyết định bổ sung", support, now=later)
    ap.appraise(world.s, line, appraiser, now=later)
    apr.approve_line(world.s, line, leader, now=later)
    world.s.commit()


def _url(world, unit="A"):
    return f"/appraisal/{world.round.id}/{world.units['T4-XA-' + unit].id}/minutes.pdf"


EXPLAINED = "Đã ban hành kế hoạch CCHC đúng hạn"
LONG_EXPLANATION = "Ủy ban nhân dân xã đã tổ chức tuyên truyền " * 20


def test_minutes_text_extracts_exactly(app, world, accounts, vietnamese):
    appraise_unit_a(world)
    # The unit's own explanation of its self score (a long one is shortened).
    world.line("A", "1.1").explanation = EXPLAINED
    world.line("A", "1.2").explanation = LONG_EXPLANATION
    world.s.commit()
    client = login(app.test_client(), accounts["leader"])
    response = client.get(_url(world))
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert "bien-ban-tham-dinh-T4-XA-A-2031.pdf" in response.headers["Content-Disposition"]

    text = _pdftotext(response.data, "-layout")
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "SỞ NỘI VỤ",
        "T4 TỔ THẨM ĐỊNH 1", "BIÊN BẢN THẨM ĐỊNH", "Đợt thử thẩm định 2031",
        "Đơn vị được thẩm định: Xã Thử A", "Tổ thẩm định: T4 Tổ thẩm định 1",
        "TỔ TRƯỞNG", "THÀNH VIÊN TỔ", "Thử Leader", "Thử Support (Tổ giúp việc)",
        "Thử Appraiser (Tổ thẩm định)", "Tiêu chí thành phần đã phê duyệt: 6/6.",
    ):  # fmt: skip
        assert expected in text, f"{expected!r} not in the PDF text"
    assert "■" not in text and "\ufffd" not in text and "Dự thảo" not in text
    # Members of the team without an assignment for the unit do not sign its minutes.
    assert "Support A" not in text and "Support Up" not in text
    # Each line: code, maximum, self score, approved score, as the database holds them.
    lines = {code: world.fresh(world.line("A", code)) for code in aw.SCORED}
    for code, line in lines.items():
        row = next(r for r in text.splitlines() if r.strip().startswith(code + " "))
        numbers = " +".join(
            re.escape(format_points(v))
            for v in (line.criterion.max_points, line.self_points, line.approved_points)
        )
        assert re.search(rf"\s{numbers}(\s|$)", row), row
    assert lines["1.1"].approved_points == Decimal("4") and lines["1.2"].approved_points == 1
    self_total = format_points(sum(line.self_points for line in lines.values()))
    approved_total = format_points(sum(line.approved_points for line in lines.values()))
    assert f"Điểm tự chấm {self_total}, điểm phê duyệt {approved_total}" in text
    assert re.search(rf"Tổng cộng\s+16\s+{self_total}\s+{approved_total}", text)

    # Comments of every step, in order, with who wrote them (cells wrap: read in -raw).
    flowing = re.sub(r"\s+", " ", _pdftotext(response.data, "-raw"))
    for expected in (
        "Tổ giúp việc (Thử Support, ", "): 3,5; Đủ tài liệu kiểm chứng",
        "Thành viên thẩm định (Thử Appraiser, ", "): 1; Báo cáo trễ hạn 3 ngày",
        "Đã trả lại (Thử Leader, ", "): Thiếu văn bản chứng minh", "): 2; Chỉ có 2 thủ tục",
        "Hội đồng yêu cầu bổ sung (Thử Council, ", "): Thiếu quyết định ban hành kế hoạch",
        "Đơn vị giải trình (Thử Unit Leader, ", "): Đã bổ sung Quyết định số 12/QĐ-UBND",
        "): 4; Có quyết định bổ sung", "Phê duyệt (Thử Leader, ",
        "Chấm điểm qua điều tra xã hội học",
    ):  # fmt: skip
        assert nfc(expected) in flowing, f"{expected!r} not in the PDF text"
    assert flowing.index("3,5; Đủ tài liệu") < flowing.index("Thiếu quyết định ban hành")
    # Next to the self score: the unit's explanation, first in the line's cell; shortened.
    explained = nfc(f"Giải trình: {EXPLAINED}")
    assert explained in flowing
    assert flowing.index(explained) < flowing.index("3,5; Đủ tài liệu")
    assert nfc("Giải trình: Ủy ban nhân dân xã đã tổ chức tuyên truyền") in flowing
    assert flowing.count(nfc("đã tổ chức tuyên truyền")) < 20 and "…" in flowing

    # The first page as an image, to look at (tests/artifacts/minutes_pdf/page-1.png).
    for old in os.listdir(ARTIFACT_DIR):
        if old.startswith("page-"):
            os.remove(os.path.join(ARTIFACT_DIR, old))
    subprocess.run(["pdftoppm", "-r", "70", "-png", os.path.join(ARTIFACT_DIR, "minutes.pdf"),
                    os.path.join(ARTIFACT_DIR, "page")], check=True, timeout=120)  # fmt: skip
    assert any(name.startswith("page-") for name in os.listdir(ARTIFACT_DIR))


def test_who_may_download_the_minutes(app, world, accounts, vietnamese):
    appraise_unit_a(world)

    def get(key, unit="A"):
        return login(app.test_client(), accounts[key]).get(_url(world, unit))

    for key in ("leader", "support", "appraiser", "council", "organiser", "unit_leader"):
        response = get(key)
        assert response.status_code == 200 and response.data.startswith(b"%PDF"), key
    # Another team's member and another unit cannot even see the unit: like a missing one.
    assert get("support2").status_code == 404
    assert get("unit_b_leader").status_code == 404
    # A Council account outside this round's council sees the unit but not its minutes.
    refused = get("council_outsider")
    assert refused.status_code == 302 and b"%PDF" not in refused.data
    # Unit B's appraisal is not complete: its leader is told why, the organiser gets a draft.
    early = login(app.test_client(), accounts["unit_b_leader"])
    response = early.get(_url(world, "B"), follow_redirects=True)
    assert "khi Tổ trưởng đã phê duyệt tất cả các tiêu chí" in response.get_data(as_text=True)
    draft = get("organiser", "B")
    text = _pdftotext(draft.data, "-layout")
    assert "Dự thảo: 6 trên 6 tiêu chí thành phần chưa được phê duyệt." in text
    assert "UBND TỈNH SÔNG LAM" in text  # no team yet: issued by the organiser
    anonymous = app.test_client().get(_url(world))
    assert anonymous.status_code in (302, 401) and b"%PDF" not in anonymous.data
    assert login(app.test_client(), "xem").get(_url(world)).status_code in (302, 403, 404)


def test_place_and_date_and_the_file_name(app, world):
    from app.reports.minutes import minutes_filename

    with app.test_request_context():
        assert document.ascii_filename("biên bản thẩm định", "XA001", 2026) == (
            "bien-ban-tham-dinh-XA001-2026.pdf"
        )
        assert minutes_filename(world.assessments["A"]).endswith("-T4-XA-A-2031.pdf")
