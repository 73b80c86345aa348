"""The change log screen (read-only): every action and record type under its Vietnamese name,
and a search by action or record type picked from those names."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.domain.text import vi_sort_key
from app.formatting import vn_datetime
from app.models.audit import AuditEvent
from app.security import roles
from app.views.base import AppModelView, interface

# Every action name passed to audit.record (tests/web/test_audit_labels.py checks app/ for
# new ones): self-assessment, appraisal, supplements, rounds, frameworks, accounts, mail.
ACTION_LABELS = {
    "score": _l("Self-scoring"),
    "explanation": _l("Explanation"),
    "not_applicable": _l("Marked not applicable"),
    "applicable": _l("Marked applicable again"),
    "assign": _l("Assignment"),
    "unassign": _l("Assignment withdrawn"),
    "submit": _l("Self-assessment submitted"),
    "withdraw": _l("Submission withdrawn"),
    "evidence_add": _l("Evidence added"),
    "evidence_delete": _l("Evidence removed"),
    "support_score": _l("Support team score"),
    "appraise": _l("Appraisal"),
    "approve": _l("Approval"),
    "return": _l("Returned for rework"),
    "supplement_request": _l("Supplement requested"),
    "supplement_response": _l("Supplement answered by the unit"),
    "supplement_close": _l("Supplement request closed"),
    "verify": _l("Verification"),
    "finalise": _l("Round finalised"),
    "reopen": _l("Reopened"),
    "phase": _l("Phase changed"),
    "grant": _l("Deadline extended"),
    "freeze": _l("Freeze"),
    "copy": _l("Copy to next year"),
    "open": _l("Open round"),
    "lock": _l("Lock phase"),
    "unlock": _l("Unlock phase"),
    "import": _l("Imported from a file"),
    "reimport": _l("Imported again (replaces the previous import)"),
    "survey_points": _l("Survey points"),
    "compute_results": _l("Results computed"),
    "publish": _l("Results published"),
    "unpublish": _l("Publication withdrawn"),
    "login_failed": _l("Failed login"),
    "account_locked": _l("Account locked"),
    "account_unlocked": _l("Account unlocked"),
    "sso_access": _l("Single sign-on"),
    "mail_failed": _l("E-mail not sent"),
    "reminder_sent": _l("Reminder e-mail sent"),
}
ENTITY_LABELS = {
    "framework": _l("Criteria framework"),
    "round": _l("Assessment round"),
    "unit": _l("Unit"),
    "criterion": _l("Criterion"),
    "assessment": _l("Self-assessment"),
    "score_line": _l("Score line"),
    "assignment": _l("Scoring assignment"),
    "survey_import": _l("Survey import"),
    "user": _l("Account"),
}


def action_label(action):
    """The Vietnamese name of a change log action (the raw name when it has none)."""
    return ACTION_LABELS.get(action, action)


def entity_label(entity):
    return ENTITY_LABELS.get(entity, entity)


def _choices(labels):
    # Evaluated per request, so the names follow the user's language; in Vietnamese order.
    return lambda: sorted(((k, str(v)) for k, v in labels.items()), key=lambda c: vi_sort_key(c[1]))


class AuditEventView(AppModelView):
    datamodel = interface(AuditEvent)
    class_permission_name = roles.AUDIT
    base_permissions = ["can_read"]
    list_title = _l("Change log")
    show_title = _l("Change")
    label_columns = {
        "at": _l("Time"),
        "user": _l("User"),
        "action": _l("Action"),
        "entity": _l("Record type"),
        "entity_id": _l("Record"),
        "old_value": _l("Old value"),
        "new_value": _l("New value"),
        "reason": _l("Reason"),
    }
    list_columns = ["at", "user", "action", "entity", "entity_id", "old_value", "new_value"]
    show_columns = list_columns + ["reason"]
    search_columns = ["at", "user", "action", "entity", "entity_id"]
    base_order = ("at", "desc")
    formatters_columns = {"at": vn_datetime, "action": action_label, "entity": entity_label}
    # Searched by picking a name from a list; the value searched is the action's own name.
    search_form_extra_fields = {
        "action": SelectField(_l("Action"), choices=_choices(ACTION_LABELS)),
        "entity": SelectField(_l("Record type"), choices=_choices(ENTITY_LABELS)),
    }
