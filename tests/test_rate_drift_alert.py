"""The alert that the latest exchange rate moved a foreign quote's landed total past
FX_DRIFT_PERCENT: to the quote's owner and watchers, once a revision, in their language, and
never once the vendor is paid."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from procurement.notices import outbox
from procurement.notices.models import Notice
from procurement.notices.registry import kinds
from procurement.notices.services import notices_record, notification_settings_update
from quotes.services import quote_revision_record_payment
from tests.factories import (
    ExchangeRateFactory,
    UserFactory,
    drifted_usd_revision,
    user_in_role,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)
SUBJECT = "BZ-2026-0199 revision 1: the exchange rate moved its total by +5.00%"
BODY = (
    "Hello,\n\nRevision 1 of BZ-2026-0199 (BIZON) was priced at a landed total of "
    "CHF 10’810.00. At the latest USD rate, 1.05 of 27.11.2026, it would be CHF 11’350.50, "
    "+5.00% (+CHF 540.50).\n"
)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 17, 0, tzinfo=ZoneInfo("Europe/Zurich")))


@pytest.fixture
def owner():
    return UserFactory(email="owner@example.ch")


@pytest.fixture
def accepted(owner):
    revision = drifted_usd_revision(owner=owner)
    revision.quote.watchers.add(UserFactory(email="watcher@example.ch"))
    return revision


def sent() -> int:
    return len(outbox.run("rate_drift", today=TODAY).sent)


def test_the_owner_and_the_watchers_are_told_once(accepted):
    assert sent() == 2
    assert sent() == 0  # a second scan

    assert sorted(message.to[0] for message in mail.outbox) == [
        "owner@example.ch",
        "watcher@example.ch",
    ]
    message = mail.outbox[0]
    assert message.subject == SUBJECT
    assert message.body.startswith(BODY)
    assert f"/admin/quotes/quoterevision/{accepted.pk}/change/" in message.body
    assert "record the payment on the revision" in message.body


def test_a_move_within_the_threshold_tells_nobody(accepted):
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 11, 28), chf_per_unit="1.020000")

    assert sent() == 0  # +2.00%: not more than FX_DRIFT_PERCENT


def test_a_paid_revision_is_not_written_about(accepted):
    quote_revision_record_payment(revision=accepted, user=user_in_role("Buyer"), paid_on=TODAY)

    assert sent() == 0
    assert not Notice.objects.filter(kind="rate_drift").exists()


def test_a_revision_paid_between_scan_and_send_is_left_unsent(accepted):
    kind = kinds()["rate_drift"]
    notices_record(kind=kind, drafts=kind.scan(TODAY).drafts, today=TODAY)
    assert Notice.objects.filter(kind="rate_drift").count() == 2
    quote_revision_record_payment(revision=accepted, user=user_in_role("Buyer"), paid_on=TODAY)

    assert len(outbox.deliver(today=TODAY).sent) == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        (
            "de",
            "BZ-2026-0199 Revision 1: Der Wechselkurs hat ihr Total um +5.00% verschoben",
            "Revision 1 von BZ-2026-0199 (BIZON) wurde mit einem Einstandstotal von "
            "CHF 10’810.00 berechnet. Zum neusten USD-Kurs, 1.05 vom 27.11.2026, wären es "
            "CHF 11’350.50, +5.00% (+CHF 540.50).",
        ),
        (
            "fr",
            "BZ-2026-0199 révision 1 : le taux de change a modifié son total de +5.00%",
            "La révision 1 de BZ-2026-0199 (BIZON) a été calculée à un total rendu de "
            "CHF 10’810.00. Au dernier taux USD, 1.05 du 27.11.2026, il serait de "
            "CHF 11’350.50, +5.00% (+CHF 540.50).",
        ),
    ],
)
def test_the_alert_is_written_in_its_recipients_language(accepted, owner, language, subject, body):
    accepted.quote.watchers.clear()
    notification_settings_update(person=owner, muted_kinds=[], language=language, user=owner)

    assert sent() == 1
    [message] = mail.outbox
    assert message.subject == subject
    assert body in " ".join(message.body.split())
