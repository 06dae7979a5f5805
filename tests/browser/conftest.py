"""A real Chromium driven by Playwright against pytest-django's live server.

Debian's Chromium is used (`.ci/run` installs it); Playwright's own browser download is not.
Where no Chromium is installed, the tests marked `browser` are left out and the run says so
in one line at the end; the rest of the suite runs as always. In CI (CI=true) the run stops
instead, and so it does when the browser tests were deselected (`-m "not browser"`).
"""

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.ci import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "browser"

# Every wait is bounded: actions and expectations give up after 10 s, navigations after 20 s.
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 20_000
LAUNCH_TIMEOUT_MS = 30_000
expect.set_options(timeout=ACTION_TIMEOUT_MS)


NOT_RUN = pytest.StashKey[int]()
DESELECTED = pytest.StashKey[int]()


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    left_out = [item for item in items if item.get_closest_marker("browser")]
    if not left_out:
        return
    if IN_CI:
        raise pytest.UsageError(
            f"CI: no Chromium at {CHROMIUM}, so {len(left_out)} browser tests cannot run "
            "(.ci/run installs Debian's chromium package)"
        )
    items[:] = [item for item in items if not item.get_closest_marker("browser")]
    config.hook.pytest_deselected(items=left_out)
    config.stash[NOT_RUN] = len(left_out)


def pytest_deselected(items):
    browser_tests = [item for item in items if item.get_closest_marker("browser")]
    if browser_tests:
        config = browser_tests[0].config
        config.stash[DESELECTED] = config.stash.get(DESELECTED, 0) + len(browser_tests)


def pytest_collection_finish(session):
    deselected = session.config.stash.get(DESELECTED, 0)
    if IN_CI and deselected:
        raise pytest.UsageError(
            f"CI: {deselected} browser tests were deselected; CI runs them all "
            '(leave out -m "not browser")'
        )


def pytest_terminal_summary(terminalreporter, config):
    if config.stash.get(NOT_RUN, 0):
        terminalreporter.write_line(
            f"{config.stash[NOT_RUN]} browser tests skipped: no Chromium at {CHROMIUM} "
            "(apt-get install chromium; .ci/run does)"
        )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole session; each test gets its own context (cookies, pages)."""
    # The sync API runs Playwright's asyncio loop in a greenlet of this thread and leaves it
    # registered as the thread's running loop between calls. Django's guard against ORM calls
    # from async code sees that loop and refuses every query the test makes (creating users,
    # reading back what the browser did), although nothing here is async: the test is plain
    # synchronous code and the live server answers the browser in threads of its own. So the
    # guard is lifted for exactly as long as Playwright runs.
    lifted = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            # launch() gives the browser a fresh, empty profile in a temporary folder of its
            # own and removes it on close (it refuses a --user-data-dir flag).
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, timeout=LAUNCH_TIMEOUT_MS
            )
            yield chromium
            chromium.close()
    finally:
        if lifted is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = lifted


@pytest.fixture(scope="session")
def artifact_folder() -> Path:
    """test-artifacts/browser/, emptied once per run: what this run's flows left."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture
def context(browser: Browser, live_server) -> Iterator[BrowserContext]:
    """A fresh browser profile per test (no cookies), aimed at the live server."""
    opened = browser.new_context(
        base_url=live_server.url,
        accept_downloads=True,
        viewport={"width": 1600, "height": 1000},
        locale="en-GB",
        timezone_id="Europe/Zurich",
    )
    opened.set_default_timeout(ACTION_TIMEOUT_MS)
    opened.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A tab whose flow must not break the Content-Security-Policy: the browser reports every
    script, style or image the policy blocked, and the test fails on any."""
    opened = context.new_page()
    blocked: list[str] = []
    opened.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield opened
    assert blocked == [], blocked


@pytest.fixture
def screenshot(artifact_folder: Path):
    """screenshot(page, "flow"): the whole page into test-artifacts/browser/flow.png."""

    def take(page: Page, flow: str) -> Path:
        target = artifact_folder / f"{flow}.png"
        page.screenshot(path=target, full_page=True)
        return target

    return take


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    page = item.funcargs.get("page") if report.when == "call" and report.failed else None
    if page is not None and not page.is_closed():
        # What the browser showed when the test failed, next to the flows' screenshots.
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(PlaywrightError):
            page.screenshot(path=ARTIFACTS / f"FAILED-{item.name}.png", full_page=True)
    return report
