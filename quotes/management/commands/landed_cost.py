import json

from django.core.management.base import BaseCommand, CommandError

from procurement.formats import swiss_number
from quotes import landed_cost as lc
from quotes.models import Quote
from quotes.selectors import revision_landed_cost, revisions_for_landed_cost


class Command(BaseCommand):
    # The output is one clear line on bad input, not the project's system-check warnings.
    requires_system_checks: list[str] = []
    help = (
        "The landed cost in CHF of a quote revision (the latest without --revision): every "
        "step of the calculation with the rule it used, or the figures as JSON."
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
            result = revision_landed_cost(found)
        except lc.LandedCostError as error:
            raise CommandError(f"The landed cost cannot be computed: {error}.") from None
        if as_json:
            self.stdout.write(_json(found, result))
        else:
            self.stdout.write(_table(found, result))


def _revision(reference: str, number: int | None):
    revisions = revisions_for_landed_cost().filter(quote__reference=reference)
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


def _json(revision, result: lc.LandedCost) -> str:
    figures = {
        "quote": revision.quote.reference,
        "revision": revision.number,
        **result.amounts(),
        "status": revision.status,
        "valid_until": revision.valid_until.isoformat(),
    }
    return json.dumps(figures, indent=2)


def _table(revision, result: lc.LandedCost) -> str:
    quote = revision.quote
    lines = [
        f"{quote.vendor} {quote.reference}, revision {revision.number} "
        f"({revision.get_status_display().lower()})",
        f"Issued {revision.issued_on}, valid until {revision.valid_until}; "
        f"prices in {revision.currency}, shipped from {revision.ship_from}, "
        f"carrier {revision.carrier or 'none'}",
        "",
    ]
    rows = [("Step", "Amount", "Rule")] + [
        (step.label, f"{step.currency} {swiss_number(step.amount)}", step.rule)
        for step in result.steps
    ]
    label_width = max(len(row[0]) for row in rows)
    amount_width = max(len(row[1]) for row in rows)
    for label, amount, rule in rows:
        lines.append(f"{label:<{label_width}}  {amount:>{amount_width}}  {rule}".rstrip())
    lines += ["", "Rules used:"] + [f"  {line}" for line in _rules(result)]
    return "\n".join(lines)


def fx_description(fx: dict) -> str:
    """The rate as the breakdown describes it (a breakdown stored before it did: rebuilt)."""
    if fx.get("description"):
        return fx["description"]
    dated = f" of {fx['rate_date']}" if fx["rate_date"] else ""
    return f"{fx['chf_per_unit']} CHF per {fx['currency']}, {fx['source']}{dated}"


def _rules(result: lc.LandedCost) -> list[str]:
    rules = result.rules
    vat, duty, fx = rules["vat"], rules["duty"], rules["fx"]
    described = [
        f"Swiss VAT {vat['rate_percent']}% valid from {vat['valid_from']}; import VAT of "
        f"CHF {vat['import_vat_minimum_chf']} or less is not collected",
        f"Customs duty {duty['rate_percent']}% valid from {duty['valid_from']} "
        f"{duty['description']}".rstrip(),
    ]
    if "fee" in rules:
        described.append(f"Clearance fee: {rules['fee']['description']}")
    if result.currency != lc.CHF:
        described.append(f"Exchange rate {fx_description(fx)}")
    return described
