"""Requests for quotation made through the service, for the tables of who may do what."""

from datetime import timedelta

from django.utils import timezone

from quotes.models import QuoteRequest
from quotes.requests.services import request_quotes
from tests.factories import (
    BuildFactory,
    BuildLineFactory,
    QuoteFactory,
    VendorFactory,
    acting_buyer,
    revision_through_services,
)


def build_to_ask_about():
    """A build with a part, and a vendor with a contact address to ask about it."""
    build = BuildFactory()
    BuildLineFactory(for_build=build)
    return build, VendorFactory(contact_email="sales@vendor.example")


def open_request(*, answered_before: bool = False) -> QuoteRequest:
    """A request for quotation awaiting an answer; with a received quote from its vendor for
    its build already there when `answered_before`."""
    build, vendor = build_to_ask_about()
    if answered_before:
        revision_through_services(quote=QuoteFactory(vendor=vendor, build=build))
    [request] = request_quotes(
        build=build,
        vendors=[vendor],
        answer_by=timezone.localdate() + timedelta(days=10),
        user=acting_buyer(),
    )
    return request
