"""The difference between two revisions: the pure comparison and its admin page."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from quotes import services
from quotes.models import QuoteRevision
from quotes.revision_diff import LineSnapshot, RevisionSnapshot, diff_revisions
from tests.factories import (
    QuoteFactory,
    UserFactory,
    acting_buyer,
    revision_through_services,
    user_in_role,
)

pytestmark = pytest.mark.django_db

Status = QuoteRevision.Status


def snapshot(*lines, number=1, currency="USD", shipping="0.00", terms=None, landed=None):
    return RevisionSnapshot(
        number=number,
        status="Received",
        currency=currency,
        shipping=Decimal(shipping),
        lines=tuple(
            LineSnapshot(description, quantity, Decimal(price), component)
            for description, quantity, price, component in lines
        ),
        terms=terms or {},
        landed_total_chf=Decimal(landed) if landed else None,
    )


GPU = ("RTX 5090 32 GB", 2, "4500.00", "rtx-5090")
BASE = ("G3000 base system", 1, "4437.00", None)


@pytest.mark.parametrize(
    ("old_lines", "new_lines", "kinds", "unchanged"),
    [
        ([GPU, BASE], [GPU, BASE], [], 2),
        ([GPU], [GPU, BASE], ["added"], 1),
        ([GPU, BASE], [GPU], ["removed"], 1),
        ([GPU], [("RTX 5090 32 GB", 2, "4300.00", "rtx-5090")], ["repriced"], 0),
        ([GPU], [("RTX 5090", 3, "4500.00", "rtx-5090")], ["changed"], 0),
        # Without a component, lines match by description, whatever the case and spacing.
        ([BASE], [("g3000  BASE system", 1, "4437.00", None)], ["changed"], 0),
        ([BASE], [("G3000 base system", 1, "4400.00", None)], ["repriced"], 0),
        # A component replaced by another is one line removed and one added.
        ([GPU], [("RTX PRO 6000", 1, "8000.00", "rtx-pro-6000")], ["added", "removed"], 0),
        # Two lines with the same key pair up in order.
        ([BASE, BASE], [BASE, ("G3000 base system", 1, "1.00", None)], ["repriced"], 1),
    ],
)
def test_lines_are_matched_and_classified(old_lines, new_lines, kinds, unchanged):
    diff = diff_revisions(snapshot(*old_lines), snapshot(*new_lines, number=2))

    assert [change.kind for change in diff.lines] == kinds
    assert diff.unchanged_lines == unchanged


def test_a_repriced_line_shows_the_change_and_its_percent():
    diff = diff_revisions(
        snapshot(GPU), snapshot(("RTX 5090 32 GB", 2, "4275.00", "rtx-5090"), number=2)
    )

    change = diff.repriced[0]
    assert (change.price_change, change.price_change_percent) == (
        Decimal("-225.00"),
        Decimal("-5.0"),
    )
    assert not change.quantity_changed


def test_totals_in_the_quote_currency_and_landed_in_chf():
    diff = diff_revisions(
        snapshot(GPU, BASE, shipping="400.00", landed="15000.00"),
        snapshot(
            ("RTX 5090 32 GB", 2, "4300.00", "rtx-5090"),
            BASE,
            number=2,
            shipping="350.00",
            landed="14500.55",
        ),
    )

    figures = [(t.label, t.currency, t.old, t.new, t.difference) for t in diff.totals]
    assert figures == [
        ("Goods", "USD", Decimal("13437.00"), Decimal("13037.00"), Decimal("-400.00")),
        ("Shipping", "USD", Decimal("400.00"), Decimal("350.00"), Decimal("-50.00")),
        ("Landed total", "CHF", Decimal("15000.00"), Decimal("14500.55"), Decimal("-499.45")),
        ("Net of VAT", "CHF", None, None, None),
    ]


def test_goods_in_two_currencies_are_not_subtracted():
    diff = diff_revisions(snapshot(GPU), snapshot(GPU, number=2, currency="EUR"))

    goods = [total for total in diff.totals if total.label == "Goods"]
    assert [(t.currency, t.difference) for t in goods] == [("USD", None), ("EUR", None)]


def test_only_the_terms_that_changed_are_listed():
    old_terms = {"Valid until": "18.03.2026", "Carrier": "FedEx", "Warranty": "3 years"}
    new_terms = {"Valid until": "31.03.2026", "Carrier": "FedEx", "Warranty": "5 years"}

    diff = diff_revisions(snapshot(GPU, terms=old_terms), snapshot(GPU, terms=new_terms))

    assert [(t.label, t.old, t.new) for t in diff.terms] == [
        ("Valid until", "18.03.2026", "31.03.2026"),
        ("Warranty", "3 years", "5 years"),
    ]


# The admin page -----------------------------------------------------------------------------


@pytest.fixture
def revised_quote(swiss_rules):
    """Revision 1 received; revision 2 repriced, one line dropped, one added, validity longer."""
    quote = QuoteFactory()
    revision_through_services(
        quote=quote,
        lines=(("GPU", 2, "8000.00"), ("Case", 1, "200.00"), ("Fan", 3, "30.00")),
    )
    draft = services.quote_revision_new_from_latest(user=acting_buyer(), quote=quote)
    gpu, _case, fan = draft.lines.all()
    services.quote_line_update(user=acting_buyer(), line=gpu, unit_price=Decimal("7500.00"))
    services.quote_line_delete(user=acting_buyer(), line=fan)
    services.quote_line_add(
        user=acting_buyer(),
        revision=draft,
        line=services.LineData(description="Riser cable", quantity=1, unit_price=Decimal("45")),
    )
    services.quote_revision_update(
        user=acting_buyer(),
        revision=draft,
        expected_version=draft.version,
        valid_until=date(2026, 4, 30),
    )
    services.quote_revision_receive(user=acting_buyer(), revision=draft)
    return quote


def compare_url(quote, **numbers):
    query = "&".join(f"{name}={number}" for name, number in numbers.items())
    return reverse("admin:quotes_quote_compare", args=[quote.pk]) + (f"?{query}" if query else "")


def test_the_diff_page_shows_lines_totals_and_validity(revised_quote, client):
    client.force_login(user_in_role("Viewer"))

    with_queries = client.get(compare_url(revised_quote))

    page = with_queries.content.decode()
    diff = with_queries.context["diff"]
    assert (diff.old.number, diff.new.number) == (1, 2)
    assert [(c.kind, (c.new or c.old).description) for c in diff.lines] == [
        ("repriced", "GPU"),
        ("added", "Riser cable"),
        ("removed", "Fan"),
    ]
    assert "8’000.00 &rarr; 7’500.00" in page
    assert "-500.00 (-6.3%)" in page
    assert "CHF 16’290.00" in page  # goods of revision 1
    assert "CHF 15’245.00" in page  # goods of revision 2
    assert "-1’045.00" in page
    assert [(t.label, t.old, t.new) for t in diff.terms] == [
        ("Valid until", "18.03.2026", "30.04.2026")
    ]
    assert "1 line unchanged." in page


def test_the_diff_page_is_linked_from_the_quote_and_the_revision(revised_quote, client):
    client.force_login(user_in_role("Viewer"))
    latest = revised_quote.revisions.get(number=2)

    quote_page = client.get(reverse("admin:quotes_quote_change", args=[revised_quote.pk]))
    revision_page = client.get(reverse("admin:quotes_quoterevision_change", args=[latest.pk]))

    assert compare_url(revised_quote).encode() in quote_page.content
    assert compare_url(revised_quote, new=2).encode() in revision_page.content


def test_the_diff_page_compares_the_revisions_asked_for(revised_quote, client):
    client.force_login(user_in_role("Viewer"))

    response = client.get(compare_url(revised_quote, old=2, new=1))

    diff = response.context["diff"]
    assert (diff.old.number, diff.new.number) == (2, 1)
    assert [change.kind for change in diff.lines] == ["repriced", "added", "removed"]
    assert [(c.kind, (c.new or c.old).description) for c in diff.lines][1:] == [
        ("added", "Fan"),
        ("removed", "Riser cable"),
    ]


def test_the_diff_page_says_so_for_a_revision_that_does_not_exist(revised_quote, client):
    client.force_login(user_in_role("Viewer"))

    response = client.get(compare_url(revised_quote, new=9))

    assert response.context["diff"].new.number == 2
    assert b"This quote has no revision 9; showing revision 2." in response.content


def test_the_diff_page_of_a_quote_with_one_revision_says_there_is_nothing_to_compare(
    swiss_rules, client
):
    revision = revision_through_services()
    client.force_login(user_in_role("Viewer"))

    response = client.get(compare_url(revision.quote))

    assert "diff" not in response.context
    assert b"has 1 revision; there is nothing to compare yet" in response.content


def test_the_diff_page_reads_a_fixed_number_of_queries(
    revised_quote, client, django_assert_num_queries
):
    client.force_login(user_in_role("Viewer"))

    # session, user, the quote with its vendor, the user's own and group permissions
    # (read once, then cached), the revisions with carriers, their lines with components
    with django_assert_num_queries(7):
        response = client.get(compare_url(revised_quote))
    assert response.status_code == 200


def test_the_diff_page_needs_a_login_and_the_right_to_read_quotes(revised_quote, client):
    url = compare_url(revised_quote)

    anonymous = client.get(url)
    client.force_login(UserFactory(is_staff=True))
    without_role = client.get(url)
    client.force_login(user_in_role("Viewer", is_staff=False))
    not_staff = client.get(url)

    assert anonymous.status_code == 302 and "/admin/login/" in anonymous.url
    assert without_role.status_code == 403
    assert not_staff.status_code == 302 and "/admin/login/" in not_staff.url


def test_the_diff_page_reads_in_german(revised_quote, client):
    client.force_login(user_in_role("Viewer"))

    page = client.get(compare_url(revised_quote), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "&rsaquo; Revisionen vergleichen" in page
    assert '<option value="1" selected>1 (Ersetzt)</option>' in page
    assert "Revision 1</a> (Ersetzt)</th>" in page
    assert "Revision 2</a> (Erhalten)</th>" in page
    assert '<th scope="row">Ware (CHF)</th>' in page
    assert '<th scope="row">Einstandstotal (CHF)</th>' in page
    assert '<th scope="row">Gültig bis</th><td>18.03.2026</td><td>30.04.2026</td>' in page
    assert '<th scope="col" class="number">Stückpreis (CHF)</th>' in page
    kinds = [
        '<tr class="line-repriced">\n              <td>neu bepreist</td>',
        '<tr class="line-added">\n              <td>hinzugefügt</td>',
        '<tr class="line-removed">\n              <td>entfernt</td>',
    ]
    assert [kind in page for kind in kinds] == [True, True, True]
    assert "<p>1 Position unverändert.</p>" in page
    assert "Goods" not in page and "repriced" not in page.replace("line-repriced", "")


def test_the_diff_page_reads_in_french(revised_quote, client):
    client.force_login(user_in_role("Viewer"))

    page = client.get(compare_url(revised_quote), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert '<th scope="row">Marchandise (CHF)</th>' in page
    assert '<th scope="row">Valable jusqu’au</th>' in page
    assert "<td>prix modifié</td>" in page
    assert "<td>ajoutée</td>" in page and "<td>retirée</td>" in page
    assert "<p>1 ligne inchangée.</p>" in page


def test_the_diff_page_with_nothing_to_compare_reads_in_french(swiss_rules, client):
    revision = revision_through_services(quote=QuoteFactory(reference="BZ-2026-0142"))
    client.force_login(user_in_role("Viewer"))

    page = client.get(compare_url(revision.quote), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "<p>BZ-2026-0142 a 1 révision ; il n’y a encore rien à comparer.</p>" in page


def test_the_terms_a_revision_changed_read_in_german(revised_quote, client):
    # The revised quote's revisions are entered with VAT included and the vendor's warranty.
    latest = revised_quote.revisions.get(number=2)
    QuoteRevision.objects.filter(pk=latest.pk).update(
        prices_include_vat=False, warranty_years=5, note="Fan dropped"
    )
    client.force_login(user_in_role("Viewer"))

    page = client.get(compare_url(revised_quote), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert '<th scope="row">Preise inkl. Schweizer MWST</th><td>ja</td><td>nein</td>' in page
    assert '<th scope="row">Garantie</th><td>die inbegriffene Dauer</td><td>5 Jahre</td>' in page
    assert '<th scope="row">Bemerkung</th><td>&ndash;</td><td>Fan dropped</td>' in page
