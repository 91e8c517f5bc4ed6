"""Loaded with ``-p tests.pytest_env`` (pyproject addopts) before pytest-django sets Django up.

A cheap password hasher (hashing cost is not what tests measure) and a Redis key prefix of the
test run's own; the server and worker processes the tests start inherit both.
"""

import os

os.environ.setdefault("FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("KEY_PREFIX", "cptest")
