"""Audit the pinned requirements with pip-audit, wherever the machine can reach advisories.

pip-audit asks a vulnerability service about each pinned version. On this project's machines
only the package registries are reachable: api.osv.dev does not resolve, and PyPI's per-release
JSON (what pip-audit's default "pypi" service reads) answers 404, so pip-audit would mark every
package "not found" (and, with --strict as used here, fail). PyPI's per-project JSON does answer,
and it carries the known vulnerabilities of the project's latest release.

So, in order:
1. pip-audit against OSV, then against PyPI (--strict: a package it could not check fails);
   the first service that answers for every package gives the verdict.
2. Else pip-audit against a local OSV-compatible bridge (--osv-url) started here on 127.0.0.1:
   for a pin that is the project's latest release it answers with PyPI's advisories for that
   release (the same data pip-audit's PyPI service would read); for an older pin it has no
   advisory data, answers "none known" and lists the pin as not covered.

Exit status: 0 when pip-audit found no known vulnerability, 1 when it found one or could not
run. Pins not covered are printed; AUDIT_STRICT=1 makes them fail too.

Usage: python tools/dep_audit.py [requirements.txt]
"""

import json
import os
import re
import subprocess  # nosec B404 - runs pip-audit, a fixed command of ours
import sys
import tempfile
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

PYPI_PROJECT = "https://pypi.org/pypi/{name}/json"
TIMEOUT = 30


def _pip_audit(requirements, service_args):
    """Run pip-audit --strict on the pinned file; return (exit code, output)."""
    command = [
        os.path.join(os.path.dirname(sys.executable), "pip-audit"),
        "-r",
        requirements,
        "--no-deps",
        "--disable-pip",
        "--strict",
        "--progress-spinner",
        "off",
        "--desc",
        "on",
        *service_args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)  # nosec B603
    return done.returncode, (done.stdout + done.stderr).strip()


def _unreachable(output):
    """True when pip-audit failed because it could not get answers, not because of findings."""
    markers = (
        "Dependency not found on PyPI",
        "ConnectionError",
        "Failed to resolve",
        "Max retries exceeded",
        "Could not connect",
        "ServiceError",
    )
    return any(marker in output for marker in markers)


def _project(name):
    url = PYPI_PROJECT.format(name=name)
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # nosec B310 - https URL
        return json.load(response)


def _to_osv(name, vuln):
    """PyPI's vulnerability record as an OSV entry pip-audit reads."""
    events = [{"introduced": "0"}] + [{"fixed": v} for v in vuln.get("fixed_in") or []]
    return {
        "schema_version": "1.6.0",
        "id": vuln["id"],
        "aliases": vuln.get("aliases") or [],
        "details": vuln.get("details") or vuln.get("summary") or "",
        "affected": [
            {
                "package": {"name": name, "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
    }


class Bridge:
    """Answers pip-audit's OSV queries from PyPI's per-project JSON; remembers what it could
    not cover."""

    def __init__(self):
        self.not_covered = {}
        self.lock = threading.Lock()

    def answer(self, name, version):
        name = canonicalize_name(name)
        project = _project(name)
        latest = project["info"]["version"]
        if Version(version) == Version(latest):
            return [_to_osv(name, v) for v in project.get("vulnerabilities") or []]
        python = project["info"].get("requires_python") or ""
        reason = f"latest is {latest}"
        if python and not SpecifierSet(python).contains(
            f"{sys.version_info.major}.{sys.version_info.minor}"
        ):
            reason += f" (needs Python {python})"
        with self.lock:
            self.not_covered[f"{name}=={version}"] = reason
        return []

    def serve(self):
        bridge = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                try:
                    vulns = bridge.answer(query["package"]["name"], query["version"])
                    body, status = json.dumps({"vulns": vulns} if vulns else {}), 200
                except Exception as error:  # noqa: BLE001 - any failure must fail the audit
                    body, status = json.dumps({"error": str(error)}), 502
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


def _cache_args():
    # A fresh cache: pip-audit must not answer from an earlier run's responses.
    return ["--cache-dir", tempfile.mkdtemp(prefix="pip-audit-")]


def main(requirements="requirements.txt"):
    for service in ("osv", "pypi"):
        code, output = _pip_audit(requirements, ["-s", service, *_cache_args()])
        if code == 0 or not _unreachable(output):
            print(f"pip-audit ({service} service):\n{output}")
            return code
        print(f"pip-audit: the {service} service is not reachable from here.")

    bridge = Bridge()
    server = bridge.serve()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    try:
        code, output = _pip_audit(requirements, ["-s", "osv", "--osv-url", url, *_cache_args()])
    finally:
        server.shutdown()
    print("pip-audit (advisories of each project's latest release, from PyPI's project JSON):")
    print(output)
    pins = [line for line in open(requirements) if re.match(r"^[A-Za-z0-9]", line)]
    covered = len(pins) - len(bridge.not_covered)
    print(f"{covered} of {len(pins)} pins are their project's latest release and were checked.")
    if bridge.not_covered:
        print("Not covered here (no advisory data for an older release on this network):")
        for pin, reason in sorted(bridge.not_covered.items()):
            print(f"  {pin}: {reason}")
        if os.environ.get("AUDIT_STRICT") == "1":
            return 1
    return code


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
