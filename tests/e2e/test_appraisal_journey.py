"""Issue 4's whole appraisal journey in chromium, under the app's CSP, on the small round of
tests/unit/appraisal_world.py (units Xã Thử A and B, lines 1.1 to 2.3), five roles, each
signing in through the login form:

1. the team leader assigns fields 1 and 2 of both units to the support member and to the
   appraiser (assignment screen: preview, then apply);
2. the support member scores unit A's six lines; 3. the appraiser adjusts 1.1 with a comment
   and accepts the others; 4. the leader approves field 1, then the rest of the unit;
5. the council asks unit A for a supplement on 1.1 and 2.2, with a reason;
6. the unit's leader uploads a PDF and answers on those two lines, in the supplement window;
7. support, appraiser and leader take those two lines again, every other line stays frozen;
8. the council verifies and finalises the round.

Unit B's lines are scored, appraised and approved through the domain (not the journey), and
the windows are moved through the model (tests/web/appraisal_web.py): appraisal open, then
supplement open. Screenshots: tests/artifacts/screenshots/appraisal-journey-*.png.
"""

import io
import os
import re
from dataclasses import dataclass, field

from playwright.sync_api import expect
from pypdf import PdfWriter

from app.models import Round
from tests.unit.appraisal_world import people, world  # noqa: F401  (fixtures)
from tests.web.appraisal_web import set_windows, web, web_people  # noqa: F401  (fixtures)
from tests.web.test_scoring_views import vi

WAITING = "Waiting for the team's score"  # a line's state once the council asks again

SUPPORT_INPUT = {"1.1": "3,5", "1.2": "co", "1.3.1": "95", "1.3.2": "1", "2.1": "3", "2.2": "2"}
ASKED = ("1.1", "2.2")
REASON = "Thiếu quyết định ban hành kế hoạch và sổ theo dõi hồ sơ"
STATE = {key: vi(msgid) for key, msgid in (
    ("scored", "Scored by the support team"), ("appraised", "Appraised"),
    ("approved", "Approved"), ("pending", "Waiting for the team's score"),
)}  # fmt: skip


def tiny_pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass
class Journey:
    page: object
    login_as: object
    server: str
    web: object
    shots: str
    errors: list = field(default_factory=list)

    def sign_in(self, key):
        self.page.goto(f"{self.server}/logout/")
        self.login_as(self.web.world.users[key].username)

    def shot(self, name):
        # From the top: a full-page shot draws the sticky summary where the window scrolled to.
        self.page.evaluate("window.scrollTo(0, 0)")
        path = os.path.join(self.shots, f"appraisal-journey-{name}.png")
        self.page.screenshot(path=path, full_page=True)

    def open_sheet(self):
        self.page.goto(f"{self.server}/appraisal/{self.web.world.assessments['A'].id}")

    def row(self, code):
        return self.page.locator(f"#line-{self.web.line_id('A', code)}")

    def total(self, column):
        return self.page.locator(f'.sheet-summary [data-total-col="{column}"]')

    def watch(self):
        """Script errors, CSP refusals and server errors, on every page of the journey. The
        refused save of an adjustment without a comment (422) is expected: the console says
        "Failed to load resource" for it, which is not counted."""

        def on_console(message):
            text = message.text
            if "Content Security Policy" in text or "Refused to" in text:
                self.errors.append(f"CSP: {text}")
            elif message.type == "error" and not text.startswith("Failed to load resource"):
                self.errors.append(text)

        self.page.on("console", on_console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "response",
            lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 500 else None,
        )
        self.page.on("dialog", lambda dialog: dialog.accept())


# --- the steps, one per role ------------------------------------------------------------------


