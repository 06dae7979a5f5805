"""The comparison sheet from the command line, the page and the admin actions."""

from datetime import date

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests import comparison_helpers as helpers
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/quotes/compare.pdf"


@pytest.fixture(autouse=True)
def _sheet_day():
    with time_machine.travel(date(2026, 2, 20), tick=False):
        yield


@pytest.fixture
def options():
    carrier = helpers.rules()
    built = helpers.build(code="2.0", name="Single GPU")
    quote = helpers.usd_quote(carrier=carrier)
    return built, quote


def test_command_writes_the_sheet_of_builds_and_quotes(options, tmp_path, capsys):
    built, quote = options
    target = tmp_path / "sheet.pdf"

    call_command(
        "comparison_pdf", "--build", built.slug, "--quote", quote.reference, "-o", str(target)
    )

    first = helpers.pdf_pages(target.read_bytes())[0]
    assert helpers.landed_totals(first) == ["CHF 7’173.00", "CHF 12’478.34"]
    assert f"Wrote {target}: 2 options" in capsys.readouterr().out


def test_command_takes_several_slugs_after_one_flag(options, tmp_path):
    built, _quote = options
    other = helpers.build()
    target = tmp_path / "sheet.pdf"

    call_command("comparison_pdf", "--build", built.slug, other.slug, "-o", str(target))

    assert helpers.landed_totals(helpers.pdf_pages(target.read_bytes())[0]) == [
        "CHF 7’173.00",
        "CHF 7’173.00",
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--build", "nope"], "No build with the slug 'nope'."),
        (["--quote", "Q-404"], "No quote with the reference 'Q-404'."),
        ([], "Name at least one build or quote to compare."),
    ],
)
def test_command_refuses_unknown_options_and_writes_nothing(options, tmp_path, arguments, message):
    target = tmp_path / "sheet.pdf"

    with pytest.raises(CommandError, match=message):
        call_command("comparison_pdf", *arguments, "-o", str(target))

    assert not target.exists()


def test_command_refuses_a_missing_output_folder(options, tmp_path):
    built, _quote = options

    with pytest.raises(CommandError, match="does not exist"):
        call_command("comparison_pdf", "--build", built.slug, "-o", str(tmp_path / "no" / "x.pdf"))


def test_page_needs_a_login(client, options):
    built, _quote = options

    response = client.get(URL, {"build": built.slug})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_page_serves_the_sheet_inline(client, options):
    built, quote = options
    client.force_login(factories.user_in_role("Viewer"))

    response = client.get(URL, {"build": built.slug, "quote": quote.reference})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="comparison-2026-02-20.pdf"'
    assert helpers.landed_totals(helpers.pdf_pages(response.content)[0]) == [
        "CHF 7’173.00",
        "CHF 12’478.34",
    ]


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"build": "nope"}, 404, "No build with the slug 'nope'."),
        ({"quote": "Q-404"}, 404, "No quote with the reference 'Q-404'."),
        ({}, 400, "Name at least one build or quote to compare."),
    ],
)
def test_page_answers_unknown_options_with_a_message(client, options, query, status, message):
    client.force_login(factories.user_in_role("Viewer"))

    response = client.get(URL, query)

    assert response.status_code == status
    assert response.content.decode() == message


def test_build_admin_action_returns_the_sheet_of_the_selected_builds(staff_client, options):
    built, _quote = options
    helpers.build(code="X", name="Not selected")

    response = staff_client.post(
        reverse("admin:procurement_build_changelist"),
        {"action": "comparison_sheet", "_selected_action": [built.pk]},
    )

    assert response["Content-Type"] == "application/pdf"
    first = helpers.pdf_pages(response.content)[0]
    assert "2.0: Single GPU" in first and "Not selected" not in first


def test_quote_admin_action_returns_the_sheet_of_the_selected_quotes(staff_client, options):
    _built, quote = options

    response = staff_client.post(
        reverse("admin:quotes_quote_changelist"),
        {"action": "comparison_sheet", "_selected_action": [quote.pk]},
    )

    assert response["Content-Type"] == "application/pdf"
    assert helpers.landed_totals(helpers.pdf_pages(response.content)[0]) == ["CHF 12’478.34"]


def test_quote_admin_action_says_why_a_sheet_cannot_be_made(staff_client, options):
    empty = factories.QuoteFactory(reference="Q-EMPTY")

    response = staff_client.post(
        reverse("admin:quotes_quote_changelist"),
        {"action": "comparison_sheet", "_selected_action": [empty.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "The quote 'Q-EMPTY' has no revision yet."
    ]
