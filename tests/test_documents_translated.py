"""Both PDFs in German and French: `--language` on the commands, the browser's language on
the pages; figures and dates keep their Swiss form in every language."""

import re
from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import translation

from procurement.acceptance.services import acceptance_checklist_sign_off
from tests import comparison_helpers as helpers
from tests import factories
from tests.acceptance_helpers import approver, delivered_build, pdf_text
from tests.test_acceptance_sign_off import complete

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def sheet_text(tmp_path, language: str, *selection: str) -> str:
    """The text of the comparison sheet of `selection`, made on 20.02.2026 in `language`."""
    target = tmp_path / "sheet.pdf"
    with time_machine.travel(date(2026, 2, 20), tick=False):
        call_command(
            "comparison_pdf",
            *selection,
            "-o",
            str(target),
            "--language",
            language,
            stdout=StringIO(),
        )
    return one_line(" ".join(helpers.pdf_pages(target.read_bytes())))


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
    text = sheet_text(tmp_path, language, "--quote", quote.reference)

    for phrase in expected:
        assert phrase in text
    assert "20.02.2026" in text


def test_a_language_the_desk_does_not_speak_is_refused(tmp_path):
    with pytest.raises(CommandError, match="invalid choice: 'it'"):
        call_command(
            "comparison_pdf", "--quote", "X", "-o", str(tmp_path / "a.pdf"), "--language", "it"
        )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "de",
            [
                "CHF 55.89 pro GB: die tiefsten CHF pro GB VRAM (Einstandstotal) der 2 Optionen, "
                "die alle Anforderungen erfüllen; danach folgt 2",
                "Beurteilt nach dem Lieferpreis.",
                "Schweizer MWST 8.10% in Kraft ab 01.01.2024 (am Ausstellungsdatum einer "
                "Offerte; für die Schätzungen am Datum des Blatts).",
                "fedex: 2.50% x (Zoll + Einfuhrsteuer), mindestens 22.00, keine veröffentlichte "
                "Obergrenze (überprüft;",
                "Ein Schweizer Stromkreis (10 A / 230 V) trägt 2’300 W; über 80% davon warnt das "
                "Blatt, dass wenig Reserve bleibt.",
                "(Optionen 1, 2, 3)",
                "Stand 20.02.2026 Seite 1 von 2",
            ],
        ),
        (
            "fr",
            [
                "CHF 55.89 par Go : le plus bas CHF par Go de VRAM (total rendu) des 2 options qui "
                "remplissent toutes les exigences du cahier des charges ; suit 2",
                "Jugé selon le prix livré.",
                "TVA suisse de 8.10% en vigueur dès le 01.01.2024 (à la date d’émission d’une "
                "offre ; pour les estimations, à la date de la feuille).",
                "fedex : 2.50% x (droits + TVA à l’importation), au moins 22.00, aucun plafond "
                "publié (vérifié ;",
                "Un circuit suisse (10 A / 230 V) supporte 2’300 W ;",
                "(options 1, 2, 3)",
                "Au 20.02.2026 Page 1 sur 2",
            ],
        ),
    ],
)
def test_the_sheets_best_value_and_assumptions_read_in_the_language_asked_for(
    tmp_path, language, expected
):
    carrier = helpers.rules()
    brief = factories.RequirementsFactory(noise_tolerance="moderate")
    two_gpus = helpers.build(requirements=brief, gpus=2, gpu_price="5000.00")
    one_gpu = helpers.build(requirements=brief, gpus=1, gpu_price="6443.00")
    quote = helpers.usd_quote(carrier=carrier)
    text = sheet_text(
        tmp_path, language, "--build", two_gpus.slug, one_gpu.slug, "--quote", quote.reference
    )

    for phrase in expected:
        assert phrase in text
    for english in ("Judged by", "per GB of VRAM", "in force from", "no published cap", "As of"):
        assert english not in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Exchange rates 1 USD = CHF 0.8, given with the quote (option 1)"),
        ("de", "Wechselkurse 1 USD = CHF 0.8, mit der Offerte angegeben (Option 1)"),
        ("fr", "Taux de change 1 USD = CHF 0.8, indiqué avec l’offre (option 1)"),
    ],
)
def test_a_rate_given_with_the_quote_reads_without_a_date_on_the_sheet(
    tmp_path, language, expected
):
    carrier = helpers.rules()
    quote = helpers.usd_quote(carrier=carrier)  # its rate given with it, not dated
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
    assert expected in text
    assert "None" not in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "de",
            [
                "Speicher gesamt 96 GB (98’304 MiB); mindestens 91’422 MiB, bis zu 7% vom Treiber "
                "reserviert",
                "NETZTEIL: ACME PURE POWER 12 M 1000W",
                "keiner: Jede Bestellung wurde aus der Schweiz versandt",
            ],
        ),
        (
            "fr",
            [
                "Mémoire totale 96 Go (98’304 MiB) ; au moins 91’422 MiB, jusqu’à 7% réservés "
                "par le pilote",
                "ALIMENTATION : ACME PURE POWER 12 M 1000W",
                "SYSTÈME",
                "aucun : chaque commande a été expédiée depuis la Suisse",
                "(carte x16, la largeur d’une carte graphique ; le Ryzen 9 9950X a 24 lignes pour "
                "1 GPU)",
                "les 2’300 W d’un circuit) ; environ 400 W estimés",
                "(objectif du cahier des charges : 60 à 80 tok/s) ; la note de recherche prévoit "
                "134 tok/s sur ces GPU",
            ],
        ),
    ],
)
def test_a_checklist_made_in_a_language_prints_its_items_in_it(tmp_path, language, expected):
    with translation.override(language):  # the checklist is made as the last part arrives
        build = delivered_build()
    target = tmp_path / "acceptance.pdf"

    call_command(
        "acceptance_pdf", build.slug, "-o", str(target), "--language", language, stdout=StringIO()
    )

    text = one_line(pdf_text(target.read_bytes()))
    for phrase in expected:
        assert phrase in text
    assert "reserved by the driver" not in text


def test_a_checklist_keeps_the_language_it_was_made_in(tmp_path):
    build = delivered_build()  # made in English
    target = tmp_path / "acceptance.pdf"

    call_command(
        "acceptance_pdf", build.slug, "-o", str(target), "--language", "de", stdout=StringIO()
    )

    text = one_line(pdf_text(target.read_bytes()))
    assert "Speicher gesamt 96 GB (98’304 MiB); at least 91’422 MiB, up to 7% reserved" in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "bis 02.03.2028 2 Jahre inbegriffen bei Digitec, ab 02.03.2026"),
        ("fr", "jusqu’au 02.03.2028 2 ans inclus par Digitec, à partir du 02.03.2026"),
    ],
)
def test_the_warranty_terms_read_in_the_language_of_the_sign_off(tmp_path, language, expected):
    with translation.override(language):  # the approver signs off in their language
        build = delivered_build(
            vendor=factories.VendorFactory(name="Digitec", warranty_years_included=2)
        )
        boss = approver()
        complete(build.acceptance, boss)
        acceptance_checklist_sign_off(checklist=build.acceptance, user=boss, on=date(2026, 3, 2))
    target = tmp_path / "acceptance.pdf"

    call_command(
        "acceptance_pdf", build.slug, "-o", str(target), "--language", language, stdout=StringIO()
    )

    text = one_line(pdf_text(target.read_bytes()))
    assert text.count(expected) == 4  # GPU, CPU, board and PSU
    assert "years included" not in text
