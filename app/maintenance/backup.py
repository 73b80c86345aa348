"""Backup and restore of the database and the evidence files together, in one .tar.gz.

The archive holds:
- manifest.json: format, schema revision (Alembic), database kind, rows per table, and the
  SHA-256 and size of every evidence file;
- db/<table>.jsonl: every row of every table of the app (FAB's accounts and permissions
  included), one JSON object per line, written in one read transaction (a consistent snapshot);
- files/<ab>/<cd>/<sha256>: the evidence store of UPLOAD_DIR, as it lies on disk.

Why a portable dump through SQLAlchemy and not pg_dump: the same command and the same archive
serve SQLite and PostgreSQL (and move a SQLite installation to PostgreSQL); pg_dump must match
the server's major version and is often not installed beside the app; the dump is checked by the
same code that restores it (counts, revision, hashes). A province's data (tens of thousands of
score lines) dumps in seconds. For very large installations pg_dump remains the tool for the
database itself; the evidence files still need this archive or a copy of UPLOAD_DIR.

Restore: only into a database at the code's schema revision (an empty database is migrated
first) that holds no rows, unless `force` (then every row is deleted first); an archive made
at another revision is refused. Everything is loaded in one transaction, and every file is
checked against its SHA-256 before it is put in place.
"""

import base64
import datetime
import decimal
import hashlib
import io
import json
import os
import re
import tarfile
import tempfile

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_appbuilder import Model
from flask_babel import gettext as _
from sqlalchemy import Integer, Sequence, func, inspect, select, text

from app.domain.clock import utcnow
from app.domain.errors import DomainError

FORMAT = "cchc-backup/1"
_FILE_PATH = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}$")
_BATCH = 1000


class BackupError(DomainError):
    """The backup or restore was refused or failed; nothing was changed."""


# --- values ----------------------------------------------------------------------------------


def _encode(value):
    if isinstance(value, datetime.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"$d": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"$dec": str(value)}
    if isinstance(value, (bytes, memoryview)):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    return value


def _decode(value):
    if isinstance(value, dict) and len(value) == 1:
        (kind, raw), = value.items()  # fmt: skip
        if kind == "$dt":
            return datetime.datetime.fromisoformat(raw)
        if kind == "$d":
            return datetime.date.fromisoformat(raw)
        if kind == "$dec":
            return decimal.Decimal(raw)
        if kind == "$b64":
            return base64.b64decode(raw)
    return value


# --- schema ------------------------------------------------------------------------------------


def code_revision(migrations_dir):
    """The Alembic head of the code (what `flask db upgrade` brings a database to)."""
    heads = ScriptDirectory(migrations_dir).get_heads()
    if len(heads) != 1:
        raise BackupError(_("The migrations have several heads: merge them before a backup."))
    return heads[0]


def database_revision(connection):
    return MigrationContext.configure(connection).get_current_revision()


def _tables():
    """Every table of the app, parents before children."""
    return list(Model.metadata.sorted_tables)


def _self_references(table):
    """Columns of `table` pointing at `table` itself (a unit's parent, a user's creator)."""
    return [
        fk.parent.name
        for fk in table.foreign_keys
        if fk.column.table is table and fk.parent.nullable
    ]


# --- backup ----------------------------------------------------------------------------------


def _evidence_files(upload_dir):
    """(relative path, absolute path) of every file of the content-addressed evidence store."""
    found = []
    if not os.path.isdir(upload_dir):
        return found
    for root, _dirs, names in os.walk(upload_dir):
        for name in names:
            full = os.path.join(root, name)
            rel = os.path.relpath(full, upload_dir).replace(os.sep, "/")
            if _FILE_PATH.match(rel) and os.path.isfile(full) and not os.path.islink(full):
                found.append((rel, full))
    return sorted(found)


def _sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(utcnow().timestamp())
    tar.addfile(info, io.BytesIO(data))


