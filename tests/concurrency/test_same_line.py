"""Several people (or tabs) save the same score line at once, each with the version they
loaded: exactly one save wins and stays; every other one is refused with 409 and a Vietnamese
sentence naming the winner's value, and changes nothing (not even the change log). On every
write path: the sheet's autosave, explanation and not-applicable mark, the generated form,
REST PUT, the Excel import, and the appraisal's steps.

`Rendezvous` holds each request at its first write until all have read the line, so the losers
meet the race at the database (UPDATE ... WHERE version = loaded matches no row); without it
(`held=False`) the late ones also meet the version check of the domain.
"""

import json
import logging
from decimal import Decimal

import pytest

from app.domain.scoring import format_points
from tests.concurrency.world import (
    Rendezvous,
    audit_events,
    clients,
    read_line,
    run_together,
)
from tests.conftest import DEMO_PASSWORD
from tests.helpers import page_text
from tests.vietnamese import catalogue

JSON = {"Accept": "application/json"}
SCORE_MSG = (
    "Someone else saved this line meanwhile: it now holds %(value)s. "
    "Check it and enter your score again."
)
EXPLANATION_MSG = (
    "Someone else saved this line meanwhile: its explanation now reads “%(value)s”. "
    "Check it and save yours again."
)
DECISION_MSG = (
    "Someone else saved this line meanwhile: it now holds %(value)s. "
    "Check it before deciding again."
)


def vi(msgid, **values):
    return catalogue()[msgid] % values


def post_json(client, url, **body):
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=JSON)


def answers_of(results, won=200):
    """(the winner, [the others]) of (status, ...) results, the winner answered `won` (a form
    that saved redirects: 302); fails unless exactly one save won."""
    winners = [r for r in results if r[0] == won]
    assert len(winners) == 1, [r[0] for r in results]
    return winners[0], [r for r in results if r not in winners]


def together(tasks, held):
    if not held:
        return run_together(tasks)
    with Rendezvous(len(tasks)).holding():
        return run_together(tasks)


@pytest.mark.parametrize("held", [True, False], ids=["at-the-database", "at-the-check"])
def test_autosaves_of_one_line_one_wins_the_others_read_its_value(
    app, session, sheet, vietnamese, held, caplog
):
    caplog.set_level(logging.INFO, logger="app.views.line_replies")
    line_id = sheet["lines"]["1.1"]
    loaded = read_line(session, line_id).version
    values = ["1", "1,5", "2", "2,5", "3", "3,5", "4", "4,5"]
    tabs = clients(app, len(values))

    def save(client, value):
        def task():
            answer = post_json(client, f"/sheet/line/{line_id}/score", value=value, version=loaded)
            return answer.status_code, answer.get_json()

        return task

    results = together([save(c, v) for c, v in zip(tabs, values, strict=True)], held)
    (_status, won), lost = answers_of(results)
    line = read_line(session, line_id)
    assert format_points(line.self_points) == won["points"] and line.version == loaded + 1
    assert won["version"] == loaded + 1
    for status, answer in lost:
        assert status == 409, answer
        assert answer["error"] == vi(SCORE_MSG, value=won["points"])
        assert (answer["current"], answer["version"]) == (won["points"], loaded + 1)
    events = audit_events(session, line_id, "score")
    assert [e.new_value for e in events] == [won["points"]]
    if held:  # every loser passed the version check and met the guard of the UPDATE
        races = [r for r in caplog.records if "won the race" in r.getMessage()]
        assert len(races) == len(values) - 1


def test_explanations_of_one_line_one_wins_the_others_read_it(app, session, sheet, vietnamese):
    line_id = sheet["lines"]["1.2"]
    loaded = read_line(session, line_id).version
    texts = [f"Giải trình của người thứ {i}: Quyết định số {i}/QĐ-UBND" for i in range(1, 5)]
    tabs = clients(app, len(texts))

    def save(client, text):
        def task():
            answer = post_json(client, f"/sheet/line/{line_id}", explanation=text, version=loaded)
            return answer.status_code, answer.get_json()

        return task

    results = together([save(c, t) for c, t in zip(tabs, texts, strict=True)], held=True)
    _won, lost = answers_of(results)
    kept = read_line(session, line_id).explanation
    assert kept in texts
    for status, answer in lost:
        assert status == 409 and answer["error"] == vi(EXPLANATION_MSG, value=kept)
    assert [e.new_value for e in audit_events(session, line_id, "explanation")] == [kept]


def test_marking_not_applicable_and_scoring_at_once_keeps_one_of_them(
    app, session, sheet, vietnamese
):
    line_id = sheet["lines"]["2.1"]
    loaded = read_line(session, line_id).version
    leader, staff = clients(app, 2)

    def mark():
        answer = post_json(
            leader, f"/sheet/line/{line_id}", not_applicable=True,
            reason="Đơn vị không có thủ tục này", version=loaded,
        )  # fmt: skip
        return answer.status_code, answer.get_json()

    def score():
        answer = post_json(staff, f"/sheet/line/{line_id}/score", value="1,5", version=loaded)
        return answer.status_code, answer.get_json()

    (marked, by_leader), (scored, by_staff) = together([mark, score], held=True)
    line = read_line(session, line_id)
    if marked == 200:
        assert scored == 409 and line.not_applicable and line.self_points is None
        assert by_staff["error"] == vi(SCORE_MSG, value=catalogue()["not applicable to the unit"])
    else:
        assert scored == 200 and not line.not_applicable and line.self_points == Decimal("1.5")
        assert marked == 409 and by_leader["error"] == vi(SCORE_MSG, value="1,5")
    assert line.version == loaded + 1


