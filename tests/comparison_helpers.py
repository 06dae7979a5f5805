"""Options for comparison sheets made with the factories, and reading the PDF back."""

import io
import re
from datetime import date
from decimal import Decimal

from djmoney.money import Money
from pypdf import PdfReader

from procurement.models import Component
from quotes.services import LineData, quote_revision_create
from tests import factories

SEED_DAY = date(2026, 2, 16)
AMOUNT = re.compile(r"(?<!~)CHF -?[\d’]+\.\d\d")


def rules(*, fee_verified: bool = True):
    """VAT 8.1%, duty 0, USD at 0.80 and FedEx's schedule, all in force on SEED_DAY."""
    factories.VatRateFactory()
    factories.DutyRateFactory()
    factories.ExchangeRateFactory()
    return factories.ClearanceFeeScheduleFactory(verified=fee_verified).carrier


def build(*, gpus: int = 1, vram_gb: int = 96, gpu_price: str = "6443.00", **fields):
    """A build of `gpus` GPUs, a CPU and a PSU, with the brief of the factories."""
    fields.setdefault("requirements", factories.RequirementsFactory())
    fields.setdefault("noise_class", "quiet")
    fields.setdefault("system_power_w", 100)
    made = factories.BuildFactory(**fields)
    gpu = factories.GpuFactory(vram_gb=vram_gb, tdp_w=300)
    factories.BuildLineFactory(
        for_build=made, component=gpu, quantity=gpus, estimated_unit_price=Money(gpu_price, "CHF")
    )
    cpu = factories.ComponentFactory(category=Component.Category.CPU, model="Ryzen 9 9950X")
    factories.BuildLineFactory(
        for_build=made, component=cpu, estimated_unit_price=Money("550.00", "CHF")
    )
    psu = factories.ComponentFactory(
        category=Component.Category.PSU, model="Pure Power 12 M 1000W", psu_rating_w=1000
    )
    factories.BuildLineFactory(
        for_build=made, component=psu, estimated_unit_price=Money("180.00", "CHF")
    )
    return made


def usd_quote(*, carrier, valid_until: date = date(2026, 3, 18), offers=None, **quote_fields):
    """The design's first worked example: USD 14,000 + USD 400 shipping by FedEx at 0.80,
    landed CHF 12,478.34."""
    quote_fields.setdefault(
        "vendor", factories.VendorFactory(country="US", name="BIZON Tech", default_currency="USD")
    )
    quote = factories.QuoteFactory(build=offers, **quote_fields)
    gpu = factories.GpuFactory(vram_gb=32, tdp_w=575)
    return quote_revision_create(
        user=factories.acting_buyer(),
        quote=quote,
        issued_on=SEED_DAY,
        valid_until=valid_until,
        currency="USD",
        lines=[
            LineData("RTX 5090 32 GB", 2, Decimal("4500.00"), component=gpu),
            LineData("G3000 base system", 1, Decimal("5000.00")),
        ],
        shipping=Decimal("400.00"),
        ship_from="US",
        carrier=carrier,
        fx_rate=Decimal("0.80"),
        status="received",
    ).quote


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def row(text: str, label: str) -> str:
    """The line of an extracted page that starts with a row label."""
    return next(line for line in text.splitlines() if line.startswith(label + " "))


def landed_totals(text: str) -> list[str]:
    """The amounts of the Landed total row, without the research note's figures."""
    start = text.index("Landed total")
    end = text.find("Net of recoverable VAT", start)  # shown for a VAT-registered buyer only
    segment = text[start : end if end != -1 else text.index("CHF per GB of VRAM", start)]
    # A foreign total at today's rate is shown beside the frozen one: not a landed total.
    segment = re.sub(r"Today\s+CHF.*?\)", "", segment, flags=re.S)
    return AMOUNT.findall(segment)
