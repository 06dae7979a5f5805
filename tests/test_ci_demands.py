"""CI (CI=true) runs every test a developer's machine may leave out, or fails."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import ci

ROOT = Path(__file__).resolve().parent.parent
COLLECT = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q"]


def collect_browser_tests(*args: str, ci_value: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CI": ci_value}
    return subprocess.run(
        [*COLLECT, "tests/browser", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ci_refuses_a_run_with_the_browser_tests_deselected():
    result = collect_browser_tests("-m", "not browser", ci_value="true")

    assert result.returncode == 4
    assert "browser tests were deselected; CI runs them all" in result.stderr


def test_a_developer_may_deselect_the_browser_tests():
    result = collect_browser_tests("-m", "not browser", ci_value="")

    # pytest's "no tests collected": everything deselected, nothing refused.
    assert result.returncode == 5
    assert "deselected" in result.stdout
    assert "CI runs them all" not in result.stderr


def test_a_missing_system_tool_fails_the_test_in_ci(monkeypatch):
    monkeypatch.setattr(ci, "IN_CI", True)

    with pytest.raises(pytest.fail.Exception, match="pdftoppm is missing; CI must run this test"):
        ci.missing_system_tool("pdftoppm is missing")


def test_a_missing_system_tool_skips_the_test_on_a_developers_machine(monkeypatch):
    monkeypatch.setattr(ci, "IN_CI", False)

    with pytest.raises(pytest.skip.Exception, match="pdftoppm is missing"):
        ci.missing_system_tool("pdftoppm is missing")
