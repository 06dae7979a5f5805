"""The admin: every changelist and change form loads, in a constant number of queries."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procurement.models import (
    AcceptanceChecklist,
    AcceptanceItem,
    Build,
    BuildLine,
    CalendarFeed,
    Component,
    DeliveredUnit,
    EstimateRefresh,
    Notice,
    NotificationSettings,
    Order,
    OrderLine,
    PriceObservation,
    PriceTarget,
    Requirements,
    Vendor,
)
from quotes.models import (
    Carrier,
    ClearanceFeeSchedule,
    DutyRate,
    ExchangeRate,
    Quote,
    QuoteRequest,
    QuoteRevision,
    VatRate,
)
from tests import factories
from tests.quote_request_helpers import open_request

pytestmark = pytest.mark.django_db


def _quote_with_revision(**kwargs):
    line = factories.QuoteLineFactory(quantity=2)
    factories.QuoteLineFactory(revision=line.revision)
    return line.revision.quote


def _revision(**kwargs):
    return factories.QuoteLineFactory().revision


def _build(**kwargs):
    line = factories.BuildLineFactory(component=factories.GpuFactory())
    factories.BuildLineFactory(for_build=line.build)
    return line.build


def _order(**kwargs):
    line = factories.OrderLineFactory()
    factories.OrderLineFactory(order=line.order)
    return line.order


def _calendar_feed(**kwargs):
    from procurement.services import calendar_feed_issue

    return calendar_feed_issue(
        user=factories.administrator(), for_user=factories.UserFactory()
    ).feed


def _dated(factory, field):
    counter = iter(range(10_000))

    def make(**kwargs):
        from datetime import date, timedelta

        return factory(**{field: date(2020, 1, 1) + timedelta(days=next(counter))})

    return make


ROW_MAKERS = {
    Vendor: factories.VendorFactory,
    Component: factories.ComponentFactory,
    PriceObservation: factories.PriceObservationFactory,
    Requirements: factories.RequirementsFactory,
    Build: _build,
    BuildLine: factories.BuildLineFactory,
    Quote: _quote_with_revision,
    QuoteRevision: _revision,
    QuoteRequest: open_request,
    ExchangeRate: _dated(factories.ExchangeRateFactory, "rate_date"),
    VatRate: _dated(factories.VatRateFactory, "valid_from"),
    DutyRate: _dated(factories.DutyRateFactory, "valid_from"),
    Carrier: lambda: factories.CarrierFactory(slug=f"carrier-{Carrier.objects.count()}"),
    ClearanceFeeSchedule: _dated(factories.ClearanceFeeScheduleFactory, "valid_from"),
    Order: _order,
    OrderLine: factories.OrderLineFactory,
    DeliveredUnit: factories.DeliveredUnitFactory,
    CalendarFeed: _calendar_feed,
    AcceptanceChecklist: factories.AcceptanceChecklistFactory,
    AcceptanceItem: factories.AcceptanceItemFactory,
    Notice: factories.NoticeFactory,
    NotificationSettings: factories.NotificationSettingsFactory,
    PriceTarget: factories.price_target,
    EstimateRefresh: factories.estimate_refresh,
}

OUR_APPS = {"procurement", "quotes"}


def our_models():
    return sorted(
        (model for model in admin.site._registry if model._meta.app_label in OUR_APPS),
        key=lambda model: model._meta.label,
    )


def changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_model_of_ours_has_a_row_maker():
    assert set(our_models()) <= set(ROW_MAKERS), "add a row maker for the new admin"


@pytest.mark.parametrize("model", our_models(), ids=lambda model: model._meta.label)
def test_changelist_queries_do_not_grow_with_rows(staff_client, model):
    make = ROW_MAKERS[model]
    for _ in range(3):
        make()
    rows_before = model.objects.count()
    url = changelist_url(model)
    staff_client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as three:
        response = staff_client.get(url)
    assert response.status_code == 200
    for _ in range(27):
        make()
    assert model.objects.count() >= rows_before + 27
    with CaptureQueriesContext(connection) as thirty:
        response = staff_client.get(url)
    assert response.status_code == 200
    assert len(thirty) == len(three), [q["sql"] for q in thirty.captured_queries]


@pytest.mark.parametrize("model", our_models(), ids=lambda model: model._meta.label)
def test_change_form_and_add_form_load_for_staff(staff_client, model):
    row = ROW_MAKERS[model]()
    opts = model._meta
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    assert staff_client.get(change).status_code == 200
    assert staff_client.get(add).status_code in (200, 403)


@pytest.mark.parametrize("model", our_models(), ids=lambda model: model._meta.label)
def test_changelist_redirects_anonymous_to_login(client, model):
    response = client.get(changelist_url(model))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_quote_list_shows_revision_totals_in_quote_currency_and_landed_chf(
    staff_client, swiss_rules
):
    factories.revision_through_services(
        lines=(("GPU", 2, "100.00"), ("Case", 1, "100.00")),
        currency="EUR",
        prices_include_vat=False,
        ship_from="DE",
        fx_rate="0.94",
    )
    response = staff_client.get(changelist_url(Quote))
    content = response.content.decode()
    assert "EUR 300.00" in content  # 2 x 100 + 1 x 100, in the quote's currency
    # 300.00 x 0.94 = 282.00, import VAT 8.1% of it 22.84 (no carrier, no fee)
    assert "CHF 304.84" in content


def test_build_list_shows_estimated_total_vram_and_power(staff_client, swiss_rules):
    build = _build()
    build.system_power_w = 100
    build.save()
    content = staff_client.get(changelist_url(Build)).content.decode()
    assert "CHF 200.00" in content
    assert '<td class="field-vram">96</td>' in content
    assert '<td class="field-power_draw">400</td>' in content


def test_quote_search_finds_by_reference_and_vendor(staff_client):
    quote = _quote_with_revision()
    other = _quote_with_revision()
    by_reference = staff_client.get(changelist_url(Quote), {"q": quote.reference})
    assert list(by_reference.context["cl"].result_list) == [quote]
    by_vendor = staff_client.get(changelist_url(Quote), {"q": other.vendor.name})
    assert list(by_vendor.context["cl"].result_list) == [other]
