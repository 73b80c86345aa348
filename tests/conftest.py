"""Fixtures: one migrated database with the demo province per test session, clients per role.

TEST_DATABASE_URL=postgresql+psycopg://user@host:port/any runs the suite on PostgreSQL: the
suite creates its own database there and drops it at the end.
"""

import contextlib
import os
import re
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app import create_app
from app.extensions import db

DEMO_PASSWORD = "Demo@12345"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(ROOT, "tests", "artifacts")


def _postgres_database(base_url):
    """Create a fresh database next to `base_url`; return its URL and a function dropping it."""
    name = f"cchc_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = re.sub(r"/[^/]*$", f"/{name}", base_url)

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def make_app(database_url, **overrides):
    settings = dict(
        TESTING=True,
        SQLALCHEMY_DATABASE_URI=database_url,
        WTF_CSRF_ENABLED=False,
        # Hundreds of logins from 127.0.0.1: tests/security/ turns the limit on where it tests it.
        RATELIMIT_ENABLED=False,
        SECRET_KEY="test-secret",
        DEMO_PASSWORD=DEMO_PASSWORD,
    )
    settings.update(overrides)
    return create_app(**settings)


def prepare_database(app, demo=True):
    """Migrate with Alembic (never create_all), sync roles, load the demo province."""
    from flask_migrate import upgrade

    from app.security.sync import sync_roles

    with app.app_context():
        upgrade(directory=os.path.join(ROOT, "migrations"))
        sync_roles(app.appbuilder)
        if demo:
            from app.demo.loader import load_demo

            load_demo(db.session, app.appbuilder, DEMO_PASSWORD)
            db.session.commit()


@contextlib.contextmanager
def new_database(directory):
    """The URL of a new, empty database of the suite's backend (PostgreSQL when
    TEST_DATABASE_URL says so, else a SQLite file in `directory`), dropped afterwards."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base and base.startswith("postgresql"):
        url, drop = _postgres_database(base)
        try:
            yield url
        finally:
            drop()
    else:
        yield "sqlite:///" + str(directory / "test.db")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with new_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url):
    application = make_app(database_url, UPLOAD_DIR=os.path.join(ARTIFACTS, "uploads"))
    prepare_database(application)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def test_engine(app, database_url):
    # Autocommit: every read sees what the app has committed, and no test transaction stays
    # open to block the app's writes. Tests must not push an app context around requests:
    # Flask would then share `g` (and the logged-in user) between requests.
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture()
def session(test_engine):
    """A plain SQLAlchemy session on the test database, for arranging and checking data."""
    with Session(test_engine) as s:
        yield s


def login(client, username, password=DEMO_PASSWORD):
    response = client.post(
        "/login/", data={"username": username, "password": password}, follow_redirects=False
    )
    assert response.status_code == 302, f"login failed for {username}"
    return client


@pytest.fixture()
def client_as(app):
    """client_as("tochuc") -> a test client logged in as that demo account."""

    def make(username):
        return login(app.test_client(), username)

    return make


@pytest.fixture()
def anon_client(app):
    return app.test_client()


@pytest.fixture()
def admin_client(client_as):
    return client_as("admin")


@pytest.fixture()
def organiser_client(client_as):
    return client_as("tochuc")


@pytest.fixture()
def leader_client(client_as):
    return client_as("lanhdao.xa")


@pytest.fixture()
def staff_client(client_as):
    return client_as("canbo.xa")


@pytest.fixture()
def viewer_client(client_as):
    return client_as("xem")


@pytest.fixture()
def support_client(client_as):
    return client_as("giupviec")


@pytest.fixture()
def appraiser_client(client_as):
    return client_as("thamdinh")


@pytest.fixture()
def team_leader_client(client_as):
    return client_as("totruong")


@pytest.fixture()
def council_client(client_as):
    return client_as("hoidong")
