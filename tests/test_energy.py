"""The cost of running a machine: energy a year at the brief's tariff, idle power, the total
cost of ownership and throughput per franc (quotes.pricing.engine.energy)."""

from decimal import Decimal

import pytest

from quotes.pricing import engine


def test_1600_w_for_8_hours_a_day_at_the_elcom_tariff():
    # 1,600 W x 8 h x 365 = 4,672,000 Wh = 4,672.00 kWh; x 0.277 = 1,294.144
    kwh = engine.annual_energy_kwh(1600, Decimal(8))

    assert kwh == Decimal("4672.00")
    assert engine.energy_chf(kwh, Decimal("0.277")) == Decimal("1294.14")


@pytest.mark.parametrize(
    ("load_w", "load_hours", "idle_w", "idle_hours", "kwh"),
    [
        (400, "8", 60, "16", "1518.40"),  # (3,200 + 960) Wh x 365
        (1, "1", 0, "0", "0.37"),  # 0.365 kWh: a tie, rounded up
        (0, "8", 0, "16", "0.00"),
        (2300, "24", 0, "0", "20148.00"),
        (575, "8.5", 45, "15.5", "2038.53"),  # (4,887.5 + 697.5) x 365 = 2,038,525 Wh: a tie
    ],
)
def test_energy_a_year_under_load_and_idle(load_w, load_hours, idle_w, idle_hours, kwh):
    assert engine.annual_energy_kwh(
        load_w, Decimal(load_hours), idle_w, Decimal(idle_hours)
    ) == Decimal(kwh)


@pytest.mark.parametrize(
    ("kwh", "tariff", "chf"),
    [
        ("5", "0.277", "1.39"),  # 1.385: a tie, rounded up
        ("1518.40", "0.277", "420.60"),  # 420.5968
        ("4672.00", "0.2770", "1294.14"),
        ("0.00", "0.277", "0.00"),
    ],
)
def test_energy_in_chf_is_rounded_half_up_to_the_rappen(kwh, tariff, chf):
    assert engine.energy_chf(Decimal(kwh), Decimal(tariff)) == Decimal(chf)


@pytest.mark.parametrize(
    ("brief_years", "warranty_years", "counted"),
    [(None, None, (3, False)), (None, 5, (5, True)), (2, 5, (2, False)), (None, 0, (3, False))],
)
def test_years_counted_are_the_briefs_else_the_warranty_else_three(
    brief_years, warranty_years, counted
):
    assert engine.years_counted(brief_years, warranty_years) == counted


def test_total_cost_of_ownership_is_landed_total_and_energy_over_the_years():
    running = engine.running_cost(
        landed_chf=Decimal("10000.00"),
        load_w=1600,
        idle=engine.IdlePower(0, False),
        tariff_chf_per_kwh=Decimal("0.2770"),
        load_hours=Decimal(8),
        idle_hours=Decimal(0),
        brief_years=None,
        warranty_years=None,
    )

    assert running.energy_kwh_per_year == Decimal("4672.00")
    assert running.energy_chf_per_year == Decimal("1294.14")
    assert running.years == 3
    assert running.energy_chf == Decimal("3882.42")  # 1,294.14 x 3
    assert running.tco_chf == Decimal("13882.42")


def test_idle_power_comes_from_the_specs_when_every_gpu_states_it():
    idle = engine.idle_power(1350, gpus=[(2, 30)], others=[(1, 40), (1, None)])

    assert idle == engine.IdlePower(100, estimated=False)  # 2 x 30 + 40


@pytest.mark.parametrize(
    ("load_w", "gpus", "watts"),
    [
        (400, [(1, None)], 60),  # 15% of 400
        (1350, [(2, 30), (1, None)], 203),  # 202.5: a tie, rounded up
        (100, [], 15),
    ],
)
def test_idle_power_without_specs_is_an_estimate(load_w, gpus, watts):
    assert engine.idle_power(load_w, gpus, others=[]) == engine.IdlePower(watts, estimated=True)


@pytest.mark.parametrize(
    ("gpus", "model", "tok_s"),
    [
        ([(1, {"gpt-oss-120b_moe_tok_s": 134, "dense_70b_tok_s": 32})], "GPT-OSS-120B", "134"),
        ([(2, {"2x_dense_70b_tok_s": 27})], "dense 70B", "27"),
        ([(2, {"gpt-oss-120b_moe_tok_s": 134})], "GPT-OSS-120B", None),  # a one-card figure
        ([(1, {"2x_gpt-oss-120b_tok_s": 80})], "GPT-OSS-120B", None),  # a two-card figure
        ([(1, None)], "GPT-OSS-120B", None),
        ([(1, {"gpt-oss-120b_tok_s": 100}), (1, {"gpt-oss-120b_tok_s": 90})], "gpt-oss-120b", None),
        ([(1, {"gpt-oss-120b_tok_s": "n/a"})], "GPT-OSS-120B", None),
    ],
)
def test_throughput_from_the_benchmark_specs(gpus, model, tok_s):
    expected = None if tok_s is None else Decimal(tok_s)
    assert engine.benchmark_tok_s(gpus, model) == expected


@pytest.mark.parametrize(
    ("tok_s", "amount", "per_kchf"),
    [("134", "8183.00", "16.38"), ("100", "8000.00", "12.50"), (None, "8000.00", None)],
)
def test_tokens_per_second_per_chf_1000(tok_s, amount, per_kchf):
    tok = None if tok_s is None else Decimal(tok_s)
    expected = None if per_kchf is None else Decimal(per_kchf)
    assert engine.throughput_per_kchf(tok, Decimal(amount)) == expected
