"""The status flow of quote revisions, enforced by the services."""

import threading
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from procurement.models import Build
from quotes import services
from quotes.models import QuoteLine, QuoteRevision
from quotes.pricing.reads import commitment_of
from tests.factories import (
    BuildFactory,
    QuoteFactory,
    QuoteLineFactory,
    QuoteRevisionFactory,
    UserFactory,
    VatRateFactory,
    acting_buyer,
    revision_through_services,
    user_in_role,
)

pytestmark = pytest.mark.django_db

Status = QuoteRevision.Status
FEB_20 = "2026-02-20 10:00 +01:00"


@pytest.fixture
def approver(db):
    return user_in_role("Approver")


def test_a_new_revision_is_a_draft_numbered_after_the_last(swiss_rules):
    quote = QuoteFactory()
    first = revision_through_services(quote=quote, status=Status.DRAFT)
    second = revision_through_services(quote=quote, status=Status.DRAFT)

    assert (first.number, second.number) == (1, 2)
    assert first.status == second.status == Status.DRAFT


def test_receiving_a_revision_supersedes_the_earlier_received_one(swiss_rules):
    quote = QuoteFactory()
    first = revision_through_services(quote=quote)
    draft = services.quote_revision_new_from_latest(user=acting_buyer(), quote=quote)

    received = services.quote_revision_receive(user=acting_buyer(), revision=draft)

    first.refresh_from_db()
    assert received.status == Status.RECEIVED
    assert received.received_at is not None
    assert first.status == Status.SUPERSEDED


def test_importing_a_received_revision_for_an_existing_quote_supersedes_the_last(swiss_rules):
    quote = QuoteFactory()
    first = revision_through_services(quote=quote)

    second = revision_through_services(quote=quote, lines=(("Workstation", 1, "950.00"),))

    first.refresh_from_db()
    assert second.number == 2
    assert (first.status, second.status) == (Status.SUPERSEDED, Status.RECEIVED)


def test_an_older_draft_cannot_be_received_after_a_later_revision(swiss_rules):
    quote = QuoteFactory()
    older = revision_through_services(quote=quote, status=Status.DRAFT)
    revision_through_services(quote=quote)

    with pytest.raises(ValidationError, match=r"Revision 2 of .* was already received"):
        services.quote_revision_receive(user=acting_buyer(), revision=older)


def test_a_received_revision_cannot_be_received_again(swiss_rules):
    revision = revision_through_services()

    with pytest.raises(ValidationError, match="Only a draft can be received"):
        services.quote_revision_receive(user=acting_buyer(), revision=revision)


def test_receiving_refuses_lines_priced_in_another_currency(swiss_rules):
    draft = revision_through_services(status=Status.DRAFT)
    QuoteLineFactory(revision=draft, unit_price=Decimal("10.00"), unit_price_currency="EUR")

    with pytest.raises(ValidationError, match=r"priced in EUR but revision 1 .* is in CHF"):
        services.quote_revision_receive(user=acting_buyer(), revision=draft)


@pytest.mark.parametrize(
    "status", [Status.RECEIVED, Status.ACCEPTED, Status.REJECTED, Status.EXPIRED, Status.SUPERSEDED]
)
def test_the_terms_of_a_revision_past_draft_cannot_be_changed(status):
    revision = QuoteRevisionFactory(status=status)

    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.quote_revision_update(
            user=acting_buyer(),
            revision=revision,
            expected_version=revision.version,
            valid_until=date(2026, 12, 31),
        )
    revision.refresh_from_db()
    assert revision.valid_until == date(2026, 3, 18)


@pytest.mark.parametrize("edit", ["add", "update", "delete"])
def test_the_lines_of_a_received_revision_cannot_be_changed(swiss_rules, edit):
    revision = revision_through_services(lines=(("GPU", 2, "8000.00"), ("Case", 1, "200.00")))
    line = revision.lines.first()
    edits = {
        "add": lambda: services.quote_line_add(
            user=acting_buyer(),
            revision=revision,
            line=services.LineData(description="Fan", quantity=1, unit_price=Decimal("30")),
        ),
        "update": lambda: services.quote_line_update(
            user=acting_buyer(), line=line, unit_price=Decimal("1.00")
        ),
        "delete": lambda: services.quote_line_delete(user=acting_buyer(), line=line),
    }

    with pytest.raises(ValidationError, match="kept as the vendor sent it"):
        edits[edit]()
    assert [(line.description, line.unit_price.amount) for line in revision.lines.all()] == [
        ("GPU", Decimal("8000.00")),
        ("Case", Decimal("200.00")),
    ]


