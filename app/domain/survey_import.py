"""Importing a survey file (điều tra xã hội học): plan, report every bad row, apply all or none.

A file holds one survey kind of one round: a unit code and a value per row, the value being
the kind's points or a percentage of the kind's maximum (the user chooses the mode). Each
unit's points are spread over its survey lines of that kind (app/domain/survey.py) and become
those lines' approved points; one SurveyResult per unit keeps the value as typed.

`plan_survey_import` reads and checks everything and writes nothing: the preview. Any bad row
(listed by its line number in the file) or a bad file means nothing can be imported.
`apply_survey_import` replaces the previous import of the kind (units missing from the new
file lose the points the old one gave them) and logs it. The caller commits or rolls back.
"""

import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, insert, select, update

from app.domain import audit, policy
from app.domain.clock import utcnow
from app.domain.decision import ALLOW, deny
from app.domain.errors import DomainError
from app.domain.results import results_frozen
from app.domain.scoring import ScoreError, format_points, parse_decimal
from app.domain.sheet_import import RowError
from app.domain.survey import CENT, distribute, framework_kinds, kind_label, to_points
from app.domain.survey_file import read_survey_file
from app.models.criteria import RULE_SURVEY, Criterion
from app.models.results import SURVEY_MODES, SURVEY_PERCENT, SurveyImport, SurveyResult
from app.models.rounds import PHASE_DRAFT, round_unit
from app.models.scoring import APPRAISAL_APPROVED, APPRAISAL_PENDING, Assessment, ScoreLine
from app.models.units import Unit


@dataclass
class PlannedRow:
    """A good row: the unit, the value as typed (2 decimals) and the kind's points it gives."""

    line: int
    unit_id: int
    code: str
    name: str
    value: Decimal
    points: Decimal
    old_points: Decimal | None = None


@dataclass
class SurveyPlan:
    """What a file would import (`rows`) and why it cannot (`errors`, by line)."""

    round_id: int
    kind: str
    mode: str
    file_name: str | None = None
    maximum: Decimal = Decimal(0)  # the kind's maximum in the framework
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # of RowError(line or None, code, message)
    missing: list = field(default_factory=list)  # (code, name) of round units not in the file

    @property
    def ok(self):
        return not self.errors and bool(self.rows)


def survey_import_decision(user, round_):
    """May `user` import survey results into `round_` now? The Decision says why not."""
    if not policy.is_organiser(user):
        return deny(_("Only the organiser (Department of Home Affairs) may import survey results."))
    if results_frozen(round_):
        return deny(
            _("The results of this round have been published; survey results can no longer change.")
        )
    if round_.phase == PHASE_DRAFT:
        return deny(_("Open the round first: its score lines do not exist yet."))
    return ALLOW


def format_error(error):
    """A RowError as one line of the report: "Dòng 7 (XA001): ..."."""
    if error.line is None:
        return error.message
    if error.code:
        return _("Line %(line)s (%(code)s): %(message)s", **error._asdict())
    return _("Line %(line)s: %(message)s", line=error.line, message=error.message)


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def read_value(raw, mode, percent_cell=False):
    """The number in a value cell, rounded half up to 2 decimals; raises ScoreError."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, Decimal, str, type(None))):
        raise ScoreError(_("This cell holds no number."))
    if isinstance(raw, (int, float, Decimal)):
        try:
            value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
        except InvalidOperation:
            raise ScoreError(_("This cell holds no number.")) from None
        if not value.is_finite():
            raise ScoreError(_("This cell holds no number."))
        if percent_cell:  # Excel keeps 85% as 0.85
            value *= 100
    else:
        text = _text(raw)
        if not text:
            raise ScoreError(_("The value is missing."))
        if text.endswith("%"):
            if mode != SURVEY_PERCENT:
                raise ScoreError(
                    _(
                        "“%(value)s” is a percentage, but the import is in points: choose"
                        " percentage mode or remove the %% sign.",
                        value=text[:20],
                    )
                )
            text = text[:-1].rstrip()
        value = parse_decimal(text)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _round_lines(session, round_, kind):
    """{unit id: [(line id, max points, not applicable)] in tree order}: the round's survey
    lines of `kind` (one query, plain rows)."""
    query = (
        select(ScoreLine.id, Assessment.unit_id, Criterion.max_points, ScoreLine.not_applicable)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .where(
            Assessment.round_id == round_.id,
            Criterion.rule == RULE_SURVEY,
            Criterion.survey_kind == kind,
        )
        .order_by(Assessment.unit_id, Criterion.sort_key)
    )
    lines = {}
    for line_id, unit_id, max_points, not_applicable in session.execute(query):
        lines.setdefault(unit_id, []).append((line_id, max_points, not_applicable))
    return lines


def _applicable(lines):
    return [(line_id, max_points) for line_id, max_points, skipped in lines if not skipped]


def _set_lines(session, changes):
    """UPDATE the lines' approved points in bulk (executemany), bumping their version so an
    appraisal screen open on one of them sees the change; the session's copies are expired."""
    if not changes:
        return
    table = ScoreLine.__table__
    session.execute(
        update(table)
        .where(table.c.id == bindparam("line_id"))
        .values(
            approved_points=bindparam("points"),
            approved_by_id=bindparam("by"),
            approved_at=bindparam("at"),
            appraisal_state=bindparam("state"),
            version=table.c.version + 1,
        ),
        changes,
    )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ScoreLine):
            session.expire(obj)