def test_the_generated_form_keeps_the_first_save_and_tells_the_others(
    app, session, sheet, vietnamese
):
    line_id = sheet["lines"]["1.3"]
    loaded = read_line(session, line_id).version
    values = ["5", "6", "7", "8"]
    tabs = clients(app, len(values))

    def save(client, value):
        def task():
            answer = client.post(
                f"/scorelineview/edit/{line_id}",
                data={"self_input": value, "explanation": f"Theo người nhập {value}",
                      "version": str(loaded)},
            )  # fmt: skip
            return answer.status_code, answer.get_data(as_text=True), page_text(answer)

        return task

    results = together([save(c, v) for c, v in zip(tabs, values, strict=True)], held=True)
    _won, lost = answers_of(results, won=302)
    line = read_line(session, line_id)
    winner = format_points(line.self_points)
    # Score and explanation come from the same person: nothing of a losing form is mixed in.
    assert winner in values and line.explanation == f"Theo người nhập {winner}"
    for status, body, text in lost:
        assert status == 200
        assert vi(SCORE_MSG, value=winner) in " ".join(text.split())
        # The form keeps what was typed and carries the line's new version.
        assert f'name="version" type="hidden" value="{loaded + 1}"' in body
    assert len(audit_events(session, line_id, "score")) == 1


def _bearer(app, username):
    client = app.test_client()
    answer = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": DEMO_PASSWORD, "provider": "db"},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return client, {"Authorization": f"Bearer {answer.json['access_token']}"}


def test_rest_puts_with_a_body_version_or_if_match_one_wins(app, session, sheet, vietnamese):
    line_id = sheet["lines"]["1.4"]
    loaded = read_line(session, line_id).version
    values = ["2", "3", "4", "5", "6", "7"]
    callers = [_bearer(app, ("lanhdao.xa", "canbo.xa")[i % 2]) for i in range(len(values))]

    def put(caller, value, i):
        client, headers = caller
        body = {"self_input": value}
        if i % 2:
            headers = {**headers, "If-Match": f'"{loaded}"'}
        else:
            body["version"] = loaded

        def task():
            answer = client.put(f"/api/v1/score_line/{line_id}", json=body, headers=headers)
            return answer.status_code, answer.get_json()

        return task

    tasks = [put(c, v, i) for i, (c, v) in enumerate(zip(callers, values, strict=True))]
    (_status, won), lost = answers_of(together(tasks, held=True))
    stored = format_points(Decimal(str(won["result"]["self_points"])))
    assert format_points(read_line(session, line_id).self_points) == stored
    for status, answer in lost:
        assert status == 409
        assert answer["message"] == vi(SCORE_MSG, value=stored)
        assert (answer["current"], answer["version"]) == (stored, loaded + 1)
    # The ETag of GET is the version a client sends back as If-Match.
    client, headers = callers[0]
    read = client.get(f"/api/v1/score_line/{line_id}", headers=headers)
    assert read.headers["ETag"] == f'"{loaded + 1}"'
    blind = client.put(f"/api/v1/score_line/{line_id}", json={"self_input": "9"}, headers=headers)
    assert blind.status_code == 428 and read_line(session, line_id).version == loaded + 1


def test_support_scores_of_one_line_one_wins(web, vietnamese):
    web.staff()
    line = web.line("A", "1.1")
    loaded = web.fresh(line).version
    values = ["1", "2", "3", "4"]
    tabs = [web.client("support") for _ in values]

    def save(client, value):
        def task():
            answer = post_json(
                client, f"/appraisal/line/{line.id}/support", value=value, version=loaded
            )
            return answer.status_code, answer.get_json()

        return task

    results = together([save(c, v) for c, v in zip(tabs, values, strict=True)], held=True)
    (_status, won), lost = answers_of(results)
    assert format_points(web.fresh(line).support_points) == won["points"]
    for status, answer in lost:
        assert status == 409 and answer["error"] == vi(SCORE_MSG, value=won["points"])
        assert answer["points"] == won["points"] and answer["version"] == loaded + 1


def test_approving_while_the_appraiser_adjusts_approves_only_what_the_leader_saw(web, vietnamese):
    web.staff()
    web.score(["1.1"])
    web.appraise(["1.1"])
    line = web.line("A", "1.1")
    loaded = web.fresh(line).version
    appraiser, leader = web.client("appraiser"), web.client("leader")

    def adjust():
        answer = post_json(appraiser, f"/appraisal/line/{line.id}/appraise", value="2",
                           comment="Thiếu một văn bản", version=loaded)  # fmt: skip
        return answer.status_code, answer.get_json()

    def approve():
        answer = post_json(leader, f"/appraisal/line/{line.id}/approve", version=loaded)
        return answer.status_code, answer.get_json()

    (adjusted, by_appraiser), (approved, by_leader) = together([adjust, approve], held=True)
    fresh = web.fresh(line)
    if approved == 200:  # approved 3,5 as appraised; the adjustment came too late
        assert adjusted == 409 and fresh.approved_points == Decimal("3.5")
        assert by_appraiser["error"] == vi(SCORE_MSG, value="3,5")
    else:  # adjusted to 2: the leader approved nothing and reads the new score
        assert adjusted == 200 and fresh.appraisal_state == "appraised"
        assert fresh.approved_points is None and fresh.appraised_points == Decimal("2")
        assert approved == 409 and by_leader["error"] == vi(DECISION_MSG, value="2")
    assert fresh.version == loaded + 1