def backup(engine, upload_dir, target, migrations_dir):
    """Write the archive `target` (a path); return its manifest."""
    revision = code_revision(migrations_dir)
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(),
        "dialect": engine.dialect.name,
        "schema_revision": None,
        "tables": {},
        "files": {},
        "missing_files": [],
    }
    folder = os.path.dirname(os.path.abspath(target))
    fd, partial = tempfile.mkstemp(dir=folder, prefix=".backup-", suffix=".tar.gz")
    os.close(fd)
    try:
        with tarfile.open(partial, "w:gz") as tar:
            _dump_database(engine, tar, manifest, revision)
            _dump_files(upload_dir, tar, manifest, engine)
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
        os.replace(partial, target)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise
    return manifest


def _dump_database(engine, tar, manifest, revision):
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # One snapshot for every table: saves made during the backup are all in or all out.
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        else:
            conn.exec_driver_sql("BEGIN")  # SQLite (WAL): a read transaction is a snapshot
        manifest["schema_revision"] = database_revision(conn)
        if manifest["schema_revision"] != revision:
            message = _(
                "The database is at schema revision %(db)s, the code at %(code)s: run "
                "\"flask db upgrade\" first.", db=manifest["schema_revision"], code=revision,
            )  # fmt: skip
            raise BackupError(message)
        for table in _tables():
            buffer = io.BytesIO()
            count = 0
            order = [c for c in table.primary_key.columns] or list(table.columns)
            for row in conn.execute(select(table).order_by(*order)):
                record = {k: _encode(v) for k, v in row._mapping.items()}
                buffer.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
                count += 1
            _add_bytes(tar, f"db/{table.name}.jsonl", buffer.getvalue())
            manifest["tables"][table.name] = count
        referenced = {
            sha for (sha,) in conn.execute(text("SELECT DISTINCT sha256 FROM evidence")) if sha
        }
        conn.rollback()
    manifest["_referenced"] = sorted(referenced)


def _dump_files(upload_dir, tar, manifest, engine):
    for rel, full in _evidence_files(upload_dir):
        sha = _sha256_of(full)
        if sha != rel.rsplit("/", 1)[1]:
            continue  # not what its name says (a damaged copy): the evidence rows need the real one
        tar.add(full, arcname="files/" + rel, recursive=False)
        manifest["files"][rel] = {"sha256": sha, "size": os.path.getsize(full)}
    present = {rel.rsplit("/", 1)[1] for rel in manifest["files"]}
    manifest["missing_files"] = [s for s in manifest.pop("_referenced") if s not in present]


# --- restore ---------------------------------------------------------------------------------


def read_manifest(path):
    try:
        with tarfile.open(path, "r:gz") as tar:
            member = tar.getmember("manifest.json")
            manifest = json.load(tar.extractfile(member))
    except (OSError, KeyError, tarfile.TarError, ValueError) as err:
        raise BackupError(_("This file is not a backup of this application.")) from err
    if manifest.get("format") != FORMAT:
        raise BackupError(_("This file is not a backup of this application."))
    return manifest


def _row_count(conn, tables):
    return sum(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables)


def _prepare_target(engine, migrations_dir, revision, force, upgrade):
    """Bring an empty database to the code's revision; refuse a non-empty one without force."""
    with engine.connect() as conn:
        existing = set(inspect(conn).get_table_names())
    if not existing - {"alembic_version"}:
        upgrade()
    with engine.connect() as conn:
        current = database_revision(conn)
        if current != revision:
            message = _(
                "The database is at schema revision %(db)s, the code at %(code)s: run "
                "\"flask db upgrade\" first.", db=current, code=revision,
            )  # fmt: skip
            raise BackupError(message)
        rows = _row_count(conn, _tables())
    if rows and not force:
        message = _(
            "The database already holds data (%(rows)s rows): restoring would replace it. "
            "Restore into an empty database, or add --force to replace everything.", rows=rows,
        )  # fmt: skip
        raise BackupError(message)


