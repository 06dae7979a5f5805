"""The watch on prices: a CSV of shop prices recorded whole or refused whole, target prices
and the one alert when a price reaches one, and a build's estimate refreshed from the
latest prices."""

import re
import threading
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.urls import reverse

from procurement.models import Build, BuildLine, Component, Notice, PriceObservation, Vendor
from procurement.notices import outbox
from procurement.notices.services import notification_settings_update
from procurement.price_watch.rules import PriceFileError, read_price_file
from procurement.price_watch.services import (
    build_estimate_refresh,
    price_observations_import,
    price_target_set,
)
from tests.factories import UserFactory, acting_buyer, user_in_role

pytestmark = pytest.mark.django_db

HEADER = "component,shop,date,price,currency,link\n"
TODAY = date(2026, 3, 2)


def import_prices(tmp_path, text: str, *args: str) -> str:
    path = tmp_path / "prices.csv"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_prices", str(path), *args, stdout=out)
    return out.getvalue()


# Reading a price file ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ("rtx-pro-6000,digitec,2026-03-01,,CHF,", "Line 3, field price: '' is not a number"),
        ("rtx-pro-6000,digitec,01.03.2026,6100,CHF,", "Line 3, field date: '01.03.2026' is not"),
        ("rtx-pro-6000,digitec,2026-03-01,-5,CHF,", "Line 3, field price: a price is more than 0"),
        (
            "rtx-pro-6000,digitec,2026-03-01,6100.505,CHF,",
            "Line 3, field price: a price has at most 2",
        ),
        ("rtx-pro-6000,digitec,2026-03-01,6100,GBP,", "Line 3, field currency: 'GBP' is not one"),
        (",digitec,2026-03-01,6100,CHF,", "Line 3, field component: empty."),
        ("rtx-pro-6000,,2026-03-01,6100,CHF,", "Line 3, field shop: empty."),
        ("rtx-pro-6000,digitec,2026-03-01,6100,CHF,javascript:alert(1)", "Line 3, field link:"),
        ("rtx-pro-6000,digitec,2026-03-01,NaN,CHF,", "Line 3, field price: a price is more"),
    ],
)
def test_a_wrong_line_is_named_with_its_field(row, error):
    text = HEADER + "rtx-pro-6000,galaxus,2026-03-01,6200.00,CHF,\n" + row + "\n"

    with pytest.raises(PriceFileError) as raised:
        read_price_file(text)

    assert str(raised.value).startswith(error)


def test_a_file_without_a_column_is_refused_on_its_header():
    with pytest.raises(PriceFileError, match="Line 1: the header lacks the column currency"):
        read_price_file("component,shop,date,price,link\n")


# Importing ---------------------------------------------------------------------------------


def test_prices_are_recorded_with_their_history(seed, tmp_path):
    text = HEADER + (
        "rtx-pro-6000,digitec,2026-03-01,6290.00,CHF,https://www.digitec.ch/x\n"
        "rtx-pro-6000,digitec,2026-03-02,6250.00,chf,\n"
    )
    before = PriceObservation.objects.filter(component__slug="rtx-pro-6000").count()

    assert import_prices(tmp_path, text) == "Recorded 2 prices.\n"
    # the same file again: nothing new
    assert import_prices(tmp_path, text) == "Recorded 0 prices.\n"

    history = PriceObservation.objects.filter(
        component__slug="rtx-pro-6000", vendor__slug="digitec"
    ).order_by("observed_on")
    assert history.count() - 0 >= 2
    assert PriceObservation.objects.filter(component__slug="rtx-pro-6000").count() == before + 2
    latest = history.last()
    assert (latest.observed_on, latest.price.amount, str(latest.price.currency)) == (
        date(2026, 3, 2),
        Decimal("6250.00"),
        "CHF",
    )
    assert latest.recorded_by.username == "system"


def test_a_file_with_an_unknown_part_is_refused_whole(seed, tmp_path):
    text = HEADER + (
        "rtx-pro-6000,digitec,2026-03-01,6290.00,CHF,\nrtx-9090,digitec,2026-03-01,999.00,CHF,\n"
    )
    before = PriceObservation.objects.count()

    with pytest.raises(CommandError, match="Line 3, field component: no part with the slug"):
        import_prices(tmp_path, text)

    assert PriceObservation.objects.count() == before


