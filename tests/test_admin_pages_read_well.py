"""What a person reads on the admin pages: labels, amounts, buttons and refusals."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.templatetags.static import static
from django.urls import reverse
from djmoney.money import Money

from quotes.models import QuoteRevision
from quotes.services import quote_revision_attach, quote_revision_receive
from tests.admin_forms import revision_form_data
from tests.factories import (
    AcceptanceItemFactory,
    BuildFactory,
    QuoteFactory,
    acting_buyer,
    bizon,
    design_rules,
    pdf_document,
    revision_with_lines,
    user_in_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def carriers():
    return design_rules()


def received_usd_revision(carriers) -> QuoteRevision:
    """The design's first worked example, received: CHF 12’478.34 landed."""
    revision = revision_with_lines(
        quote=QuoteFactory(vendor=bizon(), reference="BZ-2026-0142"),
        lines=[(2, "4500.00"), (1, "5000.00")],
        currency="USD",
        ship_from="US",
        carrier=carriers["fedex"],
        shipping=Money("400.00", "USD"),
        fx_rate=Decimal("0.80"),
        status=QuoteRevision.Status.DRAFT,
    )
    return quote_revision_receive(user=acting_buyer(), revision=revision)


def page_text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_revision_form_labels_say_vat_and_exchange_rate_in_words(staff_client, carriers):
    revision = received_usd_revision(carriers)

    page = page_text(
        staff_client.get(reverse("admin:quotes_quoterevision_change", args=[revision.pk]))
    )

    for label in [
        "Prices include VAT",
        "Foreign VAT",
        "Exchange rate date",
        "Exchange rate source",
    ]:
        assert f"{label}:</label>" in page or f">{label}:<" in page, label
    for clumsy in ["Prices include vat", "Foreign vat", "Fx rate"]:
        assert clumsy not in page


def test_breakdown_names_a_rate_given_with_the_quote_without_a_missing_date(staff_client, carriers):
    revision = received_usd_revision(carriers)

    page = page_text(
        staff_client.get(reverse("admin:quotes_quoterevision_change", args=[revision.pk]))
    )

    assert "Exchange rate 0.80 CHF per USD, given with the quote." in page
    assert "no date" not in page


@pytest.mark.filterwarnings("error::django.core.paginator.UnorderedObjectListWarning")
@pytest.mark.parametrize(
    ("model_name", "field_name"),
    [
        ("quote", "vendor"),
        ("quote", "build"),
        ("quote", "owner"),
        ("quoterevision", "quote"),
        ("quoterevision", "carrier"),
        ("quoteline", "component"),
        ("quoteline", "build_line"),
    ],
)
def test_autocomplete_lists_its_choices_in_a_stable_order(staff_client, model_name, field_name):
    BuildFactory.create_batch(2)
    QuoteFactory.create_batch(2)

    response = staff_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "quotes", "model_name": model_name, "field_name": field_name, "term": ""},
    )

    assert response.status_code == 200
    assert "results" in response.json()


@pytest.mark.parametrize(
    ("action", "refusal"),
    [
        ("accept_revisions", "Only an Approver may accept a quote revision."),
        ("reject_revisions", "Only an Approver may reject a quote revision."),
    ],
)
def test_buyer_forcing_a_decision_is_told_only_an_approver_may(client, carriers, action, refusal):
    revision = received_usd_revision(carriers)
    client.force_login(user_in_role("Buyer"))

    response = client.post(
        reverse("admin:quotes_quoterevision_changelist"),
        {
            "action": action,
            "_selected_action": [revision.pk],
            "reason": "too dear",
            "_confirm": "1",
        },
        follow=True,
    )

    page = page_text(response)
    assert refusal in page
    assert "No action selected" not in page
    revision.refresh_from_db()
    assert revision.status == QuoteRevision.Status.RECEIVED


def test_quote_without_revisions_offers_to_add_the_first_with_the_quote_filled_in(staff_client):
    quote = QuoteFactory(reference="BZ-2026-0142")
    add_first = f"{reverse('admin:quotes_quoterevision_add')}?quote={quote.pk}"

    quote_page = page_text(staff_client.get(reverse("admin:quotes_quote_change", args=[quote.pk])))
    form = page_text(staff_client.get(add_first))

    assert f'<a href="{add_first}">Add the first revision</a>' in quote_page
    assert 'value="new_revision"' not in quote_page
    assert f'<option value="{quote.pk}" selected>{quote}</option>' in form


def test_new_revision_of_a_quote_without_revisions_points_to_adding_the_first(staff_client):
    quote = QuoteFactory(reference="BZ-2026-0142")

    response = staff_client.post(
        reverse("admin:quotes_quote_changelist"),
        {"action": "new_revision", "_selected_action": [quote.pk]},
        follow=True,
    )

    add_first = f"{reverse('admin:quotes_quoterevision_add')}?quote={quote.pk}"
    assert "BZ-2026-0142 has no revision to copy" in page_text(response)
    assert f'<a href="{add_first}">Add the first revision</a>.' in page_text(response)
    assert not quote.revisions.exists()


def submit_buttons(page: str) -> list[str]:
    return re.findall(r'<input type="submit" value="([^"]*)"', page)


