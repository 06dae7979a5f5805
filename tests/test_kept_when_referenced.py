"""Deleting a vendor, component or build that other records name: the admin says what names
it and what to do instead, nothing is deleted, and nobody is told they lack a permission."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from procurement.models import Build, Component, Vendor
from quotes.models import QuoteRevision
from tests.factories import (
    BuildFactory,
    BuildLineFactory,
    ComponentFactory,
    OrderFactory,
    PriceObservationFactory,
    QuoteFactory,
    QuoteRevisionFactory,
    VendorFactory,
    WarrantyOptionFactory,
)

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(response.content.decode().split())


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def bizon():
    """BIZON with 3 quotes (one with a received revision), 2 prices and 1 order."""
    vendor = VendorFactory(name="BIZON", slug="bizon")
    WarrantyOptionFactory(vendor=vendor)
    quotes = [QuoteFactory(vendor=vendor) for _ in range(3)]
    QuoteRevisionFactory(quote=quotes[0], status=QuoteRevision.Status.RECEIVED)
    PriceObservationFactory(vendor=vendor)
    PriceObservationFactory(vendor=vendor, observed_on=date(2026, 3, 1))
    OrderFactory(vendor=vendor)
    return vendor


def test_the_delete_page_of_a_named_vendor_says_what_names_it(admin_client, bizon):
    page = admin_client.get(reverse("admin:procurement_vendor_delete", args=[bizon.pk]))

    text = text_of(page)
    assert page.status_code == 200
    assert "BIZON is named by 2 price observations, 1 order, 3 quotes." in text
    assert "Mark it discontinued instead" in text
    assert "permission" not in text


def test_confirming_deletes_nothing(admin_client, bizon):
    response = admin_client.post(
        reverse("admin:procurement_vendor_delete", args=[bizon.pk]), {"post": "yes"}
    )

    assert response.status_code == 200
    assert "is kept: other records refer to it" in text_of(response)
    assert Vendor.objects.filter(pk=bizon.pk).exists()
    assert bizon.warranty_options.count() == 1


def test_the_bulk_delete_keeps_every_selected_vendor_when_one_is_named(admin_client, bizon):
    unused = VendorFactory(name="Unused shop")
    changelist = reverse("admin:procurement_vendor_changelist")
    selection = {"action": "delete_selected", "_selected_action": [bizon.pk, unused.pk]}

    page = admin_client.post(changelist, selection)
    confirmed = admin_client.post(changelist, {**selection, "post": "yes"})

    text = text_of(page)
    assert "BIZON is named by 2 price observations, 1 order, 3 quotes." in text
    assert "Unused shop is named by" not in text
    assert "Mark it discontinued instead" in text
    assert "permission" not in text
    assert "nothing was deleted" in text_of(confirmed)
    assert Vendor.objects.filter(pk__in=[bizon.pk, unused.pk]).count() == 2


def test_a_vendor_nothing_names_is_deleted_with_its_warranty_options(admin_client):
    vendor = VendorFactory(name="Unused shop")
    WarrantyOptionFactory(vendor=vendor)

    admin_client.post(reverse("admin:procurement_vendor_delete", args=[vendor.pk]), {"post": "yes"})

    assert not Vendor.objects.filter(pk=vendor.pk).exists()


def test_a_component_with_prices_only_is_kept(admin_client):
    component = ComponentFactory(manufacturer="NVIDIA", model="RTX 4090")
    PriceObservationFactory(component=component)
    BuildLineFactory(component=component)

    page = admin_client.post(
        reverse("admin:procurement_component_delete", args=[component.pk]), {"post": "yes"}
    )

    text = text_of(page)
    assert "NVIDIA RTX 4090 is named by 1 price observation, 1 build line." in text
    assert "Mark it discontinued instead (the date it stopped being sold" in text
    assert Component.objects.filter(pk=component.pk).exists()


def test_a_build_with_a_quote_is_kept_and_dropping_it_is_suggested(admin_client):
    build = BuildFactory(code="A", name="2x RTX 4090")
    BuildLineFactory(for_build=build)
    QuoteFactory(build=build)

    page = admin_client.post(
        reverse("admin:procurement_build_changelist"),
        {"action": "delete_selected", "_selected_action": [build.pk], "post": "yes"},
    )

    text = text_of(page)
    assert "A: 2x RTX 4090 is named by 1 quote." in text
    assert "Drop it instead" in text
    assert Build.objects.filter(pk=build.pk).exists()


def test_a_build_of_its_own_lines_only_is_deleted_with_them(admin_client):
    build = BuildFactory()
    BuildLineFactory(for_build=build)

    admin_client.post(reverse("admin:procurement_build_delete", args=[build.pk]), {"post": "yes"})

    assert not Build.objects.filter(pk=build.pk).exists()


def test_a_reference_made_while_the_page_was_open_still_keeps_the_vendor(
    admin_client, bizon, monkeypatch
):
    # Nothing named it when the deletion was confirmed; a quote came in before the delete.
    monkeypatch.setattr(
        "procurement.admin_references.KeptWhenReferencedAdmin.get_deleted_objects",
        lambda self, objs, request: ([str(obj) for obj in objs], {}, set(), []),
    )

    response = admin_client.post(
        reverse("admin:procurement_vendor_delete", args=[bizon.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert messages_of(response) == [
        "Nothing was deleted: other records refer to it now. Mark it discontinued instead "
        "(status “Discontinued” and the date it stopped selling): it stays for the records "
        "that name it and is no longer an option."
    ]
    assert Vendor.objects.filter(pk=bizon.pk).exists()
