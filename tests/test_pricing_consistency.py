"""Every surface shows the same figure for the same thing.

For the seed, the demo and more than fifty generated quotes (USD, EUR and CHF; FedEx, Swiss
Post, DHL, UPS or no carrier; warranty extensions; Swiss prices with VAT and foreign ones;
whole systems and parts for the builds; drafts, received, superseded and accepted
revisions, with and without a build), the figures are read where a person reads them: the
quotes and revisions lists, each revision's page, `landed_cost --json`, `build_cost --json`,
the builds list, the start page, `order_status` and the comparison sheet's PDF. They are
compared with each other, never with the functions that produced them.
"""

import json
import random
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from html import unescape
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from procurement.models import Build, BuildLine, Vendor
from quotes.comparison import comparison_pdf
from quotes.models import Carrier, Quote, QuoteRevision
from quotes.services import (
    LineData,
    quote_revision_accept,
    quote_revision_create,
    quote_revision_new_from_latest,
    quote_revision_receive,
    quote_revision_update,
)
from tests import comparison_helpers as helpers
from tests.factories import QuoteFactory, acting_buyer, user_in_role

pytestmark = pytest.mark.django_db

TODAY = date(2026, 2, 20)
MONEY = re.compile(r"([A-Z]{3}) (-?[\d’]+\.\d\d)")
CHF_OR_UNKNOWN = re.compile(r"(?<!~)CHF -?[\d’]+\.\d\d|Not known")


def amount(text: str) -> Decimal | None:
    """The amount of `CHF 1’023.20` (or `USD 4’500.00`) in `text`; None when there is none."""
    found = MONEY.search(text)
    return Decimal(found.group(2).replace("’", "")) if found else None


def money(text: str) -> tuple[str, Decimal] | None:
    found = MONEY.search(text)
    return (found.group(1), Decimal(found.group(2).replace("’", ""))) if found else None


def plain(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def changelist_rows(html: str) -> list[dict[str, str]]:
    """Each row of an admin changelist as {column: text}."""
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S):
        cells = re.findall(r'<t[hd] class="field-([\w]+)[^"]*"[^>]*>(.*?)</t[hd]>', row, re.S)
        if cells:
            rows.append({name: plain(text) for name, text in cells})
    return rows


# The generated quotes ----------------------------------------------------------------------


def generate_quotes(count: int) -> None:
    """`count` quotes of the seed's vendors, priced in every way the product knows."""
    pick = random.Random(20260220)
    approver = user_in_role("Approver", username="approver")
    buyer = acting_buyer()
    carriers = {carrier.slug: carrier for carrier in Carrier.objects.all()}
    vendors = {vendor.slug: vendor for vendor in Vendor.objects.all()}
    build_b = Build.objects.get(slug="b-2x-rtx-5090")
    part_lines = list(BuildLine.objects.exclude(build=build_b).select_related("component"))
    for index in range(count):
        kind = pick.choice(["us", "eu", "swiss", "swiss-net", "system", "parts"])
        terms, lines, build = _terms_and_lines(kind, pick, carriers, build_b, part_lines)
        quote = QuoteFactory(
            vendor=vendors[terms.pop("vendor")], reference=f"GEN-{index:03d}", build=build
        )
        status = pick.choice(["received"] * 5 + ["draft", "accepted", "superseded"])
        revision = quote_revision_create(
            quote=quote,
            user=buyer,
            issued_on=date(2026, 2, pick.choice([16, 17, 18, 19, 20])),
            valid_until=date(2026, 3, pick.choice([18, 20, 31])),
            lines=lines,
            status="draft" if status == "draft" else "received",
            **terms,
        )
        if status == "accepted":
            quote_revision_accept(revision=revision, user=approver)
        elif status == "superseded":
            newer = quote_revision_new_from_latest(quote=quote, user=buyer)
            shipping = newer.shipping.amount + Decimal(pick.randint(1, 90))
            newer = quote_revision_update(
                revision=newer, user=buyer, expected_version=newer.version, shipping=shipping
            )
            quote_revision_receive(revision=newer, user=buyer)