def _file_problem(plan, message):
    plan.errors.append(RowError(None, "", str(message)))
    return plan


def plan_survey_import(session, round_, kind, mode, data, file_name, actor, now=None):
    """The SurveyPlan of importing file `data` as survey `kind` of `round_`, in `mode`
    ("points" or "percent"). Checks every row; writes nothing; never raises for bad input."""
    plan = SurveyPlan(round_.id, kind, mode, file_name)
    decision = survey_import_decision(actor, round_)
    if not decision:
        return _file_problem(plan, decision.reason)
    if mode not in SURVEY_MODES:
        return _file_problem(plan, _("Choose whether the file gives points or percentages."))
    kinds = framework_kinds(session, round_.framework_id)
    if kind not in kinds:
        return _file_problem(
            plan,
            _(
                "The round's criteria framework has no survey lines of the kind “%(kind)s”.",
                kind=kind_label(kind),
            ),
        )
    plan.maximum = kinds[kind]
    try:
        rows = read_survey_file(data)
    except DomainError as err:
        return _file_problem(plan, err.message)
    in_round = set(
        session.scalars(select(round_unit.c.unit_id).where(round_unit.c.round_id == round_.id))
    )
    units = {}
    for unit_id, code, name in session.execute(select(Unit.id, Unit.code, Unit.name)):
        units.setdefault(code.casefold(), (unit_id, code, name))
    lines = _round_lines(session, round_, kind)
    old = dict(
        session.execute(
            select(SurveyResult.unit_id, SurveyResult.points).where(
                SurveyResult.round_id == round_.id, SurveyResult.kind == kind
            )
        ).all()
    )
    seen = {}
    for row in rows:
        code = _text(row.code)
        try:
            planned = _plan_row(row, code, mode, units, in_round, seen, lines)
        except ScoreError as err:
            plan.errors.append(RowError(row.line, code[:40], err.message))
            continue
        planned.old_points = old.get(planned.unit_id)
        seen[planned.unit_id] = row.line
        plan.rows.append(planned)
    if not plan.errors:
        named = {unit_id: (code, name) for unit_id, code, name in units.values()}
        plan.missing = sorted(named[u] for u in in_round - set(seen) if u in named)
    return plan


def _plan_row(row, code, mode, units, in_round, seen, lines):
    """The PlannedRow of one file row; raises ScoreError with the row's problem."""
    if not code:
        raise ScoreError(_("The unit code is missing."))
    unit = units.get(code.casefold())
    if unit is None:
        raise ScoreError(_("No unit has the code “%(code)s”.", code=code[:40]))
    unit_id, unit_code, name = unit
    if unit_id not in in_round:
        raise ScoreError(_("%(name)s does not take part in this assessment round.", name=name))
    if unit_id in seen:
        raise ScoreError(_("%(name)s is already on line %(line)s.", name=name, line=seen[unit_id]))
    value = read_value(row.value, mode, row.percent_cell)
    applicable = _applicable(lines.get(unit_id, []))
    if not applicable:
        raise ScoreError(_("%(name)s has no applicable line for this survey.", name=name))
    maximum = sum((max_points for _line, max_points in applicable), Decimal(0))
    points = to_points(value, mode, maximum)
    return PlannedRow(row.line, unit_id, unit_code, name, value, points)