def test_the_lines_of_a_draft_can_be_added_changed_and_deleted(swiss_rules):
    draft = revision_through_services(status=Status.DRAFT, lines=(("GPU", 1, "8000.00"),))
    gpu = draft.lines.get()

    fan = services.quote_line_add(
        user=acting_buyer(),
        revision=draft,
        line=services.LineData(description="Fan", quantity=3, unit_price=Decimal("30.00")),
    )
    services.quote_line_update(
        user=acting_buyer(), line=gpu, quantity=2, unit_price=Decimal("7900.00")
    )
    services.quote_line_delete(user=acting_buyer(), line=fan)

    assert [
        (line.description, line.quantity, line.unit_price.amount) for line in draft.lines.all()
    ] == [("GPU", 2, Decimal("7900.00"))]


def test_the_last_line_of_a_draft_cannot_be_deleted(swiss_rules):
    draft = revision_through_services(status=Status.DRAFT)

    with pytest.raises(ValidationError, match="needs at least one line"):
        services.quote_line_delete(user=acting_buyer(), line=draft.lines.get())


def test_the_landed_cost_of_a_received_revision_is_never_computed_again(swiss_rules):
    revision = revision_through_services(lines=(("Workstation", 1, "10810.00"),))
    frozen = (revision.landed_total_chf, revision.landed_net_chf, revision.landed_breakdown)
    VatRateFactory(valid_from=date(2026, 1, 1), rate_percent=Decimal("9.00"))

    with pytest.raises(
        ValidationError, match="kept as it was computed when the revision was received"
    ):
        services.quote_revision_refresh_landed_cost(user=acting_buyer(), revision=revision)
    revision.refresh_from_db()
    assert (revision.landed_total_chf, revision.landed_net_chf, revision.landed_breakdown) == frozen
    assert revision.landed_net_chf == Decimal("10000.00")


def test_a_new_revision_copies_the_latest_terms_and_lines_as_a_draft(swiss_rules):
    quote = QuoteFactory()
    latest = revision_through_services(
        quote=quote,
        lines=(("GPU", 2, "8000.00"), ("Case", 1, "200.00")),
        shipping=Decimal("50.00"),
        note="Delivery in 3 weeks",
    )

    draft = services.quote_revision_new_from_latest(user=acting_buyer(), quote=quote)

    assert (draft.number, draft.status) == (2, Status.DRAFT)
    assert (draft.valid_until, draft.shipping.amount, draft.note) == (
        latest.valid_until,
        Decimal("50.00"),
        "Delivery in 3 weeks",
    )
    assert [
        (line.description, line.quantity, line.unit_price.amount) for line in draft.lines.all()
    ] == [
        ("GPU", 2, Decimal("8000.00")),
        ("Case", 1, Decimal("200.00")),
    ]
    latest.refresh_from_db()
    assert latest.status == Status.RECEIVED


def test_a_new_revision_is_refused_while_the_latest_is_still_a_draft(swiss_rules):
    quote = QuoteFactory()
    revision_through_services(quote=quote, status=Status.DRAFT)

    with pytest.raises(ValidationError, match="is still a draft"):
        services.quote_revision_new_from_latest(user=acting_buyer(), quote=quote)


def test_a_new_revision_needs_a_revision_to_copy():
    with pytest.raises(ValidationError, match="has no revision to copy"):
        services.quote_revision_new_from_latest(user=acting_buyer(), quote=QuoteFactory())


# Accepting and rejecting ------------------------------------------------------------------


@time_machine.travel(FEB_20)
def test_accepting_records_who_and_when_and_keeps_the_chf_figures(swiss_rules, approver):
    build = BuildFactory(status=Build.Status.CANDIDATE)
    revision = revision_through_services(
        quote=QuoteFactory(build=build), lines=(("Workstation", 1, "8183.00"),)
    )
    figures = (revision.landed_total_chf, revision.landed_net_chf, revision.landed_breakdown)

    accepted = services.quote_revision_accept(revision=revision, user=approver)

    accepted.refresh_from_db()
    build.refresh_from_db()
    assert accepted.status == Status.ACCEPTED
    assert accepted.accepted_by == approver
    assert accepted.accepted_at.isoformat().startswith("2026-02-20T09:00")
    assert (
        accepted.landed_total_chf,
        accepted.landed_net_chf,
        accepted.landed_breakdown,
    ) == figures
    assert build.status == Build.Status.CHOSEN
    assert [rev.revision_id for rev in commitment_of(build).revisions] == [accepted.pk]


@time_machine.travel(FEB_20)
def test_accepting_leaves_a_build_that_is_already_ordered_as_it_is(swiss_rules, approver):
    build = BuildFactory(status=Build.Status.ORDERED)
    revision = revision_through_services(quote=QuoteFactory(build=build))

    services.quote_revision_accept(revision=revision, user=approver)

    build.refresh_from_db()
    assert build.status == Build.Status.ORDERED


