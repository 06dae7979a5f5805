import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from procurement.formats import chf
from procurement.models import Build
from procurement.selectors import build_progress, builds_with_orders, order_status_report
from quotes.pricing.engine import LandedCostError
from quotes.pricing.presenter import describe_build_source, describe_commitment
from quotes.pricing.reads import budget_of, build_price, commitment_of

COLUMNS = [
    ("component", "Component"),
    ("vendor", "Vendor"),
    ("status", "Status"),
    ("received", "Received"),
    ("ordered_on", "Ordered"),
    ("expected_on", "Expected"),
    ("tracking", "Tracking"),
    ("overdue", "Late"),
]


class Command(BaseCommand):
    help = (
        "Every order line of a build and its state: status, units received, dates, tracking, "
        "and whether it is late. Without BUILD, the one build that has orders."
    )

    def add_arguments(self, parser):
        parser.add_argument("build", nargs="?", help="The build's slug, e.g. pro-6000.")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")

    def handle(self, *args, **options):
        target = self._build(options["build"])
        report = order_status_report(target, timezone.localdate())
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            self._table(target, report)

    def _build(self, slug: str | None) -> Build:
        if slug:
            found = Build.objects.filter(slug=slug).select_related("requirements").first()
            if found is None:
                raise CommandError(f"No build with slug {slug!r}.")
            return found
        candidates = list(builds_with_orders().select_related("requirements"))
        if not candidates:
            raise CommandError("No build has orders yet; name a build.")
        if len(candidates) > 1:
            names = ", ".join(build.slug for build in candidates)
            raise CommandError(f"Several builds have orders ({names}); name one.")
        return candidates[0]

    def _table(self, build: Build, report: dict) -> None:
        progress, budget = build_progress(build), budget_of(build)
        money = describe_commitment(
            commitment_of(build),
            budget=budget,
            vat_registered=budget.vat_registered if budget else False,
        )
        self.stdout.write(
            f"{build.slug} ({build.code}: {build.name}), {build.get_status_display().lower()}"
        )
        self.stdout.write(f"{progress.summary()}; {money}")
        self.stdout.write(_price_line(build))
        rows = [[header for _, header in COLUMNS]]
        for line in report["lines"]:
            rows.append(
                [
                    line["component"] or "-",
                    line["vendor"],
                    line["status"],
                    f"{line['received']}/{line['quantity']}",
                    line["ordered_on"] or "-",
                    line["expected_on"] or "-",
                    line["tracking"] or "-",
                    "LATE" if line["overdue"] else "",
                ]
            )
        if len(rows) == 1:
            self.stdout.write("No order lines yet.")
            return
        widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
        for row in rows:
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )


def _price_line(build: Build) -> str:
    try:
        price = build_price(build)
    except LandedCostError as error:
        return f"Price: cannot be computed: {error}."
    return f"Price: {chf(price.total_chf)} landed, from {describe_build_source(price)}"
