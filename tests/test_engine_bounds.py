"""The pricing engine computes every input the bounds accept, without raising."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from procurement.bounds import (
    MAX_FX_RATE,
    MAX_LINES,
    MAX_QUANTITY,
    MAX_SHIPPING,
    MAX_UNIT_PRICE,
    MAX_WARRANTY_YEARS,
)
from quotes.pricing import engine as lc
from tests.test_landed_cost_engine import DHL, FEDEX, SWISS_POST, UPS, rules

accepted_lines = st.lists(
    st.builds(
        lc.Line,
        st.integers(1, MAX_QUANTITY),
        st.decimals(min_value=0, max_value=MAX_UNIT_PRICE, places=2),
    ),
    min_size=1,
    max_size=6,
)


@given(
    lines=accepted_lines,
    shipping=st.decimals(min_value=0, max_value=MAX_SHIPPING, places=2),
    rate=st.decimals(min_value=Decimal("0.000001"), max_value=MAX_FX_RATE, places=6),
    schedule=st.sampled_from([FEDEX, SWISS_POST, DHL, UPS, None]),
    include_vat=st.booleans(),
    warranty_percent=st.decimals(min_value=0, max_value=100, places=2),
    foreign_vat=st.none() | st.decimals(min_value=0, max_value=MAX_UNIT_PRICE, places=2),
)
def test_any_accepted_revision_is_priced(
    lines, shipping, rate, schedule, include_vat, warranty_percent, foreign_vat
):
    inputs = lc.RevisionInputs(
        currency="USD",
        lines=lines,
        shipping=shipping,
        prices_include_vat=include_vat,
        ship_from="US",
        warranty_years=MAX_WARRANTY_YEARS,
        warranty_percent=warranty_percent,
        foreign_vat=foreign_vat,
    )

    result = lc.landed_cost(inputs, rules("USD", str(rate), schedule))

    assert result.total_chf >= 0 and result.total_chf.is_finite()


def test_the_largest_accepted_revision_is_priced():
    inputs = lc.RevisionInputs(
        currency="USD",
        lines=[lc.Line(MAX_QUANTITY, MAX_UNIT_PRICE)] * MAX_LINES,
        shipping=MAX_SHIPPING,
        ship_from="US",
    )

    result = lc.landed_cost(inputs, rules("USD", str(MAX_FX_RATE), FEDEX))

    # 200 lines x 1,000 x 9,999,999.99 + 999,999.99 = 2,000,000,997,999.99 USD at 100 CHF;
    # more than a revision keeps (quotes.services refuses to store it), but computed.
    assert result.customs_value_chf == Decimal("200000099799999.00")
