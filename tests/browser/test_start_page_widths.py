"""The start page reads well on a phone and on a desktop: nothing wider than the window.

Each width leaves a full-page screenshot in test-artifacts/browser/start-<stage>-<width>.png.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from procurement.models import Build, Vendor
from quotes.models import QuoteRequest
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


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_quoting_stage_with_its_requests_fits_the_window(page: Page, screenshot, viewport):
    call_command("loaddata", "seed", verbosity=0)
    build = Build.objects.get(slug="pro-6000")
    sent_at = timezone.now() - timedelta(days=20)
    for vendor in Vendor.objects.exclude(contact_email="").order_by("name")[:2]:
        QuoteRequest.objects.create(
            build=build,
            vendor=vendor,
            sent_at=sent_at,
            answer_by=timezone.localdate() + timedelta(days=5),
            language="en",
            address=vendor.contact_email,
            email_subject="Request for quotation: 2.0",
            email_body="Please quote.",
        )
    user_in_role("Buyer", username="berta")
    page.set_viewport_size(viewport)
    log_in(page, "berta")

    page.goto("/")

    expect(page.locator("#stage h2")).to_contain_text("Now: Quoting")
    expect(page.locator("#requests tbody tr")).to_have_count(2)
    expect(page.locator("li.step-follow_up")).to_have_count(2)
    screenshot(page, f"start-quoting-{viewport['width']}")
    sizes = overflow(page)
    assert sizes["scrollWidth"] <= sizes["innerWidth"], sizes
