"""The desk's flows as a person goes through them in the admin, in a real Chromium.

Each flow leaves a full-page screenshot in test-artifacts/browser/<flow>.png.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from procurement.models import Build, OrderLine, Vendor
from quotes.models import Carrier, Quote, QuoteRevision
from quotes.services import LineData, quote_revision_accept, quote_revision_create
from tests.browser.steps import (
    expect_pdf_shown,
    keep_pdfs,
    log_in,
    messages,
    move_on,
    pdf_text,
    pick,
    readonly_value,
    run_action,
    tick_row,
)
from tests.factories import acting_buyer, pdf_document, user_in_role

# live_server (pytest-django) needs the database committed for its threads to see it: the
# tests run with transactional_db, which it requests by itself.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Status = QuoteRevision.Status
# The design's first worked example: USD 14,000 of goods and USD 400 shipping by FedEx at
# CHF 0.80 per dollar land at CHF 12,478.34.
WORKED_EXAMPLE_LANDED = "CHF 12’478.34"


@pytest.fixture
def seed(transactional_db):
    """The seed, committed, so that the live server's threads read it."""
    call_command("loaddata", "seed", verbosity=0)


def received_usd_revision(*, reference: str = "BZ-2026-0142") -> QuoteRevision:
    """BIZON's offer of the worked example, received today and valid for 30 days."""
    quote = Quote.objects.create(
        vendor=Vendor.objects.get(slug="bizon"),
        reference=reference,
        build=Build.objects.get(slug="b-2x-rtx-5090"),
    )
    today = timezone.localdate()
    return quote_revision_create(
        user=acting_buyer(),
        quote=quote,
        issued_on=today,
        valid_until=today + timedelta(days=30),
        currency="USD",
        lines=[
            LineData(description="RTX 5090 32 GB", quantity=2, unit_price=Decimal("4500.00")),
            LineData(description="G3000 base system", quantity=1, unit_price=Decimal("5000.00")),
        ],
        status=Status.RECEIVED,
        ship_from="US",
        carrier=Carrier.objects.get(slug="fedex"),
        shipping=Decimal("400.00"),
        fx_rate=Decimal("0.80"),
    )


def test_log_in_through_the_login_form_to_the_start_page(seed, page: Page, screenshot):
    user_in_role("Buyer", username="berta")

    page.goto("/")

    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/$"))
    page.get_by_label("Username").fill("berta")
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".errornote")).to_contain_text("Please enter the correct username")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()

    # Only a logged-in user gets the start page.
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
    expect(page.get_by_role("heading", name="Where the purchase stands on")).to_be_visible()
    screenshot(page, "log-in")


def test_buyer_enters_a_quote_with_two_lines_and_sees_its_landed_cost(seed, page: Page, screenshot):
    user_in_role("Buyer", username="berta")
    log_in(page, "berta")
    today = timezone.localdate()

    page.goto(reverse("admin:quotes_quote_add"))
    pick(page, "vendor", "bizon", "BIZON Tech")
    page.get_by_label("Reference").fill("BZ-2026-0142")
    pick(page, "build", "5090", "B: 2x RTX 5090")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(messages(page)).to_contain_text("was added successfully")

    page.goto(reverse("admin:quotes_quoterevision_add"))
    pick(page, "quote", "BZ-2026", "BZ-2026-0142")
    page.get_by_label("Issued on").fill(today.isoformat())
    page.get_by_label("Valid until").fill((today + timedelta(days=30)).isoformat())
    page.get_by_label("Currency").select_option("USD")
    page.locator("[name=shipping]").fill("400.00")
    page.get_by_label("Ship from").fill("US")
    pick(page, "carrier", "fed", "FedEx")
    page.get_by_label("Exchange rate (CHF per unit)").fill("0.80")
    fill_line(page, 0, "RTX 5090 32 GB", quantity=2, unit_price="4500.00")
    page.get_by_role("button", name="Add another Quote line").click()
    fill_line(page, 1, "G3000 base system", quantity=1, unit_price="5000.00")
    page.get_by_role("button", name="Save and continue editing").click()

    expect(messages(page)).to_contain_text("was added successfully")
    expect(landed_cost_step(page, "Import VAT")).to_have_text("CHF 933.12")
    expect(landed_cost_step(page, "Carrier clearance fee")).to_have_text("CHF 23.33")
    expect(landed_cost_step(page, "Landed total")).to_have_text(WORKED_EXAMPLE_LANDED)
    screenshot(page, "enter-quote-revision")
    page.goto(reverse("admin:quotes_quote_changelist"))
    page.get_by_role("button", name="Toggle navigation").click()
    row = page.locator("#result_list tbody tr", has_text="BZ-2026-0142")
    expect(row).to_contain_text("USD 14’000.00")
    expect(row.locator(".field-landed_total")).to_have_text(WORKED_EXAMPLE_LANDED)
    expect(row.locator(".field-landed_total")).to_be_in_viewport()
    screenshot(page, "enter-quote")
    revision = QuoteRevision.objects.get(quote__reference="BZ-2026-0142")
    assert (revision.status, revision.currency, revision.carrier.slug) == ("draft", "USD", "fedex")
    assert [line.description for line in revision.lines.order_by("position")] == [
        "RTX 5090 32 GB",
        "G3000 base system",
    ]


