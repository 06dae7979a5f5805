"""Warnings as data: the pricing result of a revision and of a build says when its figures
mislead (a stale or drifting rate, an unverified fee, an estimate, an expired offer, no
build), and shows a foreign total at today's rate beside the frozen one."""

import json
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from quotes.comparison import comparison_pdf
from tests.comparison_helpers import landed_totals, pdf_pages
from tests.factories import (
    BuildFactory,
    BuildLineFactory,
    ExchangeRateFactory,
    QuoteFactory,
    bizon,
    design_rules,
    revision_through_services,
    user_in_role,
)

pytestmark = pytest.mark.django_db

ISSUED = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(
        datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("Europe/Zurich")), tick=False
    )


@pytest.fixture
def carriers():
    return design_rules()


def usd_revision(*, reference="BZ-2026-0199", carrier=None, build=None, **terms):
    """USD 10,000 from the US, no shipping: at 1.00 CHF per USD, customs value 10,000.00,
    import VAT 810.00, landed 10,810.00 without a carrier."""
    quote = QuoteFactory(
        vendor=bizon(), reference=reference, build=build or BuildFactory(slug="b-usd")
    )
    return revision_through_services(
        quote=quote,
        lines=(("G3000 workstation", 1, "10000.00"),),
        currency="USD",
        prices_include_vat=False,
        ship_from="US",
        carrier=carrier,
        issued_on=ISSUED,
        allow_stale_rate=True,
        **{"valid_until": date(2026, 12, 20), **terms},
    )


def landed_json(reference: str, capsys) -> dict:
    call_command("landed_cost", reference, "--json")
    return json.loads(capsys.readouterr().out)


def codes(figures: dict) -> list[str]:
    return [warning["code"] for warning in figures["warnings"]]


@pytest.mark.parametrize(
    ("rate_date", "stale"),
    [(date(2026, 11, 15), False), (date(2026, 11, 14), True)],
    ids=["5 days before the issue date", "6 days before the issue date"],
)
def test_a_stored_rate_older_than_five_days_before_the_issue_date_is_stale(
    carriers, capsys, rate_date, stale
):
    ExchangeRateFactory(currency="USD", rate_date=rate_date, chf_per_unit=Decimal("1.000000"))
    usd_revision()

    figures = landed_json("BZ-2026-0199", capsys)

    assert figures["total_chf"] == "10810.00"
    if stale:
        assert figures["warnings"] == [
            {
                "code": "stale_rate",
                "message": "The USD rate used is from 14.11.2026, 6 days before the quote was "
                "issued (20.11.2026); enter the rate of the quote or update the rates.",
            }
        ]
    else:
        assert figures["warnings"] == []


def test_a_rate_given_with_the_quote_is_never_stale(carriers, capsys):
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 2, 16), chf_per_unit=Decimal("0.8"))
    usd_revision(fx_rate=Decimal("1.000000"), fx_rate_source="given with the quote")

    figures = landed_json("BZ-2026-0199", capsys)

    assert figures["total_chf"] == "10810.00"
    assert "stale_rate" not in codes(figures)


@pytest.mark.parametrize(
    ("latest_rate", "today_total", "drift_chf", "drift_percent", "drifts"),
    [
        ("1.020000", "11026.20", "216.20", "2.00", False),
        ("1.020100", "11027.28", "217.28", "2.01", True),
    ],
    ids=["2.00% is within", "2.01% drifts"],
)
def test_a_newer_rate_that_moves_the_total_by_more_than_two_percent_drifts(
    carriers, capsys, latest_rate, today_total, drift_chf, drift_percent, drifts
):
    ExchangeRateFactory(currency="USD", rate_date=ISSUED, chf_per_unit=Decimal("1.000000"))
    usd_revision()
    ExchangeRateFactory(
        currency="USD", rate_date=date(2026, 11, 27), chf_per_unit=Decimal(latest_rate)
    )

    figures = landed_json("BZ-2026-0199", capsys)

    assert figures["total_chf"] == "10810.00"  # frozen: never changes
    assert figures["fx_rate"] == "1.000000"
    assert figures["today"] == {
        "fx_rate": latest_rate,
        "fx_date": "2026-11-27",
        "total_chf": today_total,
        "drift_chf": drift_chf,
        "drift_percent": drift_percent,
    }
    if drifts:
        assert figures["warnings"] == [
            {
                "code": "rate_drift",
                "message": "At the latest USD rate (1.0201 of 27.11.2026) the landed total "
                "would be CHF 11’027.28, +2.01% (+CHF 217.28) against the frozen "
                "CHF 10’810.00.",
            }
        ]
    else:
        assert figures["warnings"] == []


