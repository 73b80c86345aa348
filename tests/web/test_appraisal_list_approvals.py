"""The appraisal results list's "approve the whole field" and "approve the whole unit"
(issue 4 item 5): from a few selected rows, every approvable line of the same field (of the
same unit), or of the same unit, is approved through the sheet's domain functions; the rest
is named with its reason; forged row ids and other teams' lines are refused, nothing changed.
Beside tests/web/test_appraisal_lists.py (same round, same helpers)."""

from tests.web.appraisal_web import action, alerts, said

LINES = "appraisallineview"


def _states(web, unit, codes):
    return [web.state(unit, code) for code in codes]


def test_one_selected_line_approves_its_whole_field_and_names_the_rest(web):
    web.staff(("A", "B"))
    web.score()
    web.appraise(["1.1", "1.2", "2.1"])
    web.score(unit="B")
    web.appraise(["1.1"], unit="B")
    page = action(web.client("leader"), LINES, "approve_field", [web.line_id("A", "1.1")])
    assert said(page, "%(count)s lines approved", count=2)
    assert said(page, "The appraiser has not reviewed this line yet: it cannot be approved.")
    assert any("Xã Thử A · 1.3.1" in message for message in alerts(page))
    assert _states(web, "A", ("1.1", "1.2", "1.3.1", "2.1")) == [
        "approved", "approved", "scored", "appraised"]  # fmt: skip
    assert web.state("B", "1.1") == "appraised"  # another unit's field 1: not selected
    # Field 2 of unit A (2.3 is the survey's, left out), then nothing is left to approve.
    web.appraise(["2.2"])
    page = action(web.client("leader"), LINES, "approve_field", [web.line_id("A", "2.2")])
    assert said(page, "%(count)s lines approved", count=2)
    again = action(web.client("leader"), LINES, "approve_field", [web.line_id("A", "2.1")])
    assert said(again, "No line of the chosen fields or units is waiting for approval.")


def test_one_selected_line_approves_its_whole_unit(web):
    web.staff(("A", "B"))
    web.score()
    web.appraise()
    web.score(unit="B")
    web.appraise(unit="B")
    page = action(web.client("leader"), LINES, "approve_unit", [web.line_id("A", "2.2")])
    assert said(page, "%(count)s lines approved", count=6)
    assert set(_states(web, "A", ("1.1", "1.2", "1.3.1", "1.3.2", "2.1", "2.2"))) == {"approved"}
    assert web.state("A", "2.3") == "pending"  # the survey's line
    assert web.state("B", "1.1") == "appraised"


def test_forged_ids_and_other_teams_lines_are_refused_and_nothing_changes(web):
    web.staff()
    web.score()
    web.appraise()
    before = web.snapshot(), web.snapshot("B")
    ids = [web.line_id("A", "1.1")]
    for name in ("approve_field", "approve_unit"):
        # Team 2's support member does not see unit A: the id is refused as unknown.
        page = action(web.client("support2"), LINES, name, ids)
        assert said(page, "You may not see this record."), name
        # Team 2's leader sees the line but decides only on team 2's lines.
        page = action(web.client("leader2"), LINES, name, ids)
        assert said(page, "Only the leader of %(team)s decides on this line.",
                    team="T4 Tổ thẩm định 1"), name  # fmt: skip
        # The appraiser may not approve at all; an id that does not exist names no row.
        page = action(web.client("appraiser"), LINES, name, ids)
        assert said(page, "Only the leader of %(team)s decides on this line.",
                    team="T4 Tổ thẩm định 1"), name  # fmt: skip
        page = action(web.client("leader"), LINES, name, [999999999])
        assert said(page, "The record does not exist or you may not see it."), name
    assert (web.snapshot(), web.snapshot("B")) == before
