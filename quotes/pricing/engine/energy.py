"""The cost of running a machine: its power idle, the energy it uses in a year at the
brief's tariff and hours, and the total cost of ownership over the years counted.

The tariff, the hours and the years are the caller's (the buyer's brief); nothing here is a
rate. Each step is rounded half-up: energy to 0.01 kWh, money to 0.01 CHF.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from quotes.pricing.engine.landed import CENT, HUNDRED, ZERO, round_chf

__all__ = [
    "DAYS_PER_YEAR",
    "IDLE_ESTIMATE_PERCENT",
    "IdlePower",
    "RunningCost",
    "annual_energy_kwh",
    "benchmark_tok_s",
    "energy_chf",
    "idle_power",
    "running_cost",
    "throughput_per_kchf",
    "years_counted",
]

DAYS_PER_YEAR = 365
WH_PER_KWH = Decimal(1000)
THOUSAND = Decimal(1000)
# Without an idle figure in the specs of every GPU, a workstation idling with its models
# loaded is taken to draw this share of its power under load: an estimate, and said to be.
IDLE_ESTIMATE_PERCENT = Decimal(15)
DEFAULT_YEARS = 3


@dataclass(frozen=True)
class IdlePower:
    """What a machine draws idle, in W; `estimated` when no spec states it."""

    watts: int
    estimated: bool


@dataclass(frozen=True)
class RunningCost:
    """A machine's energy in a year and the total cost of ownership over `years`."""

    load_w: int
    idle: IdlePower
    energy_kwh_per_year: Decimal
    energy_chf_per_year: Decimal
    years: int
    years_from_warranty: bool
    energy_chf: Decimal
    tco_chf: Decimal


def idle_power(
    load_w: int, gpus: Iterable[tuple[int, int | None]], others: Iterable[tuple[int, int | None]]
) -> IdlePower:
    """Idle power from the specs over (quantity, idle W) of the GPUs and of the other parts
    when every GPU states one; otherwise IDLE_ESTIMATE_PERCENT of `load_w`, rounded to the W
    and marked as an estimate."""
    gpus = list(gpus)
    if gpus and all(idle is not None for _, idle in gpus):
        stated = [*gpus, *others]
        return IdlePower(sum((idle or 0) * quantity for quantity, idle in stated), False)
    estimate = (Decimal(load_w) * IDLE_ESTIMATE_PERCENT / HUNDRED).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return IdlePower(int(estimate), True)


def annual_energy_kwh(
    load_w: int, load_hours: Decimal, idle_w: int = 0, idle_hours: Decimal = ZERO
) -> Decimal:
    """kWh in a year of DAYS_PER_YEAR days: W x hours a day, under load and idle."""
    watt_hours = (Decimal(load_w) * load_hours + Decimal(idle_w) * idle_hours) * DAYS_PER_YEAR
    return (watt_hours / WH_PER_KWH).quantize(CENT, rounding=ROUND_HALF_UP)


def energy_chf(kwh: Decimal, tariff_chf_per_kwh: Decimal) -> Decimal:
    return round_chf(kwh * tariff_chf_per_kwh)


def years_counted(brief_years: int | None, warranty_years: int | None) -> tuple[int, bool]:
    """The years the brief counts; without them, the option's warranty years, else
    DEFAULT_YEARS. The flag says whether the warranty gave them."""
    if brief_years:
        return brief_years, False
    if warranty_years:
        return warranty_years, True
    return DEFAULT_YEARS, False


def running_cost(
    *,
    landed_chf: Decimal,
    load_w: int,
    idle: IdlePower,
    tariff_chf_per_kwh: Decimal,
    load_hours: Decimal,
    idle_hours: Decimal,
    brief_years: int | None,
    warranty_years: int | None,
) -> RunningCost:
    """Energy a year and the total cost of ownership: `landed_chf` + energy x years."""
    kwh = annual_energy_kwh(load_w, load_hours, idle.watts, idle_hours)
    per_year = energy_chf(kwh, tariff_chf_per_kwh)
    years, from_warranty = years_counted(brief_years, warranty_years)
    over_years = round_chf(per_year * years)
    return RunningCost(
        load_w=load_w,
        idle=idle,
        energy_kwh_per_year=kwh,
        energy_chf_per_year=per_year,
        years=years,
        years_from_warranty=from_warranty,
        energy_chf=over_years,
        tco_chf=round_chf(landed_chf + over_years),
    )


def benchmark_tok_s(
    gpus: Iterable[tuple[int, dict[str, object] | None]], model: str
) -> Decimal | None:
    """Tokens per second for `model` from the GPUs' benchmark specs, for a machine with one
    kind of GPU: a key `<n>x_<model>..._tok_s` for n cards, or `<model>..._tok_s` for one.
    `model` is matched case-free, spaces and underscores as hyphens (GPT-OSS-120B:
    gpt-oss-120b)."""
    gpus = [(quantity, benchmarks) for quantity, benchmarks in gpus]
    if len(gpus) != 1:
        return None
    quantity, benchmarks = gpus[0]
    name = _plain(model)
    if not name or not isinstance(benchmarks, dict):
        return None
    prefix = name if quantity == 1 else f"{quantity}x-{name}"
    for key, value in sorted(benchmarks.items()):
        key = _plain(str(key))
        if key.startswith(prefix) and key.endswith("-tok-s"):
            try:
                figure = Decimal(str(value))
            except ArithmeticError:
                continue
            if figure > 0:
                return figure
    return None


def _plain(name: str) -> str:
    """A model or key name, case-free, with spaces and underscores as hyphens."""
    return name.strip().lower().replace(" ", "-").replace("_", "-")


def throughput_per_kchf(tok_s: Decimal | None, amount_chf: Decimal) -> Decimal | None:
    """Tokens per second per CHF 1,000 of `amount_chf`, to 0.01; None without a figure."""
    if tok_s is None or amount_chf <= 0:
        return None
    return (tok_s * THOUSAND / amount_chf).quantize(CENT, rounding=ROUND_HALF_UP)
