"""History names the person who acted: in the admin, in the services called from a command,
and after the person's account is deleted. Commands act as a user of their own."""

import json
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from procurement.acceptance.models import AcceptanceItem
from procurement.roles import SYSTEM_USERNAME
from quotes import services
from quotes.models import QuoteRevision
from tests.acceptance_helpers import DATA, delivered_build
from tests.factories import (
    QuoteFactory,
    UserFactory,
    VendorFactory,
    acting_buyer,
    revision_through_services,
    user_in_role,
)

pytestmark = pytest.mark.django_db

FEB_20 = "2026-02-20 10:00 +01:00"


def text_of(response) -> str:
    return " ".join(response.content.decode().split())


@pytest.fixture
def accepted_by_anna(swiss_rules, client):
    """A revision entered by a Buyer and accepted by Anna from the admin."""
    with time_machine.travel(FEB_20):
        revision = revision_through_services(lines=(("Workstation", 1, "8183.00"),))
    anna = user_in_role("Approver", username="anna")
    client.force_login(anna)
    with time_machine.travel("2026-02-20 11:00 +01:00"):
        client.post(
            reverse("admin:quotes_quoterevision_changelist"),
            {"action": "accept_revisions", "_selected_action": revision.pk},
        )
    revision.refresh_from_db()
    assert revision.status == QuoteRevision.Status.ACCEPTED
    return revision


def history_page(client, revision) -> str:
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return text_of(client.get(reverse("admin:quotes_quoterevision_history", args=[revision.pk])))


def test_the_acceptance_names_the_approver_in_the_history(client, accepted_by_anna):
    page = history_page(client, accepted_by_anna)

    assert "Accepted by: — → anna" in page.replace("&rarr;", "→").replace("</strong>", "")
    assert "Deleted user" not in page
    assert accepted_by_anna.history.first().history_user_name == "anna"


def test_a_deleted_approver_is_still_named_in_the_history(client, accepted_by_anna):
    get_user_model().objects.filter(username="anna").delete()

    page = history_page(client, accepted_by_anna).replace("&rarr;", "→").replace("</strong>", "")

    assert "Accepted by: — → anna" in page
    assert "<td>anna</td>" in page  # changed by
    assert "Deleted user" not in page


def test_the_history_of_a_service_called_outside_a_request_names_its_user(swiss_rules):
    draft = revision_through_services(status="draft")
    buyer = user_in_role("Buyer", username="berta")

    services.quote_revision_receive(revision=draft, user=buyer)

    record = draft.history.first()
    assert (record.history_user, record.history_user_name) == (buyer, "berta")


def test_the_lines_of_a_deleted_buyer_keep_their_name(client, swiss_rules):
    revision = revision_through_services(status="draft")
    berta = user_in_role("Buyer", username="berta")
    services.quote_line_add(
        revision=revision,
        user=berta,
        line=services.LineData(description="Case", quantity=1, unit_price=100),
    )
    berta.delete()

    page = history_page(client, revision)

    assert "berta" in page
    assert "Deleted user" not in page


# Commands act as someone --------------------------------------------------------------------

QUOTE_FILE = {
    "vendor": "digitec",
    "reference": "DG-1",
    "issued": "2026-02-16",
    "valid_until": "2026-03-18",
    "currency": "CHF",
    "prices_include_vat": True,
    "lines": [{"description": "Workstation", "quantity": 1, "unit_price": "1081.00"}],
}


@pytest.fixture
def quote_file(tmp_path, swiss_rules):
    VendorFactory(slug="digitec", name="Digitec")
    path = tmp_path / "quote.json"
    path.write_text(json.dumps(QUOTE_FILE))
    return path


def test_a_command_acts_as_the_system_account_by_default(quote_file):
    call_command("import_quote", str(quote_file), stdout=StringIO())

    revision = QuoteRevision.objects.get(quote__reference="DG-1")
    assert revision.history.first().history_user.username == SYSTEM_USERNAME == "system"


def test_the_system_account_is_a_buyer_that_cannot_log_in():
    system = get_user_model().objects.get(username="system")

    assert (system.is_active, system.is_staff, system.has_usable_password()) == (True, False, False)
    assert list(system.groups.values_list("name", flat=True)) == ["Buyer"]


def test_a_command_acts_as_the_user_named(quote_file):
    user_in_role("Buyer", username="berta")

    call_command("import_quote", str(quote_file), "--as", "berta", stdout=StringIO())

    revision = QuoteRevision.objects.get(quote__reference="DG-1")
    assert revision.history.first().history_user.username == "berta"


def test_a_command_as_someone_who_may_not_changes_nothing(quote_file):
    user_in_role("Viewer", username="vera")

    with pytest.raises(CommandError) as refused:
        call_command("import_quote", str(quote_file), "--as", "vera", stdout=StringIO())

    assert (
        str(refused.value)
        == "--as vera: Only users in the Buyer or Approver group may enter quotes."
    )
    assert not QuoteRevision.objects.exists()


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ("nobody", "--as: there is no user 'nobody'."),
        ("gone", "--as: gone is not an active user."),
    ],
)
def test_a_command_as_an_unknown_or_inactive_user_is_refused(quote_file, user, message):
    UserFactory(username="gone", is_active=False)

    with pytest.raises(CommandError, match=message):
        call_command("import_quote", str(quote_file), "--as", user, stdout=StringIO())
    assert not QuoteRevision.objects.exists()


def test_nvidia_smis_import_records_as_the_user_named():
    build = delivered_build()
    acting_buyer()  # the services delivered it as this Buyer
    user_in_role("Buyer", username="ben")

    call_command(
        "import_nvidia_smi",
        build.slug,
        str(DATA / "rtx-pro-6000.xml"),
        "--as",
        "ben",
        stdout=StringIO(),
    )

    item = AcceptanceItem.objects.get(checklist__build=build, kind="gpu_model")
    assert (item.recorded_by.username, item.history.first().history_user_name) == ("ben", "ben")


def test_nvidia_smis_import_by_a_viewer_changes_nothing():
    build = delivered_build()
    user_in_role("Viewer", username="vera")

    with pytest.raises(CommandError, match="Only users in the Buyer or Approver group may"):
        call_command(
            "import_nvidia_smi",
            build.slug,
            str(DATA / "rtx-pro-6000.xml"),
            "--as",
            "vera",
            stdout=StringIO(),
        )
    assert not AcceptanceItem.objects.filter(checklist__build=build, recorded_by__isnull=False)


def test_a_quote_of_a_vendor_is_entered_by_its_user(swiss_rules):
    quote = QuoteFactory()

    revision = revision_through_services(quote=quote, user=user_in_role("Buyer", username="bo"))

    assert revision.history.earliest("history_date").history_user_name == "bo"