def _summary(result_import, count):
    if result_import is None:
        return None
    return f"#{result_import.id} {result_import.file_name or ''} ({count})".strip()


def apply_survey_import(session, round_, plan, actor, now=None):
    """Store a clean `plan`: replace the kind's previous import, set the lines' approved
    points, log it. Raises DomainError if the plan has errors or the import is refused now.
    Returns the new SurveyImport."""
    decision = survey_import_decision(actor, round_)
    if not decision:
        raise DomainError(decision.reason)
    if plan.round_id != round_.id or not plan.ok:
        raise DomainError(_("Nothing was imported: the file has errors."), plan_messages(plan))
    now = now or utcnow()
    kind = plan.kind
    previous = {
        r.unit_id: r
        for r in session.scalars(
            select(SurveyResult).where(
                SurveyResult.round_id == round_.id, SurveyResult.kind == kind
            )
        )
    }
    before = session.scalars(
        select(SurveyImport)
        .where(SurveyImport.round_id == round_.id, SurveyImport.kind == kind)
        .order_by(SurveyImport.id.desc())
        .limit(1)
    ).first()
    old_points = {unit_id: r.points for unit_id, r in previous.items()}
    session.execute(
        delete(SurveyResult).where(SurveyResult.round_id == round_.id, SurveyResult.kind == kind),
        execution_options={"synchronize_session": "fetch"},
    )
    new = SurveyImport(
        round_id=round_.id, kind=kind, mode=plan.mode, file_name=plan.file_name,
        rows=len(plan.rows), imported_by_id=getattr(actor, "id", None), imported_at=now,
    )  # fmt: skip
    session.add(new)
    session.flush()
    session.execute(
        insert(SurveyResult.__table__),
        [
            {"round_id": round_.id, "unit_id": r.unit_id, "kind": kind, "value": r.value,
             "points": r.points, "import_id": new.id}
            for r in plan.rows
        ],
    )  # fmt: skip
    lines = _round_lines(session, round_, kind)
    given = {r.unit_id: r.points for r in plan.rows}
    changes = []
    for unit_id, points in given.items():
        applicable = _applicable(lines.get(unit_id, []))
        shares = distribute(points, [max_points for _line, max_points in applicable])
        for (line_id, _max), share in zip(applicable, shares, strict=True):
            changes.append({"line_id": line_id, "points": share, "by": new.imported_by_id,
                            "at": now, "state": APPRAISAL_APPROVED})  # fmt: skip
    for unit_id in set(old_points) - set(given):
        for line_id, _max, _skipped in lines.get(unit_id, []):
            changes.append({"line_id": line_id, "points": None, "by": None, "at": None,
                            "state": APPRAISAL_PENDING})  # fmt: skip
    _set_lines(session, changes)
    for unit_id in sorted(set(old_points) | set(given)):
        old, now_points = old_points.get(unit_id), given.get(unit_id)
        if old != now_points:
            audit.record(
                session, actor, "survey_points", "unit", unit_id,
                old=format_points(old) or None, new=format_points(now_points) or None, reason=kind,
            )  # fmt: skip
    audit.record(
        session, actor, "import" if before is None else "reimport", "survey_import", new.id,
        old=_summary(before, len(previous)), new=_summary(new, len(plan.rows)), reason=kind,
    )  # fmt: skip
    session.flush()
    return new


def plan_messages(plan):
    """Every error of `plan` as a report line, in file order."""
    return [format_error(e) for e in sorted(plan.errors, key=lambda e: e.line or 0)]


def import_survey(session, round_, kind, mode, data, file_name, actor, now=None):
    """Plan and, when every row is good, apply: the one-call path (CLI, REST, tests).

    Raises DomainError listing every bad row, with nothing imported."""
    plan = plan_survey_import(session, round_, kind, mode, data, file_name, actor, now)
    if not plan.ok:
        raise DomainError(_("Nothing was imported: the file has errors."), plan_messages(plan))
    return apply_survey_import(session, round_, plan, actor, now)
