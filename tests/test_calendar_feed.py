"""The secret calendar address: quote expiry dates and expected deliveries as iCalendar."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.urls import reverse
from icalendar import Calendar

from procurement import services
from procurement.models import CalendarFeed
from procurement.order_flow import LineStatus
from quotes.models import QuoteRevision
from tests.factories import (
    CarrierFactory,
    OrderFactory,
    OrderLineFactory,
    QuoteFactory,
    QuoteRevisionFactory,
    UserFactory,
    VendorFactory,
    user_in_role,
)
from tests.order_steps import walk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine, settings):
    settings.SITE_URL = "https://desk.example.ch"
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Zurich")), tick=False)


@pytest.fixture
def buyer():
    return user_in_role("Buyer", username="anna")


def feed_url(token: str) -> str:
    return reverse("calendar_feed", args=[token])


def events(response) -> dict[str, object]:
    calendar = Calendar.from_ical(response.content)
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def revision(owner=None, watcher=None, status=QuoteRevision.Status.RECEIVED, **fields):
    quote = QuoteFactory(
        vendor=VendorFactory(name="BIZON"), owner=owner, reference=fields.pop("reference")
    )
    if watcher:
        quote.watchers.add(watcher)
    return QuoteRevisionFactory(quote=quote, status=status, number=1, **fields)


def expected_line(owner, expected_on, status=LineStatus.SHIPPED, **fields):
    order = OrderFactory(owner=owner, vendor=VendorFactory(name="Digitec"))
    line = walk(OrderLineFactory(order=order, **fields), status)
    line.expected_on = expected_on
    line.save(update_fields=["expected_on"])
    return line


def test_the_feed_shows_quote_expiry_dates_and_expected_deliveries(client, buyer):
    issued = services.calendar_feed_issue(user=buyer)
    revision(
        owner=buyer,
        reference="BZ-2026-0142",
        valid_until=date(2026, 3, 18),
        landed_total_chf=Decimal("12478.34"),
    )
    revision(watcher=buyer, reference="RECT-77", valid_until=date(2026, 3, 20))
    line = expected_line(
        buyer,
        date(2026, 3, 4),
        description="NVIDIA RTX PRO 6000",
        carrier=CarrierFactory(slug="fedex", name="FedEx"),
        tracking_number="7712",
    )

    response = client.get(feed_url(issued.token))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    found = events(response)
    assert sorted(found) == [
        "Delivery expected: NVIDIA RTX PRO 6000 (Digitec)",
        "Quote expires: BIZON BZ-2026-0142 rev. 1",
        "Quote expires: BIZON RECT-77 rev. 1",
    ]
    expiry = found["Quote expires: BIZON BZ-2026-0142 rev. 1"]
    assert expiry.decoded("dtstart") == date(2026, 3, 18)
    assert expiry.decoded("dtend") == date(2026, 3, 19)
    assert "landed CHF 12’478.34" in str(expiry["description"])
    delivery = found["Delivery expected: NVIDIA RTX PRO 6000 (Digitec)"]
    assert delivery.decoded("dtstart") == date(2026, 3, 4)
    assert str(delivery["uid"]) == f"order-line-delivery-{line.pk}@desk.example.ch"
    assert "Tracking: FedEx 7712 https://www.fedex.com/fedextrack/?trknbr=7712" in str(
        delivery["description"]
    )
    assert (
        str(delivery["url"])
        == f"https://desk.example.ch/admin/procurement/orderline/{line.pk}/change/"
    )


def test_the_feed_leaves_out_what_is_not_the_users_or_no_longer_open(client, buyer):
    issued = services.calendar_feed_issue(user=buyer)
    revision(owner=UserFactory(), reference="OTHER-1")
    for status in ["draft", "accepted", "rejected", "expired", "superseded"]:
        revision(owner=buyer, reference=f"MINE-{status}", status=status)
    expected_line(UserFactory(), date(2026, 3, 4))
    expected_line(buyer, date(2026, 2, 20), status=LineStatus.DELIVERED)
    expected_line(buyer, None)

    assert events(client.get(feed_url(issued.token))) == {}


def test_the_feed_needs_no_login_but_its_secret(client, buyer):
    issued = services.calendar_feed_issue(user=buyer)

    assert client.get(feed_url(issued.token)).status_code == 200
    assert client.get(feed_url(issued.token[:-1] + "x")).status_code == 404


def test_a_revoked_address_answers_404(client, buyer):
    issued = services.calendar_feed_issue(user=buyer)

    services.calendar_feed_revoke(user=buyer, feed=issued.feed)

    assert client.get(feed_url(issued.token)).status_code == 404


def test_a_new_address_replaces_the_old(client, buyer):
    old = services.calendar_feed_issue(user=buyer)

    new = services.calendar_feed_issue(user=buyer)

    assert client.get(feed_url(old.token)).status_code == 404
    assert client.get(feed_url(new.token)).status_code == 200
    assert CalendarFeed.objects.filter(user=buyer, revoked_at__isnull=True).get() == new.feed


def test_the_address_of_a_deactivated_user_answers_404(client, buyer):
    issued = services.calendar_feed_issue(user=buyer)
    buyer.is_active = False
    buyer.save()

    assert client.get(feed_url(issued.token)).status_code == 404


def test_only_a_hash_of_the_secret_is_stored(buyer):
    issued = services.calendar_feed_issue(user=buyer)

    assert issued.token not in issued.feed.token_hash
    assert issued.feed.token_hash == services.calendar_token_hash(issued.token)
    assert issued.feed.hint == issued.token[:6]


def test_the_database_holds_one_active_address_per_user(buyer):
    CalendarFeed.objects.create(user=buyer, token_hash="a" * 64, hint="aaaaaa")

    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(user=buyer, token_hash="b" * 64, hint="bbbbbb")


@pytest.mark.parametrize("count", [3, 30])
def test_the_feed_reads_in_five_queries_however_much_it_shows(
    client, buyer, count, django_assert_num_queries
):
    issued = services.calendar_feed_issue(user=buyer)
    for n in range(count):
        revision(owner=buyer, reference=f"Q-{n}")
        expected_line(buyer, date(2026, 3, 4))

    # The feed with its user; the user's own and their groups' permissions; open revisions;
    # open lines.
    with django_assert_num_queries(5):
        response = client.get(feed_url(issued.token))
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 2 * count


# The admin ----------------------------------------------------------------------------------


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_admin_issues_an_address_and_shows_it_once(staff_client, buyer, client):
    response = staff_client.post(
        reverse("admin:procurement_calendarfeed_add"), {"user": buyer.pk}, follow=True
    )

    (text,) = messages_of(response)
    url = re.search(r"http://testserver(/calendar/\S+\.ics)", text).group(1)
    assert "cannot be shown again" in text
    assert client.get(url).status_code == 200
    list_page = staff_client.get(reverse("admin:procurement_calendarfeed_changelist"))
    assert url.split("/")[-1] not in list_page.content.decode()


def test_the_admin_revokes_addresses(staff_client, buyer, client):
    issued = services.calendar_feed_issue(user=buyer)

    staff_client.post(
        reverse("admin:procurement_calendarfeed_changelist"),
        {"action": "revoke", "_selected_action": [issued.feed.pk]},
    )

    assert client.get(feed_url(issued.token)).status_code == 404


def test_the_admin_regenerates_an_address(staff_client, buyer, client):
    issued = services.calendar_feed_issue(user=buyer)

    response = staff_client.post(
        reverse("admin:procurement_calendarfeed_changelist"),
        {"action": "issue_new", "_selected_action": [issued.feed.pk]},
        follow=True,
    )

    url = re.search(r"http://testserver(/calendar/\S+\.ics)", messages_of(response)[0]).group(1)
    assert client.get(url).status_code == 200
    assert client.get(feed_url(issued.token)).status_code == 404
