"""The start page: where the purchase stands, the candidates ranked by the comparison
sheet's best value rule, what to do next; money committed against the brief."""

import json
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from procurement.acceptance.models import UnitWarranty
from procurement.dashboard import start_page
from procurement.models import Build, Vendor
from procurement.purchase_stages import PurchaseFacts, Stage, current_stage
from quotes.comparison import comparison_sheet
from quotes.models import QuoteRequest, QuoteRevision
from quotes.pricing.reads import commitment_of
from quotes.pricing.results import Warning as PriceWarning
from tests.factories import (
    AcceptanceChecklistFactory,
    AcceptanceItemFactory,
    BuildFactory,
    BuildLineFactory,
    DeliveredUnitFactory,
    GpuFactory,
    OrderFactory,
    OrderLineFactory,
    QuoteFactory,
    QuoteLineFactory,
    QuoteRevisionFactory,
    RequirementsFactory,
    UserFactory,
    VendorFactory,
    user_in_role,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)
# The seed's eight builds as the best value rule ranks them: 2.0 is the only one that meets
# every requirement of the brief (quiet), the others follow by CHF per GB of VRAM.
SEED_RANKING = [
    "pro-6000",
    "e-4x-rtx-a6000-refurb",
    "pro-6000-5090",
    "e-4x-rtx-a6000",
    "d-2x-rtx-a6000",
    "b-2x-rtx-5090",
    "c-4x-rtx-4090",
    "a-2x-rtx-4090",
]
ASK = "request quotes from BIZON Tech, BRESSNER Technology, RECT (Coreto Europe)."


@pytest.fixture
def frozen_today():
    with time_machine.travel("2026-03-02 09:00 +01:00", tick=False):
        yield


