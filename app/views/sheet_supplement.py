"""The unit's side of the council's supplement requests on its score sheet: a line with a
request not closed yet is highlighted with the council's reason; inside the supplement window
its panel takes evidence (phase "supplement") and the unit's answer, and only that line's
(app/domain/supplement.py decides; the answer is posted to the supplement requests list's
"respond" action, app/views/supplements.py)."""

from app.domain import supplement
from app.domain.appraisal_lists import open_requests


def request_label(status):
    from app.views.appraisal_common import REQUEST_LABELS

    return str(REQUEST_LABELS.get(status, status))


def supplement_context(session, user, line, row, now):
    """What the line's panel shows of the council's request; sets `row.request` and
    `row.attach` (may the user add evidence to it now)."""
    request = open_requests(session, [line.id]).get(line.id)
    row.request = request
    if request is None or row.editable:
        return {"respond": None}
    row.attach = bool(supplement.attach_decision(user, line, now)[0])
    return {
        "respond": supplement.respond_decision(user, request, now),
        "request_status": request_label(request.status),
    }
