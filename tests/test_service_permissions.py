"""Every service that changes state takes the acting user and checks the permission itself,
whoever calls it (an admin action, a page, a command, a test): a table of the services, found
by their keyword `user`, and who may call each. A refused call says who may and changes no row."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.utils import timezone
from djmoney.money import Money

from procurement import build_flow, build_services
from procurement import services as orders
from procurement.acceptance import services as acceptance
from procurement.acceptance.models import AcceptanceChecklist
from procurement.models import PriceObservation
from procurement.order_flow import LineStatus
from procurement.price_watch import services as price_watch
from procurement.price_watch.rules import read_price_file
from quotes import services as quotes
from quotes.models import QuoteRevision
from quotes.quote_file import parse_quote_file
from quotes.requests import services as quote_requests
from tests.acceptance_helpers import complete_checklist, delivered_build, report
from tests.database import database_rows
from tests.factories import (
    AcceptanceChecklistFactory,
    BuildFactory,
    BuildLineFactory,
    ComponentFactory,
    OrderFactory,
    OrderLineFactory,
    PriceObservationFactory,
    UserFactory,
    VendorFactory,
    accepted_revision_for,
    acting_approver,
    administrator,
    pdf_document,
    revision_through_services,
    user_in_role,
)
from tests.order_steps import walk
from tests.quote_request_helpers import build_to_ask_about, open_request

pytestmark = pytest.mark.django_db

ROLES = ("Viewer", "Buyer", "Approver", "no group")
BUYERS = frozenset({"Buyer", "Approver"})
APPROVERS = frozenset({"Approver"})
SERVICE_MODULES = (orders, build_services, acceptance, quotes, quote_requests, price_watch)


def person(role: str):
    if role == "no group":
        return UserFactory(username="staff-in-no-group", is_staff=True)
    return user_in_role(role, username=role.lower())


@pytest.fixture(autouse=True)
def _rules(swiss_rules, media_root):
    """VAT and duty for the revisions' landed cost; files in the test's own folder."""


def today_revision(**terms):
    today = timezone.localdate()
    return revision_through_services(
        issued_on=today - timedelta(days=1), valid_until=today + timedelta(days=30), **terms
    )


def an_accepted_revision():
    build = BuildFactory()
    part = ComponentFactory()
    BuildLineFactory(for_build=build, component=part)
    return accepted_revision_for(build, parts=[(part, 1, "10.00")])


def a_line(status: LineStatus = LineStatus.PLANNED):
    return walk(OrderLineFactory(order=OrderFactory(), component=ComponentFactory()), status)


def an_item(kind: str = "ssh"):
    return delivered_build().acceptance.items.get(kind=kind)


def checklist_to_make():
    build = delivered_build()
    AcceptanceChecklist.objects.filter(build=build).delete()
    return build


def signed_off_build():
    """An assembled build whose checklist is signed: what the sign-off leaves to accept."""
    build = BuildFactory(status="assembled")
    AcceptanceChecklistFactory(
        for_build=build, status="signed", signed_by=administrator(), signed_at=timezone.now()
    )
    return build


def complete():
    checklist = delivered_build().acceptance
    complete_checklist(checklist)
    return checklist


QUOTE_FILE = """{"vendor": "digitec", "reference": "DG-7", "issued": "2026-02-16",
 "valid_until": "2026-03-18", "currency": "CHF", "prices_include_vat": true,
 "lines": [{"description": "Workstation", "quantity": 1, "unit_price": "1081.00"}]}"""


def a_quote_file():
    VendorFactory(slug="digitec")
    return parse_quote_file(QUOTE_FILE)


def line_data():
    return quotes.LineData(description="Case", quantity=1, unit_price=Decimal("99.00"))


def a_price_file():
    part, shop = ComponentFactory(), VendorFactory()
    return read_price_file(
        f"component,shop,date,price,currency,link\n{part.slug},{shop.slug},2026-03-01,9.90,CHF,\n"
    )


def an_unsaved_price():
    return PriceObservation(
        component=ComponentFactory(),
        vendor=VendorFactory(),
        price=Money("9.90", "CHF"),
        observed_on=timezone.localdate(),
    )


def a_build_with_a_lower_price():
    line = BuildLineFactory(estimated_unit_price=Money("100.00", "CHF"))
    PriceObservationFactory(component=line.component, price=Money("90.00", "CHF"))
    return line


def call(setup: Callable[[], object], service: Callable[..., object], **arguments):
    """A row's call for a user: `setup()` runs at once; the service is called later with
    each argument worked out from what `setup()` made (`it`: that thing; `constant(v)`: v)."""

    def for_user(user):
        made = setup()
        return lambda: service(
            user=user, **{name: value(made) for name, value in arguments.items()}
        )

    return for_user


def it(made):
    return made


def constant(value):
    return lambda made: value


# Each service: who may call it, and its call for a user (the set-up is made first).
SERVICES: dict[str, tuple[frozenset[str], Callable[[object], Callable[[], object]] | None]] = {
    # Orders and their lines.
    "order_create_from_revision": (
        BUYERS,
        call(an_accepted_revision, orders.order_create_from_revision, revision=it),
    ),
    "order_create": (
        BUYERS,
        call(
            lambda: (BuildFactory(), VendorFactory()),
            orders.order_create,
            build=lambda made: made[0],
            vendor=lambda made: made[1],
        ),
    ),
    "order_line_add": (
        BUYERS,
        call(OrderFactory, orders.order_line_add, order=it, description=constant("Cable")),
    ),
    "order_line_advance": (BUYERS, call(a_line, orders.order_line_advance, line=it)),
    "order_line_receive": (
        BUYERS,
        call(
            lambda: a_line(LineStatus.SHIPPED),
            orders.order_line_receive,
            line=it,
            quantity=constant(1),
        ),
    ),
    "order_line_cancel": (
        BUYERS,
        call(a_line, orders.order_line_cancel, line=it, reason=constant("Sold out")),
    ),
    "order_line_return": (
        BUYERS,
        call(
            lambda: a_line(LineStatus.SHIPPED),
            orders.order_line_return,
            line=it,
            reason=constant("Faulty"),
        ),
    ),
    # Calendar addresses: one's own.
    "calendar_feed_issue": (BUYERS, call(lambda: None, orders.calendar_feed_issue)),
    "calendar_feed_revoke": (BUYERS, None),  # the user's own address: see own_feed_revoke
    # Builds.
    "build_choose": (BUYERS, call(BuildFactory, build_services.build_choose, build=it)),
    "build_drop": (BUYERS, call(BuildFactory, build_services.build_drop, build=it)),
    "build_reconsider": (
        BUYERS,
        call(lambda: BuildFactory(status="dropped"), build_services.build_reconsider, build=it),
    ),
    "build_follow": (
        BUYERS,
        call(
            BuildFactory,
            build_services.build_follow,
            build=it,
            move=constant(build_flow.QUOTE_ACCEPTED),
        ),
    ),
    "build_accept": (
        APPROVERS,
        call(signed_off_build, build_services.build_accept, build=it),
    ),
    # Acceptance.
    "acceptance_checklist_create": (
        BUYERS,
        call(checklist_to_make, acceptance.acceptance_checklist_create, build=it),
    ),
    "acceptance_item_record": (
        BUYERS,
        call(an_item, acceptance.acceptance_item_record, item=it, result=constant("pass")),
    ),
    "acceptance_item_waive": (
        APPROVERS,
        call(an_item, acceptance.acceptance_item_waive, item=it, reason=constant("No network")),
    ),
    "acceptance_evidence_add": (
        BUYERS,
        call(
            lambda: delivered_build().acceptance,
            acceptance.acceptance_evidence_add,
            checklist=it,
            content=constant(b"41 dB(A) at 1 m"),
            name=constant("noise.txt"),
        ),
    ),
    "acceptance_import_nvidia_smi": (
        BUYERS,
        call(
            delivered_build,
            acceptance.acceptance_import_nvidia_smi,
            build=it,
            content=constant(report("rtx-pro-6000.xml")),
            name=constant("smi.xml"),
        ),
    ),
    "acceptance_checklist_sign_off": (
        APPROVERS,
        call(complete, acceptance.acceptance_checklist_sign_off, checklist=it),
    ),
    # Quotes and their revisions.
    "quote_revision_create": (
        BUYERS,
        call(
            lambda: today_revision().quote,
            quotes.quote_revision_create,
            quote=it,
            issued_on=constant(timezone.localdate()),
            valid_until=constant(timezone.localdate()),
            currency=constant("CHF"),
            lines=constant([line_data()]),
            prices_include_vat=constant(True),
        ),
    ),
    "quote_revision_receive": (
        BUYERS,
        call(lambda: today_revision(status="draft"), quotes.quote_revision_receive, revision=it),
    ),
    "quote_revision_refresh_landed_cost": (
        BUYERS,
        call(
            lambda: today_revision(status="draft", prices_include_vat=False),
            quotes.quote_revision_refresh_landed_cost,
            revision=it,
        ),
    ),
    "quote_revision_new_from_latest": (
        BUYERS,
        call(lambda: today_revision().quote, quotes.quote_revision_new_from_latest, quote=it),
    ),
    "quote_revision_update": (
        BUYERS,
        call(
            lambda: today_revision(status="draft"),
            quotes.quote_revision_update,
            revision=it,
            expected_version=lambda made: made.version,
            note=constant("Called the vendor"),
        ),
    ),
    "quote_line_add": (
        BUYERS,
        call(
            lambda: today_revision(status="draft"),
            quotes.quote_line_add,
            revision=it,
            line=constant(line_data()),
        ),
    ),
    "quote_line_update": (
        BUYERS,
        call(
            lambda: today_revision(status="draft").lines.get(),
            quotes.quote_line_update,
            line=it,
            quantity=constant(2),
        ),
    ),
    "quote_line_delete": (
        BUYERS,
        call(
            lambda: today_revision(
                status="draft", lines=(("GPU", 1, "10.00"), ("Case", 1, "5.00"))
            ).lines.last(),
            quotes.quote_line_delete,
            line=it,
        ),
    ),
    "quote_revision_attach": (
        BUYERS,
        call(
            lambda: today_revision(status="draft"),
            quotes.quote_revision_attach,
            revision=it,
            document=constant(ContentFile(pdf_document(), name="offer.pdf")),
        ),
    ),
    "quote_revision_accept": (
        APPROVERS,
        call(today_revision, quotes.quote_revision_accept, revision=it),
    ),
    "quote_revision_reject": (
        APPROVERS,
        call(today_revision, quotes.quote_revision_reject, revision=it, reason=constant("Dear")),
    ),
    "quote_revision_record_payment": (
        BUYERS,
        call(
            an_accepted_revision,
            quotes.quote_revision_record_payment,
            revision=it,
            paid_on=constant(timezone.localdate()),
        ),
    ),
    "quote_import": (BUYERS, call(a_quote_file, quotes.quote_import, quote_file=it)),
    "request_quotes": (
        BUYERS,
        call(
            build_to_ask_about,
            quote_requests.request_quotes,
            build=lambda made: made[0],
            vendors=lambda made: [made[1]],
            answer_by=constant(timezone.localdate() + timedelta(days=10)),
        ),
    ),
    "quote_request_answer": (
        BUYERS,
        call(
            lambda: open_request(answered_before=True),
            quote_requests.quote_request_answer,
            request=it,
            revision=lambda made: QuoteRevision.objects.get(quote__vendor=made.vendor),
        ),
    ),
    "quote_requests_send_again": (
        BUYERS,
        call(
            open_request,
            quote_requests.quote_requests_send_again,
            requests=lambda made: [made],
        ),
    ),
    "quote_request_decline": (
        BUYERS,
        call(open_request, quote_requests.quote_request_decline, request=it, reason=constant("No")),
    ),
    # The watch on prices.
    "price_observations_import": (
        BUYERS,
        call(a_price_file, price_watch.price_observations_import, rows=it),
    ),
    "price_observation_record": (
        BUYERS,
        call(an_unsaved_price, price_watch.price_observation_record, observation=it),
    ),
    "price_target_set": (
        BUYERS,
        call(
            BuildLineFactory,
            price_watch.price_target_set,
            build=lambda line: line.build,
            component=lambda line: line.component,
            target_price=constant(Decimal("50.00")),
        ),
    ),
    "build_estimate_refresh": (
        BUYERS,
        call(
            a_build_with_a_lower_price,
            price_watch.build_estimate_refresh,
            build=lambda line: line.build,
        ),
    ),
}


def services_taking_the_acting_user() -> set[str]:
    return {
        name
        for module in SERVICE_MODULES
        for name, function in vars(module).items()
        if inspect.isfunction(function)
        and function.__module__ == module.__name__
        and not name.startswith("_")
        and "user" in inspect.signature(function).parameters
        and inspect.signature(function).parameters["user"].kind == inspect.Parameter.KEYWORD_ONLY
    }


# Called by the order line services, after their own check, on behalf of the same user.
# Receiving a revision answers the requests it answers, on behalf of the same user.
FOLLOWING_A_CHECKED_CHANGE = {
    "build_follow_orders",
    "acceptance_checklist_create_when_delivered",
    "quote_requests_answered_by",
}


def test_every_service_taking_the_acting_user_has_a_row():
    assert services_taking_the_acting_user() - FOLLOWING_A_CHECKED_CHANGE == set(SERVICES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", [name for name, (_, make) in SERVICES.items() if make])
def test_each_service_checks_who_calls_it(name, role):
    may, make = SERVICES[name]
    user = person(role)
    service_call = make(user)
    before = database_rows()

    if role in may:
        service_call()
        assert database_rows() != before
    else:
        with pytest.raises(
            PermissionDenied, match=r"^Only users in the (Buyer or )?Approver group"
        ):
            service_call()
        assert database_rows() == before


@pytest.mark.parametrize("role", ROLES)
def test_a_calendar_address_is_revoked_by_its_owner_only(role):
    user = person(role)
    own = orders.calendar_feed_issue(user=administrator(), for_user=user).feed
    before = database_rows()

    if role in BUYERS:
        assert orders.calendar_feed_revoke(feed=own, user=user).revoked_at is not None
    else:
        with pytest.raises(PermissionDenied, match="revoke calendar addresses"):
            orders.calendar_feed_revoke(feed=own, user=user)
        assert database_rows() == before


def test_nobody_but_an_administrator_revokes_or_issues_someone_elses_address():
    buyer, approver = person("Buyer"), acting_approver()
    theirs = orders.calendar_feed_issue(user=approver).feed
    before = database_rows()

    with pytest.raises(PermissionDenied, match="Only an administrator revokes someone else"):
        orders.calendar_feed_revoke(feed=theirs, user=buyer)
    with pytest.raises(PermissionDenied, match="Only an administrator issues a calendar address"):
        orders.calendar_feed_issue(user=buyer, for_user=approver)
    assert database_rows() == before

    assert orders.calendar_feed_revoke(feed=theirs, user=administrator()).revoked_at is not None