def text(html: str) -> str:
    """The page as a person reads it: tags dropped, white space folded."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    for mark in ".,:":
        plain = plain.replace(f" {mark}", mark)
    return plain.replace("&#x27;", "'")


def section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}"')
    return html[start : html.index("</section>", start)]


def next_steps(html: str) -> list[str]:
    return [
        text(item).strip()
        for item in re.findall(r"<li class=\"step-[^\"]*\">(.*?)</li>", html, re.S)
    ]


def row_text(html: str, row_id: str) -> str:
    """The text of the table row with id `row_id`."""
    return text(html[html.index(f'<tr id="{row_id}"') :].split("</tr>")[0]).strip()


def candidate_slugs(html: str) -> list[str]:
    return re.findall(r'<tr id="candidate-([^"]+)"', html)


def _chosen_build_with_orders(brief, lines: int, committed: str) -> Build:
    build = BuildFactory(status=Build.Status.ORDERED, requirements=brief)
    quote = QuoteFactory(build=build)
    revision = QuoteRevisionFactory(
        quote=quote, status=QuoteRevision.Status.ACCEPTED, landed_total_chf=Decimal(committed)
    )
    order = OrderFactory(build=build, revision=revision, vendor=quote.vendor)
    for _ in range(lines):
        OrderLineFactory(order=order)
    return build


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# The seed and the demo ---------------------------------------------------------------------


def test_on_the_seed_all_eight_candidates_are_ranked_with_2_0_first_and_its_reason(
    seed, staff_client, frozen_today
):
    html = staff_client.get(reverse("home")).content.decode()
    page = text(html)

    assert "Now: Choosing" in page
    assert candidate_slugs(html) == SEED_RANKING
    assert (
        "Best value: 2.0: 1x RTX PRO 6000 Blackwell (recommended). CHF 8’183.00 (landed total) "
        "for 96 GB of VRAM, CHF 85.24 per GB: the only option that meets every requirement of "
        "the brief (budget, VRAM, one circuit, noise)." in page
    )
    best = text(html[html.index('id="candidate-pro-6000"') :].split("</tr>")[0])
    assert "Best value" in best
    assert "96 GB" in best and "CHF 8’183.00 estimate CHF 85.24" in best
    assert "400 W, 17% of one circuit" in best
    assert "Within budget Within the VRAM range Fits, 17% of the circuit Quiet or quieter" in best
    # 1’518.40 kWh a year at the brief's tariff; CHF 8’183.00 and three years of energy
    assert "CHF 420.60 of energy a year (1’518 kWh) CHF 9’444.80 over 3 years" in best
    for slug in SEED_RANKING:
        row = html[html.index(f'id="candidate-{slug}"') :].split("</tr>")[0]
        assert '<span class="source source-estimate">estimate</span>' in row, slug
        assert row.count('<li class="mark ') == 4, slug


def test_on_the_seed_each_candidate_without_a_quote_has_a_next_step(
    seed, staff_client, frozen_today
):
    html = staff_client.get(reverse("home")).content.decode()

    steps = next_steps(section(html, "next-steps"))
    assert (
        steps[0]
        == f"2.0: 1x RTX PRO 6000 Blackwell (recommended) has no quote yet: {ASK} Request quotes"
    )
    assert len(steps) == 8
    assert all(ASK in step for step in steps)
    build = Build.objects.get(slug="a-2x-rtx-4090")
    assert (
        f'<input type="hidden" name="action" value="request_quotes_for_builds">'
        f'<input type="hidden" name="_selected_action" value="{build.pk}">'
        '<button type="submit" class="link">Request quotes</button>' in html
    )


def test_the_start_page_marks_the_best_value_the_sheet_marks(seed, staff_client, frozen_today):
    sheet = comparison_sheet(build_slugs=SEED_RANKING[::-1])
    html = staff_client.get(reverse("home")).content.decode()

    assert sheet.best.key == "pro-6000"
    assert re.findall(r'<tr id="candidate-([^"]+)" class="candidate best"', html) == ["pro-6000"]


def test_after_the_demo_the_page_shows_the_acceptance_stage_with_its_open_items(
    staff_client, frozen_today
):
    call_command("loaddata", "seed", "demo", verbosity=0)
    html = staff_client.get(reverse("home")).content.decode()
    page = text(html)

    assert "Now: Acceptance 12 checks open on the acceptance checklist" in page
    assert "2.0: " in page
    assert "CHF 7’942.00" in page
    assert "9 of 9 lines (9 installed)" in page
    # 12 checks pending on the demo's open checklist (the import VAT receipt does not apply)
    assert "12 open checks" in page
    assert "Open items of the acceptance of 2.0: 1x RTX PRO 6000 Blackwell (recommended)" in page
    assert "Warranty registered: System (pending)" in page
    assert "24-hour burn-in: System (pending)" in page
    assert reverse("acceptance_pdf", args=["pro-6000"]) in html
    assert next_steps(section(html, "next-steps")) == [
        "The acceptance of 2.0: 1x RTX PRO 6000 Blackwell (recommended) has 12 checks pending. "
        "Open the checklist"
    ]
    stages = text(section(html, "stages"))
    assert "Choosing done: 7 candidate builds on file" in stages
    assert "Delivery done: 9 of 9 order lines delivered or installed" in stages
    assert "Warranty ahead: The warranties start when the acceptance is signed off" in stages


def test_another_stage_opens_by_its_link_and_an_unknown_one_shows_the_current(
    staff_client, frozen_today
):
    call_command("loaddata", "seed", "demo", verbosity=0)

    choosing = staff_client.get(reverse("home") + "?stage=choosing").content.decode()
    unknown = staff_client.get(reverse("home") + "?stage=" + "x" * 300).content.decode()

    assert "<h2>Choosing</h2>" in choosing
    assert len(candidate_slugs(choosing)) == 8
    assert "Now: Acceptance" in text(unknown)
    assert '<a href="?stage=choosing">Choosing</a>' in section(unknown, "stages")


# Stages --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "facts, stage",
    [
        (PurchaseFacts(candidates=8), Stage.CHOOSING),
        (PurchaseFacts(candidates=8, quotes_received=1), Stage.QUOTING),
        (PurchaseFacts(builds_chosen=1, quotes_received=1), Stage.ORDERING),
        (PurchaseFacts(builds_chosen=1, lines=3), Stage.ORDERING),
        (PurchaseFacts(quotes_received=1, money_committed=True), Stage.ORDERING),
        (PurchaseFacts(builds_chosen=1, lines=3, lines_ordered=1), Stage.DELIVERY),
        (
            PurchaseFacts(builds_chosen=1, lines=3, lines_ordered=3, lines_arrived=3),
            Stage.ACCEPTANCE,
        ),
        (PurchaseFacts(builds_chosen=1, lines=3, checklists_open=1), Stage.ACCEPTANCE),
        (PurchaseFacts(builds_chosen=1, lines=3, checklists_signed=1), Stage.WARRANTY),
        (PurchaseFacts(checklists_signed=1, checklists_open=1), Stage.ACCEPTANCE),
    ],
)
def test_the_current_stage_is_the_furthest_reached_and_not_finished(facts, stage):
    assert current_stage(facts) is stage


# Next steps ----------------------------------------------------------------------------------


def test_a_quote_lapsing_within_14_days_is_a_next_step_and_listed_while_quoting(
    staff_client, frozen_today
):
    soon = QuoteRevisionFactory(valid_until=TODAY + timedelta(days=3), issued_on=TODAY)
    later = QuoteRevisionFactory(valid_until=TODAY + timedelta(days=20), issued_on=TODAY)
    accepted = QuoteRevisionFactory(
        valid_until=TODAY + timedelta(days=2), issued_on=TODAY, status="accepted"
    )
    html = staff_client.get(reverse("home") + "?stage=quoting").content.decode()

    expiring = html[html.index('<div id="expiring">') :]
    expiring = expiring[: expiring.index("</table>")]
    assert soon.quote.reference in expiring
    assert later.quote.reference not in expiring
    assert accepted.quote.reference not in expiring
    steps = next_steps(section(html, "next-steps"))
    assert steps == [
        f"{soon.quote.vendor.name} {soon.quote.reference} rev. {soon.number} lapses on "
        "05.03.2026, in 3 days. Decide on it"
    ]


def test_late_order_lines_are_a_next_step_with_the_order_board_of_the_late_ones(
    staff_client, frozen_today
):
    build = _chosen_build_with_orders(RequirementsFactory(), lines=0, committed="100.00")
    order = build.orders.get()
    for days in (3, 9):
        OrderLineFactory(order=order, expected_on=TODAY - timedelta(days=days))
    OrderLineFactory(order=order, expected_on=TODAY + timedelta(days=1))

    html = staff_client.get(reverse("home")).content.decode()

    assert (
        f"2 order lines of {build.code}: {build.name} are late, expected since 21.02.2026."
        in (next_steps(section(html, "next-steps"))[0])
    )
    assert f"?overdue=yes&amp;order__build__id__exact={build.pk}" in html


def test_pending_acceptance_items_are_a_next_step(staff_client, frozen_today):
    build = _chosen_build_with_orders(RequirementsFactory(), lines=1, committed="100.00")
    checklist = AcceptanceChecklistFactory(for_build=build)
    AcceptanceItemFactory(checklist=checklist)
    AcceptanceItemFactory(checklist=checklist, required=False)

    html = staff_client.get(reverse("home")).content.decode()

    assert next_steps(section(html, "next-steps")) == [
        f"The acceptance of {build.code}: {build.name} has 1 check pending. Open the checklist"
    ]
    assert "Now: Acceptance" in text(html)


CHF_QUOTE_FOR_2_0 = {
    "vendor": "digitec",
    "reference": "DG-2026-0301",
    "issued": "2026-03-01",
    "valid_until": "2026-04-30",
    "currency": "CHF",
    "prices_include_vat": True,
    "ship_from": "CH",
    "carrier": None,
    "shipping": "0.00",
    "build": "pro-6000",
    "lines": [
        {"description": "Workstation 2.0, assembled", "quantity": 1, "unit_price": "8000.00"}
    ],
}


def test_a_received_quote_better_than_the_chosen_build_is_a_next_step(
    seed, staff_client, frozen_today, tmp_path
):
    Build.objects.filter(slug="pro-6000-5090").update(status=Build.Status.CHOSEN)
    path = tmp_path / "digitec.json"
    path.write_text(json.dumps(CHF_QUOTE_FOR_2_0))
    call_command("import_quote", str(path), stdout=StringIO())

    html = staff_client.get(reverse("home")).content.decode()

    # CHF 8,000.00 for 96 GB against 2.0b's estimated CHF 11,453.00 for 128 GB
    assert next_steps(section(html, "next-steps")) == [
        "2.0: 1x RTX PRO 6000 Blackwell (recommended), priced from quote DG-2026-0301, "
        "received, costs CHF 83.33 per GB of VRAM; the chosen 2.0b: RTX PRO 6000 + RTX 5090 "
        "(maximum capability) costs CHF 89.48. Compare the two"
    ]
    assert "build=pro-6000-5090&amp;build=pro-6000" in html
    html = staff_client.get(reverse("home") + "?stage=choosing").content.decode()
    row = html[html.index('id="candidate-pro-6000"') :].split("</tr>")[0]
    assert "CHF 8’000.00" in row and "quote DG-2026-0301, received" in row


# Who sees what -------------------------------------------------------------------------------


def test_a_viewer_sees_the_candidates_without_the_actions_a_viewer_may_not_take(
    seed, client, frozen_today
):
    client.force_login(user_in_role("Viewer"))
    html = client.get(reverse("home")).content.decode()

    assert candidate_slugs(html) == SEED_RANKING
    assert "request_quotes_for_builds" not in html
    assert "Request quotes" not in html
    assert "CHF 420.60 of energy a year (1’518 kWh) CHF 9’444.80 over 3 years" in text(html)
    # Reading is allowed: the comparison sheet of the selected candidates.
    assert f'<form method="get" action="{reverse("quotes:comparison_pdf")}">' in html
    assert '<input type="checkbox" name="build" value="pro-6000">' in html
    assert len(next_steps(section(html, "next-steps"))) == 8


def test_a_buyer_may_request_quotes_for_each_candidate(seed, client, frozen_today):
    client.force_login(user_in_role("Buyer"))
    html = client.get(reverse("home")).content.decode()

    # in the table and in the next steps
    assert html.count('<button type="submit" class="link">Request quotes</button>') == 8
    assert html.count('class="link" form="request-quotes-') == 8


# Money ---------------------------------------------------------------------------------------


def test_start_page_shows_money_committed_against_the_budget(staff_client, frozen_today):
    brief = RequirementsFactory()
    _chosen_build_with_orders(brief, lines=2, committed="7942.00")
    content = staff_client.get(reverse("home")).content.decode()
    assert "CHF 7’942.00 committed" in content
    # The admin's header and user tools, as on every admin page.
    assert "Workstation procurement desk" in content
    assert "Log out" in content
    assert "Within the brief’s range of CHF 4’000.00 to CHF 15’000.00" in content
    assert "(53% of the top)" in content


def test_start_page_shows_each_builds_order_progress(staff_client, frozen_today):
    build = _chosen_build_with_orders(RequirementsFactory(), lines=3, committed="100.00")
    line = build.orders.get().lines.first()
    line.status = "delivered"
    line.quantity_received = line.quantity
    line.ordered_on = line.confirmed_on = line.shipped_on = line.delivered_on = TODAY
    line.save()
    content = staff_client.get(reverse("home")).content.decode()
    assert "Now: Delivery" in text(content)
    assert f"{build.code}: {build.name}" in content
    assert "1 of 3 lines (0 installed)" in content


def test_start_page_commits_what_the_build_commitment_counts(staff_client, frozen_today):
    brief = RequirementsFactory()
    build = _chosen_build_with_orders(brief, lines=1, committed="7942.00")
    by_hand = OrderFactory(build=build)
    OrderLineFactory(order=by_hand, quantity=2, unit_price=Money("50.00", "CHF"))
    page = staff_client.get(reverse("home")).context["page"]
    assert page.builds[0].committed_chf == commitment_of(build).committed_chf
    assert page.builds[0].committed_chf == Decimal("8042.00")


# Queries -------------------------------------------------------------------------------------


def _more_of_everything(brief, ordered: Build, count: int) -> None:
    """`count` more candidate builds with a GPU line, each with a received quote lapsing
    soon that prices it and two requests for quotation to a vendor of its own (one answered,
    one past its follow-up day), and `count` more late lines and open acceptance items on
    the ordered build."""
    for _ in range(count):
        build = BuildFactory(requirements=brief)
        line = BuildLineFactory(for_build=build, component=GpuFactory())
        revision = QuoteRevisionFactory(
            quote=QuoteFactory(build=build),
            issued_on=TODAY,
            valid_until=TODAY + timedelta(days=5),
            landed_total_chf=Decimal("900.00"),
            landed_net_chf=Decimal("832.56"),
        )
        QuoteLineFactory(revision=revision, build_line=line, component=line.component)
        OrderLineFactory(order=ordered.orders.get(), expected_on=TODAY - timedelta(days=2))
        AcceptanceItemFactory(checklist=ordered.acceptance)
        vendor = VendorFactory()
        _request(build, vendor, date(2026, 2, 2), date(2026, 2, 20), answered_on=date(2026, 2, 5))
        _request(build, vendor, date(2026, 2, 20), date(2026, 3, 10))


def _queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_start_page_reads_in_as_many_queries_for_30_builds_quotes_and_lines_as_for_1(
    staff_client, frozen_today, django_assert_num_queries
):
    brief = RequirementsFactory()
    ordered = _chosen_build_with_orders(brief, lines=1, committed="100.00")
    AcceptanceChecklistFactory(for_build=ordered)
    _more_of_everything(brief, ordered, 1)
    staff_client.get(reverse("home"))
    one = _queries(staff_client)

    _more_of_everything(brief, ordered, 29)
    thirty = _queries(staff_client)

    assert len(one) == len(thirty)
    # session, user, then the briefs, builds, the money committed (accepted revisions,
    # hand-ordered lines), order line counts, acceptance checklists with their open checks,
    # their open items, late lines, warranties, the builds' prices (their lines, the
    # revisions that source them and their lines, Swiss VAT), expiring revisions, the
    # quotes by build, the open requests for quotation and the vendors' answer times (a
    # superuser's permissions need no query)
    assert len(one) == 19
    with django_assert_num_queries(19):
        response = staff_client.get(reverse("home"))
    page = response.context["page"]
    assert len(page.choosing.candidates) == 31
    assert len(page.builds[0].open_items) == 30
    assert len(page.requests) == 30
    assert sum(step.kind == "follow_up" for step in page.next_steps) == 30


def _signed_build_with_warranty(ends_on: date) -> Build:
    """An accepted build whose one delivered unit is under warranty until `ends_on`."""
    build = _chosen_build_with_orders(RequirementsFactory(), lines=0, committed="100.00")
    Build.objects.filter(pk=build.pk).update(status=Build.Status.ACCEPTED)
    order = build.orders.get()
    line = OrderLineFactory(
        order=order,
        status="installed",
        quantity_received=1,
        ordered_on=date(2023, 3, 1),
        confirmed_on=date(2023, 3, 1),
        shipped_on=date(2023, 3, 2),
        delivered_on=date(2023, 3, 3),
        installed_on=date(2023, 3, 4),
    )
    checklist = AcceptanceChecklistFactory(
        for_build=build, status="signed", signed_by=UserFactory(), signed_at=timezone.now()
    )
    UnitWarranty.objects.create(
        unit=DeliveredUnitFactory(line=line),
        checklist=checklist,
        vendor=order.vendor,
        years=3,
        starts_on=date(2023, 3, 10),
        ends_on=ends_on,
        terms="3 years included",
    )
    return build


def test_a_warranty_ending_within_the_reminder_days_is_a_next_step(staff_client, frozen_today):
    build = _signed_build_with_warranty(date(2026, 3, 10))

    html = staff_client.get(reverse("home")).content.decode()

    assert "Now: Warranty 1 unit under warranty; the first term ends on 10.03.2026" in text(html)
    assert next_steps(section(html, "next-steps")) == [
        f"The warranty of 1 unit of {build.code}: {build.name} ends on 10.03.2026. "
        "See the acceptance"
    ]


def test_a_warranty_ending_later_is_no_next_step(staff_client, frozen_today):
    _signed_build_with_warranty(date(2026, 9, 10))

    html = staff_client.get(reverse("home")).content.decode()

    assert "the first term ends on 10.09.2026" in text(html)
    assert next_steps(section(html, "next-steps")) == []


def test_on_an_empty_desk_the_page_asks_for_the_brief_and_the_builds(client, frozen_today):
    client.force_login(user_in_role("Approver"))
    html = client.get(reverse("home")).content.decode()
    page = text(html)

    assert "Now: Choosing 0 candidate builds on file" in page
    assert "No build on file yet." in page
    assert "No brief yet." in page
    assert "Nothing is waiting for you." in page
    # The brief is reference data: an administrator enters it, an Approver does not.
    assert reverse("admin:procurement_requirements_add") not in html


def test_request_quotes_asks_which_vendors_and_sends_the_requests(seed, client, frozen_today):
    """The start page's button opens the builds' "Request quotes" action for the build."""
    client.force_login(user_in_role("Buyer", email="buyer@example.ch"))
    build = Build.objects.get(slug="pro-6000")
    vendor = Vendor.objects.get(contact_email="service@rect.coreto-europe.com")
    html = client.get(reverse("home")).content.decode()
    form = html[html.index('<form id="request-quotes-pro-6000"') :].split("</form>")[0]
    assert f'action="{reverse("admin:procurement_build_changelist")}"' in form
    fields = {"action": "request_quotes_for_builds", "_selected_action": str(build.pk)}

    asked = client.post(reverse("admin:procurement_build_changelist"), fields)

    page = text(asked.content.decode())
    assert "Request quotes" in page and "Vendors to ask" in page
    assert "2.0: 1x RTX PRO 6000 Blackwell (recommended)" in page
    assert 'value="2026-03-16"' in asked.content.decode()  # answer wanted in 14 days
    client.post(
        reverse("admin:procurement_build_changelist"),
        {**fields, "_confirm": "1", "vendors": [vendor.pk], "answer_by": "2026-03-16"},
    )
    request = QuoteRequest.objects.get()
    assert (request.build, request.vendor, request.answer_by) == (build, vendor, date(2026, 3, 16))


def test_pricing_warnings_show_with_their_code_and_message(seed, frozen_today):
    """Pricing's warnings of a build, whatever their kind, are listed in its row."""
    page = start_page(TODAY)
    row = page.choosing.candidates[0]
    row.price = replace(
        row.price,
        warnings=(
            PriceWarning("stale_rate", "The USD rate is 9 days old."),
            PriceWarning("unverified_fee_schedule", "DHL's fee schedule is unverified."),
        ),
    )
    html = render_to_string(
        "start/choosing.html", {"page": page, "may_read_prices": True, "may_add_quotes": False}
    )
    cells = html[html.index('id="candidate-pro-6000"') :].split("</tr>")[0]

    assert (
        '<li class="warning" data-code="stale_rate">&#9888; The USD rate is 9 days old.</li>'
        in cells
    )
    assert (
        '<li class="warning" data-code="unverified_fee_schedule">&#9888; DHL&#x27;s fee '
        "schedule is unverified.</li>" in cells
    )


