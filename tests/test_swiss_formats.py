"""Swiss formats in every language: `CHF 1’023.20` and `20.11.2026` in the admin's lists
and pages, and a date typed `20.11.2026` or `2026-11-20` accepted in its fields."""

from datetime import date

import pytest
from django.urls import reverse
from djmoney.money import Money

from procurement.models import PriceObservation
from tests.factories import (
    ComponentFactory,
    PriceObservationFactory,
    RequirementsFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db

LANGUAGES = ["de-CH", "fr-CH", "en"]


@pytest.mark.parametrize("accept_language", LANGUAGES)
def test_price_observations_read_in_swiss_francs_and_swiss_dates(staff_client, accept_language):
    PriceObservationFactory(price=Money("1023.20", "CHF"), observed_on=date(2026, 11, 20))

    page = staff_client.get(
        reverse("admin:procurement_priceobservation_changelist"),
        HTTP_ACCEPT_LANGUAGE=accept_language,
    ).content.decode()

    assert "CHF\u00a01’023.20" in page or "CHF 1’023.20" in page
    assert "CHF1,023.20" not in page
    assert "20.11.2026" in page


@pytest.mark.parametrize("accept_language", LANGUAGES)
def test_the_briefs_budget_reads_in_swiss_francs(staff_client, accept_language):
    RequirementsFactory(budget_min=Money("4000.00", "CHF"), budget_max=Money("15000.00", "CHF"))

    page = (
        staff_client.get(
            reverse("admin:procurement_requirements_changelist"),
            HTTP_ACCEPT_LANGUAGE=accept_language,
        )
        .content.decode()
        .replace("\u00a0", " ")
    )

    assert "CHF 4’000.00" in page
    assert "CHF 15’000.00" in page


@pytest.mark.parametrize("accept_language", LANGUAGES)
@pytest.mark.parametrize("typed", ["20.11.2026", "2026-11-20"])
def test_a_date_field_accepts_the_swiss_and_the_iso_date(staff_client, accept_language, typed):
    component, vendor = ComponentFactory(), VendorFactory()

    response = staff_client.post(
        reverse("admin:procurement_priceobservation_add"),
        {
            "component": component.pk,
            "vendor": vendor.pk,
            "price_0": "1023.20",
            "price_1": "CHF",
            "observed_on": typed,
            "in_stock": "unknown",
        },
        HTTP_ACCEPT_LANGUAGE=accept_language,
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert PriceObservation.objects.get().observed_on == date(2026, 11, 20)


def test_a_date_field_shows_its_date_the_swiss_way(staff_client):
    observation = PriceObservationFactory(observed_on=date(2026, 11, 20))

    page = staff_client.get(
        reverse("admin:procurement_priceobservation_change", args=[observation.pk]),
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()

    assert 'value="20.11.2026"' in page
