"""The long lists write each row's action checkbox directly: the same markup as Django's
widget, in every language, with the object's name escaped."""

import pytest
from django.contrib import admin as django_admin
from django.contrib.admin import ModelAdmin
from django.urls import reverse
from django.utils import translation

from procurement.admin_rows import QuickRows
from procurement.models import OrderLine, PriceObservation
from quotes.models import Quote, QuoteRevision
from tests.factories import QuoteFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_the_checkbox_is_djangos_own_markup(language):
    quote = QuoteFactory(reference='BZ-<1>&"2"')
    model_admin = django_admin.site._registry[Quote]

    with translation.override(language):
        quick = model_admin.action_checkbox(quote)
        django = ModelAdmin.action_checkbox(model_admin, quote)

    assert quick == django


def test_the_quotes_list_has_one_checkbox_a_row(admin_client):
    quote = QuoteFactory(reference="BZ-2026-0142", vendor__name="BIZON")

    page = admin_client.get(reverse("admin:quotes_quote_changelist")).content.decode()

    assert (
        f'<input type="checkbox" name="_selected_action" value="{quote.pk}" class="action-select" '
        'aria-label="Select this object for an action - BIZON BZ-2026-0142">'
    ) in page


def test_the_long_lists_use_it():
    for model in (Quote, QuoteRevision, OrderLine, PriceObservation):
        assert isinstance(django_admin.site._registry[model], QuickRows), model


def test_a_page_of_a_long_list_holds_50_rows_and_the_51st_is_on_the_next(admin_client):
    QuoteFactory.create_batch(51)
    url = reverse("admin:quotes_quote_changelist")

    first = admin_client.get(url).content.decode()
    second = admin_client.get(url, {"p": 2}).content.decode()

    assert first.count('class="action-select"') == 50
    assert second.count('class="action-select"') == 1
    assert "51 quotes" in first