@pytest.mark.parametrize(
    "days, says",
    [(0, "lapses today, 02.03.2026."), (1, "lapses on 03.03.2026, in 1 day.")],
)
def test_a_quote_lapsing_today_or_tomorrow_says_so(staff_client, frozen_today, days, says):
    revision = QuoteRevisionFactory(valid_until=TODAY + timedelta(days=days), issued_on=TODAY)

    html = staff_client.get(reverse("home")).content.decode()

    name = f"{revision.quote.vendor.name} {revision.quote.reference} rev. {revision.number}"
    assert next_steps(section(html, "next-steps")) == [f"{name} {says} Decide on it"]


def test_a_viewer_reads_the_next_steps_without_the_actions_that_change_something(
    client, frozen_today
):
    revision = QuoteRevisionFactory(valid_until=TODAY + timedelta(days=3), issued_on=TODAY)
    build = _chosen_build_with_orders(RequirementsFactory(), lines=0, committed="100.00")
    OrderLineFactory(order=build.orders.get(), expected_on=TODAY - timedelta(days=3))
    client.force_login(user_in_role("Viewer"))

    html = client.get(reverse("home")).content.decode()

    name = f"{revision.quote.vendor.name} {revision.quote.reference} rev. {revision.number}"
    assert next_steps(section(html, "next-steps")) == [
        f"{name} lapses on 05.03.2026, in 3 days.",
        f"1 order line of {build.code}: {build.name} is late, expected since 27.02.2026.",
    ]


