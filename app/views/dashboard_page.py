"""What the home page shows after login (templates/home.html), per role, built from the
domain's dashboard figures (app/domain/dashboard*.py): the rounds' progress, the unit's
sheet, the team member's work, and the results' charts. Thin: no rule here, only labels,
links the user may follow, and the charts' drawing (app/views/charts.py)."""

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.domain import dashboard as dash
from app.domain import dashboard_results as res
from app.domain import dashboard_work as work
from app.domain import membership, policy
from app.formatting import vn_datetime, vn_number
from app.models.rounds import WINDOW_APPRAISAL, WINDOW_SELF, WINDOW_SUPPLEMENT
from app.security import roles
from app.views import charts
from app.views.appraisal_common import REQUEST_LABELS
from app.views.rounds import PHASE_LABELS

OVERVIEW_ROLES = frozenset((roles.ADMIN, roles.ORGANISER, roles.COUNCIL))
WINDOW_LABELS = {
    WINDOW_SELF: _l("Self-assessment window"),
    WINDOW_APPRAISAL: _l("Appraisal window"),
    WINDOW_SUPPLEMENT: _l("Supplement window"),
}
PUBLIC_PREFIXES = ("/cong-bo", "/public")


@dataclass
class WindowText:
    name: str
    state: str
    text: str
    left: str  # time left, to the minute (open windows only)
    urgent: bool  # less than a day left


def window_text(status):
    """How a WindowStatus reads: "Self-assessment window: closes at 17:00 27/10/2025"."""
    if status is None:
        return None
    name = str(WINDOW_LABELS.get(status.window, status.window))
    when = vn_datetime(status.at)
    if status.state == dash.OPEN:
        text = _("closes at %(time)s", time=when)
        if status.extended:
            text = _("extended until %(time)s", time=when)
    elif status.state == dash.UPCOMING:
        text = _("opens at %(time)s", time=when)
    elif status.state == dash.LOCKED:
        text = _("locked by the organiser")
    else:
        text = _("closed at %(time)s", time=when)
    minutes = status.minutes_left
    left = dash.format_minutes(minutes) if status.state == dash.OPEN else ""
    return WindowText(name, status.state, text, left, minutes is not None and minutes < 24 * 60)


def public_results_url():
    """The public results page (no login), once it exists: the shortest route without
    arguments under /cong-bo (or /public)."""
    found = [
        rule.rule
        for rule in current_app.url_map.iter_rules()
        if rule.rule.startswith(PUBLIC_PREFIXES) and not rule.arguments and "GET" in rule.methods
    ]
    return min(found, key=len) if found else None


def _can(permission_view):
    sm = current_app.appbuilder.sm
    return sm.has_access(roles.READ, permission_view)


def _round_links(round_):
    """The lists an organiser or council member goes on to from a round, those they may open."""
    rid = round_.id
    candidates = [
        (roles.ASSESSMENTS, _("Self-assessments"),
         lambda: url_for("AssessmentView.list", _flt_0_round=rid)),
        (roles.APPRAISAL_SHEETS, _("Appraisal results"),
         lambda: url_for("AppraisalLineView.list", _flt_0_round=rid)),
        (roles.SUPPLEMENT_REQUESTS, _("Supplement requests"),
         lambda: url_for("SupplementRequestView.list", _flt_0_round=rid)),
        (roles.VERIFICATION, _("Results per unit"),
         lambda: url_for("CouncilResultsView.results", round_id=rid)),
    ]  # fmt: skip
    links = [(label, make()) for view, label, make in candidates if _can(view)]
    if _can(roles.ASSIGNMENTS):
        try:
            links.append(
                (_("Coverage of the assignments"),
                 url_for("AssignmentScreenView.coverage", round=rid))
            )  # fmt: skip
        except Exception:  # noqa: BLE001  (the screen is absent in a trimmed-down app)
            pass
    return links


def _overviews(session, user, rounds, now):
    found = []
    for overview in dash.round_overviews(session, rounds, now):
        found.append({
            "o": overview,
            "phase": PHASE_LABELS.get(overview.round.phase, overview.round.phase),
            "window": window_text(overview.window),
            "links": _round_links(overview.round),
        })  # fmt: skip
    return found


def _units(session, user, rounds, now):
    found = []
    for progress in work.unit_progress(session, user, rounds, now):
        found.append({
            "p": progress,
            "phase": PHASE_LABELS.get(progress.round.phase, progress.round.phase),
            "window": window_text(progress.window),
            "sheet": url_for("ScoreSheetView.sheet", assessment_id=progress.assessment.id),
            "requests": [(r, REQUEST_LABELS.get(r.status, r.status)) for r in progress.requests],
        })  # fmt: skip
    return found


