"""Requests for quotation in the admin: sent from the builds' list, declined with a reason,
answered by linking the vendor's received quote."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from quotes.models import QuoteRequest
from tests.factories import QuoteFactory, VendorFactory, revision_through_services, user_in_role
from tests.quote_request_helpers import build_to_ask_about, open_request

pytestmark = pytest.mark.django_db

BUILDS = reverse("admin:procurement_build_changelist")
REQUESTS = reverse("admin:quotes_quoterequest_changelist")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def buyer(client):
    person = user_in_role("Buyer", username="bea", email="bea@example.ch")
    client.force_login(person)
    return person


def test_the_build_action_asks_which_vendors_and_by_when(client, buyer):
    build, asked = build_to_ask_about()
    VendorFactory(name="No Address Ltd", contact_email="")

    response = client.post(
        BUILDS, {"action": "request_quotes_for_builds", "_selected_action": [build.pk]}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert asked.name in page
    assert "No Address Ltd" not in page
    answer_by = (timezone.localdate() + timedelta(days=14)).isoformat()
    assert f'value="{answer_by}"' in page
    assert QuoteRequest.objects.count() == 0


def test_the_build_action_sends_the_requests(client, buyer, django_capture_on_commit_callbacks):
    build, asked = build_to_ask_about()
    answer_by = (timezone.localdate() + timedelta(days=10)).isoformat()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            BUILDS,
            {
                "action": "request_quotes_for_builds",
                "_selected_action": [build.pk],
                "_confirm": "1",
                "vendors": [asked.pk],
                "answer_by": answer_by,
            },
        )

    assert response.status_code == 302
    assert messages_of(response) == [f"{build.slug}: quotes requested from {asked.name}."]
    assert [message.to for message in mail.outbox] == [["sales@vendor.example"]]
    assert QuoteRequest.objects.get().requested_by == buyer


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"answer_by": "2030-01-01"}, "Vendors to ask: choose at least one."),
        ({"answer_by": "tomorrow", "vendors": "asked"}, "Answer wanted by: give a date"),
    ],
)
def test_the_build_action_names_the_field_that_is_wrong(client, buyer, data, error):
    build, asked = build_to_ask_about()
    if data.get("vendors"):
        data["vendors"] = [asked.pk]

    response = client.post(
        BUILDS,
        {
            "action": "request_quotes_for_builds",
            "_selected_action": [build.pk],
            "_confirm": "1",
            **data,
        },
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert QuoteRequest.objects.count() == 0


def test_declining_asks_for_the_reason_then_keeps_it(client, buyer):
    request = open_request()
    action = {"action": "decline_requests", "_selected_action": [request.pk]}

    asked = client.post(REQUESTS, {**action, "_confirm": "1", "reason": " "})
    done = client.post(REQUESTS, {**action, "_confirm": "1", "reason": "Out of stock"})

    assert "Reason: say why the vendor declined." in asked.content.decode()
    assert done.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decline_reason) == ("declined", "Out of stock")


def test_linking_finds_the_vendors_received_quote_for_the_build(client, buyer, swiss_rules):
    waiting = open_request(answered_before=True)
    unanswered = open_request()

    response = client.post(
        REQUESTS,
        {"action": "link_received_quotes", "_selected_action": [waiting.pk, unanswered.pk]},
    )

    assert messages_of(response) == [
        f"No received quote from {unanswered.vendor.name} for {unanswered.build.slug} yet.",
        "1 request is answered.",
    ]
    waiting.refresh_from_db()
    assert waiting.status == "answered"
    assert waiting.answer.quote.vendor == waiting.vendor


def test_an_answer_is_linked_on_the_requests_page(client, buyer, swiss_rules):
    request = open_request()
    revision = revision_through_services(quote=QuoteFactory(vendor=request.vendor))
    url = reverse("admin:quotes_quoterequest_change", args=[request.pk])

    page = client.get(url).content.decode()
    response = client.post(url, {"answer": revision.pk})

    assert "Sehr geehrte" not in page and "Dear Sir or Madam," in page
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.answer) == ("answered", revision)


def test_a_viewer_reads_the_request_as_sent_and_changes_nothing(client):
    request = open_request()
    client.force_login(user_in_role("Viewer"))
    url = reverse("admin:quotes_quoterequest_change", args=[request.pk])

    page = client.get(url).content.decode()

    assert "Dear Sir or Madam," in page
    assert 'name="answer"' not in page
    assert client.post(url, {"answer": ""}).status_code == 403


def test_a_request_the_mail_server_refused_is_sent_again_as_kept(client, buyer, settings):
    settings.EMAIL_BACKEND = "tests.test_quote_requests.RefusingBackend"
    request = open_request()
    action = {"action": "send_again", "_selected_action": [request.pk]}

    refused = client.post(REQUESTS, action, follow=True).content.decode()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    taken = client.post(REQUESTS, action, follow=True).content.decode()
    again = client.post(REQUESTS, action, follow=True).content.decode()

    assert "0 of 1 requests sent; see the log for those refused." in refused
    assert "1 of 1 requests sent; see the log for those refused." in taken
    assert "The mail server took every selected request." in again
    [message] = mail.outbox
    assert message.body == QuoteRequest.objects.get().email_body
