"""Reads of requests for quotation for the start page and the admin: the requests still
awaiting an answer, and how long each vendor has taken to answer before."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from quotes.models import QuoteRequest
from quotes.requests import rules


def open_requests() -> QuerySet[QuoteRequest]:
    """Requests awaiting an answer (sent, or lapsed without one), the oldest answer-by date
    first, with their build, vendor and buyer joined in: one query."""
    return (
        QuoteRequest.objects.filter(status__in=rules.AWAITING)
        .select_related("build", "vendor", "requested_by")
        .order_by("answer_by", "sent_at", "pk")
    )


@dataclass(frozen=True)
class VendorAnswerTime:
    vendor_id: int
    vendor_name: str
    answered: int
    median_days: float | None


def vendor_answer_days() -> dict[int, VendorAnswerTime]:
    """Each vendor asked before: how many requests it answered and the median days it took
    (calendar days, sent to answered, in Zurich), by vendor id; one query."""
    rows = QuoteRequest.objects.filter(status=rules.ANSWERED).values_list(
        "vendor_id", "vendor__name", "sent_at", "answered_at"
    )
    days: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for vendor_id, name, sent_at, answered_at in rows:
        names[vendor_id] = name
        days[vendor_id].append(
            rules.answer_days(
                timezone.localtime(sent_at).date(), timezone.localtime(answered_at).date()
            )
        )
    return {
        vendor_id: VendorAnswerTime(
            vendor_id=vendor_id,
            vendor_name=names[vendor_id],
            answered=len(taken),
            median_days=rules.median_days(taken),
        )
        for vendor_id, taken in days.items()
    }


@dataclass(frozen=True)
class OpenRequestRow:
    """An open request and how long its vendor has taken to answer before (None: it has
    not answered a request yet)."""

    request: QuoteRequest
    vendor_median_days: float | None
    vendor_answered: int


def open_requests_with_answer_times() -> list[OpenRequestRow]:
    """What the start page lists: each open request with its vendor's past answer time; two
    queries however many requests and vendors."""
    times = vendor_answer_days()
    rows = []
    for request in open_requests():
        known = times.get(request.vendor_id)
        rows.append(
            OpenRequestRow(
                request=request,
                vendor_median_days=known.median_days if known else None,
                vendor_answered=known.answered if known else 0,
            )
        )
    return rows