def _terms_and_lines(kind, pick, carriers, build_b, part_lines):
    def price(low: int, high: int) -> Decimal:
        return Decimal(pick.randint(low * 100, high * 100)) / 100

    carrier = carriers.get(pick.choice(["fedex", "swiss-post", "dhl", "ups", "none"]))
    if kind in ("us", "system"):
        terms = {
            "vendor": "bizon",
            "currency": "USD",
            "ship_from": "US",
            "carrier": carrier,
            "shipping": price(0, 500),
            "warranty_years": pick.choice([None, 3, 4, 5]),
        }
        if pick.random() < 0.5:
            terms["fx_rate"] = Decimal(pick.choice(["0.80", "0.7925", "0.91"]))
    elif kind == "eu":
        terms = {
            "vendor": "rect",
            "currency": "EUR",
            "ship_from": pick.choice(["DE", "AT", "FR"]),
            "carrier": carrier,
            "shipping": price(0, 200),
            "foreign_vat": price(100, 2000) if pick.random() < 0.4 else None,
        }
        if pick.random() < 0.5:
            terms["fx_rate"] = Decimal(pick.choice(["0.94", "0.9412"]))
    else:
        terms = {
            "vendor": pick.choice(["digitec", "galaxus", "brack"]),
            "currency": "CHF",
            "ship_from": "CH",
            "carrier": carriers["swiss-post"] if pick.random() < 0.5 else None,
            "prices_include_vat": kind != "swiss-net",
            "shipping": price(0, 30),
        }
    if kind == "system":
        gpu = build_b.lines.get(component__slug="rtx-5090")
        lines = [
            LineData("RTX 5090 32 GB", 2, price(4000, 5000), gpu.component, gpu),
            LineData("G3000 base system", 1, price(3000, 6000)),
        ]
        return terms, lines, build_b
    if kind == "parts" or pick.random() < 0.3:
        terms["vendor"] = pick.choice(["digitec", "galaxus", "brack"])
        terms.update(currency="CHF", ship_from="CH", prices_include_vat=True, carrier=None)
        terms.pop("warranty_years", None), terms.pop("fx_rate", None)
        terms.pop("foreign_vat", None)
        chosen = pick.sample(part_lines, pick.randint(1, 3))
        lines = [
            LineData(str(line.component), line.quantity, price(50, 3000), line.component, line)
            for line in chosen
        ]
        return terms, lines, None
    lines = [
        LineData(f"Part {n}", pick.randint(1, 4), price(1, 9000)) for n in range(pick.randint(1, 4))
    ]
    return terms, lines, None


# Reading the surfaces ----------------------------------------------------------------------


# "Show all": the generated data holds more quotes than a page of the list.
SHOW_ALL = {"all": ""}


def read_quotes_list(client) -> dict[str, dict[str, str]]:
    html = client.get(reverse("admin:quotes_quote_changelist"), SHOW_ALL).content.decode()
    return {row["reference"]: row for row in changelist_rows(html)}


def read_revisions_list(client) -> dict[tuple[str, int], dict[str, str]]:
    html = client.get(reverse("admin:quotes_quoterevision_changelist"), SHOW_ALL).content.decode()
    return {(row["quote"].split()[-1], int(row["number"])): row for row in changelist_rows(html)}