def test_a_viewer_cannot_import_prices(seed, tmp_path):
    user_in_role("Viewer", username="vera")

    with pytest.raises(CommandError, match="Only users in the Buyer or Approver group may"):
        import_prices(
            tmp_path, HEADER + "rtx-pro-6000,digitec,2026-03-01,1.00,CHF,\n", "--as", "vera"
        )


def test_recording_prices_queues_the_price_alert_check(seed, django_capture_on_commit_callbacks):
    rows = read_price_file(HEADER + "rtx-pro-6000,digitec,2026-03-01,6290.00,CHF,\n")

    with django_capture_on_commit_callbacks() as callbacks:
        price_observations_import(rows=rows, user=acting_buyer())

    assert [callback.__name__ for callback in callbacks] == ["_check_price_alerts"]


# Target prices and the alert ---------------------------------------------------------------


@pytest.fixture
def target(seed):
    owner = user_in_role("Buyer", username="bea", email="bea@example.ch")
    return price_target_set(
        build=Build.objects.get(slug="pro-6000"),
        component=Component.objects.get(slug="rtx-pro-6000-max-q"),
        target_price=Decimal("6000.00"),
        user=owner,
    )


def alerts() -> int:
    return len(outbox.run("price_alert", today=TODAY).sent)


def test_a_price_below_the_target_sends_one_alert_to_its_owner(target, tmp_path):
    import_prices(tmp_path, HEADER + "rtx-pro-6000-max-q,digitec,2026-03-01,6100.00,CHF,\n")
    assert alerts() == 0  # above the target

    import_prices(
        tmp_path, HEADER + "rtx-pro-6000-max-q,brack,2026-03-02,5899.00,CHF,https://brack.ch/p\n"
    )
    assert alerts() == 1
    assert alerts() == 0  # a second scan
    import_prices(tmp_path, HEADER + "rtx-pro-6000-max-q,galaxus,2026-03-02,5800.00,CHF,\n")
    assert alerts() == 0  # a second price below: the target was reached already

    [message] = mail.outbox
    assert message.to == ["bea@example.ch"]
    assert message.subject == (
        "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition for pro-6000: CHF 5’899.00, "
        "at or below your target"
    )
    assert message.body.startswith(
        "Hello,\n\nBRACK.CH asks CHF 5’899.00 for NVIDIA RTX PRO 6000 Blackwell Max-Q "
        "Workstation Edition (seen 02.03.2026)"
    )
    assert "at or below your target of CHF 6’000.00 for build pro-6000" in message.body
    assert "https://brack.ch/p" in message.body
    html = message.alternatives[0][0]
    assert "<b>CHF 5’899.00</b>" in html


def test_a_price_exactly_at_the_target_is_reached(target, tmp_path):
    import_prices(tmp_path, HEADER + "rtx-pro-6000-max-q,digitec,2026-03-01,6000.00,CHF,\n")

    assert alerts() == 1


def test_a_price_in_another_currency_does_not_reach_a_chf_target(target, tmp_path):
    import_prices(tmp_path, HEADER + "rtx-pro-6000-max-q,digitec,2026-03-01,5000.00,EUR,\n")

    assert alerts() == 0


def test_setting_the_target_again_arms_it_again(target, tmp_path):
    import_prices(tmp_path, HEADER + "rtx-pro-6000-max-q,digitec,2026-03-01,5899.00,CHF,\n")
    assert alerts() == 1

    price_target_set(
        build=target.build,
        component=target.component,
        target_price=Decimal("5500.00"),
        user=target.owner,
    )
    import_prices(tmp_path, HEADER + "rtx-pro-6000-max-q,digitec,2026-03-02,5450.00,CHF,\n")

    assert alerts() == 1
    assert Notice.objects.filter(kind="price_alert", status="sent").count() == 2


def test_a_target_is_set_only_on_a_part_of_the_build(seed):
    with pytest.raises(ValidationError, match="is not a part of build pro-6000"):
        price_target_set(
            build=Build.objects.get(slug="pro-6000"),
            component=Component.objects.get(slug="rtx-4090"),
            target_price=Decimal("1500.00"),
            user=acting_buyer(),
        )


