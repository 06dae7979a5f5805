import json

from django.core.management.base import BaseCommand, CommandError

from procurement.formats import chf, swiss_number
from procurement.management.options import parse_today
from procurement.models import Build
from quotes.pricing.engine import LandedCostError
from quotes.pricing.presenter import (
    build_price_record,
    describe_build_source,
    describe_line_source,
    describe_running,
)
from quotes.pricing.reads import build_price
from quotes.pricing.results import BuildPrice


class Command(BaseCommand):
    # The output is one clear line on bad input, not the project's system-check warnings.
    requires_system_checks: list[str] = []
    help = (
        "A build's price in CHF and where it comes from: its accepted quotes at the landed "
        "cost frozen on receipt, else the cheapest received quote still valid that offers it, "
        "else its estimates; line by line, or as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The build's slug, e.g. pro-6000.")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the figures as JSON."
        )
        parser.add_argument(
            "--today", help="The day whose valid quotes count, YYYY-MM-DD (default: today)."
        )

    def handle(self, *args, slug: str, as_json: bool, **options):
        build = Build.objects.select_related("requirements").filter(slug=slug).first()
        if build is None:
            raise CommandError(f"No build with the slug {slug!r}.")
        try:
            price = build_price(build, today=parse_today(options["today"]))
        except LandedCostError as error:
            raise CommandError(f"The price of {slug} cannot be computed: {error}.") from None
        if as_json:
            self.stdout.write(json.dumps(build_price_record(price), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(_table(price))


def _table(price: BuildPrice) -> str:
    parts = price.parts
    lines = [
        f"{price.slug} ({price.code}: {price.name})",
        f"Landed total {chf(price.total_chf)}, from {describe_build_source(price)}",
        f"Goods {chf(parts.goods)}, warranty {chf(parts.warranty)}, shipping "
        f"{chf(parts.shipping)}, duty {chf(parts.duty)}, import VAT {chf(parts.import_vat)}, "
        f"clearance fee {chf(parts.fee)} and its VAT {chf(parts.fee_vat)}; net of VAT "
        f"{chf(parts.net)}",
        f"VRAM {price.vram_gb or 0} GB"
        + (f", {chf(price.chf_per_gb)} per GB" if price.chf_per_gb is not None else "")
        + f"; power under full GPU load {swiss_number(price.power_w, 0)} W",
        describe_running(price.running),
        "",
    ]
    rows = [("Component", "Qty", "Landed (CHF)", "From")]
    for line in price.lines:
        rows.append(
            (
                line.component,
                str(line.quantity),
                swiss_number(line.total_chf),
                describe_line_source(line),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for component, quantity, amount, source in rows:
        lines.append(
            f"{component:<{widths[0]}}  {quantity:>{widths[1]}}  {amount:>{widths[2]}}  {source}"
        )
    return "\n".join(lines)
