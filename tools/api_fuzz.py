"""Schemathesis against the running app (`make api-fuzz`, run by .ci/run).

A fresh database (an SQLite file, or with --db postgresql a PostgreSQL database created and
dropped here) is migrated, its roles synced and the demo province loaded with the flask
commands `make run` uses. Each run of RUNS gets its own copy of it, served by its own gunicorn
on a free 127.0.0.1 port (login rate limit and lockout off: the fuzzer logs in with made-up
accounts), so what one account's run creates or deletes never skews the next. The account
logs in through POST /api/v1/security/login and schemathesis sends every operation of the
spec at /api/v1/_openapi (read once with the administrator's token: only administrators may
read it) with that JWT, at most --max-examples cases per operation and --max-time seconds per
run. Exit 1 on any server error or answer that contradicts the spec.

A script rather than part of the default `pytest` run: a run worth having takes minutes (every
operation as four accounts) and needs its own servers and databases.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PASSWORD = "Cchc@2025vn"
# (account, which operations). A unit's leader (its own unit's rows, the score-line PUT), the
# organiser (catalogue and rounds), the administrator on the app's resources, then on FAB's
# security API alone: there it may strip its own role of every permission, which would turn
# the rest of its run into 403s.
SECURITY = r"^/api/v1/security/(?!login|refresh)"
RUNS = (
    ("lanhdao.xa", ()),
    ("tochuc", ()),
    ("admin", ("--exclude-path-regex", SECURITY)),
    ("admin", ("--include-path-regex", SECURITY)),
)
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
# Operations left out, each with why. None: every operation of the spec is sent.
EXCLUDED = ()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Databases:
    """The prepared database and a fresh copy of it per run."""

    def __init__(self, kind, folder):
        self.kind, self.folder, self.copies = kind, folder, []
        if kind == "sqlite":
            self.base = "sqlite:///" + os.path.join(folder, "base.db")
            return
        from sqlalchemy import create_engine

        url = os.environ.get("TEST_DATABASE_URL") or ""
        self.server = url if url.startswith("postgresql") else DEFAULT_POSTGRES
        self.admin = create_engine(self.server, isolation_level="AUTOCOMMIT")
        self.base = self._create(f"cchc_fuzz_{uuid.uuid4().hex[:8]}")

    def _url(self, name):
        return re.sub(r"/[^/]*$", f"/{name}", self.server)

    def _create(self, name, template=None):
        from sqlalchemy import text

        with self.admin.connect() as conn:
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
        self.copies.append(name)
        return self._url(name)

    def copy(self, n):
        if self.kind == "sqlite":
            path = os.path.join(self.folder, f"run{n}.db")
            shutil.copyfile(self.base[len("sqlite:///") :], path)
            return "sqlite:///" + path
        return self._create(f"{self.copies[0]}_{n}", template=self.copies[0])

    def drop(self):
        if self.kind == "sqlite":
            return
        from sqlalchemy import text

        with self.admin.connect() as conn:
            for name in reversed(self.copies):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


def app_env(url, folder):
    return {
        **os.environ,
        "FLASK_APP": "app.wsgi",
        "DEMO_MODE": "1",
        "DEMO_PASSWORD": PASSWORD,
        "DATABASE_URL": url,
        "UPLOAD_DIR": os.path.join(folder, "uploads"),
        "RATELIMIT_ENABLED": "0",
        "LOCKOUT_ATTEMPTS": "0",
        "FAB_UPDATE_PERMS": "0",
        "MAIL_SUPPRESS_SEND": "1",
        "MAIL_SERVER": "",
    }


def prepare(env):
    for command in (["db", "upgrade"], ["sync-roles"], ["demo-data"]):
        subprocess.run(
            [os.path.join(BIN, "flask"), *command], cwd=ROOT, env=env, check=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip


class Server:
    def __init__(self, env, log_path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        log = open(log_path, "ab")  # noqa: SIM115 (gunicorn writes to it until it stops)
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4",
                "--worker-class", "gthread", "--bind", f"127.0.0.1:{self.port}",
                "--timeout", "60",
                # gunicorn's own 414 to a long `q` is not the app's answer (a reverse proxy
                # has its own limit in production): no request-line limit here.
                "--limit-request-line", "0",
                "app.wsgi:app",
            ],  # fmt: skip
            cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited: see {log_path}")
            try:
                if requests.get(self.base + "/login/", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"gunicorn did not answer within 60 s: see {log_path}")

    def token(self, username):
        answer = requests.post(
            self.base + "/api/v1/security/login", timeout=10,
            json={"username": username, "password": PASSWORD, "provider": "db"},
        )  # fmt: skip
        answer.raise_for_status()
        return answer.json()["access_token"]

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=10)


def fuzz(server, spec_path, username, extra, args, report):
    """Run schemathesis as `username`; returns (exit code, summary dict)."""
    command = [
        os.path.join(BIN, "schemathesis"), "run", spec_path, "--url", server.base,
        "-H", f"Authorization: Bearer {server.token(username)}",
        "--checks", ",".join(CHECKS),
        "--max-examples", str(args.max_examples), "--max-time", str(args.max_time),
        "--workers", "1", "--request-timeout", "30", "--seed", str(args.seed),
        "--generation-database", "none", "--no-color", "--output-truncate", "true",
        "--suppress-health-check", "all", "--warnings", "off",
        "--report", "ndjson", "--report-ndjson-path", report, *extra,
    ]  # fmt: skip
    for operation in EXCLUDED:
        command += ["--exclude-operation-id", operation]
    started = time.monotonic()
    run = subprocess.run(
        command, cwd=os.path.dirname(report), timeout=args.max_time + 300,
        capture_output=True, text=True,
    )  # fmt: skip
    summary = summarise(report) if os.path.exists(report) else {"failed": []}
    summary["seconds"] = round(time.monotonic() - started)
    if run.returncode:
        print(run.stdout[-20000:], run.stderr[-5000:], sep="\n")
    return run.returncode, summary


def summarise(path):
    """Operations, requests, failures and errors counted from schemathesis' ndjson events."""
    operations, sent, failures, errors = set(), 0, set(), 0
    with open(path, encoding="utf-8") as events:
        for line in events:
            body = json.loads(line).get("ScenarioFinished")
            if body is None:
                continue
            recorder = body.get("recorder") or {}
            label = recorder.get("label")
            errors += body.get("status") == "error"
            if body.get("status") == "skip" or not label:
                continue
            if label != "Stateful tests":
                operations.add(label)
            sent += len(recorder.get("interactions") or {})
            for checks in (recorder.get("checks") or {}).values():
                for check in checks:
                    if check.get("status") == "failure":
                        info = (check.get("failure_info") or {}).get("failure") or {}
                        failures.add((label, info.get("title") or check.get("name")))
    return {
        "operations": len(operations), "requests": sent, "failures": len(failures),
        "errors": errors, "failed": sorted(failures),
    }  # fmt: skip


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--max-examples", type=int, default=10, help="per operation and phase")
    parser.add_argument("--max-time", type=int, default=45, help="seconds per run")
    parser.add_argument("--seed", type=int, default=20251)
    parser.add_argument("--keep", action="store_true", help="keep the folder (logs, reports)")
    return parser.parse_args()


