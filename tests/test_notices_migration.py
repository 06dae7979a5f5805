"""The claims of the three notifiers before the outbox become its notices: nothing already
sent is sent again, and an unsent expiry notice still goes out."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from procurement.models import Notice, UnitWarranty
from procurement.notices import outbox
from procurement.order_flow import LineStatus
from quotes.models import QuoteRevision
from tests.factories import (
    FollowedQuoteFactory,
    OrderFactory,
    OrderLineFactory,
    QuoteRevisionFactory,
    UserFactory,
)
from tests.order_steps import walk
from tests.test_warranty_reminders import owner, signed_build, signer  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_root")]

ZURICH = ZoneInfo("Europe/Zurich")
BEFORE = [
    ("procurement", "0006_acceptance_unit_serial_items"),
    ("quotes", "0004_revision_labels_in_plain_words"),
]
SENT_AT = datetime(2026, 3, 16, 7, 0, tzinfo=ZURICH)


def latest():
    """Every app's last migration: the claims' migration and all that came after it."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_old_claims_become_notices_and_nothing_sent_is_sent_again(signed_build):  # noqa: F811
    anna = UserFactory(username="anna-quotes", email="anna.q@example.ch")
    watcher = UserFactory(username="watcher", email="watcher@example.ch")
    reminded = QuoteRevisionFactory(
        quote=FollowedQuoteFactory(
            vendor__name="BIZON", reference="BZ-1", owner=anna, watchers=[watcher]
        ),
        valid_until=date(2026, 3, 18),
    )
    unsent_expiry = QuoteRevisionFactory(
        quote=FollowedQuoteFactory(vendor__name="RECT", reference="RC-7", owner=anna),
        valid_until=date(2026, 3, 14),
        status=QuoteRevision.Status.EXPIRED,
    )
    line = walk(OrderLineFactory(order=OrderFactory(owner=anna)), LineStatus.SHIPPED)
    line.expected_on = date(2026, 3, 10)
    line.save(update_fields=["expected_on"])
    warranties = list(UnitWarranty.objects.order_by("pk"))
    ends_on = warranties[0].ends_on

    old = migrate(BEFORE)
    old.get_model("quotes", "ReminderClaim").objects.bulk_create(
        [
            old.get_model("quotes", "ReminderClaim")(
                revision_id=reminded.pk,
                step=2,
                sent_at=SENT_AT,
                recipients="anna.q@example.ch, watcher@example.ch",
                attempts=1,
            ),
            old.get_model("quotes", "ReminderClaim")(
                revision_id=unsent_expiry.pk,
                step=-1,
                attempts=2,
                last_error="SMTPServerDisconnected: gone",
            ),
        ]
    )
    old.get_model("procurement", "OverdueDigest").objects.create(
        recipient_id=anna.pk, digest_date=date(2026, 3, 16), line_count=1
    )
    old.get_model("procurement", "WarrantyReminder").objects.bulk_create(
        old.get_model("procurement", "WarrantyReminder")(
            warranty_id=warranty.pk,
            sent_on=ends_on - timedelta(days=60),
            recipients="anna@example.ch, vera@example.ch",
        )
        for warranty in warranties
    )
    migrate(latest())

    assert sorted(Notice.objects.values_list("kind", "step", "address", "status")) == [
        ("overdue_digest", "digest", "anna.q@example.ch", "sent"),
        ("quote_reminder", "2", "anna.q@example.ch", "sent"),
        ("quote_reminder", "2", "watcher@example.ch", "sent"),
        ("quote_reminder", "expired", "anna.q@example.ch", "pending"),
        ("warranty_reminder", "ending", "anna@example.ch", "sent"),
        ("warranty_reminder", "ending", "vera@example.ch", "sent"),
    ]
    outbox.run("quote_reminder", today=date(2026, 3, 17))
    outbox.run("overdue_digest", today=date(2026, 3, 16))
    outbox.run("warranty_reminder", today=ends_on - timedelta(days=30))
    # Only the expiry notice that never went out goes now, to the quote's owner.
    assert [(message.to, message.subject) for message in mail.outbox] == [
        (["anna.q@example.ch"], "RECT RC-7: quote expired on 14.03.2026")
    ]