def test_without_an_option_that_meets_the_brief_no_best_value_is_marked(
    seed, staff_client, frozen_today
):
    Build.objects.filter(slug="pro-6000").update(status=Build.Status.DROPPED)

    html = staff_client.get(reverse("home")).content.decode()

    assert candidate_slugs(html) == SEED_RANKING[1:]
    assert "candidate best" not in html
    assert (
        "No best value marked. No option meets every requirement of the brief (budget, VRAM, "
        "one circuit, noise), so none is marked as the best value." in text(html)
    )


# Requests for quotation ----------------------------------------------------------------------

ZURICH = ZoneInfo("Europe/Zurich")


def _request(build, vendor, sent_on: date, answer_by: date, answered_on: date | None = None):
    """A request for quotation sent at nine in Zurich on `sent_on`, answered on `answered_on`."""
    sent_at = datetime(sent_on.year, sent_on.month, sent_on.day, 9, 0, tzinfo=ZURICH)
    answered_at = (
        datetime(answered_on.year, answered_on.month, answered_on.day, 9, 0, tzinfo=ZURICH)
        if answered_on
        else None
    )
    return QuoteRequest.objects.create(
        build=build,
        vendor=vendor,
        sent_at=sent_at,
        answer_by=answer_by,
        status="answered" if answered_on else "sent",
        answered_at=answered_at,
        language="en",
        address="sales@example.ch",
        email_subject=f"Request for quotation: {build.slug}",
        email_body="Please quote.",
    )


