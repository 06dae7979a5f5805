"""The quote lifecycle as a buyer and an approver use it in the admin."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from quotes.models import Quote, QuoteLine, QuoteRevision
from tests.admin_forms import revision_form_data
from tests.factories import QuoteFactory, revision_through_services, user_in_role

pytestmark = pytest.mark.django_db

Status = QuoteRevision.Status
REVISIONS_URL = reverse("admin:quotes_quoterevision_changelist")
QUOTES_URL = reverse("admin:quotes_quote_changelist")


def change_url(revision):
    return reverse("admin:quotes_quoterevision_change", args=[revision.pk])


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def buyer_client(client, db):
    client.force_login(user_in_role("Buyer", username="berta"))
    return client


@pytest.fixture
def approver_client(client, db):
    client.force_login(user_in_role("Approver", username="anna"))
    return client


# New revision, receive, accept, reject ------------------------------------------------------


def test_new_revision_from_the_quote_page_opens_a_draft_copy(swiss_rules, buyer_client):
    quote = QuoteFactory()
    revision_through_services(quote=quote, lines=(("GPU", 2, "8000.00"),))
    page = buyer_client.get(reverse("admin:quotes_quote_change", args=[quote.pk]))
    assert b'value="new_revision"' in page.content

    response = buyer_client.post(
        QUOTES_URL,
        {"action": "new_revision", "_selected_action": quote.pk, "_from_change_page": "1"},
        follow=True,
    )

    draft = quote.revisions.get(number=2)
    assert response.redirect_chain[-1][0] == change_url(draft)
    assert draft.status == Status.DRAFT
    assert [(line.description, line.quantity) for line in draft.lines.all()] == [("GPU", 2)]
    assert f"Revision 2 of {quote.reference} is a new draft" in messages_of(response)[0]


def test_new_revision_refused_while_a_draft_exists_says_why(swiss_rules, buyer_client):
    quote = QuoteFactory()
    revision_through_services(quote=quote, status=Status.DRAFT)

    response = buyer_client.post(
        QUOTES_URL, {"action": "new_revision", "_selected_action": quote.pk}, follow=True
    )

    assert quote.revisions.count() == 1
    assert "is still a draft" in messages_of(response)[0]


def test_receive_from_the_revision_page_supersedes_the_last_one(swiss_rules, buyer_client):
    quote = QuoteFactory()
    first = revision_through_services(quote=quote)
    draft = revision_through_services(
        quote=quote, status=Status.DRAFT, lines=(("Workstation", 1, "1081.00"),)
    )
    assert b'value="receive_revisions"' in buyer_client.get(change_url(draft)).content

    response = buyer_client.post(
        REVISIONS_URL,
        {"action": "receive_revisions", "_selected_action": draft.pk, "_from_change_page": "1"},
        follow=True,
    )

    draft.refresh_from_db()
    first.refresh_from_db()
    assert response.redirect_chain[-1][0] == change_url(draft)
    assert (first.status, draft.status) == (Status.SUPERSEDED, Status.RECEIVED)
    assert "received; its landed total of CHF 1’081.00 is kept with it" in messages_of(response)[0]


@time_machine.travel("2026-02-20 10:00 +01:00")
def test_an_approver_accepts_from_the_revision_page(swiss_rules, approver_client):
    revision = revision_through_services(lines=(("Workstation", 1, "8183.00"),))
    assert b'value="accept_revisions"' in approver_client.get(change_url(revision)).content

    response = approver_client.post(
        REVISIONS_URL,
        {"action": "accept_revisions", "_selected_action": revision.pk, "_from_change_page": "1"},
        follow=True,
    )

    revision.refresh_from_db()
    assert revision.status == Status.ACCEPTED
    assert revision.accepted_by.username == "anna"
    assert "accepted at a landed total of CHF 8’183.00" in messages_of(response)[0]


@time_machine.travel("2026-02-20 10:00 +01:00")
def test_accepting_an_expired_revision_in_the_admin_shows_the_reason(swiss_rules, approver_client):
    revision = revision_through_services()
    QuoteRevision.objects.filter(pk=revision.pk).update(status=Status.EXPIRED)

    response = approver_client.post(
        REVISIONS_URL, {"action": "accept_revisions", "_selected_action": revision.pk}, follow=True
    )

    revision.refresh_from_db()
    assert revision.status == Status.EXPIRED
    assert "expired (it was valid until 18.03.2026)" in messages_of(response)[0]


def test_a_buyer_is_not_offered_accept_and_cannot_post_it(swiss_rules, buyer_client):
    revision = revision_through_services()
    assert b'value="accept_revisions"' not in buyer_client.get(change_url(revision)).content

    response = buyer_client.post(
        REVISIONS_URL, {"action": "accept_revisions", "_selected_action": revision.pk}
    )

    revision.refresh_from_db()
    assert revision.status == Status.RECEIVED
    assert messages_of(response) == ["Only an Approver may accept a quote revision."]


def test_reject_asks_for_the_reason_then_keeps_it(swiss_rules, approver_client):
    revision = revision_through_services()
    selection = {"action": "reject_revisions", "_selected_action": revision.pk}

    asked = approver_client.post(REVISIONS_URL, selection)
    empty = approver_client.post(REVISIONS_URL, {**selection, "_confirm": "1", "reason": " "})
    done = approver_client.post(
        REVISIONS_URL, {**selection, "_confirm": "1", "reason": "Ten weeks lead time"}, follow=True
    )

    assert b'name="reason"' in asked.content
    assert "landed CHF 1’000.00" in asked.content.decode()  # its kept figure, VAT included
    assert b"Say why the revisions are rejected" in empty.content
    revision.refresh_from_db()
    assert (revision.status, revision.rejection_reason) == (Status.REJECTED, "Ten weeks lead time")
    assert messages_of(done) == [f"Revision 1 of {revision.quote.reference} rejected."]


# Editing a draft, and what cannot be edited -----------------------------------------------


def test_a_draft_is_edited_in_the_admin_and_history_says_who(swiss_rules, buyer_client):
    draft = revision_through_services(status=Status.DRAFT, lines=(("GPU", 1, "8000.00"),))

    response = buyer_client.post(
        change_url(draft),
        revision_form_data(
            draft,
            valid_until="2026-04-30",
            lines=[{"unit_price": "7800.00"}, {"description": "Case", "unit_price": "200.00"}],
        ),
    )

    assert response.status_code == 302, response.context["errors"]
    draft.refresh_from_db()
    assert draft.valid_until == date(2026, 4, 30)
    assert draft.version == 2
    assert [(line.description, line.unit_price.amount) for line in draft.lines.all()] == [
        ("GPU", Decimal("7800.00")),
        ("Case", Decimal("200.00")),
    ]
    assert draft.landed_total_chf == Decimal("8000.00")
    assert draft.history.first().history_user.username == "berta"
    assert QuoteLine.history.filter(description="Case").get().history_user.username == "berta"


def test_a_new_line_of_a_draft_is_priced_in_the_revision_currency(swiss_rules, buyer_client):
    draft = revision_through_services(status=Status.DRAFT, currency="EUR", fx_rate=Decimal("0.94"))

    page = buyer_client.get(change_url(draft))

    new_line = page.context["inline_admin_formsets"][0].formset.forms[-1]
    assert new_line.currency == "EUR"
    assert b'name="lines-1-unit_price_1"' not in page.content  # no currency to pick


def test_the_second_save_of_a_draft_opened_twice_is_refused(swiss_rules, buyer_client):
    draft = revision_through_services(status=Status.DRAFT, lines=(("GPU", 1, "8000.00"),))
    opened_by_both = draft.version

    first = buyer_client.post(change_url(draft), revision_form_data(draft, note="First"))
    second = buyer_client.post(
        change_url(draft),
        revision_form_data(draft, loaded_version=opened_by_both, note="Second"),
        follow=True,
    )

    assert first.status_code == 302
    draft.refresh_from_db()
    assert draft.note == "First"
    assert second.redirect_chain == [(change_url(draft), 302)]
    refusal = messages_of(second)[-1]
    assert "while you were editing it, so your changes were not saved" in refusal
    assert "by berta" in refusal


def test_a_draft_received_while_someone_edits_it_keeps_what_was_received(swiss_rules, buyer_client):
    draft = revision_through_services(status=Status.DRAFT, lines=(("GPU", 1, "8000.00"),))
    opened = draft.version
    buyer_client.post(REVISIONS_URL, {"action": "receive_revisions", "_selected_action": draft.pk})

    response = buyer_client.post(
        change_url(draft),
        revision_form_data(draft, loaded_version=opened, lines=[{"unit_price": "1.00"}]),
        follow=True,
    )

    draft.refresh_from_db()
    assert draft.lines.get().unit_price.amount == Decimal("8000.00")
    assert "is received and can no longer be changed" in messages_of(response)[-1]


def test_a_received_revision_is_shown_read_only_and_posts_change_nothing(swiss_rules, buyer_client):
    revision = revision_through_services(lines=(("GPU", 1, "8000.00"),))
    page = buyer_client.get(change_url(revision))

    assert b'name="valid_until"' not in page.content
    assert b'name="lines-0-unit_price"' not in page.content
    assert b'name="attachment"' in page.content  # the vendor's PDF may still be added
    buyer_client.post(
        change_url(revision),
        revision_form_data(revision, valid_until="2026-12-31", lines=[{"unit_price": "1.00"}]),
    )
    revision.refresh_from_db()
    assert revision.valid_until == date(2026, 3, 18)
    assert revision.lines.get().unit_price.amount == Decimal("8000.00")


def test_a_received_revision_cannot_be_deleted(swiss_rules, admin_client):
    revision = revision_through_services()

    response = admin_client.get(reverse("admin:quotes_quoterevision_delete", args=[revision.pk]))

    assert response.status_code == 403
    assert QuoteRevision.objects.filter(pk=revision.pk).exists()


def test_a_quote_with_a_received_revision_cannot_be_deleted(swiss_rules, admin_client):
    kept = revision_through_services().quote
    only_drafts = revision_through_services(status=Status.DRAFT).quote

    refused = admin_client.get(reverse("admin:quotes_quote_delete", args=[kept.pk]))
    allowed = admin_client.get(reverse("admin:quotes_quote_delete", args=[only_drafts.pk]))

    assert (refused.status_code, allowed.status_code) == (403, 200)


def test_a_revision_added_in_the_admin_is_a_draft_numbered_next(swiss_rules, buyer_client):
    quote = QuoteFactory()
    revision_through_services(quote=quote)
    data = {
        "quote": quote.pk,
        "issued_on": "2026-02-25",
        "valid_until": "2026-03-25",
        "currency": "CHF",
        "prices_include_vat": "on",
        "shipping": "0.00",
        "foreign_vat": "",
        "ship_from": "CH",
        "loaded_version": 1,
        "lines-TOTAL_FORMS": 2,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
        "lines-0-position": 1,
        "lines-0-description": "GPU",
        "lines-0-quantity": 2,
        "lines-0-unit_price": "8000.00",
        "lines-1-position": 2,
        "lines-1-description": "Case",
        "lines-1-quantity": 1,
        "lines-1-unit_price": "162.00",
    }

    response = buyer_client.post(reverse("admin:quotes_quoterevision_add"), data)

    assert response.status_code == 302, response.context["errors"]
    added = quote.revisions.get(number=2)
    assert added.status == Status.DRAFT
    assert added.landed_total_chf == Decimal("16162.00")
    assert [(line.description, line.quantity) for line in added.lines.all()] == [
        ("GPU", 2),
        ("Case", 1),
    ]


# History ------------------------------------------------------------------------------------


def test_history_of_quotes_revisions_and_lines_is_shown(swiss_rules, buyer_client):
    quote = QuoteFactory()
    draft = revision_through_services(quote=quote, status=Status.DRAFT)
    buyer_client.post(
        change_url(draft),
        revision_form_data(draft, lines=[{"unit_price": "1200.00"}]),
    )
    buyer_client.post(
        reverse("admin:quotes_quote_change", args=[quote.pk]),
        {
            "vendor": quote.vendor.pk,
            "reference": quote.reference,
            "note": "Called the vendor",
            "revisions-TOTAL_FORMS": 1,
            "revisions-INITIAL_FORMS": 1,
            "revisions-MIN_NUM_FORMS": 0,
            "revisions-MAX_NUM_FORMS": 1000,
            "revisions-0-id": draft.pk,
            "revisions-0-quote": quote.pk,
        },
    )

    revision_page = buyer_client.get(reverse("admin:quotes_quoterevision_history", args=[draft.pk]))
    quote_page = buyer_client.get(reverse("admin:quotes_quote_history", args=[quote.pk]))

    lines = revision_page.context["line_history"]
    assert [(entry.action, entry.user) for entry in lines] == [
        ("changed", "berta"),
        ("added", "acting-buyer"),  # the revision was entered through the services by them
    ]
    assert lines[0].changes == (("unit price", "CHF 1’000.00", "CHF 1’200.00"),)
    assert "CHF 1’000.00 → CHF 1’200.00" in revision_page.content.decode().replace(
        "&rarr;", "→"
    ).replace("</strong> ", "")
    assert b"berta" in quote_page.content
    assert Quote.history.filter(note="Called the vendor").get().history_user.username == "berta"


def test_history_cannot_be_used_to_revert_a_revision(swiss_rules, admin_client):
    revision = revision_through_services()
    record = revision.history.last()
    url = reverse(
        "admin:quotes_quoterevision_simple_history", args=[revision.pk, record.history_id]
    )

    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {}).status_code == 405


def test_the_history_of_a_revisions_lines_reads_in_german(swiss_rules, buyer_client):
    draft = revision_through_services(status=Status.DRAFT)
    buyer_client.post(
        change_url(draft),
        revision_form_data(draft, lines=[{"unit_price": "1200.00"}]),
    )

    page = buyer_client.get(
        reverse("admin:quotes_quoterevision_history", args=[draft.pk]),
        HTTP_ACCEPT_LANGUAGE="de",
    ).content.decode()

    assert "<h2>Positionen dieser Revision</h2>" in page
    assert '<th scope="col">Änderung</th><th scope="col">Felder</th>' in page
    assert "<td>geändert</td>" in page and "<td>hinzugefügt</td>" in page
    assert "<li><strong>Stückpreis:</strong> CHF 1’000.00 &rarr; CHF 1’200.00</li>" in page