def landed_cost_step(page: Page, label: str):
    """The amount of one step of the landed-cost breakdown on a revision's page."""
    step = page.locator("table.landed-breakdown tr").filter(
        has=page.get_by_role("cell", name=label, exact=True)
    )
    return step.locator("td").nth(1)


def fill_line(page: Page, index: int, description: str, *, quantity: int, unit_price: str):
    prefix = f"[name=lines-{index}-"
    page.locator(f"{prefix}description]").fill(description)
    page.locator(f"{prefix}quantity]").fill(str(quantity))
    page.locator(f"{prefix}unit_price]").fill(unit_price)


def test_buyer_makes_a_new_revision_and_receives_it(seed, page: Page, screenshot):
    first = received_usd_revision()
    user_in_role("Buyer", username="berta")
    log_in(page, "berta")

    page.goto(reverse("admin:quotes_quote_change", args=[first.quote_id]))
    page.get_by_role("button", name="New revision").click()
    expect(messages(page)).to_contain_text("Revision 2 of BZ-2026-0142 is a new draft")
    page.locator("[name=shipping]").fill("250.00")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(messages(page)).to_contain_text("was changed successfully")
    page.get_by_role("button", name="Receive").click()

    # Shipping USD 250 instead of 400: CHF 120 less customs value, and the VAT and fee on it.
    expect(messages(page)).to_contain_text(
        "Revision 2 of BZ-2026-0142 received; its landed total of CHF 12’348.36 is kept with it."
    )
    expect(readonly_value(page, "status")).to_have_text("Received")
    screenshot(page, "new-revision-received")
    first.refresh_from_db()
    second = first.quote.revisions.get(number=2)
    assert (first.status, second.status) == (Status.SUPERSEDED, Status.RECEIVED)
    assert second.shipping.amount == Decimal("250.00")


def test_buyer_is_refused_accepting_a_revision(seed, page: Page, screenshot):
    revision = received_usd_revision()
    user_in_role("Buyer", username="berta")
    log_in(page, "berta")

    page.goto(reverse("admin:quotes_quoterevision_change", args=[revision.pk]))
    expect(page.get_by_role("button", name="New revision")).to_be_visible()
    expect(page.get_by_role("button", name="Accept")).to_have_count(0)
    page.goto(reverse("admin:quotes_quoterevision_changelist"))
    actions = page.get_by_label("Action:")
    expect(actions.locator("option[value=accept_revisions]")).to_have_count(0)
    # Whatever the page offers, the server decides: an accept posted by a Buyer is refused.
    actions.evaluate("select => select.add(new Option('Accept (Approvers)', 'accept_revisions'))")
    tick_row(page, "BZ-2026-0142")
    run_action(page, "Accept (Approvers)")

    expect(messages(page)).to_contain_text("Only an Approver may accept a quote revision.")
    screenshot(page, "accept-refused-as-buyer")
    revision.refresh_from_db()
    assert revision.status == Status.RECEIVED


def test_buyer_attaches_the_vendors_pdf_to_a_received_revision(
    seed, media_root, page: Page, screenshot
):
    revision = received_usd_revision()
    user_in_role("Buyer", username="berta")
    log_in(page, "berta")

    page.goto(reverse("admin:quotes_quoterevision_change", args=[revision.pk]))
    page.locator("input[name=attachment]").set_input_files(
        {"name": "BZ-2026-0142.pdf", "mimeType": "application/pdf", "buffer": pdf_document()}
    )
    page.get_by_role("button", name="Save the vendor's PDF").click()

    expect(messages(page)).to_contain_text("was changed successfully")
    expect(page.locator(".errornote")).to_have_count(0)
    expect(page.locator(".field-attachment a")).to_have_attribute(
        "href", re.compile(r"^/quotes/documents/[0-9a-f]{32}\.pdf$")
    )
    screenshot(page, "received-revision-pdf-attached")
    revision.refresh_from_db()
    assert revision.attachment.name.startswith("revision-documents/")
    assert (revision.status, revision.shipping.amount) == (Status.RECEIVED, Decimal("400.00"))


def test_approver_accepts_a_received_revision(seed, page: Page, screenshot):
    revision = received_usd_revision()
    approver = user_in_role("Approver", username="anna")
    log_in(page, "anna")

    page.goto(reverse("admin:quotes_quoterevision_change", args=[revision.pk]))
    page.get_by_role("button", name="Accept").click()

    expect(messages(page)).to_contain_text(
        f"Revision 1 of BZ-2026-0142 accepted at a landed total of {WORKED_EXAMPLE_LANDED}; "
        "build B is chosen."
    )
    expect(readonly_value(page, "status")).to_have_text("Accepted")
    screenshot(page, "accept-as-approver")
    revision.refresh_from_db()
    assert (revision.status, revision.accepted_by) == (Status.ACCEPTED, approver)
    assert revision.quote.build.status == Build.Status.CHOSEN


