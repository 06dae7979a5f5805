"""The expiry reminder scan over 100,000 revisions of which 1,000 are due, through the
notices outbox.

Ten revisions a quote, the latest of each open or closed, as the quote lifecycle leaves
them (at most one received revision a quote). Of the 1,000 due, 100 have lapsed (the scan
expires them and sends the expiry notice) and 900 are within the reminder days; each quote
has an owner and a watcher, who get an e-mail each (2,000 notices); e-mails go to Django's
in-memory backend. Before each timed scan the notices are forgotten and the lapsed
revisions reopened, so every run does the same work. The query count is compared at 10,000 and at 100,000 revisions with the
same 1,000 due (with the clock held still, see `_count_queries`): it must not grow with
the revisions that are not due.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import bench

if TYPE_CHECKING:
    from procurement.notices.outbox import OutboxReport

TOTAL = 100_000
SMALL = 10_000
DUE = 1_000
LAPSED = 100
REVISIONS_PER_QUOTE = 10
TODAY = date(2026, 3, 16)
# The scan's own work against what the database alone takes for the same queries. Composing
# the 2,000 e-mails (text and HTML) is most of it.
OVER_QUERY_FLOOR = 50.0
BATCH = 2000


def run() -> list[bench.Row]:

    lapsed_ids = _create_revisions(SMALL, due=DUE, start=0)
    small_queries = _count_queries(_fresh_scan(lapsed_ids))
    _create_revisions(TOTAL - SMALL, due=0, start=SMALL)
    large_queries = _count_queries(_fresh_scan(lapsed_ids))
    # The scan's statements, sent again alone from the state the scan started from.
    statements = bench.statements_of(_fresh_scan(lapsed_ids))
    _fresh_scan(lapsed_ids)
    floor_ms = bench.query_floor_ms(statements)
    timings = []
    for _ in range(bench.RUNS):
        scan = _fresh_scan(lapsed_ids)
        started = time.perf_counter()
        report = scan()
        timings.append((time.perf_counter() - started) * 1000)
        assert len(report.sent) == 2 * DUE, report.counts()
        assert report.scan_counts["expired"] == LAPSED, report.counts()
    rerun_queries = bench.count_queries(_rerun)
    rerun_ms = bench.median_ms(_rerun)
    scan_ms = statistics.median(timings)
    return [
        bench.Row(
            "reminders",
            f"scan of {TOTAL:,} revisions, {DUE:,} due ({LAPSED} lapsed), {2 * DUE:,} e-mails: "
            f"all / its {len(statements)} queries alone",
            f"{scan_ms:,.0f} / {floor_ms:,.0f} ms ({scan_ms / floor_ms:.1f}x)",
            f"<= {OVER_QUERY_FLOOR:g}x its queries",
            scan_ms <= OVER_QUERY_FLOOR * floor_ms,
        ),
        bench.Row(
            "reminders",
            f"queries of that scan at {SMALL:,} / {TOTAL:,} revisions",
            f"{small_queries} / {large_queries}",
            "same (grows only with the due)",
            small_queries == large_queries,
        ),
        bench.Row(
            "reminders",
            f"rerun the same day, all {DUE:,} already sent",
            f"{rerun_ms:,.0f} ms, {rerun_queries} queries",
            "nothing sent, same queries",
            None,
        ),
    ]


def _rerun() -> None:
    from procurement.notices import outbox

    report = outbox.run("quote_reminder", today=TODAY)
    # Other modules' quotes may have nobody to tell; nothing is written or sent again.
    assert not (report.sent or report.failed or report.recorded), report.counts()


def _count_queries(scan: Callable[[], object]) -> int:
    """The queries of `scan` with the clock held still: the notices sent are then marked in
    one write instead of one every tenth of a second, so the count does not depend on speed."""
    import time_machine

    with time_machine.travel(time.time(), tick=False):
        return bench.count_queries(scan)


def _fresh_scan(lapsed_ids: list[int]) -> Callable[[], OutboxReport]:
    """Forget every notice and reopen the lapsed revisions; the scan to run next."""
    from django.core import mail

    from procurement.notices import outbox
    from procurement.notices.models import Notice
    from quotes.models import QuoteRevision

    Notice.objects.all().delete()
    QuoteRevision.objects.filter(pk__in=lapsed_ids).update(status=QuoteRevision.Status.RECEIVED)
    mail.outbox = []
    return lambda: outbox.run("quote_reminder", today=TODAY)


def _create_revisions(count: int, *, due: int, start: int) -> list[int]:
    """`count` revisions of `count / 10` quotes; the latest revision of the first `due`
    quotes is due on TODAY. The ids of the due revisions that have lapsed."""
    from django.utils import timezone
    from djmoney.money import Money

    from procurement.models import Vendor
    from quotes.models import Quote, QuoteRevision

    people = _people()
    vendors = Vendor.objects.bulk_create(
        Vendor(slug=f"bench-{start}-{n}", name=f"Vendor {n}", kind="retailer", country="CH")
        for n in range(20)
    )
    quotes = Quote.objects.bulk_create(
        (
            Quote(
                vendor=vendors[n % len(vendors)],
                reference=f"BENCH-{start + n:06d}",
                owner=people[n % len(people)],
            )
            for n in range(count // REVISIONS_PER_QUOTE)
        ),
        batch_size=BATCH,
    )
    watchers = Quote.watchers.through
    watchers.objects.bulk_create(
        (
            watchers(quote_id=quote.pk, user_id=people[(index + 1) % len(people)].pk)
            for index, quote in enumerate(quotes)
        ),
        batch_size=BATCH,
    )
    revisions = []
    for index, quote in enumerate(quotes):
        for number in range(1, REVISIONS_PER_QUOTE + 1):
            status, valid_until = _status_and_validity(index, number, due)
            revisions.append(
                QuoteRevision(
                    quote=quote,
                    number=number,
                    status=status,
                    issued_on=valid_until - timedelta(days=30),
                    valid_until=valid_until,
                    currency="CHF",
                    shipping=Money("0.00", "CHF"),  # type: ignore[misc]
                    landed_total_chf="8183.00",
                    accepted_at=timezone.now() if status == "accepted" else None,
                    rejected_at=timezone.now() if status == "rejected" else None,
                    rejection_reason="Too expensive" if status == "rejected" else "",
                )
            )
    QuoteRevision.objects.bulk_create(revisions, batch_size=BATCH)
    latest = revisions[REVISIONS_PER_QUOTE - 1 :: REVISIONS_PER_QUOTE]
    return [revision.pk for revision in latest[: min(LAPSED, due)]]


def _status_and_validity(quote_index: int, number: int, due: int) -> tuple[str, date]:
    """Earlier revisions were superseded, rejected or expired; the latest is received (due
    for the first `due` quotes, valid for longer than the first reminder for others),
    accepted or expired."""
    from quotes.models import QuoteRevision

    status = QuoteRevision.Status
    past = TODAY - timedelta(days=30 + (quote_index + number) % 400)
    if number < REVISIONS_PER_QUOTE:
        earlier = [status.SUPERSEDED, status.SUPERSEDED, status.REJECTED, status.EXPIRED]
        return earlier[number % len(earlier)], past
    if quote_index < due:
        if quote_index < LAPSED:
            return status.RECEIVED, TODAY - timedelta(days=1 + quote_index % 3)
        return status.RECEIVED, TODAY + timedelta(days=quote_index % 8)
    latest = [status.RECEIVED, status.RECEIVED, status.ACCEPTED, status.EXPIRED]
    chosen = latest[quote_index % len(latest)]
    if chosen == status.RECEIVED:
        return chosen, TODAY + timedelta(days=8 + quote_index % 300)
    return chosen, past


def _people() -> list[Any]:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    # Not every user: migrations make the account of the commands, which has no address.
    buyers = user_model.objects.filter(username__startswith="buyer").order_by("pk")
    if not buyers.exists():
        user_model.objects.bulk_create(
            user_model(username=f"buyer{n}", email=f"buyer{n}@example.ch", password="!")
            for n in range(50)
        )
    return list(buyers)
