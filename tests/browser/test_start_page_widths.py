"""The start page reads well on a phone and on a desktop: nothing wider than the window.

Each width leaves a full-page screenshot in test-artifacts/browser/start-<stage>-<width>.png.
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.steps import log_in
from tests.factories import user_in_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def overflow(page: Page) -> dict[str, int]:
    return page.evaluate(
        "() => ({scrollWidth: document.scrollingElement.scrollWidth,"
        " innerWidth: window.innerWidth})"
    )


@pytest.mark.parametrize("fixtures", [["seed"], ["seed", "demo"]], ids=["choosing", "acceptance"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_start_page_fits_the_window(page: Page, screenshot, fixtures, viewport):
    call_command("loaddata", *fixtures, verbosity=0)
    user_in_role("Buyer", username="berta")
    page.set_viewport_size(viewport)
    log_in(page, "berta")

    page.goto("/")

    expect(page.locator("#stage h2")).to_contain_text("Now:")
    if fixtures == ["seed"]:
        expect(page.locator("tr.candidate")).to_have_count(8)
        expect(page.locator("tr.candidate").first).to_contain_text("Best value")
    else:
        expect(page.locator(".open-items li")).to_have_count(12)
    screenshot(page, f"start-{'-'.join(fixtures)}-{viewport['width']}")
    sizes = overflow(page)
    assert sizes["scrollWidth"] <= sizes["innerWidth"], sizes
