"""Admin changelists of quotes, revisions and order lines at 100 and at 10,000 quotes.

Each quote has one received revision with two lines; the order board has one line a
quote (ten orders of ten lines per hundred quotes). A superuser opens the first page of
each list, as a person would. Targets: the same number of queries at both sizes, and at
most 1.5 times the time at 10,000. Everything is made inside a transaction that is rolled
back, so the other benchmark modules start from the same empty database.
"""

from __future__ import annotations

import gc
from datetime import date, timedelta
from decimal import Decimal

import bench

SIZES = (100, 10_000)
# Page loads are short: more runs keep the median steady on a busy machine.
RUNS = max(bench.RUNS, 15)
TIME_FACTOR = 1.5
PAGES = {
    "quotes": "admin:quotes_quote_changelist",
    "revisions": "admin:quotes_quoterevision_changelist",
    "order lines": "admin:procurement_orderline_changelist",
}


def run() -> list[bench.Row]:
    from django.db import transaction

    with transaction.atomic():
        rows = _measure()
        transaction.set_rollback(True)
    return rows


def _measure() -> list[bench.Row]:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    user = get_user_model().objects.create_superuser("bench", "bench@example.ch", "x" * 20)
    client = Client()
    client.force_login(user)
    figures: dict[str, list[tuple[int, float]]] = {name: [] for name in PAGES}
    made = 0
    for size in SIZES:
        make_quotes(made, size - made)
        made = size
        gc.collect()
        for name, url_name in PAGES.items():
            url = reverse(url_name)

            def open_page(url: str = url) -> None:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            figures[name].append(
                (bench.count_queries(open_page), bench.median_ms(open_page, runs=RUNS))
            )
    rows = []
    for name, ((small_q, small_ms), (large_q, large_ms)) in figures.items():
        met = small_q == large_q and large_ms <= TIME_FACTOR * small_ms
        rows.append(
            bench.Row(
                "admin",
                f"{name} list at {SIZES[0]:,} / {SIZES[1]:,} quotes",
                f"{small_q} / {large_q} queries; {small_ms:,.0f} / {large_ms:,.0f} ms",
                f"same queries; <= {TIME_FACTOR}x time",
                met,
            )
        )
    return rows


def make_quotes(start: int, count: int, *, prefix: str = "BENCH") -> None:
    from djmoney.money import Money

    from procurement.models import Build, Order, OrderLine, Vendor
    from quotes.models import Quote, QuoteLine, QuoteRevision

    vendors = list(Vendor.objects.order_by("pk")[:10]) or Vendor.objects.bulk_create(
        Vendor(slug=f"bench-{i}", name=f"Bench shop {i}", kind="retailer", country="CH")
        for i in range(10)
    )
    build = Build.objects.get_or_create(slug="bench", defaults={"code": "X", "name": "Bench"})[0]
    issued = date(2026, 2, 16)
    quotes = Quote.objects.bulk_create(
        Quote(vendor=vendors[i % 10], reference=f"{prefix}-{i:06d}")
        for i in range(start, start + count)
    )
    revisions = QuoteRevision.objects.bulk_create(
        QuoteRevision(
            quote=quote,
            number=1,
            status=QuoteRevision.Status.RECEIVED,
            issued_on=issued,
            valid_until=issued + timedelta(days=30 + i % 60),
            currency="CHF",
            shipping=Money("0.00", "CHF"),
            ship_from="CH",
            landed_total_chf=Decimal("1000.00") + i,
        )
        for i, quote in enumerate(quotes)
    )
    QuoteLine.objects.bulk_create(
        QuoteLine(
            revision=revision,
            position=position,
            description=f"Part {position}",
            quantity=position,
            unit_price=Money("250.00", "CHF"),
        )
        for revision in revisions
        for position in (1, 2)
    )
    orders = Order.objects.bulk_create(
        Order(build=build, vendor=vendors[i % 10]) for i in range(count // 10)
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            position=position,
            description=f"Part {position}",
            unit_price=Money("100.00", "CHF"),
            expected_on=issued + timedelta(days=position),
        )
        for order in orders
        for position in range(1, 11)
    )
