"""REST actions on a round, as the FAB lists have them (app/views/rounds.py, council.py):

- POST /api/v1/round/<pk>/lock_phase and /unlock_phase: the organiser locks or unlocks the
  round's current phase (app/domain/rounds.set_lock), on RoundApi;
- POST /api/v1/council_round/<pk>/verify, /finalise, /reopen {"reason"}: the council's
  verification and finalisation, and the explicit, logged reopen (app/domain/verification.py).

The round is looked up in the caller's scope (out of scope: 404); the policy and the domain
decide (403 with their reason); a refused verification lists what is missing (422, `errors`).
"""

from flask import g
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from app.api import api_answers as answers
from app.api.base import NOT_SAVED
from app.api.plain_answers import PlainAnswers
from app.domain import policy, verification
from app.domain import rounds as rounds_domain
from app.domain.errors import DomainError
from app.extensions import db
from app.models import Round
from app.security import roles


def _round(pk):
    """The round if the caller may see it, else None."""
    round_ = db.session.get(Round, pk)
    if round_ is None or not policy.check(g.user, policy.VIEW, round_):
        return None
    return round_


def _commit(api, round_, message):
    try:
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        return api.response(409, message=str(NOT_SAVED))
    return api.response(200, message=message, result=answers.round_state(round_))


def _run(api, pk, decide, act, message, texts=()):
    """Read the body, find the round, ask `decide(round_)`, then `act(round_, body)`."""
    body, problem = answers.read_body(set(texts), texts)
    if problem:
        return api.response(problem[0], message=problem[1])
    round_ = _round(pk)
    if round_ is None:
        return api.response_404()
    decision = decide(round_)
    if not decision:
        return api.response(403, message=str(decision.reason))
    try:
        act(round_, body)
        db.session.flush()
    except DomainError as err:
        db.session.rollback()
        return api.response(422, message=err.message, errors=[str(e) for e in err.errors])
    except SQLAlchemyError:
        db.session.rollback()
        return api.response(409, message=str(NOT_SAVED))
    return _commit(api, round_, message)


_LOCK_SPEC = answers.spec("Lock the round's current phase", body=answers.EMPTY,
                          result=answers.ROUND_STATE)  # fmt: skip
_UNLOCK_SPEC = answers.spec("Unlock the round's current phase", body=answers.EMPTY,
                            result=answers.ROUND_STATE)  # fmt: skip


class RoundLockMixin:
    """The organiser's lock and unlock of a round's phase, on RoundApi (same permission as
    the FAB actions lock_phase / unlock_phase of RoundView)."""

    openapi_spec_methods = {"lock_phase": _LOCK_SPEC, "unlock_phase": _UNLOCK_SPEC}

    @expose("/<int:pk>/lock_phase", methods=["POST"])
    @protect()
    @safe
    def lock_phase(self, pk):
        """Lock the round's current phase: nobody enters data until it is unlocked.
        ---
        post:
          summary: Lock the round's current phase
        """
        return _run(
            self, pk, lambda r: policy.check(g.user, "lock", r),
            lambda r, _body: rounds_domain.set_lock(db.session, r, g.user, True),
            _("The current phase of the round is locked."),
        )  # fmt: skip

    @expose("/<int:pk>/unlock_phase", methods=["POST"])
    @protect()
    @safe
    def unlock_phase(self, pk):
        """Unlock the round's current phase.
        ---
        post:
          summary: Unlock the round's current phase
        """
        return _run(
            self, pk, lambda r: policy.check(g.user, "unlock", r),
            lambda r, _body: rounds_domain.set_lock(db.session, r, g.user, False),
            _("The current phase of the round is unlocked."),
        )  # fmt: skip


_REASON = {
    "type": "object",
    "required": ["reason"],
    "properties": {"reason": {"type": "string", "description": "Why the round is reopened"}},
}


class CouncilRoundApi(PlainAnswers, BaseApi):
    """The council's verification of a round (the FAB list CouncilRoundView's actions)."""

    resource_name = "council_round"
    class_permission_name = roles.VERIFICATION
    method_permission_name = roles.METHOD_PERMISSIONS
    allow_browser_login = True
    openapi_spec_methods = {
        "verify": answers.spec(
            "The council verifies the round", body=answers.EMPTY, result=answers.ROUND_STATE
        ),  # fmt: skip
        "finalise": answers.spec(
            "The council finalises a verified round", body=answers.EMPTY, result=answers.ROUND_STATE
        ),  # fmt: skip
        "reopen": answers.spec(
            "Reopen a verified or finalised round, with a reason",
            body=_REASON,
            result=answers.ROUND_STATE,
        ),  # fmt: skip
    }

    @expose("/<int:pk>/verify", methods=["POST"])
    @protect()
    @safe
    def verify(self, pk):
        """Verify the round: every line approved, every supplement request closed.
        ---
        post:
          summary: The council verifies the round
        """
        return _run(
            self, pk, lambda r: verification.verify_decision(db.session, g.user, r),
            lambda r, _body: verification.verify_round(db.session, r, g.user),
            _("The round has been verified."),
        )  # fmt: skip

    @expose("/<int:pk>/finalise", methods=["POST"])
    @protect()
    @safe
    def finalise(self, pk):
        """Finalise a verified round: nothing changes afterwards without a reopen.
        ---
        post:
          summary: The council finalises a verified round
        """
        return _run(
            self, pk, lambda r: verification.finalise_decision(db.session, g.user, r),
            lambda r, _body: verification.finalise_round(db.session, r, g.user),
            _("The round has been finalised."),
        )  # fmt: skip

    @expose("/<int:pk>/reopen", methods=["POST"])
    @protect()
    @safe
    def reopen(self, pk):
        """Reopen a verified or finalised round, with a written reason (logged).
        ---
        post:
          summary: Reopen a verified or finalised round
        """
        return _run(
            self, pk, lambda r: verification.reopen_decision(db.session, g.user, r),
            lambda r, body: verification.reopen_round(db.session, r, g.user, body.get("reason")),
            _("The round has been reopened."), texts=("reason",),
        )  # fmt: skip
