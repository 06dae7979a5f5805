"""A build's status has one owner: procurement.build_flow says which moves exist, the build
services are the only writers, and the admin shows the status read-only with its moves."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from procurement import build_flow, build_services
from procurement.models import Build
from tests.factories import (
    AcceptanceChecklistFactory,
    BuildFactory,
    BuildLineFactory,
    UserFactory,
    acting_buyer,
    administrator,
    user_in_role,
)

pytestmark = pytest.mark.django_db

S = Build.Status
EVERY_STATUS = [status for status, _ in S.choices]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# The flow, pure -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("move", "allowed_from"),
    [
        (build_flow.CHOOSE, {"candidate"}),
        (build_flow.DROP, {"candidate", "chosen"}),
        (build_flow.RECONSIDER, {"dropped"}),
        (build_flow.QUOTE_ACCEPTED, {"candidate", "dropped"}),
        (build_flow.PLACED, {"candidate", "chosen", "assembled"}),
        (build_flow.INSTALLED, {"candidate", "chosen", "ordered"}),
        (build_flow.SIGNED_OFF, {"ordered", "assembled"}),
    ],
)
def test_each_move_starts_only_from_its_statuses(move, allowed_from):
    allowed = {status for status in EVERY_STATUS if build_flow.move_error(move, status) is None}

    assert allowed == allowed_from


def test_the_only_move_to_accepted_is_the_sign_off():
    into_accepted = [move.name for move in build_flow.MOVES if move.target == S.ACCEPTED]

    assert into_accepted == ["signed_off"]


@pytest.mark.parametrize(
    ("move", "status", "error"),
    [
        (build_flow.DROP, "ordered", "its parts are on order, so its status follows its orders"),
        (build_flow.CHOOSE, "chosen", "This build is already chosen."),
        (build_flow.CHOOSE, "dropped", "This build is dropped; reconsider it before choosing it."),
        (build_flow.RECONSIDER, "candidate", "Only a dropped build can be reconsidered"),
        (build_flow.DROP, "accepted", "This build is accepted; its status no longer changes."),
        (build_flow.SIGNED_OFF, "chosen", "it is accepted once its parts are delivered and its"),
    ],
)
def test_a_refused_move_says_why(move, status, error):
    assert error in build_flow.move_error(move, status)


@pytest.mark.parametrize(
    ("status", "placed", "complete", "move"),
    [
        ("candidate", False, False, None),
        ("chosen", True, False, "placed"),
        ("candidate", True, False, "placed"),
        ("ordered", True, False, None),
        ("ordered", True, True, "installed"),
        ("assembled", True, True, None),
        ("assembled", True, False, "placed"),  # an installed line was returned
        ("accepted", True, False, None),
        ("dropped", True, True, None),
    ],
)
def test_the_orders_move_the_build(status, placed, complete, move):
    found = build_flow.move_after_orders(status, placed=placed, complete=complete)

    assert (found.name if found else None) == move


# The services ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "start", "end"),
    [
        (build_services.build_choose, "candidate", "chosen"),
        (build_services.build_drop, "candidate", "dropped"),
        (build_services.build_drop, "chosen", "dropped"),
        (build_services.build_reconsider, "dropped", "candidate"),
    ],
)
def test_a_buyer_moves_a_build_by_hand(service, start, end):
    build = BuildFactory(status=start)

    moved = service(build=build, user=acting_buyer())

    assert moved.status == end
    assert Build.objects.get(pk=build.pk).status == end


@pytest.mark.parametrize("role", ["Viewer", "no group"])
def test_who_reads_only_cannot_move_a_build(role):
    build = BuildFactory(status="candidate")
    user = user_in_role(role) if role == "Viewer" else UserFactory(is_staff=True)

    with pytest.raises(PermissionDenied, match="Only users in the Buyer or Approver group may"):
        build_services.build_drop(build=build, user=user)
    assert Build.objects.get(pk=build.pk).status == "candidate"


def test_a_build_on_order_is_not_dropped_by_hand():
    build = BuildFactory(status="ordered")

    with pytest.raises(ValidationError, match="its parts are on order"):
        build_services.build_drop(build=build, user=acting_buyer())
    assert Build.objects.get(pk=build.pk).status == "ordered"


def test_a_buyer_cannot_accept_a_build():
    build = BuildFactory(status="assembled")

    with pytest.raises(PermissionDenied, match="Only users in the Approver group may accept"):
        build_services.build_accept(build=build, user=acting_buyer())
    assert Build.objects.get(pk=build.pk).status == "assembled"


def test_the_following_moves_never_accept_a_build():
    build = BuildFactory(status="assembled")

    with pytest.raises(ValueError, match="signed_off is not a move that follows"):
        build_services.build_follow(
            build=build, move=build_flow.SIGNED_OFF, user=user_in_role("Approver")
        )
    assert Build.objects.get(pk=build.pk).status == "assembled"


def signed_checklist(build):
    return AcceptanceChecklistFactory(
        for_build=build, status="signed", signed_by=administrator(), signed_at=timezone.now()
    )


def test_an_approver_accepts_only_a_build_whose_acceptance_is_signed_off():
    build = BuildFactory(status="assembled")

    with pytest.raises(ValidationError, match="is accepted by signing off its acceptance"):
        build_services.build_accept(build=build, user=user_in_role("Approver"))
    assert Build.objects.get(pk=build.pk).status == "assembled"

    signed_checklist(build)
    assert build_services.build_accept(build=build, user=user_in_role("Approver")).status == (
        "accepted"
    )


def test_an_approver_accepts_only_a_build_whose_parts_are_ordered():
    build = BuildFactory(status="chosen")
    signed_checklist(build)

    with pytest.raises(ValidationError, match="it is accepted once its parts are delivered"):
        build_services.build_accept(build=build, user=user_in_role("Approver"))
    assert Build.objects.get(pk=build.pk).status == "chosen"


# The admin ---------------------------------------------------------------------------------


def build_form(build, **changes):
    """What the build's change page posts back, with `changes`."""
    return {
        "slug": build.slug,
        "code": build.code,
        "name": build.name,
        "noise_class": build.noise_class,
        "system_power_w": build.system_power_w,
        "notes": "",
        "lines-TOTAL_FORMS": 0,
        "lines-INITIAL_FORMS": 0,
        **changes,
    }