@time_machine.travel(FEB_20)
@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Status.DRAFT, "is a draft; receive it from the vendor before accepting it"),
        (Status.SUPERSEDED, "was superseded by a later revision"),
        (Status.EXPIRED, r"expired \(it was valid until 18.03.2026\)"),
        (Status.REJECTED, "was rejected and cannot be accepted"),
        (Status.ACCEPTED, "is already accepted"),
    ],
)
def test_only_a_received_revision_can_be_accepted(approver, status, message):
    revision = QuoteRevisionFactory(status=status, landed_total_chf=Decimal("100.00"))

    with pytest.raises(ValidationError, match=message):
        services.quote_revision_accept(revision=revision, user=approver)
    revision.refresh_from_db()
    assert revision.status == status


def test_a_received_revision_past_its_validity_cannot_be_accepted(swiss_rules, approver):
    revision = revision_through_services(valid_until=date(2026, 3, 18))

    with (
        time_machine.travel("2026-03-19 08:00 +01:00"),
        pytest.raises(ValidationError, match=r"was valid until 18\.03\.2026 and can no longer"),
    ):
        services.quote_revision_accept(revision=revision, user=approver)
    with time_machine.travel("2026-03-18 23:00 +01:00"):
        assert services.quote_revision_accept(revision=revision, user=approver).status == (
            Status.ACCEPTED
        )


@time_machine.travel(FEB_20)
def test_an_estimate_cannot_be_accepted(swiss_rules, approver):
    revision = revision_through_services(quote=QuoteFactory(is_estimate=True))

    with pytest.raises(ValidationError, match="is an estimate from published prices"):
        services.quote_revision_accept(revision=revision, user=approver)


@time_machine.travel(FEB_20)
@pytest.mark.parametrize(
    ("role", "may_accept"), [("Viewer", False), ("Buyer", False), ("Approver", True)]
)
def test_only_approvers_accept(swiss_rules, role, may_accept):
    revision = revision_through_services()
    user = user_in_role(role)

    if may_accept:
        assert services.quote_revision_accept(revision=revision, user=user).status == "accepted"
    else:
        with pytest.raises(
            PermissionDenied, match="Only users in the Approver group may accept quote revisions"
        ):
            services.quote_revision_accept(revision=revision, user=user)
        revision.refresh_from_db()
        assert revision.status == Status.RECEIVED


@time_machine.travel(FEB_20)
def test_a_superuser_may_accept(swiss_rules):
    revision = revision_through_services()

    accepted = services.quote_revision_accept(
        revision=revision, user=UserFactory(is_staff=True, is_superuser=True)
    )

    assert accepted.status == Status.ACCEPTED


@time_machine.travel(FEB_20)
def test_accepting_a_later_revision_supersedes_the_earlier_accepted_one(swiss_rules, approver):
    quote = QuoteFactory()
    first = services.quote_revision_accept(
        revision=revision_through_services(quote=quote), user=approver
    )
    second = services.quote_revision_receive(
        user=acting_buyer(),
        revision=services.quote_revision_new_from_latest(user=acting_buyer(), quote=quote),
    )
    first.refresh_from_db()
    assert first.status == Status.ACCEPTED  # receiving a new revision leaves a decision alone

    services.quote_revision_accept(revision=second, user=approver)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.SUPERSEDED, Status.ACCEPTED)


@time_machine.travel(FEB_20)
def test_accepting_a_revision_loaded_without_figures_computes_them_once(swiss_rules, approver):
    revision = QuoteRevisionFactory(status=Status.RECEIVED, prices_include_vat=True)
    QuoteLineFactory(revision=revision, unit_price=Decimal("1081.00"))

    accepted = services.quote_revision_accept(revision=revision, user=approver)

    assert (accepted.landed_total_chf, accepted.landed_net_chf) == (
        Decimal("1081.00"),
        Decimal("1000.00"),
    )


def test_rejecting_records_who_when_and_why(swiss_rules, approver):
    revision = revision_through_services()

    rejected = services.quote_revision_reject(
        revision=revision, user=approver, reason="  Lead time of 10 weeks  "
    )

    rejected.refresh_from_db()
    assert rejected.status == Status.REJECTED
    assert (rejected.rejected_by, rejected.rejection_reason) == (approver, "Lead time of 10 weeks")
    assert rejected.rejected_at is not None


def test_rejecting_needs_a_reason(swiss_rules, approver):
    revision = revision_through_services()

    with pytest.raises(ValidationError, match="Say why the revision is rejected"):
        services.quote_revision_reject(revision=revision, user=approver, reason="  ")


