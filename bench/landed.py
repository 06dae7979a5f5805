"""Landed cost: one revision with its queries, and many revisions in one pass."""

from __future__ import annotations

import gc
from datetime import date, timedelta
from decimal import Decimal

import bench

SINGLE_RUNS = 101
RATES = {"USD": Decimal("0.800000"), "EUR": Decimal("0.940000")}
MANY = 1_000
FEW = 100


def run() -> list[bench.Row]:
    from django.db import transaction

    # Objects other modules left behind are set aside, so that the garbage collector's
    # passes over them are not counted against the landed cost.
    gc.collect()
    gc.freeze()
    try:
        with transaction.atomic():
            rows = _measure(_revision_ids(MANY))
            transaction.set_rollback(True)
    finally:
        gc.unfreeze()
    return rows


def _measure(revision_ids: list[int]) -> list[bench.Row]:
    from quotes.pricing.reads import compute_landed_cost, revisions_for_pricing
    from quotes.pricing.rules import RuleBook

    def one(index: int):
        def priced() -> object:
            revision = revisions_for_pricing().get(pk=revision_ids[index])
            return compute_landed_cost(revision)

        return priced

    def many(count: int):
        def priced() -> object:
            book = RuleBook.load()
            revisions = revisions_for_pricing().filter(pk__in=revision_ids[:count])
            return [compute_landed_cost(revision, book) for revision in revisions]

        return priced

    # Revision 1 is received (its rate kept), shipped from the US by a carrier, with a
    # warranty term; revision 7 is a draft priced on the stored rate of its date: it reads
    # every kind of rule.
    # A couple of milliseconds each: many runs, so that the median is not another
    # process's time slice on a shared machine.
    single_runs = max(bench.RUNS, SINGLE_RUNS)
    received_ms = bench.median_ms(one(1), runs=single_runs)
    draft_ms = bench.median_ms(one(7), runs=single_runs)
    received_queries, draft_queries = bench.count_queries(one(1)), bench.count_queries(one(7))
    many_ms = bench.median_ms(many(MANY), runs=max(3, bench.RUNS // 2))
    few_queries, many_queries = bench.count_queries(many(FEW)), bench.count_queries(many(MANY))
    return [
        bench.Row(
            "landed cost",
            f"one received revision, its {received_queries} queries included",
            f"{received_ms:.2f} ms",
            "-",
            None,
        ),
        bench.Row(
            "landed cost",
            f"one draft on the stored rate, its {draft_queries} queries included",
            f"{draft_ms:.2f} ms",
            "-",
            None,
        ),
        bench.Row(
            "landed cost",
            f"{MANY:,} revisions in one pass",
            f"{many_ms:.0f} ms ({many_ms * 1000 / MANY:.0f} µs each)",
            "-",
            None,
        ),
        bench.Row(
            "landed cost",
            f"queries for {FEW:,} / {MANY:,} revisions",
            f"{few_queries} / {many_queries}",
            "the same",
            few_queries == many_queries,
        ),
    ]


def _revision_ids(count: int) -> list[int]:
    """`count` revisions of three lines, in USD, EUR and CHF, by each carrier."""
    from djmoney.money import Money

    from procurement.models import Vendor, WarrantyOption
    from quotes.models import (
        Carrier,
        DutyRate,
        ExchangeRate,
        Quote,
        QuoteLine,
        QuoteRevision,
        VatRate,
    )

    # Other bench modules may have loaded the seed: its rules are used where they exist.
    for valid_from, rate in ((date(2018, 1, 1), "7.70"), (date(2024, 1, 1), "8.10")):
        VatRate.objects.get_or_create(
            valid_from=valid_from,
            defaults={"rate_percent": Decimal(rate), "import_vat_minimum_chf": Decimal(5)},
        )
    DutyRate.objects.get_or_create(
        valid_from=date(2024, 1, 1), chapter_from=25, chapter_to=97, defaults={"rate_percent": 0}
    )
    carriers = _carriers(Carrier)
    start = date(2025, 1, 1)
    ExchangeRate.objects.bulk_create(
        (
            ExchangeRate(
                currency=currency, rate_date=start + timedelta(days=day), chf_per_unit=rate
            )
            for day in range(400)
            for currency, rate in RATES.items()
        ),
        ignore_conflicts=True,
    )
    vendor = Vendor.objects.create(
        slug="bench-landed",
        name="Bench",
        kind="integrator",
        country="US",
        warranty_years_included=3,
    )
    WarrantyOption.objects.create(vendor=vendor, years=4, surcharge_percent=Decimal(8))
    quotes = Quote.objects.bulk_create(
        Quote(vendor=vendor, reference=f"BENCH-LANDED-{index:05d}") for index in range(count)
    )
    currencies = ["USD", "EUR", "CHF"]
    revisions = QuoteRevision.objects.bulk_create(
        QuoteRevision(
            quote=quote,
            number=1,
            status="draft" if index % 4 == 3 else "received",
            **_rate_kept(index, currencies[index % 3], start + timedelta(days=index % 365)),
            issued_on=start + timedelta(days=index % 365),
            valid_until=start + timedelta(days=index % 365 + 30),
            currency=currencies[index % 3],
            ship_from="US" if index % 3 else "DE",
            carrier=carriers[index % len(carriers)],
            shipping=Money("150.00", currencies[index % 3]),
            warranty_years=4 if index % 2 else None,
        )
        for index, quote in enumerate(quotes)
    )
    QuoteLine.objects.bulk_create(
        QuoteLine(
            revision=revision,
            position=position,
            description=f"part {position}",
            quantity=position,
            unit_price=Money(Decimal(1000 * position) + Decimal("0.55"), revision.currency),
        )
        for revision in revisions
        for position in (1, 2, 3)
    )
    return [revision.pk for revision in revisions]


def _rate_kept(index: int, currency: str, on: date) -> dict[str, object]:
    """A received revision in a foreign currency keeps the rate it was computed with."""
    if index % 4 == 3 or currency == "CHF":
        return {}
    return {"fx_rate": RATES[currency], "fx_rate_date": on, "fx_rate_source": "ECB"}


def _carriers(carrier_model) -> list:
    from quotes.models import ClearanceFeeSchedule

    schedules: dict[str, dict[str, object]] = {
        "fedex": {
            "basis": "duty_plus_import_vat",
            "percent": Decimal("2.50"),
            "minimum_fee_chf": Decimal("22.00"),
        },
        "swiss-post": {
            "basis": "customs_value_plus_duty",
            "percent": Decimal("3.00"),
            "base_fee_chf": Decimal("16.00"),
            "nearby_base_fee_chf": Decimal("11.50"),
            "nearby_countries": "DE,FR,IT,AT",
            "maximum_fee_chf": Decimal("70.00"),
        },
        "dhl": {
            "basis": "import_vat",
            "percent": Decimal("2.00"),
            "base_fee_chf": Decimal("19.00"),
            "value_threshold_chf": Decimal("1000.00"),
            "base_fee_above_threshold_chf": Decimal("39.50"),
        },
        "ups": {
            "basis": "customs_value",
            "percent": Decimal("3.00"),
            "minimum_fee_chf": Decimal("25.15"),
        },
    }
    carriers = []
    for slug, terms in schedules.items():
        carrier, _ = carrier_model.objects.get_or_create(slug=slug, defaults={"name": slug})
        ClearanceFeeSchedule.objects.get_or_create(
            carrier=carrier,
            valid_from=date(2018, 1, 1),
            defaults={"source": "bench", "seen_on": date(2026, 2, 16), **terms},
        )
        carriers.append(carrier)
    return carriers
