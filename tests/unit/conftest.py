"""Fixtures shared by the unit tests: the small appraisal round of issue 4 (`world`, built per
test on top of `people`, built per module), from tests/unit/appraisal_world.py."""

from tests.unit.appraisal_world import people, world  # noqa: F401