def test_a_swiss_revision_has_no_view_of_today(carriers, capsys):
    quote = QuoteFactory(reference="DG-1", build=BuildFactory(slug="b-chf"))
    revision_through_services(quote=quote, valid_until=date(2026, 12, 20))

    figures = landed_json("DG-1", capsys)

    assert "today" not in figures
    assert figures["warnings"] == []


def test_unverified_fee_estimate_expired_and_no_build_each_say_so(carriers, capsys):
    ExchangeRateFactory(currency="USD", rate_date=ISSUED, chf_per_unit=Decimal("1.000000"))
    revision = usd_revision(carrier=carriers["dhl"], valid_until=date(2026, 11, 27))
    revision.quote.is_estimate = True
    revision.quote.build = None
    revision.quote.save()

    figures = landed_json("BZ-2026-0199", capsys)

    assert figures["warnings"] == [
        {
            "code": "unverified_fee_schedule",
            "message": "The clearance fee follows the dhl schedule, which is not verified "
            "(carrier's published fee table, seen 16.02.2026); check the fee with the carrier.",
        },
        {
            "code": "estimate",
            "message": "An estimate from published ranges, not an offer from the vendor.",
        },
        {"code": "expired", "message": "Valid until 27.11.2026: the offer has expired."},
        {"code": "no_build", "message": "Not assigned to a build: no build's price counts it."},
    ]


def test_build_cost_json_carries_the_warnings_of_the_quote_that_prices_it(carriers, capsys):
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 11, 14), chf_per_unit=Decimal("1"))
    build = BuildFactory(slug="b-usd")
    BuildLineFactory(for_build=build)
    usd_revision(build=build)

    call_command("build_cost", "b-usd", "--json")
    figures = json.loads(capsys.readouterr().out)

    assert figures["landed_total_chf"] == "10810.00"
    assert figures["warnings"] == [
        {
            "code": "stale_rate",
            "message": "BZ-2026-0199: The USD rate used is from 14.11.2026, 6 days before the "
            "quote was issued (20.11.2026); enter the rate of the quote or update the rates.",
        }
    ]


def test_build_cost_json_says_what_rests_on_estimates(carriers, capsys):
    build = BuildFactory(slug="est")
    BuildLineFactory(for_build=build, quantity=2)

    call_command("build_cost", "est", "--json")
    figures = json.loads(capsys.readouterr().out)

    assert figures["warnings"] == [
        {
            "code": "estimate",
            "message": "CHF 200.00 of the total of CHF 200.00 rests on estimates, not offers.",
        }
    ]


# Where the user reads them ------------------------------------------------------------------

STALE = (
    "The USD rate used is from 14.11.2026, 6 days before the quote was issued (20.11.2026); "
    "enter the rate of the quote or update the rates."
)
TODAY = "Today CHF 11’027.28 at 1.0201 CHF per USD of 27.11.2026 (+2.01%, +CHF 217.28)"


@pytest.fixture
def stale_revision(carriers):
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 11, 14), chf_per_unit=Decimal("1"))
    build = BuildFactory(slug="b-usd")
    BuildLineFactory(for_build=build)
    return usd_revision(build=build, valid_until=date(2026, 12, 5))


@pytest.fixture
def drifting_revision(carriers):
    ExchangeRateFactory(currency="USD", rate_date=ISSUED, chf_per_unit=Decimal("1.000000"))
    revision = usd_revision(valid_until=date(2026, 12, 5))
    ExchangeRateFactory(
        currency="USD", rate_date=date(2026, 11, 27), chf_per_unit=Decimal("1.020100")
    )
    return revision


def text_of(response) -> str:
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_the_revision_page_lists_the_warnings(stale_revision, admin_client):
    page = text_of(
        admin_client.get(reverse("admin:quotes_quoterevision_change", args=[stale_revision.pk]))
    )

    assert f'<li class="warning" data-code="stale_rate">&#9888; {STALE}</li>' in page.replace(
        "⚠", "&#9888;"
    )