def restore(engine, upload_dir, source, migrations_dir, upgrade, force=False):
    """Restore the archive `source` into the database and UPLOAD_DIR; return its manifest.

    `upgrade()` migrates an empty database to the code's revision."""
    manifest = read_manifest(source)
    revision = code_revision(migrations_dir)
    if manifest["schema_revision"] != revision:
        message = _(
            "This backup was made at schema revision %(backup)s, the code is at %(code)s: "
            "restore it with the version of the application that made it.",
            backup=manifest["schema_revision"], code=revision,
        )  # fmt: skip
        raise BackupError(message)
    _prepare_target(engine, migrations_dir, revision, force, upgrade)
    with tarfile.open(source, "r:gz") as tar:
        _restore_files(tar, manifest, upload_dir)
        _restore_database(engine, tar, manifest)
    return manifest


def _restore_files(tar, manifest, upload_dir):
    for rel, meta in manifest["files"].items():
        if not _FILE_PATH.match(rel):
            raise BackupError(_("The backup is damaged: %(name)s.", name=rel))
        member = tar.getmember("files/" + rel)
        if not member.isfile():
            raise BackupError(_("The backup is damaged: %(name)s.", name=rel))
        data = tar.extractfile(member).read()
        if hashlib.sha256(data).hexdigest() != meta["sha256"]:
            raise BackupError(_("The backup is damaged: %(name)s.", name=rel))
        path = os.path.join(upload_dir, *rel.split("/"))
        if os.path.isfile(path) and _sha256_of(path) == meta["sha256"]:
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".restore-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)


def _rows(tar, table):
    try:
        handle = tar.extractfile(tar.getmember(f"db/{table.name}.jsonl"))
    except KeyError as err:
        raise BackupError(_("The backup is damaged: %(name)s.", name=table.name)) from err
    columns = {c.name for c in table.columns}
    for line in handle:
        record = json.loads(line)
        yield {k: _decode(v) for k, v in record.items() if k in columns}


def _restore_database(engine, tar, manifest):
    tables = _tables()
    with engine.begin() as conn:
        for table in reversed(tables):
            conn.execute(table.delete())
        for table in tables:
            _load_table(conn, tar, table)
        for table in tables:
            count = conn.execute(select(func.count()).select_from(table)).scalar_one()
            if count != manifest["tables"].get(table.name, 0):
                raise BackupError(_("The backup is damaged: %(name)s.", name=table.name))
        if engine.dialect.name == "postgresql":
            _reset_sequences(conn, tables)


def _load_table(conn, tar, table):
    """Insert the rows; a table pointing at itself gets those links once every row is in."""
    later = _self_references(table)
    key = [c.name for c in table.primary_key.columns]
    batch, links = [], []
    for row in _rows(tar, table):
        if later and key:
            links.append(({k: row[k] for k in key}, {c: row.get(c) for c in later}))
            row = {**row, **{c: None for c in later}}
        batch.append(row)
        if len(batch) >= _BATCH:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
    for ident, values in links:
        if any(v is not None for v in values.values()):
            where = [table.c[k] == v for k, v in ident.items()]
            conn.execute(table.update().where(*where).values(**values))


def _reset_sequences(conn, tables):
    """Ids were inserted as they were: move each id sequence past the highest one."""
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            if isinstance(column.default, Sequence):
                sequence = column.default.name
            else:
                sequence = conn.execute(
                    text("SELECT pg_get_serial_sequence(:t, :c)"),
                    {"t": table.name, "c": column.name},
                ).scalar()
            if sequence:
                highest = conn.execute(select(func.max(column))).scalar() or 0
                conn.execute(
                    text("SELECT setval(CAST(:s AS regclass), :v, :called)"),
                    {"s": sequence, "v": max(highest, 1), "called": highest > 0},
                )