def test_received_revision_offers_only_to_save_the_vendors_pdf(staff_client, carriers):
    revision = received_usd_revision(carriers)

    page = page_text(
        staff_client.get(reverse("admin:quotes_quoterevision_change", args=[revision.pk]))
    )

    assert submit_buttons(page) == ["Save the vendor's PDF"]
    assert "the only thing you can still save is the vendor's own document" in page


def test_received_revision_with_its_pdf_offers_no_save(staff_client, carriers, media_root):
    revision = received_usd_revision(carriers)
    quote_revision_attach(
        user=acting_buyer(),
        revision=revision,
        document=SimpleUploadedFile("quote.pdf", pdf_document()),
    )

    page = page_text(
        staff_client.get(reverse("admin:quotes_quoterevision_change", args=[revision.pk]))
    )

    assert submit_buttons(page) == []


@pytest.mark.parametrize("page_of", ["item", "checklist"])
def test_acceptance_pages_that_are_all_read_only_offer_no_save(staff_client, page_of):
    item = AcceptanceItemFactory()
    obj, name = (
        (item, "acceptanceitem") if page_of == "item" else (item.checklist, "acceptancechecklist")
    )
    url = reverse(f"admin:procurement_{name}_change", args=[obj.pk])

    page = page_text(staff_client.get(url))
    posted = staff_client.post(url, {})

    assert submit_buttons(page) == []
    assert posted.status_code == 405


def test_revision_page_shows_every_amount_the_swiss_way(staff_client, carriers):
    revision = received_usd_revision(carriers)

    page = page_text(
        staff_client.get(reverse("admin:quotes_quoterevision_change", args=[revision.pk]))
    )

    for amount in ["CHF 12’478.34", "CHF 11’543.33", "USD 400.00", "USD 4’500.00"]:
        assert f'<div class="readonly">{amount}</div>' in page or f"<p>{amount}</p>" in page, amount
    for raw in ["12478.34", "$400.00", "$4,500.00"]:
        assert raw not in page, raw


def test_revision_summary_on_the_quote_page_shows_the_landed_total_in_chf(staff_client, carriers):
    revision = received_usd_revision(carriers)

    page = page_text(
        staff_client.get(reverse("admin:quotes_quote_change", args=[revision.quote_id]))
    )

    assert "CHF 12’478.34" in page
    assert "12478.34" not in page


def test_quote_list_keeps_chf_and_its_amount_on_one_line(staff_client, carriers):
    received_usd_revision(carriers)

    page = page_text(staff_client.get(reverse("admin:quotes_quote_changelist")))

    stylesheet = Path(finders.find("desk/admin.css")).read_text()
    assert f'<link rel="stylesheet" href="{static("desk/admin.css")}">' in page
    assert re.search(
        r"#result_list \.field-landed_total[^{]*\{ white-space: nowrap; \}", stylesheet
    )


def new_revision_form(quote, **changes) -> dict:
    """The add form as a buyer fills it: a USD revision with amounts only, no currencies."""
    return {
        "quote": quote.pk,
        "issued_on": "2026-02-16",
        "valid_until": "2026-03-18",
        "currency": "USD",
        "shipping": "400.00",
        "foreign_vat": "50.00",
        "ship_from": "US",
        "fx_rate": "0.80",
        "loaded_version": 1,
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
        "lines-0-position": 1,
        "lines-0-description": "RTX 5090 32 GB",
        "lines-0-quantity": 2,
        "lines-0-unit_price": "4500.00",
        **changes,
    }


def test_revision_form_asks_amounts_only_and_keeps_them_in_the_revisions_currency(
    staff_client, carriers
):
    quote = QuoteFactory(vendor=bizon())
    add_url = reverse("admin:quotes_quoterevision_add")
    form = page_text(staff_client.get(add_url))

    response = staff_client.post(add_url, new_revision_form(quote))

    for currency_select in ["shipping_1", "foreign_vat_1", "unit_price_1"]:
        assert currency_select not in form
    assert response.status_code == 302, response.context["errors"]
    revision = quote.revisions.get()
    line = revision.lines.get()
    assert (revision.shipping, revision.foreign_vat, line.unit_price) == (
        Money("400.00", "USD"),
        Money("50.00", "USD"),
        Money("4500.00", "USD"),
    )


def test_a_drafts_new_currency_restates_its_shipping_and_lines(staff_client, carriers):
    draft = revision_with_lines(
        quote=QuoteFactory(vendor=bizon()),
        lines=[(2, "4500.00")],
        currency="CHF",
        shipping=Money("400.00", "CHF"),
        status=QuoteRevision.Status.DRAFT,
    )
    url = reverse("admin:quotes_quoterevision_change", args=[draft.pk])

    response = staff_client.post(
        url, revision_form_data(draft, currency="USD", ship_from="US", fx_rate="0.80")
    )

    assert response.status_code == 302, response.context["errors"]
    draft.refresh_from_db()
    assert (draft.currency, draft.shipping) == ("USD", Money("400.00", "USD"))
    assert [line.unit_price for line in draft.lines.all()] == [Money("4500.00", "USD")]
    assert draft.landed_total_chf is not None
