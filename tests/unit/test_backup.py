"""flask backup / flask restore: a demo round with scores, evidence files and its change log goes
from one database into a fresh one, identical; the refusals protect a database in use.

On PostgreSQL (TEST_DATABASE_URL) both databases are created next to the suite's and dropped."""

import hashlib
import io
import json
import os
import tarfile

import pytest
from flask_appbuilder import Model
from flask_migrate import upgrade
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import select

from app.domain import evidence as ev
from app.domain.errors import DomainError
from app.domain.self_assessment import save_self_score
from app.extensions import db
from app.maintenance import backup as archive
from app.models import AppUser, Assessment, AuditEvent, Evidence, Round, ScoreLine
from tests.conftest import ROOT, _postgres_database, login, make_app, prepare_database

MIGRATIONS = os.path.join(ROOT, "migrations")


@pytest.fixture()
def new_database(tmp_path):
    """new_database() -> the URL of a fresh, empty database (no tables)."""
    drops, made = [], []
    base = os.environ.get("TEST_DATABASE_URL")

    def make():
        made.append(1)
        if base and base.startswith("postgresql"):
            url, drop = _postgres_database(base)
            drops.append(drop)
            return url
        return "sqlite:///" + str(tmp_path / f"db{len(made)}.db")

    yield make
    for drop in drops:
        drop()


def _apps(new_database, tmp_path):
    source = make_app(new_database(), UPLOAD_DIR=str(tmp_path / "source-uploads"))
    target = make_app(new_database(), UPLOAD_DIR=str(tmp_path / "target-uploads"))
    prepare_database(source)
    return source, target


def _pdf():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def _work_on_the_round(app):
    """The leader of Phường Lam Giang scores three lines and attaches two documents."""
    with app.app_context():
        session = db.session
        evidence_before = session.query(Evidence).count()  # the demo's published rounds have some
        leader = session.query(AppUser).filter_by(username="lanhdao.xa").one()
        this_year = session.query(Round).order_by(Round.year.desc(), Round.id).first()
        assessment = (
            session.query(Assessment).filter_by(round_id=this_year.id, unit_id=leader.unit_id).one()
        )
        lines = session.query(ScoreLine).filter_by(assessment_id=assessment.id).all()
        scored = []
        for line in lines:
            for raw in ("1", "0,5", "0"):
                try:
                    save_self_score(session, line, raw, leader)
                except DomainError:
                    session.rollback()
                    continue
                session.commit()
                scored.append(line)
                break
            if len(scored) == 3:
                break
        upload_dir = app.config["UPLOAD_DIR"]
        documents = [("Quyết định số 12.pdf", _pdf()), ("Ảnh.png", _png())]
        for line, (name, data) in zip(scored[:2], documents, strict=True):
            ev.add_file(session, line, name, data, leader, upload_dir=upload_dir)
        session.commit()
        assert len(scored) == 3
        assert session.query(Evidence).count() == evidence_before + 2
        assert session.query(AuditEvent).count() > 0
        return evidence_before + 2


def _every_row(app):
    with app.app_context(), db.engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Model.metadata.sorted_tables
        }


def _files(folder):
    found = {}
    for root, _dirs, names in os.walk(folder):
        for name in names:
            with open(os.path.join(root, name), "rb") as handle:
                found[os.path.relpath(os.path.join(root, name), folder)] = hashlib.sha256(
                    handle.read()
                ).hexdigest()
    return found


def _restore(app, path, force=False):
    with app.app_context():
        return archive.restore(
            db.engine, app.config["UPLOAD_DIR"], path, MIGRATIONS,
            upgrade=lambda: upgrade(directory=MIGRATIONS), force=force,
        )  # fmt: skip


def test_a_round_trip_restores_every_row_and_every_file(new_database, tmp_path):
    source, target = _apps(new_database, tmp_path)
    evidence_rows = _work_on_the_round(source)
    path = str(tmp_path / "cchc.tar.gz")
    with source.app_context():
        manifest = archive.backup(db.engine, source.config["UPLOAD_DIR"], path, MIGRATIONS)

    assert manifest["schema_revision"] == archive.code_revision(MIGRATIONS)
    assert manifest["tables"]["evidence"] == evidence_rows and manifest["tables"]["score_line"] > 0
    assert len(manifest["files"]) == 2 and manifest["missing_files"] == []
    for rel, meta in manifest["files"].items():
        assert meta["sha256"] == rel.rsplit("/", 1)[1]

    _restore(target, path)

    assert _every_row(target) == _every_row(source)
    assert _files(target.config["UPLOAD_DIR"]) == _files(source.config["UPLOAD_DIR"])
    # The restored installation works: the demo accounts log in with their passwords.
    login(target.test_client(), "lanhdao.xa")
    # New rows get new ids (PostgreSQL sequences moved past the restored ids).
    with target.app_context():
        leader = db.session.query(AppUser).filter_by(username="lanhdao.xa").one()
        db.session.add(AuditEvent(at=leader.changed_on, user_id=leader.id, action="x", entity="y"))
        db.session.commit()
    for app in (source, target):
        with app.app_context():
            db.engine.dispose()


def test_restore_refuses_a_database_in_use_without_force(new_database, tmp_path):
    source, target = _apps(new_database, tmp_path)
    path = str(tmp_path / "cchc.tar.gz")
    with source.app_context():
        archive.backup(db.engine, source.config["UPLOAD_DIR"], path, MIGRATIONS)
    # The source itself holds data: restoring over it needs --force.
    with pytest.raises(archive.BackupError, match="--force"):
        _restore(source, path)
    before = _every_row(source)
    _restore(source, path, force=True)
    assert _every_row(source) == before
    for app in (source, target):
        with app.app_context():
            db.engine.dispose()


def test_restore_refuses_an_archive_of_another_schema_revision(new_database, tmp_path):
    source, target = _apps(new_database, tmp_path)
    path = str(tmp_path / "cchc.tar.gz")
    with source.app_context():
        archive.backup(db.engine, source.config["UPLOAD_DIR"], path, MIGRATIONS)
    older = str(tmp_path / "older.tar.gz")
    with tarfile.open(path, "r:gz") as src, tarfile.open(older, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["schema_revision"] = "0003"
                data = json.dumps(manifest).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(archive.BackupError, match="0003"):
        _restore(target, older)
    with target.app_context(), db.engine.connect() as conn:
        from sqlalchemy import inspect

        assert inspect(conn).get_table_names() == []  # nothing was touched
    with pytest.raises(archive.BackupError):
        _restore(target, str(tmp_path / "cchc.tar.gz.missing"))
    for app in (source, target):
        with app.app_context():
            db.engine.dispose()
