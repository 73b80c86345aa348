"""The bad-upload battery (bad_files.py): every kind is refused with a clear message and
nothing is stored, neither a file under UPLOAD_DIR (temporary ones included) nor an Evidence
row, judged in the domain (app/domain/evidence.py, the one place) and over HTTP through the
score sheet's upload endpoint (the REST API has no upload: evidence is read-only there)."""

import io

import pytest
from sqlalchemy.orm import Session

from app.domain import evidence as ev
from app.domain.errors import DomainError
from app.models import AuditEvent, Evidence, ScoreLine
from app.security import roles
from tests.security.bad_files import BAD_CONTENT, BAD_NAMES, GOOD, pdf
from tests.security.conftest import (
    PASSWORD,
    TOKEN_INPUT,
    build_app,
    dispose,
    ensure_account,
    stored_files,
)
from tests.web.test_evidence import unique_pdf

JSON = {"Accept": "application/json"}
LIMIT_MB = 1


def test_the_battery_has_at_least_twelve_kinds():
    assert len(BAD_CONTENT) + len(BAD_NAMES) + 1 >= 12  # + 1: the oversized file below


# --- the domain ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(BAD_CONTENT))
def test_domain_refuses_bad_content_for_the_right_reason(kind):
    data, _name, fragment = BAD_CONTENT[kind]
    with pytest.raises(DomainError) as refused:
        ev.check_content(data)
    assert fragment in refused.value.message


@pytest.mark.parametrize("kind", sorted(BAD_NAMES))
def test_domain_refuses_bad_names_for_the_right_reason(kind):
    name, fragment = BAD_NAMES[kind]
    with pytest.raises(DomainError) as refused:
        ev.clean_name(name)
    assert fragment in refused.value.message


def test_domain_refuses_oversized_files_at_the_configured_limit():
    data = pdf()
    with pytest.raises(ev.FileTooLargeError, match="2 MB"):
        ev.check_content(data + b"\x00" * (2 * 1024 * 1024), max_bytes=2 * 1024 * 1024)


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_the_type_comes_from_the_content(kind):
    data, _name, mime = GOOD[kind]
    assert ev.check_content(data)[0] == mime


# --- over HTTP ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def battery_app(app, database_url, tmp_path_factory):
    """CSRF on as in production, MAX_UPLOAD_MB=1, an upload folder of its own."""
    upload_dir = str(tmp_path_factory.mktemp("battery-uploads"))
    application = build_app(
        database_url, WTF_CSRF_ENABLED=True, UPLOAD_DIR=upload_dir, MAX_UPLOAD_MB=LIMIT_MB
    )
    yield application
    dispose(application)


@pytest.fixture(scope="module")
def battery_client(battery_app, test_engine):
    """The unit leader of XA033, logged in once for the module; with the session's token."""
    with Session(test_engine) as s:
        ensure_account(s, "test.sec.leader", roles.UNIT_LEADER)
    client = battery_app.test_client()
    token = TOKEN_INPUT.search(client.get("/login/").text).group(1)
    form = {"username": "test.sec.leader", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login/", data=form).status_code == 302
    return client, token


@pytest.fixture()
def uploader(battery_app, battery_client, open_line):
    """post(data, name) uploads to the open line as its unit's leader, with the CSRF token."""
    line_id, _assessment_id = open_line
    client, token = battery_client

    def post(data, name, json=True):
        return client.post(
            f"/evidence/line/{line_id}/upload",
            data={"file": (io.BytesIO(data), name), "csrf_token": token},
            headers=JSON if json else {},
            content_type="multipart/form-data",
        )

    post.line_id = line_id
    post.upload_dir = battery_app.config["UPLOAD_DIR"]
    return post


def domain_message(app, call):
    """The refusal the domain gives, worded as the app words it for the user."""
    with app.test_request_context("/"):
        try:
            call()
        except DomainError as err:
            return err.message
    raise AssertionError("the domain accepted it")


def snapshot(session, post):
    """What is stored now: files under UPLOAD_DIR, and the line's "evidence added" log."""
    session.expire_all()
    added = session.query(AuditEvent).filter_by(
        action="evidence_add", entity="score_line", entity_id=post.line_id
    )
    return stored_files(post.upload_dir), added.count()


def assert_nothing_stored(session, post, before):
    assert snapshot(session, post) == before
    assert session.query(Evidence).filter_by(score_line_id=post.line_id).count() == 0


@pytest.mark.parametrize("kind", sorted(BAD_CONTENT))
def test_http_refuses_bad_content_and_stores_nothing(battery_app, session, uploader, kind):
    data, name, _fragment = BAD_CONTENT[kind]
    before = snapshot(session, uploader)
    answer = uploader(data, name)
    assert answer.status_code == 400, answer.text
    expected = domain_message(battery_app, lambda: ev.check_content(data))
    assert answer.json == {"ok": False, "error": expected}
    assert_nothing_stored(session, uploader, before)


@pytest.mark.parametrize("kind", sorted(BAD_NAMES))
def test_http_refuses_bad_names_and_stores_nothing(battery_app, session, uploader, kind):
    name, _fragment = BAD_NAMES[kind]
    before = snapshot(session, uploader)
    answer = uploader(unique_pdf(), name)
    if not name.strip():
        assert answer.status_code == 400  # no usable name: "choose a file"
        assert answer.json["ok"] is False and answer.json["error"]
    else:
        expected = domain_message(battery_app, lambda: ev.clean_name(name))
        assert answer.status_code == 400, answer.text
        assert answer.json == {"ok": False, "error": expected}
    assert_nothing_stored(session, uploader, before)


@pytest.mark.parametrize("extra", [1, 100 * 1024], ids=["just over", "past the envelope"])
def test_http_refuses_oversized_files_with_413(battery_app, session, uploader, extra):
    before = snapshot(session, uploader)
    data = pdf() + b"\x00" * (LIMIT_MB * 1024 * 1024 + extra)
    answer = uploader(data, "lon.pdf")
    assert answer.status_code == 413
    assert answer.json["ok"] is False and "1 MB" in answer.json["error"]
    assert_nothing_stored(session, uploader, before)


def test_a_plain_form_post_is_refused_with_a_flash_not_a_500(battery_app, session, uploader):
    before = snapshot(session, uploader)
    data, name, _fragment = BAD_CONTENT["polyglot PDF + ZIP"]
    answer = uploader(data, name, json=False)
    assert answer.status_code == 302 and "/sheet/" in answer.headers["Location"]
    assert_nothing_stored(session, uploader, before)


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_http_accepts_good_files_under_their_real_type(session, uploader, kind):
    data, name, mime = GOOD[kind]
    answer = uploader(data, name)
    assert answer.status_code == 201, answer.text
    item = answer.json["evidence"]
    assert item["mime"] == mime and item["name"] == name
    session.expire_all()
    row = session.get(Evidence, item["id"])
    assert row.mime_type == mime
    assert ev.download_name(row).endswith(ev.EXTENSIONS[mime])
    assert session.get(ScoreLine, uploader.line_id) is not None
