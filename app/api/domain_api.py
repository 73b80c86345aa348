"""The base of the appraisal's REST resources: a JSON body read without trusting it, a row
in the caller's scope or None, one commit answered as 409 when it loses a race."""

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from app.api.base import NOT_SAVED, AppModelApi
from app.extensions import db

READ = {"get", "get_list"}
CHANGED = _l("Someone else saved this line meanwhile; load it again.")


def body_of():
    """The JSON object sent, or None."""
    body = request.get_json(silent=True) if request.is_json else None
    return body if isinstance(body, dict) else None


def unknown_fields(body, allowed):
    return {key: [_("Unknown field.")] for key in body if key not in allowed}


def whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def text_problem(body, key):
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        return {key: [_("Send text.")]}
    return {}


class DomainApi(AppModelApi):
    """Answers shared by the appraisal resources."""

    def _get(self, pk):
        try:
            return self.datamodel.get(int(pk), self._base_filters)
        except (TypeError, ValueError):
            return None

    def _commit(self, item, status=200, **extra):
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            return self.response(409, message=str(CHANGED))
        except SQLAlchemyError:
            db.session.rollback()
            return self.response(409, message=str(NOT_SAVED))
        result = self.show_model_schema.dump(item, many=False)
        return self.response(status, id=item.id, result=result, **extra)