@pytest.mark.parametrize("role", ["Viewer", "Buyer"])
def test_only_approvers_reject(swiss_rules, role):
    revision = revision_through_services()

    with pytest.raises(
        PermissionDenied, match="Only users in the Approver group may reject quote revisions"
    ):
        services.quote_revision_reject(revision=revision, user=user_in_role(role), reason="No")
    revision.refresh_from_db()
    assert revision.status == Status.RECEIVED


@pytest.mark.parametrize("status", [Status.DRAFT, Status.ACCEPTED, Status.EXPIRED])
def test_only_a_received_revision_can_be_rejected(approver, status):
    revision = QuoteRevisionFactory(status=status)

    with pytest.raises(ValidationError, match="Only a received revision can be rejected"):
        services.quote_revision_reject(revision=revision, user=approver, reason="No")


def test_the_database_holds_one_open_received_revision_per_quote():
    quote = QuoteFactory()
    QuoteRevisionFactory(quote=quote, number=1, status=Status.RECEIVED)

    with pytest.raises(IntegrityError), transaction.atomic():
        QuoteRevisionFactory(quote=quote, number=2, status=Status.RECEIVED)


# Two people editing one draft -------------------------------------------------------------


def test_the_second_save_of_the_same_draft_is_refused(swiss_rules):
    draft = revision_through_services(status=Status.DRAFT)
    loaded_by_both = draft.version

    services.quote_revision_update(
        user=acting_buyer(),
        revision=draft,
        expected_version=loaded_by_both,
        valid_until=date(2026, 4, 30),
    )
    with pytest.raises(ValidationError, match=r"was changed .* while you were editing it"):
        services.quote_revision_update(
            user=acting_buyer(),
            revision=draft,
            expected_version=loaded_by_both,
            valid_until=date(2026, 5, 31),
        )

    draft.refresh_from_db()
    assert (draft.valid_until, draft.version) == (date(2026, 4, 30), loaded_by_both + 1)


def test_updating_a_draft_keeps_shipping_in_its_currency(swiss_rules):
    draft = revision_through_services(status=Status.DRAFT, shipping=Decimal("40.00"))

    updated = services.quote_revision_update(
        user=acting_buyer(),
        revision=draft,
        expected_version=draft.version,
        currency="EUR",
        fx_rate=Decimal("0.94"),
    )

    assert (str(updated.shipping.currency), updated.shipping.amount) == ("EUR", Decimal("40.00"))
    assert updated.fx_rate == Decimal("0.94")


def test_updating_refuses_what_is_not_a_term():
    draft = QuoteRevisionFactory(status=Status.DRAFT)

    with pytest.raises(TypeError, match="status"):
        services.quote_revision_update(
            user=acting_buyer(), revision=draft, expected_version=1, status="accepted"
        )


# Numbering under concurrency --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_revisions_of_one_quote_get_consecutive_numbers(swiss_rules):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has a single writer, so there is no race to test")
    quote = QuoteFactory()
    writers = 8
    start = threading.Barrier(writers)
    numbers, errors = [], []

    def create_revision():
        try:
            start.wait()
            numbers.append(revision_through_services(quote=quote, status=Status.DRAFT).number)
        except Exception as error:  # reported below with the numbers
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create_revision) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(numbers) == list(range(1, writers + 1))
    assert QuoteLine.objects.filter(revision__quote=quote).count() == writers


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Only a received revision can be rejected; revision 1 of DG-7 is draft."),
        (
            "de",
            "Nur eine erhaltene Revision kann abgelehnt werden; Revision 1 von DG-7 ist ein "
            "Entwurf.",
        ),
        (
            "fr",
            "Seule une révision reçue peut être refusée ; la révision 1 de DG-7 est un brouillon.",
        ),
    ],
)
def test_a_refusal_names_the_revision_in_the_users_language(approver, language, expected):
    revision = QuoteRevisionFactory(status=Status.DRAFT, number=1, quote__reference="DG-7")

    with translation.override(language), pytest.raises(ValidationError) as refused:
        services.quote_revision_reject(revision=revision, user=approver, reason="No")

    assert refused.value.messages == [expected]


@time_machine.travel(FEB_20)
def test_a_refused_acceptance_reads_in_german(approver):
    revision = QuoteRevisionFactory(
        status=Status.SUPERSEDED, number=2, quote__reference="DG-8", landed_total_chf=100
    )

    with translation.override("de"), pytest.raises(ValidationError) as refused:
        services.quote_revision_accept(revision=revision, user=approver)

    assert refused.value.messages == [
        "Revision 2 von DG-8 wurde durch eine spätere Revision ersetzt; nehmen Sie stattdessen "
        "die neueste Revision an."
    ]
