import json

from django.core.management.base import BaseCommand, CommandError

from procurement.formats import swiss_number
from quotes.models import Quote, QuoteRevision
from quotes.pricing.engine import LandedCostError
from quotes.pricing.presenter import describe_recorded_rules, describe_today
from quotes.pricing.reads import revision_price, revisions_for_pricing
from quotes.pricing.results import RevisionPrice
from quotes.pricing.warnings import records


class Command(BaseCommand):
    # The output is one clear line on bad input, not the project's system-check warnings.
    requires_system_checks: list[str] = []
    help = (
        "The landed cost in CHF of a quote revision (the latest without --revision): every "
        "step of the calculation with the rule it used, or the figures as JSON. A received "
        "revision shows the figures frozen when it was received; a draft is computed now."
    )

    def add_arguments(self, parser):
        parser.add_argument("reference", help="The vendor's quote reference.")
        parser.add_argument("--revision", type=int, help="The revision number (default: latest).")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the figures as JSON."
        )

    def handle(self, *args, reference: str, revision: int | None, as_json: bool, **options):
        found = _revision(reference, revision)
        try:
            price = revision_price(found)
        except LandedCostError as error:
            raise CommandError(f"The landed cost cannot be computed: {error}.") from None
        if as_json:
            self.stdout.write(_json(found, price))
        else:
            self.stdout.write(_table(found, price))
            self.stdout.write(_notes(price))


def _revision(reference: str, number: int | None) -> QuoteRevision:
    revisions = revisions_for_pricing().filter(quote__reference=reference)
    if number is not None:
        revisions = revisions.filter(number=number)
    found = revisions.order_by("-number").first()
    if found is not None:
        return found
    if not Quote.objects.filter(reference=reference).exists():
        raise CommandError(f"No quote with the reference {reference!r}.")
    numbers = Quote.objects.get(reference=reference).revisions.values_list("number", flat=True)
    if number is None:
        raise CommandError(f"Quote {reference} has no revision yet.")
    listed = ", ".join(str(n) for n in sorted(numbers)) or "none"
    raise CommandError(f"Quote {reference} has no revision {number} (it has: {listed}).")


def _json(revision: QuoteRevision, price: RevisionPrice) -> str:
    figures = {
        "quote": price.reference,
        "revision": price.number,
        **price.amounts(),
        "status": price.status,
        "valid_until": price.valid_until.isoformat(),
        "warnings": records(price.warnings),
    }
    if price.today is not None:
        figures["today"] = price.today.record()
    return json.dumps(figures, indent=2, ensure_ascii=False)


def _table(revision: QuoteRevision, price: RevisionPrice) -> str:
    quote = revision.quote
    lines = [
        f"{quote.vendor} {quote.reference}, revision {revision.number} "
        f"({revision.get_status_display().lower()})",
        f"Issued {revision.issued_on}, valid until {revision.valid_until}; "
        f"prices in {revision.currency}, shipped from {revision.ship_from}, "
        f"carrier {revision.carrier or 'none'}",
        "",
    ]
    if not price.itemised or price.breakdown is None:
        lines.append(f"Landed total  CHF {swiss_number(price.total_chf)}  (kept without its steps)")
        return "\n".join(lines)
    rows = [("Step", "Amount", "Rule")] + [
        (step["label"], f"{step['currency']} {swiss_number(step['amount'])}", step["rule"])
        for step in price.breakdown["steps"]
    ]
    label_width = max(len(row[0]) for row in rows)
    amount_width = max(len(row[1]) for row in rows)
    for label, amount, rule in rows:
        lines.append(f"{label:<{label_width}}  {amount:>{amount_width}}  {rule}".rstrip())
    lines += ["", "Rules used:"] + [f"  {line}" for line in describe_recorded_rules(price.rules)]
    return "\n".join(lines)


def _notes(price: RevisionPrice) -> str:
    """Today's view of a foreign total and the warnings, after the steps."""
    lines = [""]
    if price.today is not None:
        lines.append(
            f"{describe_today(price)}; the frozen total stays CHF {swiss_number(price.total_chf)}"
        )
    lines += [f"Warning ({warning.code}): {warning.message}" for warning in price.warnings]
    return "\n".join(lines).rstrip()
