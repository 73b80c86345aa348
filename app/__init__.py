"""The PAR-index back-office: create_app() builds the Flask app with Flask-AppBuilder on top."""

import os

from flask import Flask
from flask_appbuilder import AppBuilder

import config as config_module
from app import engine
from app.extensions import csrf, db, migrate

BASE_DIR = config_module.BASE_DIR


class ConfigError(RuntimeError):
    """Raised when the app is started with a configuration that is unsafe or incomplete."""


def _check_config(app):
    if (
        app.config["SECRET_KEY"] == config_module.DEFAULT_SECRET_KEY
        and not app.debug
        and not app.testing
        and not app.config.get("DEMO_MODE")
    ):
        raise ConfigError(
            "SECRET_KEY is the built-in default: set the SECRET_KEY environment variable "
            "(or DEMO_MODE=1 / FLASK_DEBUG=1 for a local demo)."
        )


def create_app(config_object=None, **overrides):
    """Build the app. `overrides` win over the config object (tests pass DATABASE URIs here)."""
    app = Flask(
        __name__,
        template_folder=os.path.join(BASE_DIR, "templates"),
        instance_path=os.path.join(BASE_DIR, "instance"),
    )
    app.config.from_object(config_object or config_module.Config)
    app.config.update(overrides)
    from app.security import sso

    sso.configure(app.config)  # OIDC_* settings -> FAB's AUTH_OAUTH (nothing when unset)
    _check_config(app)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    with app.app_context():
        engine.tune(db.engine, app.config.get("DB_PING_IDLE_SECONDS", 10))
    migrate.init_app(app, db, directory=os.path.join(BASE_DIR, "migrations"), render_as_batch=True)
    csrf.init_app(app)

    from app import models  # noqa: F401  (register every table on the metadata)
    from app.formatting import register_template_filters

    with app.app_context():
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        from app.api import register_apis
        from app.views import register_views

        register_views(appbuilder)
        register_apis(appbuilder)
        appbuilder.post_init()
        from app import api, form_translations
        from app.security import hardening

        # The API's request checks first: later hooks may read the ids they bound.
        api.init_app(app)
        hardening.init_app(app)
        form_translations.init_app(app)

    register_template_filters(app)
    from app.cli import register_cli

    register_cli(app)
    return app
