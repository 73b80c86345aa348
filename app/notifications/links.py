"""Absolute links in messages: APP_BASE_URL plus the path of the page.

Each target names the endpoints that may serve it, best first, and a path to fall back on when
none is registered (the appraisal screens of issue 4 can take over a target by adding their
endpoint in front, without touching the messages).
"""

from flask import current_app
from werkzeug.routing import BuildError

SHEET = "sheet"  # one unit's score sheet: its self-assessment and its supplement requests
WORK = "work"  # a team member's appraisal work (the units assigned to them)
APPRAISAL = "appraisal"  # one unit's appraisal sheet

TARGETS = {
    SHEET: (("ScoreSheetView.sheet",), "/sheet/{assessment_id}"),
    WORK: (("AppraisalSheetView.sheet", "ScoreSheetView.sheet"), "/sheet/"),
    APPRAISAL: (("AppraisalSheetView.sheet", "ScoreSheetView.sheet"), "/sheet/{assessment_id}"),
}


def base_url():
    return (current_app.config.get("APP_BASE_URL") or "http://localhost:5000").rstrip("/")


def path(target, values=None):
    """The path of `target` with `values` (needs an app context, not a request)."""
    values = dict(values or {})
    endpoints, fallback = TARGETS[target]
    adapter = current_app.url_map.bind("localhost")
    for endpoint in endpoints:
        try:
            return adapter.build(endpoint, values)
        except BuildError:
            continue
    return fallback.format(**values)


def url(target, values=None):
    """The absolute link to `target`, e.g. https://cchc.example.gov.vn/sheet/12."""
    return base_url() + path(target, values)
