"""The organiser's publication screen (Công bố kết quả): the opened rounds with where their
results stand, and the actions compute, publish and withdraw a publication (with a written
reason). Every decision is the domain's (app/domain/results.py, publication.py); a refusal
says why, per round."""

from flask import g, url_for
from flask_appbuilder.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.domain import policy, publication
from app.domain.errors import DomainError
from app.extensions import db
from app.formatting import vn_datetime
from app.models import Round
from app.security import roles
from app.views import appraisal_common as common
from app.views.base import AppModelView, guarded_action, interface
from app.views.council import OpenedRoundFilter
from app.views.results import compute_each
from app.views.rounds import PHASE_LABELS


def _links(round_id):
    """The round's results list, and its public page once published (the row is loaded)."""
    round_ = db.session.get(Round, int(round_id))
    links = Markup('<a class="btn btn-xs btn-default" href="%s">%s</a>') % (
        url_for("UnitResultView.list", _flt_0_round=round_.id), _("Results"),
    )  # fmt: skip
    if round_.published_at is not None:
        links += Markup(' <a class="btn btn-xs btn-default" href="%s">%s</a>') % (
            url_for("PublicResultsView.ranking", round_id=round_.id), _("Public page"),
        )  # fmt: skip
    return links


class PublicationRoundView(AppModelView):
    datamodel = interface(Round)
    class_permission_name = roles.PUBLICATION
    method_permission_name = {
        k: v for k, v in roles.METHOD_PERMISSIONS.items() if k not in ("add", "edit", "delete")
    }
    exclude_route_methods = {"add", "edit", "delete", "download"}
    base_filters = AppModelView.base_filters + [["id", OpenedRoundFilter, None]]
    list_title, show_title = _l("Publication of the results"), _l("Publication of a round")
    label_columns = {
        "name": _l("Name"), "year": _l("Year"), "phase": _l("Phase"),
        "finalised_at": _l("Finalised at"), "results_computed_at": _l("Results computed at"),
        "published_at": _l("Published at"), "id": _l("Results"),
    }  # fmt: skip
    list_columns = ["name", "year", "phase", "finalised_at", "results_computed_at",
                    "published_at", "id"]  # fmt: skip
    show_columns = list_columns
    search_columns = ["name", "year", "phase"]
    order_columns = ["name", "year", "phase", "finalised_at", "results_computed_at",
                     "published_at"]  # fmt: skip
    base_order = ("year", "desc")
    formatters_columns = {
        "phase": lambda p: common.label_of(PHASE_LABELS, p), "finalised_at": vn_datetime,
        "results_computed_at": vn_datetime, "published_at": vn_datetime, "id": _links,
    }  # fmt: skip

    @action("compute", _l("Compute the results"), _l("Compute the results of the selected "
            "rounds from the approved points and the survey?"), "fa-calculator")  # fmt: skip
    @guarded_action(policy.VIEW)
    def compute(self, items):
        compute_each(items)

    @action("publish", _l("Publish"), _l("Publish the results of the selected rounds? "
            "Everyone can then see them without logging in, and they can no longer change."),
            "fa-bullhorn")  # fmt: skip
    @guarded_action(policy.VIEW)
    def publish(self, items):
        done, refused = 0, []
        for item in items:
            try:
                publication.publish_round(db.session, item, g.user)
                db.session.commit()
                done += 1
            except DomainError as err:
                db.session.rollback()
                refused.append((item.name, err.message))
        common.flash_outcome(_("%(count)s rounds published"), done, refused,
                             _("%(count)s rounds refused: %(reasons)s"))  # fmt: skip

    @action("unpublish", _l("Withdraw the publication"), "", "fa-eye-slash")
    @guarded_action(policy.VIEW)
    def unpublish(self, items):
        rows = [(item.id, item.name) for item in items]
        form = dict(
            title=_("Withdraw the publication"), label=_("Why the publication is withdrawn"),
            submit=_("Withdraw the publication"),
            help_text=_("The public pages no longer show the round; its results may be "
                        "computed again and published again."),
        )  # fmt: skip
        text = common.submitted_text()
        if text is None:
            return common.action_form(self, "unpublish", rows, **form)
        done, refused = 0, []
        for item in items:
            try:
                publication.unpublish_round(db.session, item, g.user, text)
                db.session.commit()
                done += 1
            except DomainError as err:
                db.session.rollback()
                refused.append((item.name, err.message))
        if not done:
            errors = common.group_refusals(refused)
            return common.action_form(self, "unpublish", rows, text=text, errors=errors, **form)
        common.flash_outcome(_("%(count)s publications withdrawn"), done, refused,
                             _("%(count)s rounds refused: %(reasons)s"))  # fmt: skip