def _requests_while_quoting():
    """Two open requests for one build: BIZ's, sent on Friday 20.02.2026 (its follow-up day,
    five working days later, was Friday 27.02), and NEW's, sent on 27.02 (follow-up on
    06.03). BIZ answered twice before, in 3 and 4 days, for a build since dropped; NEW
    never. A build asked about is no candidate without a quote."""
    build = BuildFactory(code="Q1", name="Quiet one")
    biz = VendorFactory(name="BIZ")
    new = VendorFactory(name="NEW")
    other = BuildFactory(status=Build.Status.DROPPED)
    _request(other, biz, date(2026, 2, 2), date(2026, 2, 20), answered_on=date(2026, 2, 5))
    _request(other, biz, date(2026, 2, 9), date(2026, 2, 20), answered_on=date(2026, 2, 13))
    late = _request(build, biz, date(2026, 2, 20), date(2026, 3, 10))
    recent = _request(build, new, date(2026, 2, 27), date(2026, 3, 13))
    return build, late, recent


def test_open_requests_are_listed_while_quoting_with_each_vendors_answer_time(
    staff_client, frozen_today
):
    _, late, recent = _requests_while_quoting()

    html = staff_client.get(reverse("home")).content.decode()

    assert (
        "Now: Quoting 0 quote revisions received or accepted; 2 requests for quotation "
        "awaiting an answer" in text(html)
    )
    block = html[html.index('<div id="requests">') :].split("</table>")[0]
    assert row_text(block, f"request-{late.pk}") == (
        "BIZ Q1: Quiet one 20.02.2026 10.03.2026 sent 3.5 days (median of 2 answers)"
    )
    assert row_text(block, f"request-{recent.pk}") == (
        "NEW Q1: Quiet one 27.02.2026 13.03.2026 sent no answer on record"
    )
    assert reverse("admin:quotes_quoterequest_change", args=[late.pk]) in block


