"""The start page: money committed against the brief, lapsing quotes, where the parts are."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from djmoney.money import Money

from procurement.models import Build
from quotes.models import QuoteRevision
from quotes.pricing.reads import commitment_of
from tests.factories import (
    BuildFactory,
    OrderFactory,
    OrderLineFactory,
    QuoteFactory,
    QuoteRevisionFactory,
    RequirementsFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


@pytest.fixture
def frozen_today():
    with time_machine.travel("2026-03-02 09:00 +01:00", tick=False):
        yield


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


def test_start_page_lists_quotes_expiring_within_14_days_only(staff_client, frozen_today):
    soon = QuoteRevisionFactory(valid_until=TODAY + timedelta(days=3), issued_on=TODAY)
    later = QuoteRevisionFactory(valid_until=TODAY + timedelta(days=20), issued_on=TODAY)
    accepted = QuoteRevisionFactory(
        valid_until=TODAY + timedelta(days=2), issued_on=TODAY, status="accepted"
    )
    content = staff_client.get(reverse("home")).content.decode()
    expiring = content[content.index('<section id="expiring">') :]
    expiring = expiring[: expiring.index("</section>")]
    assert soon.quote.reference in expiring
    assert later.quote.reference not in expiring
    assert accepted.quote.reference not in expiring


def test_start_page_shows_each_builds_order_progress(staff_client, frozen_today):
    build = _chosen_build_with_orders(RequirementsFactory(), lines=3, committed="100.00")
    line = build.orders.get().lines.first()
    line.status = "delivered"
    line.quantity_received = line.quantity
    line.ordered_on = line.confirmed_on = line.shipped_on = line.delivered_on = TODAY
    line.save()
    content = staff_client.get(reverse("home")).content.decode()
    assert f"{build.code}: {build.name}" in content
    assert "1 of 3 lines (0 installed)" in content


def test_start_page_loads_in_a_constant_number_of_queries(
    staff_client, frozen_today, django_assert_num_queries
):
    brief = RequirementsFactory()
    _chosen_build_with_orders(brief, lines=1, committed="100.00")
    QuoteRevisionFactory(valid_until=TODAY + timedelta(days=3), issued_on=TODAY)
    staff_client.get(reverse("home"))
    # session, user, then the brief, builds, the money committed (accepted revisions,
    # hand-ordered lines), order line counts, acceptance checklists with their open checks,
    # the builds' prices (their lines, the revisions that source them and their lines,
    # Swiss VAT), expiring revisions (kept figures: pricing reads no more for these CHF
    # revisions)
    with django_assert_num_queries(13):
        staff_client.get(reverse("home"))
    for _ in range(5):
        _chosen_build_with_orders(brief, lines=4, committed="100.00")
        QuoteRevisionFactory(valid_until=TODAY + timedelta(days=5), issued_on=TODAY)
    with django_assert_num_queries(13):
        response = staff_client.get(reverse("home"))
    assert len(response.context["page"].builds) == 6


def test_start_page_on_the_demo_shows_the_delivered_pro_6000(staff_client, frozen_today):
    call_command("loaddata", "seed", "demo", verbosity=0)
    content = staff_client.get(reverse("home")).content.decode()
    assert "2.0: " in content
    assert "CHF 7’942.00" in content
    assert "9 of 9 lines (9 installed)" in content
    # 12 checks pending on the demo's open checklist (the import VAT receipt does not apply)
    assert "12 open checks" in content
    assert reverse("acceptance_pdf", args=["pro-6000"]) in content


def test_start_page_commits_what_the_build_commitment_counts(staff_client, frozen_today):
    brief = RequirementsFactory()
    build = _chosen_build_with_orders(brief, lines=1, committed="7942.00")
    by_hand = OrderFactory(build=build)
    OrderLineFactory(order=by_hand, quantity=2, unit_price=Money("50.00", "CHF"))
    page = staff_client.get(reverse("home")).context["page"]
    assert page.builds[0].committed_chf == commitment_of(build).committed_chf
    assert page.builds[0].committed_chf == Decimal("8042.00")
