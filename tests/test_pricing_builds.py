"""The pure cost of a build: which offer prices which line, and the figures against the brief."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotes.pricing import engine

VAT = Decimal("8.10")
# A build of 2 GPUs estimated at 5,600.00, a case at 200.00 and a PSU at 400.00.
LINES = [
    engine.BuildLineInput(1, 2, Decimal("5600.00")),
    engine.BuildLineInput(2, 1, Decimal("200.00")),
    engine.BuildLineInput(3, 1, Decimal("400.00")),
]


def landed(total: str, net: str | None = None) -> engine.Parts:
    return engine.Parts(goods=Decimal(total), total=Decimal(total), net=Decimal(net or total))


def gpu_offer(key: int, total: str, *, accepted: bool = False) -> engine.Offer:
    """One GPU (the build needs two) and nothing else."""
    lines = (engine.OfferedLine(Decimal(total), 1, build_line=1),)
    return engine.Offer(key, accepted, False, landed(total), lines)


def system_offer(key: int, total: str, *, accepted: bool = False) -> engine.Offer:
    """The whole build: its GPUs tied, a base system not."""
    lines = (
        engine.OfferedLine(Decimal("9000.00"), 2, build_line=1),
        engine.OfferedLine(Decimal("4437.00"), 1),
    )
    return engine.Offer(key, accepted, True, landed(total), lines)


def priced(*offers: engine.Offer) -> list[tuple[int | None, Decimal]]:
    costs = engine.build_cost(LINES, offers, vat_rate_percent=VAT)
    return [(cost.offer, cost.parts.total) for cost in costs]


def test_without_offers_every_line_is_its_estimate_and_its_net_less_the_vat_it_contains():
    costs = engine.build_cost(LINES, [], vat_rate_percent=VAT)

    assert [cost.offer for cost in costs] == [None, None, None]
    # 5,600.00 x 8.1 / 108.1 = 419.611 -> 419.61
    assert costs[0].parts.net == Decimal("5180.39")


def test_a_part_offer_is_scaled_to_the_builds_quantity():
    assert priced(gpu_offer(7, "2799.00")) == [
        (7, Decimal("5598.00")),
        (None, Decimal("200.00")),
        (None, Decimal("400.00")),
    ]


def test_the_cheapest_live_part_offer_prices_its_line():
    assert priced(gpu_offer(7, "2799.00"), gpu_offer(8, "2750.00"))[0] == (8, Decimal("5500.00"))


def test_an_accepted_offer_prices_its_line_even_when_a_live_one_is_cheaper():
    assert priced(gpu_offer(7, "2900.00", accepted=True), gpu_offer(8, "2500.00"))[0] == (
        7,
        Decimal("5800.00"),
    )


def test_the_cheapest_whole_system_prices_every_line_and_adds_up_to_its_total():
    costs = priced(system_offer(7, "12000.00"), system_offer(8, "11990.48"), gpu_offer(9, "1.00"))

    assert {offer for offer, _ in costs} == {8}
    assert sum(total for _, total in costs) == Decimal("11990.48")


def test_an_accepted_part_keeps_a_live_whole_system_out():
    costs = priced(gpu_offer(7, "2900.00", accepted=True), system_offer(8, "9000.00"))

    assert [offer for offer, _ in costs] == [7, None, None]


def test_an_accepted_whole_system_prices_the_build_over_accepted_parts():
    costs = priced(
        gpu_offer(7, "2900.00", accepted=True), system_offer(8, "13000.00", accepted=True)
    )

    assert [offer for offer, _ in costs] == [8, 8, 8]


def test_estimates_need_the_vat_rate_in_force():
    with pytest.raises(engine.LandedCostError, match="no Swiss VAT rate for the estimates"):
        engine.build_cost(LINES, [], vat_rate_percent=None)
    # a build priced wholly by an offer needs none
    assert engine.build_cost(LINES, [system_offer(8, "13000.00")], vat_rate_percent=None)


@given(total=st.decimals(min_value=0, max_value=100_000, places=2))
def test_a_whole_system_is_shared_over_the_build_to_the_centime(total):
    costs = engine.build_cost(LINES, [system_offer(1, str(total))], vat_rate_percent=VAT)

    assert sum(cost.parts.total for cost in costs) == total
    assert sum(cost.parts.goods for cost in costs) == total


@pytest.mark.parametrize(
    ("amount", "vram", "expected"),
    [
        (Decimal("8183.00"), 96, Decimal("85.24")),  # 85.2395...
        (Decimal("100.00"), 8, Decimal("12.50")),
        (Decimal("0.05"), 10, Decimal("0.01")),  # 0.005: half-up
        (Decimal("8183.00"), None, None),
        (Decimal("8183.00"), 0, None),
    ],
)
def test_chf_per_gb_of_vram(amount, vram, expected):
    assert engine.chf_per_gb(amount, vram) == expected


@pytest.mark.parametrize(
    ("watts", "circuit", "percent"),
    [(400, 2300, 17), (1150, 2300, 50), (2300, 2300, 100), (2001, 2300, 87), (23, 2300, 1)],
)
def test_power_against_one_circuit(watts, circuit, percent):
    # 2,001 / 2,300 = 86.999...% -> 87; 23 / 2,300 = 1%
    assert engine.percent_of_whole(watts, circuit) == percent


def test_vram_and_power_of_the_gpus():
    gpus = [(2, 32), (1, 96)]

    assert engine.gpu_vram_gb(gpus) == 160
    assert engine.gpu_vram_gb([]) is None
    assert engine.power_draw_w([(2, 575), (1, None)], system_power_w=200) == 1350