def test_the_stage_line_reads_in_french_with_its_clauses_as_french_separates_them(
    staff_client, frozen_today
):
    _requests_while_quoting()

    html = staff_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "<h2>En cours : Offres</h2>" in html
    assert (
        '<p class="summary">0 révision d’offre reçue ou acceptée ; 2 demandes d’offre en '
        "attente de réponse</p>" in html
    )


def test_a_request_unanswered_past_its_follow_up_day_is_a_next_step(staff_client, frozen_today):
    _, late, _recent = _requests_while_quoting()

    html = staff_client.get(reverse("home")).content.decode()

    assert next_steps(section(html, "next-steps")) == [
        "BIZ has not answered the request for quotation of Q1: Quiet one sent on 20.02.2026; "
        "its follow-up day was 27.02.2026. Open the request"
    ]
    link = reverse("admin:quotes_quoterequest_change", args=[late.pk])
    assert f'<a href="{link}">Open the request</a>' in section(html, "next-steps")


def test_on_its_follow_up_day_a_request_is_not_yet_a_next_step(staff_client):
    _requests_while_quoting()

    with time_machine.travel("2026-02-27 09:00 +01:00", tick=False):
        html = staff_client.get(reverse("home")).content.decode()

    assert next_steps(section(html, "next-steps")) == []


def test_a_viewer_reads_the_requests_without_the_action_to_follow_up(client, frozen_today):
    _requests_while_quoting()
    client.force_login(user_in_role("Viewer"))

    html = client.get(reverse("home")).content.decode()

    assert next_steps(section(html, "next-steps")) == [
        "BIZ has not answered the request for quotation of Q1: Quiet one sent on 20.02.2026; "
        "its follow-up day was 27.02.2026."
    ]
    assert "Open the request" not in html
