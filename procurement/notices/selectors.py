"""Reads of the outbox: what is known about the notices a scan found due, who turned a kind
off, and the Notices page."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, QuerySet

from procurement.notices.models import Notice, NotificationSettings
from procurement.notices.rules import KnownNotice


def notices_known(*, kind: str, subject_keys: Iterable[str]) -> list[KnownNotice]:
    """The notices of `kind` about these subjects, in one query on the unique key's index."""
    rows = Notice.objects.filter(kind=kind, subject_key__in=set(subject_keys)).values_list(
        "pk", "subject_key", "step", "recipient_id", "status", "due_on"
    )
    return [KnownNotice(*row) for row in rows]


def people_who_muted(*, kind: str, person_ids: Iterable[int]) -> set[int]:
    """Of these people, those who turned `kind` off for themselves (one query)."""
    rows = NotificationSettings.objects.filter(user_id__in=set(person_ids)).values_list(
        "user_id", "muted_kinds"
    )
    return {user_id for user_id, muted in rows if kind in (muted or [])}


def notices_leased(*, token: str) -> list[Notice]:
    """The notices one sender leased, with their recipients, in the order they go out."""
    return list(
        Notice.objects.filter(lease_token=token)
        .select_related("recipient__notification_settings")
        .order_by(F("send_by").asc(nulls_last=True), "due_on", "pk")
    )


def notices_for_admin() -> QuerySet[Notice]:
    return Notice.objects.select_related("recipient")


def notification_settings_of(person) -> NotificationSettings | None:
    return NotificationSettings.objects.filter(user=person).first()