@pytest.mark.parametrize("price", ["0.00", "-1.00"])
def test_a_target_price_is_more_than_zero(seed, price):
    with pytest.raises(ValidationError, match="A target price is more than 0"):
        price_target_set(
            build=Build.objects.get(slug="pro-6000"),
            component=Component.objects.get(slug="rtx-pro-6000-max-q"),
            target_price=Decimal(price),
            user=acting_buyer(),
        )


def test_a_viewer_cannot_set_a_target(seed):
    with pytest.raises(PermissionDenied, match="Only users in the Buyer or Approver group"):
        price_target_set(
            build=Build.objects.get(slug="pro-6000"),
            component=Component.objects.get(slug="rtx-pro-6000-max-q"),
            target_price=Decimal("6000.00"),
            user=user_in_role("Viewer"),
        )


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        (
            "de",
            "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition für pro-6000: "
            "CHF 5’899.00, auf oder unter Ihrem Zielpreis",
            "Guten Tag\n\nBRACK.CH verlangt CHF 5’899.00 für NVIDIA RTX PRO 6000 Blackwell "
            "Max-Q Workstation Edition (gesehen am 02.03.2026)",
        ),
        (
            "fr",
            "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition pour pro-6000 : "
            "CHF 5’899.00, au niveau ou en dessous de votre prix cible",
            "Bonjour,\n\nBRACK.CH demande CHF 5’899.00 pour NVIDIA RTX PRO 6000 Blackwell "
            "Max-Q Workstation Edition (vu le 02.03.2026)",
        ),
    ],
)
def test_the_price_alert_is_written_in_its_owners_language(
    target, tmp_path, language, subject, body
):
    notification_settings_update(
        person=target.owner, muted_kinds=[], language=language, user=target.owner
    )
    import_prices(tmp_path, HEADER + "rtx-pro-6000-max-q,brack,2026-03-02,5899.00,CHF,\n")

    assert alerts() == 1
    [message] = mail.outbox
    assert message.subject == subject
    assert message.body.startswith(body)


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_send_the_alert_once(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them anyway)")
    call_command("loaddata", "seed", verbosity=0)
    owners = [UserFactory(email=f"buyer{i}@example.ch") for i in range(3)]
    build = Build.objects.get(slug="pro-6000")
    for owner, line in zip(owners, BuildLine.objects.filter(build=build)[:3], strict=True):
        owner.groups.add(*user_in_role("Buyer").groups.all())
        price_target_set(
            build=build, component=line.component, target_price=Decimal("9999.00"), user=owner
        )
        PriceObservation.objects.create(
            component=line.component,
            vendor=PriceObservation.objects.first().vendor,
            price=Decimal("1.00"),
            observed_on=TODAY,
        )
    start = threading.Barrier(2)
    reports, errors = [], []

    def scan():
        try:
            start.wait(timeout=10)
            reports.append(outbox.run("price_alert", today=TODAY))
        except Exception as error:  # the assertion below shows it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(message.to[0] for message in mail.outbox) == [
        "buyer0@example.ch",
        "buyer1@example.ch",
        "buyer2@example.ch",
    ]
    assert sum(len(report.sent) for report in reports) == 3


# Refreshing a build's estimate -------------------------------------------------------------


def test_refreshing_the_seed_build_from_the_verified_prices_gives_the_notes_figure(seed):
    build = Build.objects.get(slug="pro-6000")

    refresh = build_estimate_refresh(build=build, user=acting_buyer())

    # The research note: 2.0 is CHF 8,183 estimated and CHF 7,942 at the verified prices.
    assert (refresh.old_total_chf, refresh.new_total_chf) == (
        Decimal("8183.00"),
        Decimal("7942.00"),
    )
    # every part but the GPU (no shop's price for the Max-Q yet) and the cables
    assert len(refresh.changes) == 7
    assert build.estimate_refreshes.count() == 1
    with pytest.raises(ValidationError, match="No shop's latest price differs"):
        build_estimate_refresh(build=build, user=acting_buyer())


