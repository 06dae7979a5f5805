"""German and French: every string of the project's own is in both catalogues, translated
and not fuzzy; the language follows the browser, the start page's choice and each person."""

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import polib
import pytest
import time_machine
from django import forms
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format, get_format

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["manage.py", "procurement", "quotes", "templates", "locale"]


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory) -> dict[str, polib.POFile]:
    """The catalogues as `make messages` would leave them: the committed ones merged with
    every string marked in the code today (collected in a copy of the sources)."""
    copy = tmp_path_factory.mktemp("project")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / name)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "de",
            "-l",
            "fr",
            "--no-location",
            "--ignore=var/*",
        ],
        cwd=copy,
        env={"PATH": "/usr/bin:/bin", "PROCUREMENT_VAR_DIR": str(copy / "var")},
        check=True,
        capture_output=True,
    )
    return {
        language: polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))
        for language in ("de", "fr")
    }


@pytest.mark.parametrize("language", ["de", "fr"])
def test_every_project_string_is_translated(fresh_catalogues, language):
    catalogue = fresh_catalogues[language]
    missing = [entry.msgid for entry in catalogue if not entry.obsolete and not entry.translated()]
    fuzzy = [entry.msgid for entry in catalogue if not entry.obsolete and entry.fuzzy]
    assert len(catalogue) > 100
    assert missing == [], f"Not translated into {language} (run make messages): {missing[:20]}"
    assert fuzzy == [], f"Fuzzy in {language}: {fuzzy[:20]}"


# The language of a page, a document and an e-mail -------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "start_page"),
    [("de-CH,de;q=0.9", "Startseite"), ("fr-CH,fr;q=0.9", "Page d’accueil"), ("en", "Start page")],
)
def test_pages_follow_the_browsers_language(staff_client, accept_language, start_page):
    response = staff_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=accept_language)

    assert response.status_code == 200
    assert start_page in response.content.decode()


@pytest.mark.django_db
def test_the_language_chosen_on_the_start_page_wins_over_the_browsers(staff_client):
    page = staff_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'action="/i18n/setlang/"' in page
    assert '<option value="fr" lang="fr">Français</option>' in page

    chosen = staff_client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert chosen.status_code == 302
    page = staff_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "Page d’accueil" in page
    assert "Startseite" not in page


@pytest.mark.django_db
def test_an_email_goes_in_each_recipients_language():
    from procurement.notices import outbox, services
    from tests.factories import FollowedQuoteFactory, QuoteRevisionFactory, UserFactory

    anna = UserFactory(username="anna", email="anna@example.ch")
    claire = UserFactory(username="claire", email="claire@example.ch")
    services.notification_settings_update(person=anna, muted_kinds=[], language="de", user=anna)
    services.notification_settings_update(person=claire, muted_kinds=[], language="fr", user=claire)
    for owner, reference in ((anna, "BZ-1"), (claire, "BZ-2")):
        quote = FollowedQuoteFactory(vendor__name="BIZON", reference=reference, owner=owner)
        QuoteRevisionFactory(quote=quote, number=1, valid_until=date(2026, 3, 18))

    with time_machine.travel("2026-03-16 07:00 +01:00", tick=False):
        outbox.run("quote_reminder", today=date(2026, 3, 16))

    by_address = {message.to[0]: message for message in mail.outbox}
    german, french = by_address["anna@example.ch"], by_address["claire@example.ch"]
    assert "Offerte läuft in 2 Tagen ab" in german.subject
    assert "Was Sie tun können" in german.body
    assert "l’offre expire dans 2 jours" in french.subject
    assert "Ce que vous pouvez faire" in french.alternatives[0][0]


@pytest.mark.django_db
def test_a_person_chooses_the_language_of_their_emails_in_their_settings(client):
    from procurement.models import NotificationSettings
    from tests.factories import UserFactory

    person = UserFactory(username="anna", is_staff=True)
    client.force_login(person)
    response = client.post(
        reverse("admin:procurement_notificationsettings_add"), {"language": "fr"}
    )

    assert response.status_code == 302
    assert NotificationSettings.objects.get(user=person).language == "fr"


# Swiss formats in every language --------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "fr", "en"])
@pytest.mark.parametrize("typed", ["20.11.2026", "2026-11-20"])
def test_a_date_is_accepted_as_the_swiss_write_it_or_in_iso(language, typed):
    with translation.override(language):
        assert forms.DateField().clean(typed) == date(2026, 11, 20)
        assert (
            forms.DateField(widget=forms.DateInput).widget.format_value(date(2026, 11, 20))
            == "20.11.2026"
        )


@pytest.mark.parametrize("language", ["de", "fr", "en"])
def test_dates_read_the_swiss_way_and_weeks_start_on_monday(language):
    with translation.override(language):
        assert date_format(date(2026, 11, 20)) == "20.11.2026"
        assert date_format(date(2026, 11, 20), "SHORT_DATE_FORMAT") == "20.11.2026"
        assert get_format("FIRST_DAY_OF_WEEK") == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "phrases"),
    [
        ("de", ["Stand der Beschaffung am", "Bestellungen und Lieferungen", "Blätter und Seiten"]),
        ("fr", ["Où en est l’achat au", "Commandes et livraisons", "Tableaux et pages"]),
    ],
)
def test_the_start_page_reads_in_german_and_french(staff_client, accept_language, phrases):
    page = staff_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=accept_language)

    for phrase in phrases:
        assert phrase in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "phrases"),
    [
        ("de", ["Offerten", "Anbieter und Katalog", "Preisbeobachtungen", "Wechselkurse"]),
        ("fr", ["Offres", "Fournisseurs et catalogue", "Relevés de prix", "Taux de change"]),
    ],
)
def test_the_admin_index_reads_in_german_and_french(staff_client, accept_language, phrases):
    page = staff_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=accept_language)

    for phrase in phrases:
        assert phrase in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "phrases"),
    [
        ("de", ["Sendungsnummer", "Erwartetes Lieferdatum.", "Menge und Preis"]),
        ("fr", ["Numéro de suivi", "Date de livraison prévue.", "Quantité et prix"]),
    ],
)
def test_admin_labels_and_help_texts_read_in_german_and_french(
    staff_client, accept_language, phrases
):
    from tests.factories import OrderLineFactory

    line = OrderLineFactory()
    page = staff_client.get(
        reverse("admin:procurement_orderline_change", args=[line.pk]),
        HTTP_ACCEPT_LANGUAGE=accept_language,
    ).content.decode()

    for phrase in phrases:
        assert phrase in page
