"""Recording that an accepted revision was paid: its money no longer moves with the exchange
rate, so pricing stops warning of drift; the frozen figures stay as they were."""

import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from quotes.services import quote_revision_record_payment
from tests.factories import (
    QuoteFactory,
    drifted_usd_revision,
    revision_through_services,
    user_in_role,
)

pytestmark = pytest.mark.django_db

DRIFT = (
    "At the latest USD rate (1.05 of 27.11.2026) the landed total would be CHF 11’350.50, "
    "+5.00% (+CHF 540.50) against the frozen CHF 10’810.00."
)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(
        datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("Europe/Zurich")), tick=False
    )


@pytest.fixture
def accepted():
    return drifted_usd_revision()


def landed_json(capsys) -> dict:
    call_command("landed_cost", "BZ-2026-0199", "--json")
    return json.loads(capsys.readouterr().out)


def test_a_paid_revision_no_longer_warns_of_drift(accepted, capsys):
    before = landed_json(capsys)
    assert before["warnings"] == [{"code": "rate_drift", "message": DRIFT}]

    quote_revision_record_payment(
        revision=accepted, user=user_in_role("Buyer"), paid_on=date(2026, 11, 28)
    )

    after = landed_json(capsys)
    assert after["warnings"] == []
    assert after["total_chf"] == "10810.00"  # frozen
    assert after["today"]["total_chf"] == "11350.50"  # still shown for information


def test_the_admin_action_records_todays_payment_and_the_page_drops_the_warning(accepted, client):
    buyer = user_in_role("Buyer")
    client.force_login(buyer)
    url = reverse("admin:quotes_quoterevision_change", args=[accepted.pk])
    assert DRIFT in " ".join(client.get(url).content.decode().split())

    response = client.post(
        reverse("admin:quotes_quoterevision_changelist"),
        {"action": "record_payments", "_selected_action": accepted.pk},
        follow=True,
    )

    accepted.refresh_from_db()
    assert accepted.paid_on == date(2026, 11, 28)
    assert [str(message) for message in response.context["messages"]] == [
        "Revision 1 of BZ-2026-0199: paid on 28.11.2026; its rate no longer drifts."
    ]
    page = " ".join(client.get(url).content.decode().split())
    assert DRIFT not in page
    assert "28.11.2026" in page


def test_a_viewer_cannot_record_a_payment(accepted):
    with pytest.raises(PermissionDenied, match="Only users in the Buyer or Approver group"):
        quote_revision_record_payment(
            revision=accepted, user=user_in_role("Viewer"), paid_on=date(2026, 11, 28)
        )
    accepted.refresh_from_db()
    assert accepted.paid_on is None


def test_only_an_accepted_revision_is_paid(accepted):
    received = revision_through_services(
        quote=QuoteFactory(reference="DG-1"), valid_until=date(2026, 12, 20)
    )
    with pytest.raises(
        ValidationError,
        match=re.escape("Only an accepted revision is paid; revision 1 of DG-1 is received."),
    ):
        quote_revision_record_payment(
            revision=received, user=user_in_role("Buyer"), paid_on=date(2026, 11, 28)
        )


@pytest.mark.parametrize("paid_on", [date(2026, 11, 27), date(2026, 11, 29)])
def test_a_payment_is_dated_between_acceptance_and_today(accepted, paid_on):
    with pytest.raises(
        ValidationError, match=re.escape("from 28.11.2026, the day of acceptance, to today")
    ):
        quote_revision_record_payment(
            revision=accepted, user=user_in_role("Buyer"), paid_on=paid_on
        )
    accepted.refresh_from_db()
    assert accepted.paid_on is None


def test_the_database_refuses_a_payment_on_a_revision_never_accepted(accepted):
    received = revision_through_services(
        quote=QuoteFactory(reference="DG-2"), valid_until=date(2026, 12, 20)
    )
    received.paid_on = date(2026, 11, 28)
    with pytest.raises(IntegrityError), transaction.atomic():
        received.save(update_fields=["paid_on"])
    received.refresh_from_db()
    assert received.paid_on is None