def leader_assigns(j):
    """Step 1: four assignments, each previewed for both units, then applied together."""
    j.sign_in("leader")
    w, page = j.web.world, j.page
    plans = [("1", "support", 8), ("2", "support", 4), ("1", "appraiser", 8),
             ("2", "appraiser", 4)]  # fmt: skip
    for number, (code, key, lines) in enumerate(plans):
        page.goto(f"{j.server}/appraisal/assign/")
        page.locator(".select-all-units").check()  # assignment.js ticks every unit shown
        expect(page.locator(".selected-count")).to_have_text("2/2")
        page.select_option("#a-criterion", str(w.crit[code].id))
        page.select_option("#a-member", str(w.users[key].id))
        page.select_option("#a-kind", key)
        with page.expect_navigation():
            page.locator(".assign-form button[type=submit]:not(.apply-assignment)").click()
        preview = page.locator(".assign-preview")
        expect(preview.locator(".label-success")).to_have_text(vi("Ready to apply"))
        expect(preview.locator("tr[data-unit]")).to_have_count(2)
        expect(preview.locator(f"tr[data-unit='{w.a.id}'] td").nth(1)).to_have_text(str(lines // 2))
        if number == 0:
            j.shot("1-preview")
        with page.expect_navigation():
            page.locator(".apply-assignment").click()
        name = w.users[key].get_full_name()
        done = vi("%(code)s assigned to %(name)s for %(units)s units (%(lines)s lines).",
                  code=code, name=name, units=2, lines=lines)  # fmt: skip
        expect(page.locator(".alert-success").first).to_contain_text(done)
    # The coverage screen (where "apply" lands) has nothing left to assign.
    expect(page.locator(".coverage-screen .alert-success")).to_contain_text(
        vi("Every line of every unit has a support member and an appraiser.")
    )
    j.shot("2-coverage")


def support_scores(j, inputs, comments):
    """Steps 2 and 7: the support member types a score, Tab, maybe a comment, Enter."""
    j.sign_in("support")
    j.open_sheet()
    for code, value in inputs.items():
        cell = j.row(code).locator("td.support")
        score, comment = cell.locator(".support-input"), cell.locator(".support-comment")
        if score.evaluate("el => el.tagName") == "SELECT":
            score.select_option(value)  # a change saves it
        else:
            score.fill(value)
        if code in comments:
            comment.fill(comments[code])
            comment.press("Enter")
            expect(comment).to_have_attribute("data-saved", comments[code])
        else:
            score.press("Enter")
        expect(cell.locator(".save-status")).to_have_class(re.compile(r"\bsaved\b"))
        expect(j.row(code).locator("[data-state]")).to_have_text(STATE["scored"])


def appraiser_reviews(j, adjust, accept):
    """Steps 3 and 7: adjust lines with a comment (refused without one), accept others.
    `adjust`: code -> (score, the support score it replaces, comment); `accept`: code -> the
    support member's input, which the accepted line's field then shows."""
    j.sign_in("appraiser")
    j.open_sheet()
    for code, (value, support, comment) in adjust.items():
        cell = j.row(code).locator("td.appraised")
        cell.locator(".appraise-input").fill(value)
        cell.locator(".appraise-input").press("Enter")
        expect(cell.locator(".save-status")).to_have_class(re.compile(r"\bfailed\b"))
        expect(cell.locator(".save-status")).to_contain_text(vi(
            "Your score (%(new)s) differs from the support member's (%(old)s): write a "
            "comment explaining why.", new=value, old=support))  # fmt: skip
        cell.locator(".appraise-comment").fill(comment)
        cell.locator(".appraise-comment").press("Enter")
        expect(cell.locator(".save-status")).to_have_class(re.compile(r"\bsaved\b"))
    for code in accept:
        cell = j.row(code).locator("td.appraised")
        cell.locator(".accept-score").click()
        expect(cell.locator(".save-status")).to_have_class(re.compile(r"\bsaved\b"))
        # What was accepted shows in the field, a choice line's option too.
        expect(cell.locator(".appraise-input")).to_have_value(accept[code])
    for code in [*adjust, *accept]:
        expect(j.row(code).locator("[data-state]")).to_have_text(STATE["appraised"])


def leader_approves_unit(j):
    """Step 4: field 1 with its button, then the rest with "approve the whole unit"."""
    j.sign_in("leader")
    j.open_sheet()
    page, w = j.page, j.web.world
    with page.expect_navigation():
        page.locator(f'.approve-field[data-criterion="{w.crit["1"].id}"]').click()
    for code in ("1.1", "1.2", "1.3.1", "1.3.2"):
        expect(j.row(code).locator("[data-state]")).to_have_text(STATE["approved"])
    expect(j.row("2.1").locator("[data-state]")).to_have_text(STATE["appraised"])
    with page.expect_navigation():
        page.locator(".approve-unit").click()
    for code in SUPPORT_INPUT:
        expect(j.row(code).locator("[data-state]")).to_have_text(STATE["approved"])
    expect(j.row("1.1").locator("[data-approved]")).to_have_text("3")
    expect(j.total("approved")).to_have_text("13,5")
    j.shot("5-approved")


def council_requests(j):
    """Step 5: the council's results per unit, then unit A's lines: two lines, one reason."""
    j.sign_in("council")
    page, w = j.page, j.web.world
    page.goto(f"{j.server}/council/{w.round.id}")
    unit_row = page.locator(f"tr[data-unit='{w.a.id}']")
    expect(unit_row.locator(".unit-total")).to_contain_text("13,5")
    expect(unit_row).to_have_class(re.compile(r"\bsuccess\b"))  # every line approved
    with page.expect_navigation():
        unit_row.locator("a").click()
    for code in ASKED:
        page.locator(f"#choose-{j.web.line_id('A', code)}").check()
    page.fill("#request-text", REASON)
    with page.expect_navigation():
        page.locator(".council-unit button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text(
        vi("%(count)s supplement requests sent", count=2)
    )
    for code in ASKED:
        row = j.row(code)
        expect(row).to_have_class(re.compile(r"\bwarning\b"))
        expect(row).to_contain_text(vi("Waiting for the unit"))
        expect(row).to_contain_text(REASON)
    expect(j.row("1.2")).not_to_contain_text(REASON)
    j.shot("6-council-request")


def unit_supplements(j):
    """Step 6: the unit's sheet highlights the two lines; a PDF on 1.1, an answer on both."""
    j.sign_in("unit_leader")
    page, assessment_id = j.page, j.web.world.assessments["A"].id
    page.goto(f"{j.server}/sheet/{assessment_id}")
    expect(page.locator(".supplement-alert")).to_be_visible()
    # The closed self-assessment window is not announced as "nothing can be changed" beside it.
    expect(page.locator(".alert .fa-lock")).to_have_count(0)
    expect(page.locator(".leader-panel .fa-lock")).to_have_count(0)
    for code in ASKED:
        expect(j.row(code)).to_have_class(re.compile(r"\bsupplement-requested\b"))
    # Another line: highlighted no more than it takes evidence (its panel has no upload).
    other = j.row("1.2")
    expect(other).not_to_have_class(re.compile(r"supplement-requested"))
    other.locator(".toggle-detail").click()
    other_panel = page.locator(f"#detail-{j.web.line_id('A', '1.2')}")
    expect(other_panel.locator(".evidence-heading")).to_be_visible()
    expect(other_panel.locator("form.upload-evidence")).to_have_count(0)
    answers = {"1.1": "Đã bổ sung Quyết định số 12/QĐ-UBND ban hành kế hoạch đúng hạn",
               "2.2": "Sổ theo dõi hồ sơ đã được cập nhật đầy đủ"}  # fmt: skip
    for code, answer in answers.items():
        line_id = j.web.line_id("A", code)
        j.row(code).locator(".toggle-detail").click()
        detail = page.locator(f"#detail-{line_id}")
        expect(detail.locator(".supplement-reason")).to_have_text(REASON)
        if code == "1.1":
            detail.locator("input[type=file]").set_input_files(files=[{
                "name": "Quyết định 12.pdf", "mimeType": "application/pdf",
                "buffer": tiny_pdf()}])  # fmt: skip
            detail.locator("form.upload-evidence [type=submit]").click()
            expect(detail.locator(".evidence-list")).to_contain_text("Quyết định 12.pdf")
            expect(j.row(code).locator(".evidence-count")).to_have_text("1")
            detail.locator(".respond-form textarea").fill(answer)
            j.shot("7-unit-supplement")
        else:
            detail.locator(".respond-form textarea").fill(answer)
        with page.expect_navigation():
            detail.locator(".respond-form button[type=submit]").click()
        expect(page.locator(".alert-success")).to_contain_text(
            vi("%(count)s requests answered", count=1)
        )
        assert f"/sheet/{assessment_id}" in page.url


def support_sees_only_the_asked_lines(j):
    """Before step 7: in the supplement, only the two lines take a score; the rest is frozen."""
    j.sign_in("support")
    j.open_sheet()
    expect(j.page.locator(".support-input")).to_have_count(2)
    for code in ASKED:
        row = j.row(code)
        expect(row.locator(".support-input")).to_be_visible()
        expect(row.locator(".line-meta")).to_contain_text(vi("Supplementary appraisal"))
        expect(row.locator("[data-state]")).to_have_text(STATE["pending"])
    frozen = j.row("1.2")
    expect(frozen.locator("[data-state]")).to_have_text(STATE["approved"])
    expect(frozen.locator("[data-approved]")).to_have_text("2")
    expect(frozen.locator(".readonly-tag")).to_be_visible()
    expect(j.total("approved")).to_have_text("13,5")  # the old approval stands until replaced


def appraiser_opens_the_supplement(j):
    """Step 7: the unit's PDF is in 1.1's panel, marked as the supplement, viewable there."""
    line_id = j.web.line_id("A", "1.1")
    j.row("1.1").locator(".toggle-detail").click()
    detail = j.page.locator(f"#detail-{line_id}")
    item = detail.locator(".evidence-item", has_text="Quyết định 12.pdf")
    expect(item.locator(".label-warning")).to_have_text(vi("Supplementary appraisal"))
    item.locator(".view-evidence").click()
    expect(detail.locator("iframe.evidence-frame")).to_be_visible()
    expect(detail.locator(".timeline")).to_contain_text(vi("Unit's supplement"))


def leader_approves_lines(j):
    """Step 7: the leader approves the two lines one by one."""
    j.sign_in("leader")
    j.open_sheet()
    for code in ASKED:
        with j.page.expect_navigation():
            j.row(code).locator(".approve-line").click()
        expect(j.row(code).locator("[data-state]")).to_have_text(STATE["approved"])
    expect(j.row("1.1").locator("[data-approved]")).to_have_text("4")
    expect(j.total("approved")).to_have_text("14,5")
    # The timeline keeps the value the supplement replaced.
    j.row("1.1").locator(".toggle-detail").click()
    timeline = j.page.locator(f"#detail-{j.web.line_id('A', '1.1')} .timeline")
    asked = timeline.locator("tr.timeline-supplement_request")
    expect(asked).to_contain_text(f"{vi('Approved')} → {vi(WAITING)}")
    expect(timeline.locator("tr.timeline-supplement_close")).to_contain_text(vi("Closed"))
    expect(timeline.locator("tr.timeline-approval")).to_have_count(2)
    expect(timeline.locator("tr.timeline-approval").last).to_contain_text("3 → 4")
    j.shot("8-reapproved")


def council_finalises(j):
    """Step 8: verify, then finalise, with FAB's list actions (confirmed in FAB's dialog)."""
    j.sign_in("council")
    page, round_id = j.page, j.web.world.round.id
    for name, done in (("verify", "%(count)s rounds verified"),
                       ("finalise", "%(count)s rounds finalised")):  # fmt: skip
        page.goto(f"{j.server}/councilroundview/list/")
        page.locator(f"input[name=rowid][value='{round_id}']").check()
        page.locator(".btn-group button.dropdown-toggle.btn-sm").click()
        page.locator(f"a.{name}_menu_item").click()
        with page.expect_navigation():
            page.locator("#modal-confirm-ok").click()
        expect(page.locator(".alert-success")).to_contain_text(vi(done, count=1))
    row = page.locator("tr", has=page.locator(f"input[name=rowid][value='{round_id}']"))
    expect(row).to_contain_text(vi("Finalised"))
    j.shot("9-finalised")
    page.goto(f"{j.server}/council/{round_id}")
    expect(page.locator(f"tr[data-unit='{j.web.world.a.id}'] .unit-total")).to_contain_text("14,5")
    expect(page.locator("h2 small")).to_contain_text(vi("Finalised"))


# --- the journey ----------------------------------------------------------------------------------


def test_assign_score_appraise_approve_supplement_and_finalise(
    web,  # noqa: F811  (the fixture imported above)
    page,
    login_as,
    live_server,
    screenshot_dir,
):
    j = Journey(page, login_as, live_server, web, screenshot_dir)
    j.watch()
    w = web.world

    leader_assigns(j)
    support_scores(j, SUPPORT_INPUT, {"1.1": "Có kế hoạch số 12/KH", "1.3.2": "Một lần vi phạm"})
    expect(j.total("support")).to_have_text("14")  # 3,5 + 2 + 2 + 1,5 + 3 + 2
    j.shot("3-support")
    others = {code: value for code, value in SUPPORT_INPUT.items() if code != "1.1"}
    appraiser_reviews(j, {"1.1": ("3", "3,5", "Kế hoạch ban hành chậm")}, others)
    expect(j.total("appraised")).to_have_text("13,5")
    j.shot("4-appraiser")
    leader_approves_unit(j)

    # Meanwhile the team finished unit B; the appraisal window closes, the supplement opens.
    web.score(unit="B")
    web.appraise(unit="B")
    web.approve(unit="B")
    set_windows(w, "supplement")

    council_requests(j)
    unit_supplements(j)
    support_sees_only_the_asked_lines(j)
    again = {"1.1": "4", "2.2": "2"}
    support_scores(j, again, {"1.1": "Đã có QĐ 12/QĐ-UBND ban hành đúng hạn",
                              "2.2": "Sổ theo dõi đã cập nhật"})  # fmt: skip
    expect(j.total("support")).to_have_text("14,5")
    appraiser_reviews(j, {}, again)
    appraiser_opens_the_supplement(j)
    leader_approves_lines(j)
    council_finalises(j)

    s = w.s
    s.expire_all()
    assert s.get(Round, w.round.id).phase == "finalised"
    assert [r.status for r in web.requests()] == ["closed", "closed"]
    assert [web.fresh(web.line("A", c)).approved_points for c in ("1.1", "2.2", "1.2")] == [4, 2, 2]
    assert not j.errors, j.errors
