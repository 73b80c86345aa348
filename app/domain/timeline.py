"""One line's history as one ordered list (the line timeline screen, the minutes PDF).

Read from the change log (every write of the self-assessment, the appraisal and the supplement
records an AuditEvent on entity "score_line"), so a value that was later replaced still shows,
with who, when, the value and the comment. A value found on the line without any logged event
(loaded before logging existed, or by an import) is shown once, from the line's own columns,
with `logged` False.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from app.models.audit import AuditEvent
from app.models.users import AppUser

SELF = "self"
SUPPORT = "support"
APPRAISAL = "appraisal"
APPROVAL = "approval"
RETURN = "return"
SUPPLEMENT_REQUEST = "supplement_request"
SUPPLEMENT_RESPONSE = "supplement_response"
SUPPLEMENT_CLOSE = "supplement_close"
EVIDENCE = "evidence"
SURVEY = "survey"
OTHER = "other"

_KIND_OF_ACTION = {
    "score": SELF,
    "explanation": SELF,
    "not_applicable": SELF,
    "applicable": SELF,
    "support_score": SUPPORT,
    "appraise": APPRAISAL,
    "approve": APPROVAL,
    "return": RETURN,
    "supplement_request": SUPPLEMENT_REQUEST,
    "supplement_response": SUPPLEMENT_RESPONSE,
    "supplement_close": SUPPLEMENT_CLOSE,
    "evidence_add": EVIDENCE,
    "evidence_delete": EVIDENCE,
}

# The line's own columns per kind: (points or text, who, when, comment).
_COLUMNS = {
    SUPPORT: ("support_points", "support_by_id", "support_at", "support_comment"),
    APPRAISAL: ("appraised_points", "appraised_by_id", "appraised_at", "appraisal_comment"),
    APPROVAL: ("approved_points", "approved_by_id", "approved_at", "approval_comment"),
}


@dataclass(frozen=True)
class TimelineEntry:
    at: object  # naive UTC datetime (format with app.domain.clock.format_local)
    kind: str  # self, support, appraisal, approval, return, supplement_*, evidence, survey
    action: str  # the change log's action name
    user_id: int | None
    user_name: str
    old: str | None
    value: str | None
    comment: str | None
    logged: bool = True


def kind_of(action):
    if action in _KIND_OF_ACTION:
        return _KIND_OF_ACTION[action]
    return SURVEY if action.startswith("survey") else OTHER


def timeline(session, line):
    """Every entry of `line`'s history, oldest first, in two queries."""
    return timelines(session, [line])[line.id]


def timelines(session, lines):
    """{line id: its timeline} for many lines (a unit's minutes), in two queries whatever
    their number."""
    events = defaultdict(list)
    ids = [line.id for line in lines]
    query = (
        session.query(AuditEvent)
        .filter(AuditEvent.entity == "score_line", AuditEvent.entity_id.in_(ids))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    for e in query if ids else []:
        events[e.entity_id].append(
            (e.at, e.action, e.user_id, e.old_value, e.new_value, e.reason, True)
        )
    entries = {line.id: _with_unlogged(line, events[line.id]) for line in lines}
    user_ids = {entry[2] for items in entries.values() for entry in items if entry[2] is not None}
    names = {
        user.id: user.get_full_name()
        for user in (session.query(AppUser).filter(AppUser.id.in_(user_ids)) if user_ids else [])
    }
    return {line_id: _ordered(items, names) for line_id, items in entries.items()}


def _with_unlogged(line, entries):
    """The logged entries plus the line's values that no event logged."""
    from app.domain.scoring import format_points

    entries = list(entries)
    seen = {kind_of(action) for _at, action, *_rest in entries}
    if SELF not in seen and line.self_points is not None:
        entries.append(
            (line.updated_at, "score", line.updated_by_id, None,
             format_points(line.self_points), line.explanation, False)
        )  # fmt: skip
    for kind, (points, who, when, comment) in _COLUMNS.items():
        if kind not in seen and getattr(line, points) is not None:
            action = {SUPPORT: "support_score", APPRAISAL: "appraise", APPROVAL: "approve"}[kind]
            if kind == APPROVAL and line.criterion.rule == "survey":
                action = "survey"
            entries.append(
                (getattr(line, when), action, getattr(line, who), None,
                 format_points(getattr(line, points)), getattr(line, comment), False)
            )  # fmt: skip
    return entries


def _ordered(entries, names):
    # Entries without a time (values older than the log) come first, in step order.
    ordered = sorted(enumerate(entries), key=lambda pair: (pair[1][0] or datetime.min, pair[0]))
    return [
        TimelineEntry(
            at,
            kind_of(action),
            action,
            user_id,
            names.get(user_id, ""),
            old,
            value,
            comment,
            logged,
        )  # fmt: skip
        for _index, (at, action, user_id, old, value, comment, logged) in ordered
    ]
