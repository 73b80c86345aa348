"""Fixtures of the API tests on the small appraisal round (tests/web/appraisal_web.py): `web`
(the round of tests/unit/appraisal_world.py, its windows around now, its accounts able to log
in), built per test on top of `people` (per module); `api`, its accounts' REST calls."""

import pytest

from tests.api.test_catalogue_api import token
from tests.unit.appraisal_world import people, world  # noqa: F401
from tests.web.appraisal_web import web, web_people  # noqa: F401


@pytest.fixture()
def api(web, app):  # noqa: F811  (web is the fixture imported above)
    """call(method, url under /api/v1/, account key, **kwargs) with the account's JWT."""
    client = app.test_client()

    def call(method, url, who, **kwargs):
        headers = token(client, web.world.users[who].username)
        return getattr(client, method)(f"/api/v1/{url}", headers=headers, **kwargs)

    return call
