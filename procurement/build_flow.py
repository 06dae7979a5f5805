"""The status flow of a build: which status may follow which, and why. Pure, no database.

    candidate -> chosen -> ordered -> assembled -> accepted
         \\         \\
          `-> dropped -> candidate (reconsidered)

A person moves a build by hand only while nothing is ordered: choosing a candidate, dropping a
candidate or a chosen build, reconsidering a dropped one. The rest follows other records:
accepting a quote for the build chooses it (a dropped build too); its first order line placed
makes it ordered; every part on an order and installed makes it assembled (and a line taken
back makes it ordered again); the sign-off of its acceptance, by an Approver, makes it
accepted. An accepted build no longer changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class BuildStatus(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    CHOSEN = "chosen", "Chosen"
    ORDERED = "ordered", "Ordered"
    ASSEMBLED = "assembled", "Assembled"
    ACCEPTED = "accepted", "Accepted"
    DROPPED = "dropped", "Dropped"


S = BuildStatus


@dataclass(frozen=True)
class Move:
    """A move of the flow: from any of `sources` to `target`, for the reason given."""

    name: str
    sources: frozenset[BuildStatus]
    target: BuildStatus
    reason: str


# Moves a person makes on the build list.
CHOOSE = Move("choose", frozenset({S.CANDIDATE}), S.CHOSEN, "chosen by hand")
DROP = Move("drop", frozenset({S.CANDIDATE, S.CHOSEN}), S.DROPPED, "dropped by hand")
RECONSIDER = Move("reconsider", frozenset({S.DROPPED}), S.CANDIDATE, "reconsidered")
BY_HAND: tuple[Move, ...] = (CHOOSE, DROP, RECONSIDER)

# Moves that follow other records.
QUOTE_ACCEPTED = Move(
    "quote_accepted", frozenset({S.CANDIDATE, S.DROPPED}), S.CHOSEN, "a quote for it accepted"
)
PLACED = Move(
    "placed",
    frozenset({S.CANDIDATE, S.CHOSEN, S.ASSEMBLED}),
    S.ORDERED,
    "a part on order and not every part installed",
)
INSTALLED = Move(
    "installed",
    frozenset({S.CANDIDATE, S.CHOSEN, S.ORDERED}),
    S.ASSEMBLED,
    "every part ordered and installed",
)
SIGNED_OFF = Move(
    "signed_off", frozenset({S.ORDERED, S.ASSEMBLED}), S.ACCEPTED, "its acceptance signed off"
)
MOVES: tuple[Move, ...] = (*BY_HAND, QUOTE_ACCEPTED, PLACED, INSTALLED, SIGNED_OFF)

# A build that left the flow for good, or was set aside: orders do not move it.
SETTLED: frozenset[BuildStatus] = frozenset({S.ACCEPTED, S.DROPPED})


def label(status: str) -> str:
    return BuildStatus(status).label.lower()


def move_error(move: Move, current: str) -> str | None:
    """Why `move` cannot be made from `current`, in the buyer's words; None if it can."""
    current = BuildStatus(current)
    if current in move.sources:
        return None
    if current == S.ACCEPTED:
        return "This build is accepted; its status no longer changes."
    if move is CHOOSE or move is DROP:
        if current in (S.ORDERED, S.ASSEMBLED):
            return (
                f"This build is {label(current)}: its parts are on order, so its status follows "
                "its orders and its acceptance."
            )
        if current == move.target:
            return f"This build is already {label(current)}."
        return "This build is dropped; reconsider it before choosing it."
    if move is RECONSIDER:
        return f"Only a dropped build can be reconsidered; this one is {label(current)}."
    if move is SIGNED_OFF:
        return (
            f"This build is {label(current)}; it is accepted once its parts are delivered and "
            "its acceptance is signed off."
        )
    return f"A build that is {label(current)} cannot become {label(move.target)} ({move.reason})."


def move_after_orders(current: str, *, placed: bool, complete: bool) -> Move | None:
    """The move the build's orders call for: assembled once every part is ordered and
    installed, ordered while a part is placed and that is not so; None to stay."""
    current = BuildStatus(current)
    if current in SETTLED:
        return None
    if complete:
        return INSTALLED if current != S.ASSEMBLED else None
    if current == S.ASSEMBLED or (placed and current in (S.CANDIDATE, S.CHOSEN)):
        return PLACED
    return None


def move_after_quote_accepted(current: str) -> Move | None:
    """Accepting a quote for the build chooses it, unless it is further on already."""
    return QUOTE_ACCEPTED if BuildStatus(current) in QUOTE_ACCEPTED.sources else None
