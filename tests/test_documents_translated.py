"""Both PDFs in German and French: `--language` on the commands, the browser's language on
the pages; figures and dates keep their Swiss form in every language."""

import re
from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tests import comparison_helpers as helpers
from tests.acceptance_helpers import delivered_build, pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", ["ENTWURF: nicht unterzeichnet", "Teile und Seriennummern", "Unterschrift"]),
        ("fr", ["PROJET : non signé", "Pièces et numéros de série", "Approbateur"]),
        ("en", ["DRAFT: not signed off", "Parts and serial numbers", "Approver"]),
    ],
)
def test_the_acceptance_protocol_is_written_in_the_language_asked_for(tmp_path, language, expected):
    build = delivered_build()
    target = tmp_path / "acceptance.pdf"

    call_command(
        "acceptance_pdf", build.slug, "-o", str(target), "--language", language, stdout=StringIO()
    )

    text = one_line(pdf_text(target.read_bytes()))
    for phrase in expected:
        assert phrase in text


def test_the_acceptance_page_follows_the_browsers_language(staff_client):
    build = delivered_build()

    response = staff_client.get(
        f"/builds/{build.slug}/acceptance.pdf", HTTP_ACCEPT_LANGUAGE="fr-CH,fr;q=0.9"
    )

    assert response.status_code == 200
    assert "Procès-verbal de réception" in one_line(pdf_text(response.content))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "de",
            [
                "Vergleichsblatt",
                "Seite 1 von 2",
                "Einfuhrsteuer",
                "Verzollungsgebühr",
                "CHF 12’478.34",
            ],
        ),
        ("fr", ["Options de station de travail", "Frais de dédouanement", "CHF 12’478.34"]),
    ],
)
def test_the_comparison_sheet_is_written_in_the_language_asked_for(tmp_path, language, expected):
    carrier = helpers.rules()
    quote = helpers.usd_quote(carrier=carrier)
    target = tmp_path / "sheet.pdf"

    with time_machine.travel(date(2026, 2, 20), tick=False):
        call_command(
            "comparison_pdf",
            "--quote",
            quote.reference,
            "-o",
            str(target),
            "--language",
            language,
            stdout=StringIO(),
        )

    text = one_line(" ".join(helpers.pdf_pages(target.read_bytes())))
    for phrase in expected:
        assert phrase in text
    assert "20.02.2026" in text


def test_a_language_the_desk_does_not_speak_is_refused(tmp_path):
    with pytest.raises(CommandError, match="invalid choice: 'it'"):
        call_command(
            "comparison_pdf", "--quote", "X", "-o", str(tmp_path / "a.pdf"), "--language", "it"
        )