def test_viewer_opens_the_comparison_sheet_of_two_builds(
    seed, page: Page, screenshot, artifact_folder
):
    user_in_role("Viewer", username="vera")
    log_in(page, "vera")
    page.goto(reverse("admin:procurement_build_changelist"))
    received = keep_pdfs(page)

    tick_row(page, "pro-6000-5090")
    tick_row(page, "b-2x-rtx-5090")
    run_action(page, "Comparison sheet (PDF) of the selected builds")

    expect_pdf_shown(page, "Comparison sheet of ")
    screenshot(page, "comparison-pdf")
    [content] = received
    (artifact_folder / "comparison.pdf").write_bytes(content)
    text = pdf_text(content)
    assert "CHF 11’453.00" in text  # 2.0b, as the research note estimates it
    assert "CHF 7’665.00" in text  # B


def test_buyer_orders_an_accepted_revision_and_advances_a_line_to_delivered(
    seed, page: Page, screenshot
):
    revision = received_usd_revision()
    quote_revision_accept(revision=revision, user=user_in_role("Approver", username="anna"))
    user_in_role("Buyer", username="berta")
    log_in(page, "berta")

    page.goto(reverse("admin:quotes_quoterevision_changelist"))
    tick_row(page, "BZ-2026-0142")
    run_action(page, "Make orders from the selected accepted revisions")
    expect(messages(page)).to_contain_text("made with 2 line(s)")

    page.goto(reverse("admin:procurement_orderline_changelist"))
    gpus = page.locator("#result_list tbody tr", has_text="RTX 5090 32 GB")
    tick_row(page, "RTX 5090 32 GB")
    run_action(page, "Mark as delivered")
    expect(page.get_by_text("stays: A line that is planned is ordered next")).to_be_visible()
    move_on(page)
    expect(messages(page)).to_contain_text(
        "RTX 5090 32 GB: A line that is planned is ordered next; it cannot skip to delivered."
    )
    expect(gpus.locator(".field-status")).to_have_text("planned")
    for step in ("ordered", "confirmed", "shipped", "at customs"):
        tick_row(page, "RTX 5090 32 GB")
        run_action(page, "Advance to the next step")
        move_on(page)
        expect(messages(page)).to_contain_text("1 line(s) moved on.")
        expect(gpus.locator(".field-status")).to_have_text(step)
    gpus.get_by_role("link", name="RTX 5090 32 GB").click()
    page.get_by_role("link", name="Receive units").click()
    page.get_by_role("textbox", name="Serial numbers").fill("1324A0001\n1324A0002")
    page.get_by_role("button", name="Receive").click()

    expect(messages(page)).to_contain_text("Received 2 of RTX 5090 32 GB.")
    expect(readonly_value(page, "status")).to_have_text("delivered")
    page.goto(reverse("admin:procurement_orderline_changelist"))
    expect(gpus.locator(".field-status")).to_have_text("delivered")
    expect(gpus.locator(".field-received")).to_have_text("2 of 2")
    screenshot(page, "order-line-delivered")
    line = OrderLine.objects.get(description="RTX 5090 32 GB")
    assert line.status == "delivered"
    assert sorted(line.units.values_list("serial_number", flat=True)) == ["1324A0001", "1324A0002"]


def test_buyer_records_a_measurement_and_opens_the_acceptance_protocol(
    seed, page: Page, screenshot, artifact_folder
):
    call_command("loaddata", "demo", verbosity=0)  # pro-6000 delivered, its checklist open
    user_in_role("Buyer", username="berta")
    log_in(page, "berta")

    page.goto(reverse("admin:procurement_acceptancechecklist_changelist"))
    page.get_by_role("link", name="2.0: 1x RTX PRO 6000").click()
    page.locator("tr", has_text="PSU: be quiet! Pure Power 12 M 1000W").get_by_role(
        "link", name="Change"
    ).click()
    page.get_by_role("link", name="Record a result").click()
    page.get_by_label("Measured value").fill("405 W at the wall")
    page.get_by_label("Measured number").fill("405")
    page.get_by_role("button", name="Record").click()
    expect(messages(page)).to_contain_text(": passed.")
    page.get_by_role("link", name="Acceptance of pro-6000").click()
    received = keep_pdfs(page)
    page.get_by_role("link", name="Acceptance protocol (PDF)").click()

    expect_pdf_shown(page, "Acceptance protocol of pro-6000")
    screenshot(page, "acceptance-pdf")
    [content] = received
    (artifact_folder / "acceptance.pdf").write_bytes(content)
    text = " ".join(pdf_text(content).split())
    assert "DRAFT: not signed off" in text
    assert "Acceptance protocol: 2.0" in text
    assert "405 W at the wall" in text
    assert "13 items: 1 passed, 0 failed, 1 not applicable, 11 pending" in text