def read_breakdown(client, revision: QuoteRevision) -> dict[str, Decimal]:
    html = client.get(
        reverse("admin:quotes_quoterevision_change", args=[revision.pk])
    ).content.decode()
    table = re.search(r'<table class="landed-breakdown">(.*?)</table>', html, re.S).group(1)
    steps = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = [plain(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if cells:
            steps[cells[0]] = amount(cells[1])
    return steps


def read_command(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def read_start_page(client) -> dict[str, object]:
    """The money committed, each build's price and source as the choosing stage lists them,
    and the money committed by build as the ordering stage lists it."""
    html = client.get(reverse("home") + "?stage=choosing").content.decode()
    committed = amount(re.search(r'<p class="figure">(.*?)</p>', html).group(1))
    prices, start_warnings = {}, {}
    for row in re.findall(r'<tr id="candidate-[^"]*"[^>]*>(.*?)</tr>', html, re.S):
        code = plain(re.search(r'<td class="build"[^>]*>(.*?)</td>', row, re.S).group(1))
        price = re.search(r'<span class="price">(.*?)</span>', row, re.S).group(1)
        source = re.search(r'<span class="source[^"]*">(.*?)</span>', row, re.S).group(1)
        warnings = re.findall(r'<li class="warning"[^>]*>(.*?)</li>', row, re.S)
        prices[code.split(":")[0]] = (amount(plain(price)), plain(source))
        start_warnings[code.split(":")[0]] = [plain(text).lstrip("⚠ ") for text in warnings]
    html = client.get(reverse("home") + "?stage=ordering").content.decode()
    builds = re.search(r'<div id="builds">(.*?)</table>', html, re.S)
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", builds.group(1) if builds else "", re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if cells:
            rows[plain(cells[0]).split(":")[0]] = amount(plain(cells[-1]))
    return {
        "committed": committed,
        "prices": prices,
        "warnings": start_warnings,
        "committed_by_build": rows,
    }


def read_sheet(build_slugs: list[str], references: list[str]) -> list[dict[str, object]]:
    """Each option of the sheet, in order: its landed total, goods, import VAT, fee and
    CHF per GB as the PDF prints them, and the page's text for its source."""
    _sheet, pdf = comparison_pdf(build_slugs=build_slugs, quote_references=references)
    pages = [page for page in helpers.pdf_pages(pdf) if "COST IN CHF" in page]
    options: list[dict[str, object]] = []
    for page in pages:
        totals = [amount(text) for text in helpers.landed_totals(page)]
        goods = [amount(text) for text in helpers.AMOUNT.findall(helpers.row(page, "Goods"))]
        vat = [amount(text) for text in helpers.AMOUNT.findall(helpers.row(page, "Import VAT"))]
        fee = [amount(text) for text in helpers.AMOUNT.findall(helpers.row(page, "Clearance fee"))]
        per_gb = [
            amount(text) for text in CHF_OR_UNKNOWN.findall(helpers.row(page, "CHF per GB of VRAM"))
        ]
        text = " ".join(page.replace("-\n", "-").split())
        for column in zip(totals, goods, vat, fee, per_gb, strict=True):
            names = ["total", "goods", "import_vat", "fee", "per_gb"]
            options.append(dict(zip(names, column, strict=True)))
            options[-1]["page"] = text
    assert len(options) == len(build_slugs) + len(references)
    return options


# The test ----------------------------------------------------------------------------------


@pytest.fixture
def frozen():
    with time_machine.travel("2026-02-20 10:00 +01:00", tick=False):
        yield


@pytest.mark.parametrize("data", ["seed", "demo", "generated"])
def test_every_surface_shows_the_same_figures(data, frozen, seed, admin_client, settings):
    # What is compared here is the figures, not how fast a sheet of 60 options is laid out
    # (tests/test_pdf_time_budget.py holds that): a busy machine gets the time it needs.
    settings.PDF_TIMEOUT_SECONDS = 300
    if data in ("demo", "generated"):
        call_command("loaddata", "demo", verbosity=0)
    if data == "generated":
        generate_quotes(56)
    quotes = list(Quote.objects.order_by("reference").select_related("build"))
    builds = list(Build.objects.order_by("slug"))

    quote_rows = read_quotes_list(admin_client)
    revision_rows = read_revisions_list(admin_client)
    sheet = read_sheet([build.slug for build in builds], [quote.reference for quote in quotes])
    start = read_start_page(admin_client)
    builds_list = {
        row["code"]: row
        for row in changelist_rows(
            admin_client.get(reverse("admin:procurement_build_changelist")).content.decode()
        )
    }

    # Each quote at its latest revision --------------------------------------------------
    assert len(quotes) >= {"seed": 3, "demo": 5, "generated": 61}[data]
    for quote, option in zip(quotes, sheet[len(builds) :], strict=True):
        latest = quote.revisions.order_by("-number").first()
        figures = json.loads(read_command("landed_cost", quote.reference, "--json"))
        steps = read_breakdown(admin_client, latest)
        listed = quote_rows[quote.reference]
        revision_row = revision_rows[(quote.reference, latest.number)]
        where = f"{quote.reference} rev. {latest.number} ({latest.status})"

        total = Decimal(figures["total_chf"])
        assert amount(listed["landed_total"]) == total, where
        assert amount(revision_row["landed_total"]) == total, where
        assert (steps.get("Landed total") or steps["Landed total (prices include VAT)"]) == total
        assert option["total"] == total, where

        goods = money(listed["revision_total"])
        assert goods == money(revision_row["goods_total"]), where
        assert goods == (figures["currency"], Decimal(figures["goods"])), where
        assert steps["Goods (quantity x unit price)"] == Decimal(figures["goods"]), where
        goods_chf = steps.get("Goods in CHF", steps["Goods (quantity x unit price)"])
        assert option["goods"] == goods_chf, where

        import_vat, fee = Decimal(figures["import_vat_chf"]), Decimal(figures["fee_chf"])
        assert steps.get("Import VAT", Decimal("0.00")) == import_vat, where
        assert steps.get("Carrier clearance fee", Decimal("0.00")) == fee, where
        assert (option["import_vat"], option["fee"]) == (import_vat, fee), where

    # Each build ---------------------------------------------------------------------------
    for build, option in zip(builds, sheet[: len(builds)], strict=True):
        figures = json.loads(read_command("build_cost", build.slug, "--json"))
        total = Decimal(figures["landed_total_chf"])
        start_total, start_source = start["prices"][build.code]
        listed = builds_list[build.code]
        where = build.slug

        assert option["total"] == start_total == amount(listed["total"]) == total, where
        assert option["goods"] == Decimal(figures["goods_chf"]), where
        assert option["import_vat"] == Decimal(figures["import_vat_chf"]), where
        assert option["fee"] == Decimal(figures["fee_chf"]), where
        per_gb = figures["chf_per_gb"]
        assert option["per_gb"] == (Decimal(per_gb) if per_gb else None), where
        assert listed["vram"] == str(figures["vram_gb"]), where
        assert listed["power_draw"] == str(figures["power_w"]), where
        # the warnings, as the start page and build_cost say them
        assert start["warnings"][build.code] == [
            warning["message"] for warning in figures["warnings"]
        ], where
        # the source, as the start page, the builds list and the sheet say it
        assert start_source == listed["source"], where
        assert f"from {start_source}" in option["page"], where
        main = {"accepted quote": "accepted quote", "received quote": "quote"}.get(
            figures["source"], "estimate"
        )
        assert start_source.startswith(main), where
        if figures["reference"]:
            assert figures["reference"] in start_source, where
        if build.orders.exists():
            price_line = next(
                line
                for line in read_command("order_status", build.slug).splitlines()
                if line.startswith("Price: ")
            )
            assert amount(price_line) == total, where
            assert price_line.endswith(f"from {start_source}"), where

    # Money committed ----------------------------------------------------------------------
    accepted = [
        (reference, amount(row["landed_total"]))
        for (reference, _number), row in revision_rows.items()
        if row["status"] == "Accepted"
    ]
    assert start["committed"] == sum((landed for _, landed in accepted), Decimal("0.00"))
    by_build: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    names = {build.name: build.code for build in builds}
    for reference, landed in accepted:
        built = quote_rows[reference]["build"]
        by_build[names[built.split(": ", 1)[-1]] if built != "-" else "unassigned"] += landed
    for code, committed in start["committed_by_build"].items():
        key = code if code in names.values() else "unassigned"
        assert committed == by_build[key], code
    expected_rows = {code for code in by_build if code != "unassigned"}
    assert expected_rows <= set(start["committed_by_build"])
    if data == "generated":
        # what was generated is as varied as it should be
        assert by_build["unassigned"] > 0  # accepted quotes for no build are committed too
        sources = [source for _total, source in start["prices"].values()]
        assert any(source.startswith("quote ") for source in sources)
        assert any("accepted quote" in source for source in sources)
        assert any("estimate (" in source for source in sources)
        currencies = {money(row["revision_total"])[0] for row in quote_rows.values()}
        assert currencies == {"USD", "EUR", "CHF"}
        statuses = {row["status"] for row in revision_rows.values()}
        assert {"Draft", "Received", "Accepted", "Superseded"} <= statuses
