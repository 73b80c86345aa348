"""The home page: the dashboard after login (per role, app/views/dashboard_page.py), the
login and the public results for anonymous visitors."""

from flask import g, request
from flask_appbuilder import IndexView, expose

from app.domain.clock import utcnow
from app.extensions import db
from app.views.dashboard_page import dashboard_context, public_results_url


class HomeIndexView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        if user is not None and user.is_authenticated:
            wanted = request.args.get("results", type=int)
            context = dashboard_context(db.session, user, utcnow(), wanted)
        else:
            context = {"public_url": public_results_url()}
        return self.render_template(self.index_template, appbuilder=self.appbuilder, **context)
