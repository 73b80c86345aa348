"""Fixtures of the web tests on the small appraisal round (tests/web/appraisal_web.py): `web`
(the round of tests/unit/appraisal_world.py, its windows around now, its accounts able to log
in), built per test on top of `people` (per module)."""

from tests.unit.appraisal_world import people, world  # noqa: F401
from tests.web.appraisal_web import web, web_people  # noqa: F401