@pytest.mark.parametrize("role", ["Buyer", "Approver"])
@pytest.mark.parametrize("start", ["candidate", "ordered", "assembled"])
@pytest.mark.parametrize("posted", EVERY_STATUS)
def test_no_status_posted_to_the_build_form_is_taken(client, role, start, posted):
    build = BuildFactory(status=start)
    BuildLineFactory(for_build=build)
    client.force_login(user_in_role(role))

    response = client.post(
        reverse("admin:procurement_build_change", args=[build.pk]),
        build_form(build, status=posted, notes="Seen at the fair"),
    )

    assert response.status_code == 302
    build.refresh_from_db()
    assert (build.status, build.notes) == (start, "Seen at the fair")


@pytest.mark.parametrize("role", ["Buyer", "Approver"])
@pytest.mark.parametrize("posted", EVERY_STATUS)
def test_a_new_build_is_a_candidate_whatever_is_posted(client, role, posted):
    client.force_login(user_in_role(role))

    client.post(
        reverse("admin:procurement_build_add"),
        build_form(
            Build(slug="new-build", code="N", name="New", noise_class="quiet"), status=posted
        ),
    )

    assert Build.objects.get(slug="new-build").status == "candidate"


def test_the_build_page_shows_the_status_read_only_with_its_moves(client):
    build = BuildFactory(status="candidate")
    client.force_login(user_in_role("Buyer"))

    page = client.get(reverse("admin:procurement_build_change", args=[build.pk])).content.decode()

    assert 'name="status"' not in page
    assert 'value="choose_builds"' in page and 'value="drop_builds"' in page
    assert 'value="reconsider_builds"' not in page


def test_a_viewer_is_offered_no_move(client):
    build = BuildFactory(status="candidate")
    client.force_login(user_in_role("Viewer"))

    page = client.get(reverse("admin:procurement_build_change", args=[build.pk])).content.decode()

    assert "_builds" not in page


def test_dropping_builds_from_the_list(client):
    kept = BuildFactory(slug="kept", status="ordered")
    dropped = BuildFactory(slug="dropped-one", status="chosen")
    client.force_login(user_in_role("Buyer"))

    response = client.post(
        reverse("admin:procurement_build_changelist"),
        {"action": "drop_builds", "_selected_action": [kept.pk, dropped.pk]},
        follow=True,
    )

    assert messages_of(response) == [
        "dropped-one is dropped.",
        "kept: This build is ordered: its parts are on order, so its status follows its orders "
        "and its acceptance.",
    ]
    assert Build.objects.get(pk=kept.pk).status == "ordered"
    assert Build.objects.get(pk=dropped.pk).status == "dropped"