def _work(session, user, now):
    found = []
    for progress in work.member_progress(session, user, now):
        found.append({
            "p": progress,
            "phase": PHASE_LABELS.get(progress.round.phase, progress.round.phase),
            "window": window_text(progress.window),
            "units": [i for i in progress.items if i.left][:8],
            "coverage": url_for("AssignmentScreenView.coverage", round=progress.round.id)
            if progress.leads else None,
        })  # fmt: skip
    return found


# --- the results' charts -------------------------------------------------------------------------


def _change(value):
    if value is None:
        return "—"
    sign = "+" if value > 0 else ""
    return sign + vn_number(value)


def results_charts(figures):
    """The four charts of a round's results, as app/views/charts.py draws them."""
    year = str(figures.round.year)
    previous = str(figures.previous.year) if figures.previous else None
    series = [year] + ([previous] if previous else [])
    made = []
    grade_items = [(g.name, [g.count] + ([g.previous] if previous else [])) for g in figures.grades]
    made.append(charts.bar_chart(
        "chart-grades", _("Grade distribution"),
        _("Number of units per grade, %(year)s.", year=year) if not previous else
        _("Number of units per grade, %(year)s compared with %(previous)s.", year=year,
          previous=previous),
        grade_items, series, places=0, headers=[_("Grade")] + series,
    ))  # fmt: skip
    field_items = [(f"{f.code}. {f.title}", [f.average]) for f in figures.fields]
    made.append(charts.bar_chart(
        "chart-fields", _("Average component index per field"),
        _("Average of the units' component index in each field, in percent."), field_items, [year],
        scale_max=100, headers=[_("Field"), _("Average index (%)")],
    ))  # fmt: skip
    if figures.bottom:
        title, description = (
            _("Top units"),
            _("The %(count)s units with the highest index.", count=len(figures.top)),
        )
    else:
        title, description = _("Units by index"), _("Every unit's index, highest first.")
    unit_headers = [_("Unit"), _("Index (%)")]
    made.append(charts.bar_chart(
        "chart-top", title, description, [(u.name, [u.index]) for u in figures.top], [year],
        scale_max=100, headers=unit_headers,
    ))  # fmt: skip
    if figures.bottom:
        made.append(charts.bar_chart(
            "chart-bottom", _("Bottom units"),
            _("The %(count)s units with the lowest index.", count=len(figures.bottom)),
            [(u.name, [u.index]) for u in figures.bottom], [year], scale_max=100,
            headers=unit_headers,
        ))  # fmt: skip
    if previous:
        made.append(charts.bar_chart(
            "chart-years", _("Year on year"),
            _("Average index of the units and average component index per field, %(year)s "
              "compared with %(previous)s, in %%.", year=year, previous=previous),
            [(_("Administrative reform index (average)"),
              [figures.average, figures.previous_average])]
            + [(f"{f.code}. {f.title}", [f.average, figures.previous_fields[f.code]])
               for f in figures.fields if f.code in figures.previous_fields],
            series, scale_max=100, headers=[_("Average index (%)")] + series,
        ))  # fmt: skip
    return made


def _results(session, user, wanted):
    if res.unit_bound(user):
        own = res.own_results(session, getattr(user, "unit_id", None))
        return {"own_results": own, "change": _change}
    rounds = res.results_rounds(session, user)
    chosen = next((r for r in rounds if r.id == wanted), rounds[0] if rounds else None)
    if chosen is None:
        return {}
    figures = res.results_figures(session, chosen, user)
    return {
        "results_rounds": rounds, "figures": figures, "charts": results_charts(figures),
        "change": _change,
    }  # fmt: skip


def dashboard_context(session, user, now, wanted_results=None):
    """Everything home.html shows for a logged-in `user` at `now`."""
    names = policy.role_names(user)
    rounds = dash.working_rounds(session, user)
    context = {"public_url": public_results_url(), "now": now}
    if names & OVERVIEW_ROLES:
        context["overviews"] = _overviews(session, user, rounds, now)
    if names & set(roles.UNIT_BOUND_ROLES):
        context["units"] = _units(session, user, rounds, now)
    if names & membership.APPRAISAL_ROLES:
        context["work"] = _work(session, user, now)
    context.update(_results(session, user, wanted_results))
    return context
