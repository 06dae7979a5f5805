"""Viewer, Buyer and Approver: groups made by a migration, kept to their rules."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.urls import reverse

from procurement.roles import ROLES, sync_roles
from tests.factories import UserFactory, VendorFactory, revision_through_services, user_in_role

pytestmark = pytest.mark.django_db


def granted(role: str) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_the_migration_creates_the_three_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Viewer", "Buyer", "Approver"}
    assert [role.name for role in ROLES] == ["Viewer", "Buyer", "Approver"]


@pytest.mark.parametrize(
    ("permission", "viewer", "buyer", "approver"),
    [
        ("quotes.view_quote", True, True, True),
        ("quotes.view_exchangerate", True, True, True),
        ("procurement.view_requirements", True, True, True),
        ("quotes.add_quote", False, True, True),
        ("quotes.change_quote", False, True, True),
        ("quotes.add_quoterevision", False, True, True),
        ("quotes.change_quoterevision", False, True, True),
        ("quotes.change_quoteline", False, True, True),
        ("quotes.delete_quoteline", False, True, True),
        ("procurement.change_vendor", False, True, True),
        ("procurement.add_component", False, True, True),
        ("procurement.change_build", False, True, True),
        ("procurement.add_priceobservation", False, True, True),
        ("quotes.decide_quoterevision", False, False, True),
        ("quotes.delete_quote", False, False, False),
        ("quotes.delete_quoterevision", False, False, False),
        ("quotes.change_exchangerate", False, False, False),
        ("quotes.change_vatrate", False, False, False),
        ("quotes.change_clearancefeeschedule", False, False, False),
        ("procurement.change_requirements", False, False, False),
        ("quotes.change_historicalquoterevision", False, False, False),
        ("procurement.change_formeruser", False, False, False),
        ("procurement.view_formeruser", True, True, True),
    ],
)
def test_what_each_role_may_do(permission, viewer, buyer, approver):
    for role, expected in (("Viewer", viewer), ("Buyer", buyer), ("Approver", approver)):
        assert user_in_role(role).has_perm(permission) is expected, (role, permission)


def test_a_viewer_reads_everything_and_changes_nothing():
    every_view = {
        f"{permission.content_type.app_label}.{permission.codename}"
        for permission in Permission.objects.filter(
            content_type__app_label__in=["procurement", "quotes"], codename__startswith="view_"
        ).select_related("content_type")
    }

    assert granted("Viewer") == every_view


def test_syncing_twice_changes_nothing():
    before = {role.name: granted(role.name) for role in ROLES}

    sync_roles()
    sync_roles()

    assert {role.name: granted(role.name) for role in ROLES} == before
    assert Group.objects.filter(name__in=[role.name for role in ROLES]).count() == 3


def test_syncing_puts_the_groups_back_to_their_rules():
    buyer, viewer = Group.objects.get(name="Buyer"), Group.objects.get(name="Viewer")
    buyer.permissions.remove(Permission.objects.get(codename="add_quoterevision"))
    viewer.permissions.add(Permission.objects.get(codename="change_quote"))

    sync_roles()

    assert "quotes.add_quoterevision" in granted("Buyer")
    assert "quotes.change_quote" not in granted("Viewer")


def test_a_model_added_later_gets_its_permissions_in_the_roles_after_migrate():
    claim = ContentType.objects.create(app_label="procurement", model="warrantyclaim")
    for codename in (
        "add_warrantyclaim",
        "change_warrantyclaim",
        "delete_warrantyclaim",
        "view_warrantyclaim",
        "sign_off_warrantyclaim",
    ):
        Permission.objects.create(content_type=claim, codename=codename, name=codename)

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert {"procurement.view_warrantyclaim"} <= granted("Viewer")
    assert {"procurement.add_warrantyclaim", "procurement.change_warrantyclaim"} <= granted("Buyer")
    assert "procurement.delete_warrantyclaim" not in granted("Buyer")
    assert "procurement.sign_off_warrantyclaim" not in granted("Buyer")
    assert "procurement.sign_off_warrantyclaim" in granted("Approver")


# Each role in the admin ---------------------------------------------------------------------


@pytest.fixture
def revisions(swiss_rules):
    received = revision_through_services()
    draft = revision_through_services(status="draft")
    return received, draft


@pytest.mark.parametrize(
    ("role", "page", "status"),
    [
        ("Viewer", "admin:quotes_quote_changelist", 200),
        ("Viewer", "admin:quotes_quoterevision_changelist", 200),
        ("Viewer", "admin:procurement_vendor_changelist", 200),
        ("Viewer", "admin:quotes_exchangerate_changelist", 200),
        ("Viewer", "admin:quotes_quoterevision_add", 403),
        ("Viewer", "admin:quotes_quote_add", 403),
        ("Buyer", "admin:quotes_quoterevision_add", 200),
        ("Buyer", "admin:quotes_quote_add", 200),
        ("Buyer", "admin:procurement_vendor_add", 200),
        ("Buyer", "admin:quotes_exchangerate_add", 403),
        ("Approver", "admin:quotes_quoterevision_add", 200),
        ("Approver", "admin:quotes_vatrate_add", 403),
    ],
)
def test_admin_pages_each_role_may_open(client, role, page, status):
    client.force_login(user_in_role(role))

    assert client.get(reverse(page)).status_code == status


def test_a_viewer_sees_a_draft_but_cannot_save_it(client, revisions):
    _, draft = revisions
    client.force_login(user_in_role("Viewer"))
    url = reverse("admin:quotes_quoterevision_change", args=[draft.pk])

    page = client.get(url)
    refused = client.post(url, {"note": "changed", "loaded_version": draft.version})

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert b'name="note"' not in page.content
    assert refused.status_code == 403
    draft.refresh_from_db()
    assert draft.note == ""


@pytest.mark.parametrize(
    ("role", "actions"),
    [
        ("Viewer", ["export_csv", "export_xlsx"]),
        (
            "Buyer",
            [
                "receive_revisions",
                "record_payments",
                "order_selected_revisions",
                "export_csv",
                "export_xlsx",
            ],
        ),
        (
            "Approver",
            [
                "receive_revisions",
                "accept_revisions",
                "reject_revisions",
                "record_payments",
                "order_selected_revisions",
                "export_csv",
                "export_xlsx",
            ],
        ),
    ],
)
def test_the_revision_actions_each_role_is_offered(client, revisions, role, actions):
    client.force_login(user_in_role(role))

    page = client.get(reverse("admin:quotes_quoterevision_changelist"))

    form = page.context["action_form"]  # None when no action is offered
    offered = [name for name, _ in form.fields["action"].choices if name] if form else []
    assert offered == actions


@pytest.mark.parametrize(("role", "offered"), [("Viewer", False), ("Buyer", True)])
def test_new_revision_is_offered_to_buyers_only(client, revisions, role, offered):
    received, _ = revisions
    client.force_login(user_in_role(role))

    page = client.get(reverse("admin:quotes_quote_change", args=[received.quote.pk]))

    assert (b'value="new_revision"' in page.content) is offered


def test_a_viewer_cannot_post_a_change_to_a_vendor(client):
    vendor = VendorFactory(name="Digitec")
    client.force_login(user_in_role("Viewer"))

    response = client.post(
        reverse("admin:procurement_vendor_change", args=[vendor.pk]), {"name": "Changed"}
    )

    assert response.status_code == 403
    vendor.refresh_from_db()
    assert vendor.name == "Digitec"


def test_staff_without_a_role_sees_no_quotes(client):
    client.force_login(UserFactory(is_staff=True))

    assert client.get(reverse("admin:quotes_quote_changelist")).status_code == 403


def test_the_admin_of_make_run_is_a_superuser_who_may_decide():
    call_command("bootstrap", stdout=io.StringIO())

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.has_perm("quotes.decide_quoterevision")
