"""What CI (CI=true, as `.ci/run` runs) demands of the test run that a developer's machine may
leave out: the browser tests and the tests that need poppler run there, or the run fails."""

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing_system_tool(reason: str) -> NoReturn:
    """Skip the test on a developer's machine; fail it in CI, where `.ci/run` installs it."""
    if IN_CI:
        pytest.fail(f"{reason}; CI must run this test", pytrace=False)
    pytest.skip(reason)
