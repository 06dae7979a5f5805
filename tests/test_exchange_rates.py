"""Dated exchange rates: the ECB's daily reference rates crossed to CHF."""

import socket
import threading
import time
from datetime import date
from decimal import Decimal
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from quotes import ecb
from quotes.models import ExchangeRate
from quotes.pricing.reads import compute_landed_cost, revisions_for_pricing
from quotes.services import (
    LineData,
    exchange_rates_record,
    quote_revision_create,
    quote_revision_refresh_landed_cost,
)
from quotes.tasks import update_exchange_rates
from tests.factories import ExchangeRateFactory, QuoteFactory, acting_buyer, design_rules

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
RECORDED = DATA / "eurofxref-daily.xml"  # the ECB's file of 2022-07-08, as published


@pytest.fixture
def rates_server():
    """A local web server that serves tests/data/ (the machine may have no internet)."""
    handler = partial(QuietHandler, directory=str(DATA))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def closed_port_url():
    """An address where nothing listens: the connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/eurofxref-daily.xml"


def test_recorded_daily_file_is_read_with_its_date_and_every_rate():
    daily = ecb.parse_daily(RECORDED.read_bytes())

    assert daily.rate_date == date(2022, 7, 8)
    assert len(daily.per_euro) == 31
    assert daily.per_euro["USD"] == Decimal("1.0163")
    assert daily.per_euro["CHF"] == Decimal("0.9913")
    assert daily.per_euro["GBP"] == Decimal("0.84585")


def test_rates_are_crossed_to_chf_per_unit_and_rounded_to_six_places():
    daily = ecb.parse_daily(RECORDED.read_bytes())

    assert daily.chf_per_unit(["CHF", "EUR", "USD", "GBP"]) == {
        "EUR": Decimal("0.991300"),
        "USD": Decimal("0.975401"),  # 0.9913 / 1.0163 = 0.97540096...
        "GBP": Decimal("1.171957"),  # 0.9913 / 0.84585 = 1.17195720...
    }


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"<html>Service unavailable</html>", "has no dated rates"),
        (b"not xml at all", "is not the rates XML"),
        (
            RECORDED.read_bytes().replace(b"time='2022-07-08'", b"time='8 July'"),
            "cannot be read",
        ),
    ],
)
def test_answer_that_is_not_the_rates_file_is_refused(document, message):
    with pytest.raises(ecb.EcbError, match=message):
        ecb.parse_daily(document)


def test_rates_without_chf_cannot_be_crossed():
    document = RECORDED.read_bytes().replace(b"<Cube currency='CHF' rate='0.9913'/>", b"")

    with pytest.raises(ecb.EcbError, match="no CHF rate"):
        ecb.parse_daily(document).chf_per_unit(["USD"])


def test_recorded_rates_go_into_the_dated_table():
    written = exchange_rates_record(daily=ecb.parse_daily(RECORDED.read_bytes()))

    assert {(rate.currency, rate.chf_per_unit) for rate in written} == {
        ("EUR", Decimal("0.991300")),
        ("USD", Decimal("0.975401")),
        ("GBP", Decimal("1.171957")),
    }
    stored = ExchangeRate.objects.get(currency="USD", rate_date=date(2022, 7, 8))
    assert stored.source == ExchangeRate.Source.ECB


def test_rate_entered_by_hand_for_the_day_is_kept_and_an_ecb_rate_is_brought_up_to_date():
    ExchangeRateFactory(
        currency="USD", rate_date=date(2022, 7, 8), chf_per_unit="0.99", source="manual"
    )
    ExchangeRateFactory(
        currency="EUR", rate_date=date(2022, 7, 8), chf_per_unit="1.5", source="ecb"
    )

    exchange_rates_record(daily=ecb.parse_daily(RECORDED.read_bytes()))

    rates = dict(ExchangeRate.objects.values_list("currency", "chf_per_unit"))
    assert rates == {
        "USD": Decimal("0.990000"),
        "EUR": Decimal("0.991300"),
        "GBP": Decimal("1.171957"),
    }


def test_update_rates_fetches_and_records_the_daily_file(rates_server, capsys):
    call_command("update_rates", "--url", f"{rates_server}/eurofxref-daily.xml")

    assert ExchangeRate.objects.filter(rate_date=date(2022, 7, 8)).count() == 3
    assert "Recorded 1 USD = CHF 0.975401 on 2022-07-08." in capsys.readouterr().out


def test_update_rates_reads_a_saved_file():
    call_command("update_rates", "--file", str(RECORDED))

    assert ExchangeRate.objects.get(currency="GBP").chf_per_unit == Decimal("1.171957")


def test_update_rates_fails_within_seconds_with_a_clear_message_when_offline(closed_port_url):
    started = time.monotonic()

    with pytest.raises(CommandError) as refused:
        call_command("update_rates", "--url", closed_port_url, "--timeout", "3")

    assert time.monotonic() - started < 5
    assert str(refused.value).startswith("The exchange rates were not updated: ")
    assert "cannot be reached" in str(refused.value)
    assert not ExchangeRate.objects.exists()


def test_update_rates_says_when_the_answer_is_not_the_rates_file(rates_server):
    with pytest.raises(CommandError, match="answered HTTP 404"):
        call_command("update_rates", "--url", f"{rates_server}/missing.xml")


def test_update_rates_refuses_an_address_that_is_not_http():
    with pytest.raises(CommandError, match="is not an http"):
        call_command("update_rates", "--url", f"file://{RECORDED}")

    assert not ExchangeRate.objects.exists()


def test_task_records_the_days_rates(rates_server):
    result = update_exchange_rates.apply(kwargs={"url": f"{rates_server}/eurofxref-daily.xml"})

    assert result.get() == 3
    assert ExchangeRate.objects.filter(source=ExchangeRate.Source.ECB).count() == 3


def test_task_gives_up_after_a_bounded_number_of_retries(closed_port_url):
    result = update_exchange_rates.apply(kwargs={"url": closed_port_url, "timeout": 1})

    assert result.failed()
    assert isinstance(result.result, ecb.EcbError)
    assert update_exchange_rates.max_retries == 3
    assert not ExchangeRate.objects.exists()


def test_rates_recorded_later_never_change_a_received_revision():
    design_rules()
    ExchangeRateFactory(currency="USD", rate_date=date(2022, 7, 7), chf_per_unit="0.990000")
    terms = {
        "quote": None,
        "user": acting_buyer(),
        "issued_on": date(2022, 7, 8),
        "valid_until": date(2022, 8, 8),
        "currency": "USD",
        "ship_from": "US",
        "lines": [LineData("RTX 4090", 1, Decimal("1000.00"))],
    }
    received = quote_revision_create(**terms | {"quote": QuoteFactory(), "status": "received"})
    draft = quote_revision_create(**terms | {"quote": QuoteFactory(), "status": "draft"})
    # 990.00 + 7.7% import VAT (the rate of 2022)
    assert received.landed_total_chf == draft.landed_total_chf == Decimal("1066.23")

    call_command("update_rates", "--file", str(RECORDED))  # USD 0.975401 on 2022-07-08
    draft = quote_revision_refresh_landed_cost(user=acting_buyer(), revision=draft)

    received.refresh_from_db()
    assert (received.fx_rate, received.landed_total_chf) == (Decimal("0.99"), Decimal("1066.23"))
    recomputed = compute_landed_cost(revisions_for_pricing().get(pk=received.pk))
    assert recomputed.total_chf == Decimal("1066.23")
    assert draft.landed_total_chf == Decimal("1050.51")  # 975.40 + 7.7%