def test_the_revision_page_shows_todays_total_beside_the_frozen_one(
    drifting_revision, admin_client
):
    page = text_of(
        admin_client.get(reverse("admin:quotes_quoterevision_change", args=[drifting_revision.pk]))
    )

    assert "CHF 10’810.00" in page
    assert TODAY in page
    assert "the landed total would be CHF 11’027.28, +2.01% (+CHF 217.28)" in page


def test_the_quotes_list_has_an_icon_with_the_warning_as_its_title(stale_revision, admin_client):
    page = text_of(admin_client.get(reverse("admin:quotes_quote_changelist")))

    assert f'title="{STALE}"' in page


def test_the_sheet_shows_the_warnings_in_its_flags_row_and_todays_total(drifting_revision):
    _sheet, pdf = comparison_pdf(quote_references=["BZ-2026-0199"])
    pages = pdf_pages(pdf)
    first, *rest = (" ".join(page.split()) for page in pages)

    assert "Flags Rate drift: +2.01% at today's rate" in first
    assert landed_totals(pages[0]) == ["CHF 10’810.00"]
    assert TODAY in first
    assert (
        "Warnings 1. BIZON BZ-2026-0199 At the latest USD rate (1.0201 of 27.11.2026) the "
        "landed total would be CHF 11’027.28, +2.01% (+CHF 217.28) against the frozen "
        "CHF 10’810.00." in " ".join(rest)
    )


def test_the_start_page_shows_the_warnings_of_quotes_and_builds(stale_revision, admin_client):
    page = text_of(admin_client.get(reverse("home")))

    assert page.count(STALE) == 2  # the expiring quote, and the build it prices
    assert f"BZ-2026-0199: {STALE}" in page


def next_steps_of(html: str) -> list[str]:
    """The next steps of the start page, as read: tags dropped, white space folded."""
    start = html.index('<section id="next-steps"')
    steps = html[start : html.index("</section>", start)]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", item).split()).replace("&#x27;", "'")
        for item in re.findall(r'<li class="step-[^"]*">(.*?)</li>', steps, re.S)
    ]


def test_a_quote_at_a_stale_rate_is_one_next_step_to_update_the_rates(stale_revision, admin_client):
    html = admin_client.get(reverse("home")).content.decode()

    assert [step for step in next_steps_of(html) if "rate" in step] == [
        "BIZON BZ-2026-0199 rev. 1 (received) is priced at an old rate: Stale rate: USD of "
        "14.11.2026 Update the rates"
    ]
    assert f"{reverse('admin:quotes_exchangerate_changelist')}?currency__exact=USD" in html


def test_a_quote_drifted_with_the_rate_is_a_next_step_to_open_it(drifting_revision, client):
    client.force_login(user_in_role("Buyer"))
    html = client.get(reverse("home")).content.decode()

    assert [step for step in next_steps_of(html) if "rate" in step] == [
        "BIZON BZ-2026-0199 rev. 1 (received) has drifted with the rate: Rate drift: +2.01% at "
        "today's rate Open the revision"
    ]
    link = reverse("admin:quotes_quoterevision_change", args=[drifting_revision.pk])
    assert f'<a href="{link}">Open the revision</a>' in html


def test_a_viewer_reads_a_stale_rate_without_the_action_to_update_the_rates(stale_revision, client):
    client.force_login(user_in_role("Viewer"))
    html = client.get(reverse("home")).content.decode()

    assert [step for step in next_steps_of(html) if "rate" in step] == [
        "BIZON BZ-2026-0199 rev. 1 (received) is priced at an old rate: Stale rate: USD of "
        "14.11.2026"
    ]
    assert "Update the rates" not in html


def test_a_percentage_fee_without_a_published_cap_says_so(carriers, capsys):
    ExchangeRateFactory(currency="USD", rate_date=ISSUED, chf_per_unit=Decimal("1.000000"))
    usd_revision(carrier=carriers["dhl"])

    call_command("landed_cost", "BZ-2026-0199")
    text = capsys.readouterr().out

    assert (
        "Clearance fee: dhl: 19.00 up to a customs value of 1000.00, else 39.50, + 2.00% x "
        "(duty + import VAT) (at least 3.00), no published cap (UNVERIFIED; carrier's published fee table, seen "
        "2026-02-16)" in text
    )
