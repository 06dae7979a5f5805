"""The pure landed-cost engine: worked examples and properties over many inputs."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from quotes.pricing import engine as lc
from quotes.pricing.presenter import breakdown_record

VAT_2024 = lc.VatRule(date(2024, 1, 1), Decimal("8.10"), Decimal("5.00"), "ESTV")
NO_DUTY = lc.DutyRule(date(2024, 1, 1), Decimal("0.00"), "industrial goods")
FEDEX = lc.FeeSchedule(
    carrier="fedex",
    valid_from=date(2024, 1, 1),
    basis="duty_plus_import_vat",
    percent=Decimal("2.50"),
    base_fee_chf=Decimal("0.00"),
    source="fedex.com",
    seen_on=date(2026, 2, 16),
    verified=True,
    minimum_fee_chf=Decimal("22.00"),
)
SWISS_POST = lc.FeeSchedule(
    carrier="swiss-post",
    valid_from=date(2024, 1, 1),
    basis="customs_value_plus_duty",
    percent=Decimal("3.00"),
    base_fee_chf=Decimal("16.00"),
    source="post.ch",
    seen_on=date(2026, 2, 16),
    verified=True,
    nearby_base_fee_chf=Decimal("11.50"),
    nearby_countries=("DE", "FR", "IT", "AT"),
    maximum_fee_chf=Decimal("70.00"),
)
DHL = lc.FeeSchedule(
    carrier="dhl",
    valid_from=date(2024, 1, 1),
    basis="import_vat",
    percent=Decimal("2.00"),
    base_fee_chf=Decimal("19.00"),
    source="dhl.ch",
    seen_on=date(2026, 2, 16),
    verified=False,
    value_threshold_chf=Decimal("1000.00"),
    base_fee_above_threshold_chf=Decimal("39.50"),
)
UPS = lc.FeeSchedule(
    carrier="ups",
    valid_from=date(2024, 1, 1),
    basis="customs_value",
    percent=Decimal("3.00"),
    base_fee_chf=Decimal("0.00"),
    source="ups.com",
    seen_on=date(2026, 2, 16),
    verified=False,
    minimum_fee_chf=Decimal("25.15"),
)


FIGURES = [
    "currency",
    "fx_rate",
    "goods",
    "warranty",
    "shipping",
    "customs_value_chf",
    "duty_chf",
    "import_vat_chf",
    "fee_chf",
    "fee_vat_chf",
    "total_chf",
    "net_chf",
    "vat_rate",
]


def figures(result: lc.LandedCost) -> dict[str, str]:
    """The figures of the result as the kept breakdown (and `landed_cost --json`) write them."""
    record = breakdown_record(result)
    return {key: record[key] for key in FIGURES}


def rules(currency: str, rate: str, schedule: lc.FeeSchedule | None) -> lc.Rules:
    fx = lc.FxRate(currency, Decimal(rate), date(2026, 2, 16), "given with the quote")
    return lc.Rules(vat=VAT_2024, duty=NO_DUTY, fx=fx, fee_schedule=schedule)


def test_design_example_usd_by_fedex():
    inputs = lc.RevisionInputs(
        currency="USD",
        lines=[lc.Line(1, Decimal("14000.00"))],
        shipping=Decimal("400.00"),
        ship_from="US",
    )

    result = lc.landed_cost(inputs, rules("USD", "0.80", FEDEX))

    assert figures(result) == {
        "currency": "USD",
        "fx_rate": "0.80",
        "goods": "14000.00",
        "warranty": "0.00",
        "shipping": "400.00",
        "customs_value_chf": "11520.00",
        "duty_chf": "0.00",
        "import_vat_chf": "933.12",
        "fee_chf": "23.33",
        "fee_vat_chf": "1.89",
        "total_chf": "12478.34",
        "net_chf": "11543.33",
        "vat_rate": "8.10",
    }


def test_design_example_eur_by_swiss_post_from_germany():
    inputs = lc.RevisionInputs(
        currency="EUR",
        lines=[lc.Line(1, Decimal("10000.00"))],
        shipping=Decimal("150.00"),
        ship_from="DE",
    )

    result = lc.landed_cost(inputs, rules("EUR", "0.94", SWISS_POST))

    figures = breakdown_record(result)
    assert figures["customs_value_chf"] == "9541.00"
    assert figures["import_vat_chf"] == "772.82"
    assert (figures["fee_chf"], figures["fee_vat_chf"]) == ("70.00", "5.67")
    assert figures["total_chf"] == "10389.49"


def test_every_step_names_the_rule_it_used():
    inputs = lc.RevisionInputs(
        currency="USD", lines=[lc.Line(1, Decimal("14000.00"))], ship_from="US"
    )

    result = lc.landed_cost(inputs, rules("USD", "0.80", DHL))

    by_key = {step["key"]: step for step in breakdown_record(result)["steps"]}
    assert by_key["goods_chf"]["rule"] == "0.80 CHF per USD, given with the quote of 2026-02-16"
    assert by_key["duty_chf"]["rule"] == "0.00% from 2024-01-01 industrial goods"
    assert by_key["import_vat_chf"]["rule"] == (
        "Swiss VAT 8.10% from 2024-01-01 on customs value + duty"
    )
    assert "UNVERIFIED; dhl.ch, seen 2026-02-16" in by_key["fee_chf"]["rule"]
    assert breakdown_record(result)["rules"]["fee"]["verified"] is False


def test_missing_rate_for_the_currency_is_an_error():
    inputs = lc.RevisionInputs(currency="EUR", lines=[lc.Line(1, Decimal("1.00"))])

    try:
        lc.landed_cost(inputs, rules("USD", "0.80", None))
    except lc.LandedCostError as error:
        assert str(error) == "no exchange rate for EUR"
    else:
        raise AssertionError("a EUR revision was priced with a USD rate")


# Worked examples at the edges ------------------------------------------------------------

DUTY_2_50 = lc.DutyRule(date(2024, 1, 1), Decimal("2.50"), "a tariff with duty")


def chf_rules(schedule: lc.FeeSchedule | None, duty: lc.DutyRule = NO_DUTY) -> lc.Rules:
    fx = lc.FxRate("CHF", Decimal(1), None, "CHF")
    return lc.Rules(vat=VAT_2024, duty=duty, fx=fx, fee_schedule=schedule)


def test_duty_is_in_the_import_vat_base_and_in_a_fee_base_on_customs_value_plus_duty():
    inputs = lc.RevisionInputs(
        currency="CHF", lines=[lc.Line(1, Decimal("1000.00"))], ship_from="DE"
    )

    result = lc.landed_cost(inputs, chf_rules(SWISS_POST, DUTY_2_50))

    # duty 2.5% x 1,000.00 = 25.00
    # import VAT 8.1% x (1,000.00 + 25.00) = 83.025 -> 83.03 (without the duty: 81.00)
    # Swiss Post from DE: 11.50 + 3% x (1,000.00 + 25.00) = 42.25 (without the duty: 41.50)
    # VAT on the fee 8.1% x 42.25 = 3.42225 -> 3.42
    # landed 1,000.00 + 25.00 + 83.03 + 42.25 + 3.42 = 1,153.70; net 1,153.70 - 83.03 - 3.42
    assert figures(result) == {
        "currency": "CHF",
        "fx_rate": "1",
        "goods": "1000.00",
        "warranty": "0.00",
        "shipping": "0.00",
        "customs_value_chf": "1000.00",
        "duty_chf": "25.00",
        "import_vat_chf": "83.03",
        "fee_chf": "42.25",
        "fee_vat_chf": "3.42",
        "total_chf": "1153.70",
        "net_chf": "1067.25",
        "vat_rate": "8.10",
    }


def test_duty_is_in_a_fee_base_on_duty_plus_import_vat():
    inputs = lc.RevisionInputs(
        currency="CHF", lines=[lc.Line(1, Decimal("10000.00"))], ship_from="US"
    )

    result = lc.landed_cost(inputs, chf_rules(FEDEX, DUTY_2_50))

    # duty 250.00; import VAT 8.1% x 10,250.00 = 830.25
    # FedEx max(22.00, 2.5% x (250.00 + 830.25)) = 27.00625 -> 27.01 (without duty: 20.76,
    # so 22.00); VAT on it 8.1% x 27.01 = 2.18781 -> 2.19
    # landed 10,000.00 + 250.00 + 830.25 + 27.01 + 2.19 = 11,109.45
    assert (result.duty_chf, result.import_vat_chf) == (Decimal("250.00"), Decimal("830.25"))
    assert (result.fee_chf, result.fee_vat_chf) == (Decimal("27.01"), Decimal("2.19"))
    assert result.total_chf == Decimal("11109.45")
    assert result.net_chf == Decimal("10277.01")


def test_import_vat_on_a_rounding_tie_is_rounded_half_up():
    inputs = lc.RevisionInputs(
        currency="CHF", lines=[lc.Line(1, Decimal("1005.00"))], ship_from="DE"
    )

    result = lc.landed_cost(inputs, chf_rules(None))

    # 8.1% x 1,005.00 = 81.405: half-up gives 81.41 (half-even would give 81.40)
    assert result.import_vat_chf == Decimal("81.41")
    assert result.total_chf == Decimal("1086.41")
    assert result.net_chf == Decimal("1005.00")


def test_a_quote_with_vat_included_is_a_swiss_purchase_wherever_it_ships_from():
    """DESIGN's rule: a revision whose prices include VAT is a Swiss revision: its landed
    total is goods + warranty + shipping, the VAT it contains is taken at the Swiss rate,
    and no duty, import VAT or clearance fee is added, even when it ships from abroad."""
    inputs = lc.RevisionInputs(
        currency="EUR",
        lines=[lc.Line(1, Decimal("1190.00"))],
        prices_include_vat=True,
        ship_from="DE",
    )

    result = lc.landed_cost(inputs, rules("EUR", "0.94", SWISS_POST))

    # 1,190.00 EUR x 0.94 = 1,118.60; VAT contained 1,118.60 x 8.1 / 108.1 = 83.8178 -> 83.82
    assert result.domestic is True
    assert result.total_chf == Decimal("1118.60")
    assert result.vat_contained_chf == Decimal("83.82")
    assert result.net_chf == Decimal("1034.78")
    assert (result.duty_chf, result.import_vat_chf, result.fee_chf) == (lc.ZERO,) * 3


def test_a_swiss_quote_net_of_vat_has_the_vat_added_as_a_part_of_its_total():
    inputs = lc.RevisionInputs(currency="CHF", lines=[lc.Line(1, Decimal("100.00"))])

    parts = lc.landed_cost(inputs, chf_rules(None)).parts

    assert (parts.goods, parts.vat_added, parts.total, parts.net) == (
        Decimal("100.00"),
        Decimal("8.10"),
        Decimal("108.10"),
        Decimal("100.00"),
    )


# Properties ------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=200_000, places=2)
lines = st.lists(
    st.builds(lc.Line, quantity=st.integers(1, 8), unit_price=amounts), min_size=1, max_size=6
)
imported = st.builds(
    lc.RevisionInputs,
    currency=st.sampled_from(["USD", "EUR"]),
    lines=lines,
    shipping=st.decimals(min_value=0, max_value=2_000, places=2),
    ship_from=st.sampled_from(["US", "DE", "AT", "CN", "GB"]),
    warranty_percent=st.sampled_from([Decimal(0), Decimal("8.00"), Decimal("15.00")]),
)
rule_sets = st.builds(
    lambda vat, minimum, duty, rate, schedule: lc.Rules(
        vat=lc.VatRule(date(2024, 1, 1), vat, minimum),
        duty=lc.DutyRule(date(2024, 1, 1), duty),
        fx=lc.FxRate("*", rate, date(2026, 2, 16), "test"),
        fee_schedule=schedule,
    ),
    vat=st.decimals(min_value=0, max_value=25, places=2),
    minimum=st.decimals(min_value=0, max_value=10, places=2),
    duty=st.decimals(min_value=0, max_value=20, places=2),
    rate=st.decimals(min_value=Decimal("0.01"), max_value=5, places=6),
    schedule=st.sampled_from([None, FEDEX, SWISS_POST, DHL, UPS]),
)


def in_currency(rule_set: lc.Rules, currency: str) -> lc.Rules:
    return replace(rule_set, fx=replace(rule_set.fx, currency=currency))


@given(inputs=imported, rule_set=rule_sets)
def test_landed_total_is_at_least_the_customs_value(inputs, rule_set):
    result = lc.landed_cost(inputs, in_currency(rule_set, inputs.currency))

    assert result.total_chf >= result.customs_value_chf
    assert result.net_chf >= result.customs_value_chf


@given(
    inputs=imported,
    rule_set=rule_sets,
    line=st.integers(0, 5),
    rise=st.decimals(min_value=Decimal("0.01"), max_value=50_000, places=2),
)
def test_import_vat_never_falls_when_a_price_rises(inputs, rule_set, line, rise):
    rule_set = in_currency(rule_set, inputs.currency)
    index = line % len(inputs.lines)
    dearer_lines = list(inputs.lines)
    dearer_lines[index] = replace(
        dearer_lines[index], unit_price=dearer_lines[index].unit_price + rise
    )

    before = lc.landed_cost(inputs, rule_set)
    after = lc.landed_cost(replace(inputs, lines=dearer_lines), rule_set)

    assert after.import_vat_chf >= before.import_vat_chf
    assert after.total_chf >= before.total_chf


@given(
    lines=lines,
    shipping=st.decimals(min_value=0, max_value=500, places=2),
    rule_set=rule_sets,
    include_vat=st.booleans(),
)
def test_swiss_revision_net_plus_vat_contained_is_the_total(lines, shipping, rule_set, include_vat):
    inputs = lc.RevisionInputs(
        currency="CHF",
        lines=lines,
        shipping=shipping,
        prices_include_vat=include_vat,
        ship_from="CH",
    )

    result = lc.landed_cost(inputs, in_currency(rule_set, "CHF"))

    assert result.net_chf + result.vat_contained_chf == result.total_chf
    assert result.import_vat_chf == result.fee_chf == result.duty_chf == lc.ZERO
    if include_vat:
        assert result.total_chf == result.goods_chf + result.shipping_chf


@given(
    total=st.decimals(min_value=0, max_value=1_000_000, places=2),
    values=st.lists(st.decimals(min_value=0, max_value=100_000, places=2), min_size=1, max_size=8),
)
def test_shares_by_value_add_up_to_the_total_to_the_centime(total, values):
    shares = lc.share_by_value(total, values)

    assert sum(shares) == total
    assert all(share >= 0 for share in shares)
    weight = sum(values) or len(values)
    for value, share in zip(values, shares, strict=True):
        exact = total * (value if sum(values) else 1) / weight
        assert abs(share - exact) < Decimal("0.01")


def test_the_kept_breakdown_reads_the_same_whoever_receives_the_revision():
    inputs = lc.RevisionInputs(
        currency="USD", lines=[lc.Line(1, Decimal("14000.00"))], ship_from="US"
    )
    result = lc.landed_cost(inputs, rules("USD", "0.80", DHL))

    with translation.override("de"):
        kept = breakdown_record(result)

    by_key = {step["key"]: step for step in kept["steps"]}
    assert "UNVERIFIED; dhl.ch, seen 2026-02-16" in by_key["fee_chf"]["rule"]
    assert "UNVERIFIED; dhl.ch, seen 2026-02-16" in kept["rules"]["fee"]["description"]
