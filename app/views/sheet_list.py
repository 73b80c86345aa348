"""The list of score sheets (/sheet/): the assessments the user may see, with their progress."""

from flask import request
from sqlalchemy import and_, case, func
from sqlalchemy.orm import joinedload

from app.domain import policy
from app.domain.clock import format_local, utcnow
from app.domain.windows import deadline
from app.models import Assessment, Criterion, Round, ScoreLine, Unit
from app.models.criteria import RULE_SURVEY
from app.models.rounds import WINDOW_SELF
from app.views.sheet_page import status_label


def _progress(session, ids):
    """{assessment id: (lines scored, lines to score)} in one query, counted as load_sheet
    counts them (applicable lines that are not scored by the survey)."""
    counted = and_(ScoreLine.not_applicable.is_(False), Criterion.rule != RULE_SURVEY)
    rows = (
        session.query(
            ScoreLine.assessment_id,
            func.sum(case((and_(counted, ScoreLine.self_points.is_not(None)), 1), else_=0)),
            func.sum(case((counted, 1), else_=0)),
        )
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(ScoreLine.assessment_id.in_(ids or [0]))
        .group_by(ScoreLine.assessment_id)
    )
    return {assessment_id: (scored or 0, total or 0) for assessment_id, scored, total in rows}


def list_context(session, user, page_size):
    """sheet_list.html's context: one page of the policy-scoped assessments, searchable by
    the unit's name or code (?q=), newest round first."""
    query = (
        session.query(Assessment)
        .join(Round, Assessment.round_id == Round.id)
        .join(Unit, Assessment.unit_id == Unit.id)
        .options(joinedload(Assessment.round), joinedload(Assessment.unit))
    )
    query = policy.scope(user, Assessment, query, session)
    search = (request.args.get("q") or "").strip()
    if search:
        like = f"%{search}%"
        query = query.filter(Unit.name.ilike(like) | Unit.code.ilike(like))
    total = query.count()
    page = max(request.args.get("page", 0, type=int), 0)
    assessments = (
        query.order_by(Round.year.desc(), Round.id.desc(), Unit.name_sort)
        .offset(page * page_size)
        .limit(page_size)
        .all()
    )
    progress = _progress(session, [a.id for a in assessments])
    now, rows = utcnow(), []
    for assessment in assessments:
        scored, lines = progress.get(assessment.id, (0, 0))
        end = deadline(assessment.round, WINDOW_SELF, assessment.unit_id, now)
        rows.append(
            {
                "assessment": assessment,
                "status": status_label(assessment.status),
                "scored": scored,
                "total": lines,
                "deadline": format_local(end) if end else "",
                "closed": end is not None and end <= now,
            }
        )
    return {
        "rows": rows,
        "search": search,
        "page": page,
        "pages": max((total + page_size - 1) // page_size, 1),
        "total": total,
    }
