"""The public results pages (công bố kết quả), open without login:

- /cong-bo/: the rounds whose results are published;
- /cong-bo/<round>/: the round's ranking (grades, index, per-field indexes), paginated;
- /cong-bo/<round>/<unit>: one unit's result with its fields.

Only published rounds exist here: any other round, or a unit without a result in it, is the
same 404 as an id that does not exist, so nothing tells an unpublished round apart.
"""

from decimal import Decimal

from flask import abort, request, url_for
from flask_appbuilder import BaseView, expose

from app.domain import results_view
from app.domain.results_policy import is_published
from app.domain.scoring import format_points
from app.extensions import db
from app.models.rounds import Round


def published_or_404(round_id):
    round_ = db.session.get(Round, round_id)
    if round_ is None or not is_published(round_):
        abort(404)
    return round_


def page_number():
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def index_text(value):
    """An index as the announcements write it: always 2 decimals, a decimal comma (96,00)."""
    if value is None:
        return ""
    return f"{Decimal(value):.2f}".replace(".", ",")


def signed(change):
    """+1,25 / -0,50 / 0,00: the change since last year, signed, 2 decimals."""
    if change is None:
        return ""
    text = index_text(abs(change))
    return f"+{text}" if change > 0 else (f"-{text}" if change < 0 else text)


class PublicResultsView(BaseView):
    route_base = "/cong-bo"
    default_view = "rounds"

    def _render(self, template, **context):
        return self.render_template(
            template, pts=format_points, num=index_text, signed=signed, **context
        )

    @expose("/")
    def rounds(self):
        return self._render("public_rounds.html", rounds=results_view.published_rounds(db.session))

    @expose("/<int:round_id>/")
    def ranking(self, round_id):
        round_ = published_or_404(round_id)
        ranking = results_view.ranking(db.session, round_, page_number())
        rid = round_.id
        return self._render(
            "public_round.html",
            round=round_,
            ranking=ranking,
            unit_url=lambda row: url_for(
                "PublicResultsView.unit", round_id=rid, unit_id=row.unit_id
            ),
            page_url=lambda page: url_for("PublicResultsView.ranking", round_id=rid, page=page),
        )

    @expose("/<int:round_id>/<int:unit_id>")
    def unit(self, round_id, unit_id):
        round_ = published_or_404(round_id)
        found = results_view.unit_result(db.session, round_, unit_id)
        if found is None:
            abort(404)
        row, fields, units, previous = found
        return self._render(
            "public_unit.html", round=round_, row=row, fields=fields, units=units,
            previous=previous,
        )  # fmt: skip
