"""Who may download the results reports of a round, built on app/domain/results_policy.py
(who reads which results) so the reports never show more than the result lists do.

- The results announcement PDF: the organiser's side (administrators, organisers, the
  council: `results_policy.sees_unpublished`) for any round whose results are computed, as a
  draft to check before publication; everyone, anonymous visitors included, once the round is
  published. Only the organiser's side may fill in the document's number, date and signer:
  everyone else gets the document as published (a blank number for the office to stamp),
  so nobody can print an "official" announcement with a number or a name of their choosing.
- The units x criteria matrix (every unit's points on every criterion): the organiser's side
  only, published or not (the public sees indexes and grades, not the line by line points).
- The gap analysis of one unit: the organiser's side for any computed round; the unit's own
  accounts (unit leader, unit staff of that very unit) once the round is published, like
  their result (before publication the figures, and the best units' mean, are provisional).
  Viewers and appraisal accounts see published results but not a unit's gap analysis.
"""

from flask_babel import gettext as _

from app.domain.decision import ALLOW, deny
from app.domain.results_policy import is_published, sees_unpublished, unit_bound
from app.models.rounds import PHASE_DRAFT


def _not_computed(round_):
    if round_.results_computed_at is None or round_.phase == PHASE_DRAFT:
        return deny(_("The results of this round have not been computed yet."))
    return None


def announcement_decision(user, round_):
    """May `user` download the results announcement of `round_`?"""
    if is_published(round_):
        return ALLOW
    if not sees_unpublished(user):
        return deny(_("The results of this round have not been published yet."))
    return _not_computed(round_) or ALLOW


def may_fill_in_announcement(user):
    """May `user` set the announcement's number, date and signer (the organiser's side)?"""
    return sees_unpublished(user)


def matrix_decision(user, round_):
    """May `user` download the units x criteria matrix of `round_`?"""
    if not sees_unpublished(user):
        return deny(_("Only the organiser and the council may download the points of every unit."))
    if round_.phase == PHASE_DRAFT:
        return deny(_("The round has not been opened yet: it has no score lines."))
    return ALLOW


def gap_decision(user, round_, unit_id):
    """May `user` see the gap analysis of unit `unit_id` in `round_`?"""
    if sees_unpublished(user):
        return _not_computed(round_) or ALLOW
    if not unit_bound(user) or getattr(user, "unit_id", None) != unit_id:
        return deny(_("You may see the gap analysis of your own unit only."))
    if not is_published(round_):
        return deny(_("The results of this round have not been published yet."))
    return ALLOW


def may_choose_unit(user):
    """May `user` open the gap analysis of any unit (the organiser's side)?"""
    return sees_unpublished(user)