def main():
    args = parse_args()
    folder = tempfile.mkdtemp(prefix="api-fuzz-")
    started = time.monotonic()
    databases = Databases(args.db, folder)
    results, worst = [], 0
    try:
        prepare(app_env(databases.base, folder))
        spec_path = os.path.join(folder, "openapi.json")
        for n, (username, extra) in enumerate(RUNS):
            env = app_env(databases.copy(n), folder)
            server = Server(env, os.path.join(folder, f"gunicorn{n}.log"))
            try:
                if n == 0:
                    headers = {"Authorization": f"Bearer {server.token('admin')}"}
                    spec = requests.get(server.base + "/api/v1/_openapi", headers=headers)
                    spec.raise_for_status()
                    with open(spec_path, "w", encoding="utf-8") as out:
                        out.write(spec.text)
                report = os.path.join(folder, f"run{n}.ndjson")
                code, summary = fuzz(server, spec_path, username, extra, args, report)
            finally:
                server.stop()
            scope = "security API" if "--include-path-regex" in extra else "app"
            results.append((f"{username} ({scope})", summary))
            worst = max(worst, code)
    finally:
        databases.drop()
    return report_and_exit(args, folder, started, results, worst)


def report_and_exit(args, folder, started, results, worst):
    print(f"\napi-fuzz on {args.db}, seed {args.seed}: {round(time.monotonic() - started)} s")
    for name, summary in results:
        counts = ", ".join(f"{k} {v}" for k, v in summary.items() if k != "failed")
        print(f"  {name:<28} {counts}")
        for label, title in summary.get("failed", []):
            print(f"      FAILED {label}: {title}")
    failures = sum(s.get("failures", 0) for _, s in results)
    if worst or failures or args.keep:
        print(f"logs and reports: {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    if worst or failures:
        print(f"api-fuzz: FAILED ({failures} distinct failures, schemathesis exit {worst})")
        return 1
    print("api-fuzz: 0 server errors, 0 answers against the spec")
    return 0


if __name__ == "__main__":
    sys.exit(main())
