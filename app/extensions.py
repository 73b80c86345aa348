"""Process-wide extension objects. The AppBuilder itself is built per app in create_app()."""

from flask_appbuilder import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# FAB's Model carries its own metadata: bind the db to it so Alembic sees every table.
db = SQLA(metadata=Model.metadata)
migrate = Migrate()
csrf = CSRFProtect()
