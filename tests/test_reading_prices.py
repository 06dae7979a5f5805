"""Prices are read only by those who may view quote revisions; a calendar address is issued
only for oneself (an administrator may issue for others) and stops with its user's rights."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from procurement import services
from procurement.models import Build, CalendarFeed
from quotes.models import QuoteRevision
from tests import comparison_helpers as helpers
from tests.factories import (
    BuildFactory,
    OrderFactory,
    OrderLineFactory,
    QuoteFactory,
    QuoteRevisionFactory,
    RequirementsFactory,
    UserFactory,
    administrator,
    user_in_role,
)

pytestmark = pytest.mark.django_db

ROLES = ["Viewer", "Buyer", "Approver"]


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 2, 20, 10, 0, tzinfo=ZoneInfo("Europe/Zurich")), tick=False)


def no_group_staff(**kwargs):
    """Staff status and nothing else: may log in to the admin, holds no permission."""
    return UserFactory(is_staff=True, **kwargs)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# The comparison sheet ------------------------------------------------------------------------


@pytest.fixture
def option():
    helpers.rules()
    return helpers.build(code="2.0", name="Single GPU")


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_comparison_sheet(client, option, role):
    client.force_login(user_in_role(role))

    response = client.get(reverse("quotes:comparison_pdf"), {"build": option.slug})

    assert response.status_code == 200
    assert helpers.landed_totals(helpers.pdf_pages(response.content)[0]) == ["CHF 7’173.00"]


@pytest.mark.parametrize(
    "make_user", [no_group_staff, UserFactory], ids=["staff-in-no-group", "not-staff"]
)
def test_a_user_who_may_not_view_revisions_gets_no_comparison_sheet(client, option, make_user):
    client.force_login(make_user())

    response = client.get(reverse("quotes:comparison_pdf"), {"build": option.slug})

    assert response.status_code == 403
    assert b"CHF" not in response.content


def build_reader():
    """Staff who may view builds but not quote revisions."""
    user = no_group_staff()
    user.user_permissions.add(Permission.objects.get(codename="view_build"))
    return user


def test_the_build_list_offers_no_comparison_sheet_to_who_may_not_read_prices(client, option):
    client.force_login(build_reader())
    changelist = reverse("admin:procurement_build_changelist")

    page = client.get(changelist)
    posted = client.post(
        changelist, {"action": "comparison_sheet", "_selected_action": [option.pk]}
    )

    assert page.status_code == 200
    assert 'value="comparison_sheet"' not in page.content.decode()
    assert posted["Content-Type"] != "application/pdf"
    assert b"%PDF" not in posted.content


def test_the_build_list_offers_the_comparison_sheet_to_a_viewer(client, option):
    client.force_login(user_in_role("Viewer"))
    changelist = reverse("admin:procurement_build_changelist")

    posted = client.post(
        changelist, {"action": "comparison_sheet", "_selected_action": [option.pk]}
    )

    assert 'value="comparison_sheet"' in client.get(changelist).content.decode()
    assert posted["Content-Type"] == "application/pdf"


def test_the_quote_list_offers_no_comparison_sheet_to_who_may_not_read_prices(client):
    user = no_group_staff()
    user.user_permissions.add(Permission.objects.get(codename="view_quote"))
    client.force_login(user)
    quote = QuoteRevisionFactory().quote
    changelist = reverse("admin:quotes_quote_changelist")

    page = client.get(changelist)
    posted = client.post(changelist, {"action": "comparison_sheet", "_selected_action": [quote.pk]})

    assert 'value="comparison_sheet"' not in page.content.decode()
    assert b"%PDF" not in posted.content


# The start page -----------------------------------------------------------------------------


@pytest.fixture
def committed_build():
    """A build ordered from an accepted revision landed at CHF 7,942.00, and a received quote
    landed at CHF 12,478.34 that lapses within the fortnight."""
    brief = RequirementsFactory()
    build = BuildFactory(status=Build.Status.ORDERED, requirements=brief, code="2.0")
    quote = QuoteFactory(build=build)
    accepted = QuoteRevisionFactory(
        quote=quote, status=QuoteRevision.Status.ACCEPTED, landed_total_chf=Decimal("7942.00")
    )
    OrderLineFactory(order=OrderFactory(build=build, revision=accepted, vendor=quote.vendor))
    QuoteRevisionFactory(
        status=QuoteRevision.Status.RECEIVED,
        issued_on=date(2026, 2, 16),
        valid_until=date(2026, 2, 27),
        landed_total_chf=Decimal("12478.34"),
    )
    return build


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_money_on_the_start_page(client, committed_build, role):
    client.force_login(user_in_role(role))

    page = client.get(reverse("home") + "?stage=quoting").content.decode()

    assert "CHF 7’942.00 committed" in page
    assert "CHF 12’478.34" in page
    assert reverse("quotes:comparison_pdf") in page


def test_a_staff_user_in_no_group_reads_no_money_on_the_start_page(client, committed_build):
    client.force_login(no_group_staff())

    response = client.get(reverse("home"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "CHF" not in page
    assert "committed" not in page.split('id="budget"')[1].split("</section>")[0]
    assert "Money is shown to those who may read quote revisions." in page
    assert reverse("quotes:comparison_pdf") not in page
    # What is not money is still there: the build and where its parts are.
    assert "2.0:" in page


# The calendar address -----------------------------------------------------------------------


def feed_status(client, token: str) -> int:
    return client.get(reverse("calendar_feed", args=[token])).status_code


@pytest.mark.parametrize("role", ROLES)
def test_the_calendar_answers_every_role(client, role):
    issued = services.calendar_feed_issue(user=administrator(), for_user=user_in_role(role))

    assert feed_status(client, issued.token) == 200


def test_the_calendar_of_a_staff_user_in_no_group_answers_404(client):
    issued = services.calendar_feed_issue(user=administrator(), for_user=no_group_staff())

    assert feed_status(client, issued.token) == 404


def test_the_calendar_stops_when_its_user_loses_staff_status(client):
    user = user_in_role("Buyer")
    issued = services.calendar_feed_issue(user=administrator(), for_user=user)
    assert feed_status(client, issued.token) == 200

    user.is_staff = False
    user.save()

    assert feed_status(client, issued.token) == 404


def test_the_calendar_stops_when_its_user_leaves_the_group(client):
    user = user_in_role("Viewer")
    issued = services.calendar_feed_issue(user=administrator(), for_user=user)
    assert feed_status(client, issued.token) == 200

    user.groups.clear()

    assert feed_status(client, issued.token) == 404


def test_the_calendar_stops_without_the_view_permission_of_order_lines(client):
    user = no_group_staff()
    user.user_permissions.add(Permission.objects.get(codename="view_quoterevision"))
    issued = services.calendar_feed_issue(user=administrator(), for_user=user)

    assert feed_status(client, issued.token) == 404


def test_a_buyer_is_offered_only_themselves_on_the_issue_form(client):
    buyer = user_in_role("Buyer", username="berta")
    user_in_role("Approver", username="anna")
    client.force_login(buyer)

    page = client.get(reverse("admin:procurement_calendarfeed_add")).content.decode()

    assert re.findall(r"<option value=\"(\d*)\"[^>]*>([^<]*)</option>", page) == [
        ("", "---------"),
        (str(buyer.pk), "berta"),
    ]


def test_a_buyer_cannot_issue_an_address_for_someone_else(client):
    approver = user_in_role("Approver", username="anna")
    client.force_login(user_in_role("Buyer", username="berta"))

    response = client.post(reverse("admin:procurement_calendarfeed_add"), {"user": approver.pk})

    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["form"].errors["user"])
    assert not CalendarFeed.objects.filter(user=approver).exists()


def test_a_buyer_issues_an_address_for_themselves(client):
    buyer = user_in_role("Buyer", username="berta")
    client.force_login(buyer)

    response = client.post(
        reverse("admin:procurement_calendarfeed_add"), {"user": buyer.pk}, follow=True
    )

    assert "Calendar address of berta:" in messages_of(response)[0]
    assert CalendarFeed.objects.filter(user=buyer, revoked_at__isnull=True).count() == 1


def test_an_administrator_issues_an_address_for_someone_else(admin_client):
    approver = user_in_role("Approver", username="anna")

    admin_client.post(reverse("admin:procurement_calendarfeed_add"), {"user": approver.pk})

    assert CalendarFeed.objects.filter(user=approver, revoked_at__isnull=True).count() == 1


def test_a_buyer_cannot_reissue_someone_elses_address_from_the_list(client):
    approver = user_in_role("Approver", username="anna")
    issued = services.calendar_feed_issue(user=administrator(), for_user=approver)
    client.force_login(user_in_role("Buyer", username="berta"))

    response = client.post(
        reverse("admin:procurement_calendarfeed_changelist"),
        {"action": "issue_new", "_selected_action": [issued.feed.pk]},
        follow=True,
    )

    # Someone else's address is not on a Buyer's list, so there is nothing to reissue.
    assert messages_of(response) == []
    assert "anna" not in response.content.decode()
    assert feed_status(client, issued.token) == 200
    assert CalendarFeed.objects.filter(user=approver).count() == 1
