"""Writes of a build's status: the only code that sets it, along procurement.build_flow.

A person chooses, drops or reconsiders a build here; the order, quote and acceptance services
call `build_follow` and `build_accept` for the moves that follow their records.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from procurement import build_flow
from procurement.acceptance.models import AcceptanceChecklist
from procurement.build_flow import Move
from procurement.history import acting
from procurement.models import Build
from procurement.permissions import require

CHANGE_BUILD = "procurement.change_build"
SIGN_OFF = "procurement.sign_off_acceptancechecklist"
FOLLOWING = (build_flow.QUOTE_ACCEPTED, build_flow.PLACED, build_flow.INSTALLED)


def _move(build: Build, move: Move) -> Build:
    build = Build.objects.select_for_update().get(pk=build.pk)
    error = build_flow.move_error(move, build.status)
    if error:
        raise ValidationError(
            _("%(slug)s: %(error)s") % {"slug": build.slug, "error": error}, code="flow"
        )
    build.status = move.target
    build.full_clean()
    build.save(update_fields=["status"])
    return build


def _by_hand(build: Build, move: Move, user: User) -> Build:
    require(user, CHANGE_BUILD, _("choose, drop or reconsider a build"))
    return _move(build, move)


@acting
@transaction.atomic
def build_choose(*, build: Build, user: User) -> Build:
    """A candidate becomes the build to buy, before any quote for it is accepted."""
    return _by_hand(build, build_flow.CHOOSE, user)


@acting
@transaction.atomic
def build_drop(*, build: Build, user: User) -> Build:
    """A candidate or chosen build is set aside; nothing of it is on order."""
    return _by_hand(build, build_flow.DROP, user)


@acting
@transaction.atomic
def build_reconsider(*, build: Build, user: User) -> Build:
    """A dropped build is a candidate again."""
    return _by_hand(build, build_flow.RECONSIDER, user)


@acting
@transaction.atomic
def build_follow(*, build: Build, move: Move, user: User) -> Build:
    """A move that follows another record (a quote accepted, a part placed or installed),
    made by the service that changed that record, on behalf of its user."""
    if move not in FOLLOWING:
        raise ValueError(f"{move.name} is not a move that follows other records")
    require(user, CHANGE_BUILD, _("change a build's status"))
    return _move(build, move)


@acting
@transaction.atomic
def build_accept(*, build: Build, user: User) -> Build:
    """The build is accepted: its acceptance checklist is signed off (the sign-off service
    calls this as it signs)."""
    require(user, SIGN_OFF, _("accept a build by signing off its acceptance"))
    signed = AcceptanceChecklist.Status.SIGNED
    if not AcceptanceChecklist.objects.filter(build=build, status=signed).exists():
        raise ValidationError(
            _("%(build)s is accepted by signing off its acceptance checklist, and only so.")
            % {"build": build.slug},
            code="flow",
        )
    return _move(build, build_flow.SIGNED_OFF)