def test_a_builds_estimate_is_refreshed_from_the_latest_prices_and_kept(seed, tmp_path):
    build = Build.objects.get(slug="pro-6000")
    import_prices(
        tmp_path,
        HEADER
        + "rtx-pro-6000-max-q,digitec,2026-03-01,6100.00,CHF,\n"
        + "rtx-pro-6000-max-q,brack,2026-03-01,6050.00,CHF,\n"
        + "rtx-pro-6000-max-q,brack,2026-03-05,6390.00,CHF,\n",
    )

    refresh = build_estimate_refresh(build=build, user=acting_buyer())

    # The shops' latest for the Max-Q: Digitec 6,100.00 (01.03.), Brack 6,390.00 (05.03.,
    # after its 6,050.00): the lowest is 6,100.00. The seed's 6,443.00 at NVIDIA is the
    # Workstation Edition's. The total is the verified 7,942.00 less 343.00.
    assert (refresh.old_total_chf, refresh.new_total_chf) == (
        Decimal("8183.00"),
        Decimal("7599.00"),
    )
    [gpu] = [change for change in refresh.changes if change["component"] == "rtx-pro-6000-max-q"]
    assert gpu == {
        "component": "rtx-pro-6000-max-q",
        "quantity": 1,
        "old_unit_chf": "6443.00",
        "new_unit_chf": "6100.00",
        "shop": Vendor.objects.get(slug="digitec").name,
        "observed_on": "2026-03-01",
    }
    line = BuildLine.objects.get(build=build, component__slug="rtx-pro-6000-max-q")
    assert line.estimated_unit_price.amount == Decimal("6100.00")


def test_a_viewer_cannot_refresh_an_estimate(seed):
    with pytest.raises(PermissionDenied, match="Only users in the Buyer or Approver group"):
        build_estimate_refresh(
            build=Build.objects.get(slug="pro-6000"), user=user_in_role("Viewer")
        )


# The component's page ----------------------------------------------------------------------


def test_the_component_page_charts_its_prices_and_shows_each_shops_latest(
    seed, tmp_path, admin_client
):
    import_prices(
        tmp_path,
        HEADER
        + "rtx-pro-6000,digitec,2026-03-01,6290.00,CHF,\n"
        + "rtx-pro-6000,digitec,2026-03-09,6190.00,CHF,\n"
        + "rtx-pro-6000,brack,2026-03-09,6350.00,CHF,\n",
    )
    component = Component.objects.get(slug="rtx-pro-6000")

    page = admin_client.get(
        reverse("admin:procurement_component_change", args=[component.pk])
    ).content.decode()

    assert '<svg class="price-chart"' in page
    assert page.count('<polyline class="shop') == 3  # NVIDIA (seed), Digitec, BRACK.CH
    assert "Digitec, 09.03.2026: CHF 6’190.00" in page
    latest = page[page.index("Latest price per shop") :]
    # cheapest first: Digitec's latest (6,290.00 before), BRACK.CH, the seed's NVIDIA
    assert [row for row in re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>", latest)] == [
        ("Digitec", "CHF 6’190.00"),
        ("BRACK.CH", "CHF 6’350.00"),
        ("NVIDIA", "CHF 6’443.00"),
    ]
    assert not re.search(r"\sstyle\s*=|<style\b", page)


def test_the_lines_a_refresh_changed_read_in_french(admin_client):
    from procurement.models import EstimateRefresh
    from tests.factories import BuildFactory

    refresh = EstimateRefresh.objects.create(
        build=BuildFactory(),
        old_total_chf=Decimal("8183.00"),
        new_total_chf=Decimal("7829.00"),
        changes=[
            {
                "component": "rtx-pro-6000-max-q",
                "quantity": 1,
                "old_unit_chf": "6443.00",
                "new_unit_chf": "6100.00",
                "shop": "Digitec",
                "observed_on": "2026-03-01",
            },
            {
                "component": "ddr5-64gb",
                "quantity": 2,
                "old_unit_chf": "229.00",
                "new_unit_chf": "223.50",
                "shop": "Brack",
                "observed_on": "2026-03-05",
            },
        ],
    )

    page = admin_client.get(
        reverse("admin:procurement_estimaterefresh_change", args=[refresh.pk]),
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()

    assert (
        "1 x rtx-pro-6000-max-q : CHF 6’443.00 à CHF 6’100.00 (Digitec, 01.03.2026) ; "
        "2 x ddr5-64gb : CHF 229.00 à CHF 223.50 (Brack, 05.03.2026)"
    ) in page
