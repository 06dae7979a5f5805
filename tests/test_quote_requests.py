"""Requests for quotation: written in the vendor's language from the build and its brief,
e-mailed with the text kept, followed up once after five working days without an answer,
answered by the quote received for them, declined with a reason, lapsed after their date."""

from datetime import date, datetime
from email import message_from_string
from email.header import decode_header, make_header
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from procurement.models import Build, Notice, Vendor
from procurement.notices import outbox
from quotes.models import QuoteRequest
from quotes.requests.rules import add_working_days
from quotes.requests.selectors import (
    open_requests,
    open_requests_with_answer_times,
    vendor_answer_days,
)
from quotes.requests.services import (
    quote_request_answer,
    quote_request_decline,
    quote_requests_lapse,
    request_quotes,
)
from tests.factories import (
    BuildFactory,
    BuildLineFactory,
    ComponentFactory,
    QuoteFactory,
    RequirementsFactory,
    UserFactory,
    VendorFactory,
    revision_through_services,
    user_in_role,
)

pytestmark = pytest.mark.django_db

ZURICH = ZoneInfo("Europe/Zurich")
# A Wednesday morning; five working days later is the next Wednesday.
SENT_AT = datetime(2026, 3, 4, 9, 0, tzinfo=ZURICH)
SENT_ON = date(2026, 3, 4)
FOLLOW_UP_ON = date(2026, 3, 11)
ANSWER_BY = date(2026, 3, 20)


def morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 7, 45, tzinfo=ZURICH)


def subjects(mail_file) -> list[str]:
    """The subjects of the e-mails the file backend wrote to `mail_file`."""
    separator = "-" * 79
    return [
        " ".join(
            str(make_header(decode_header(message_from_string(part.strip())["Subject"]))).split()
        )
        for part in mail_file.read_text().split(separator)
        if part.strip()
    ]


def follow_ups(day: date) -> list[str]:
    """The addresses the day's follow-up scan sent to."""
    with time_machine.travel(morning(day), tick=False):
        report = outbox.run("quote_request_follow_up", today=day)
    return [notice.address for notice in report.sent]


@pytest.fixture
def buyer():
    return user_in_role(
        "Buyer", username="bea", email="bea@example.ch", first_name="Bea", last_name="Keller"
    )


@pytest.fixture
def build():
    build = BuildFactory(
        slug="pro-6000", code="2.0", name="RTX PRO 6000", requirements=RequirementsFactory()
    )
    gpu = ComponentFactory(
        manufacturer="NVIDIA", model="RTX PRO 6000 Blackwell", part_number="900-5G144-2200-000"
    )
    BuildLineFactory(for_build=build, component=gpu, quantity=2)
    BuildLineFactory(
        for_build=build,
        component=ComponentFactory(manufacturer="AMD", model="Ryzen 9 9950X", part_number=""),
    )
    return build


def vendor(language: str, **fields) -> Vendor:
    fields.setdefault("contact_email", f"sales@{language}.example")
    return VendorFactory(name=f"Vendor {language}", language=language, **fields)


def sent(build, vendors, buyer, django_capture_on_commit_callbacks, answer_by=ANSWER_BY):
    with (
        time_machine.travel(SENT_AT, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        return request_quotes(build=build, vendors=vendors, answer_by=answer_by, user=buyer)


# Done when -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_buyer_asks_bressner_and_rect_in_german_is_reminded_once_and_the_answer_links(
    seed, settings, tmp_path
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    buyer = user_in_role(
        "Buyer", username="bea", email="bea@example.ch", first_name="Bea", last_name="Keller"
    )
    out = StringIO()

    # Committed as the command commits: the e-mails leave once the requests are saved.
    with time_machine.travel(SENT_AT, tick=False):
        call_command(
            "request_quotes",
            "pro-6000",
            "--vendor",
            "bressner",
            "--vendor",
            "rect",
            "--answer-by",
            "2026-03-20",
            "--as",
            "bea",
            stdout=out,
        )

    assert out.getvalue().splitlines() == [
        "Request to BRESSNER Technology <vertrieb@bressner.de> in German: sent.",
        "Request to RECT (Coreto Europe) <service@rect.coreto-europe.com> in German: sent.",
        "2 requests for pro-6000, answer wanted by 20.03.2026.",
    ]
    [mail_file] = (tmp_path / "mail").glob("*.log")
    written = mail_file.read_text()
    assert written.count("Subject: Angebotsanfrage: ") == 2
    assert "To: vertrieb@bressner.de" in written
    assert "To: service@rect.coreto-europe.com" in written
    assert written.count("Sehr geehrte Damen und Herren") == 2
    assert (
        "  1 × NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition "
        "(Artikelnummer 900-5G153-2200-000)" in written
    )
    assert "- Grafikspeicher insgesamt: 96 bis 256 GB" in written
    assert "Lieferung in die Schweiz." in written
    assert "Wir freuen uns über Ihr Angebot bis zum 20.03.2026." in written
    assert "Freundliche Grüsse\nBea Keller\nbea@example.ch" in written
    bressner = QuoteRequest.objects.get(vendor__slug="bressner")
    assert bressner.email_subject.startswith("Angebotsanfrage: ")
    assert "Lieferung in die Schweiz." in bressner.email_body
    assert bressner.language == "de"

    assert follow_ups(date(2026, 3, 10)) == []
    assert follow_ups(FOLLOW_UP_ON) == ["bea@example.ch", "bea@example.ch"]
    assert follow_ups(FOLLOW_UP_ON) == []
    assert follow_ups(date(2026, 3, 12)) == []
    [reminders] = [path for path in (tmp_path / "mail").glob("*.log") if path != mail_file]
    assert sorted(subjects(reminders)) == [
        "No answer yet from BRESSNER Technology to the request for quotation for pro-6000",
        "No answer yet from RECT (Coreto Europe) to the request for quotation for pro-6000",
    ]

    revision = revision_through_services(
        quote=QuoteFactory(
            vendor=bressner.vendor, build=Build.objects.get(slug="pro-6000"), reference="BR-1"
        ),
        user=buyer,
    )

    bressner.refresh_from_db()
    assert (bressner.status, bressner.answer) == ("answered", revision)
    assert QuoteRequest.objects.get(vendor__slug="rect").status == "sent"


# The letter ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "subject", "lines"),
    [
        (
            "de",
            "Angebotsanfrage: RTX PRO 6000 (2.0), Lieferung in die Schweiz",
            [
                "Sehr geehrte Damen und Herren",
                "  2 × NVIDIA RTX PRO 6000 Blackwell (Artikelnummer 900-5G144-2200-000)",
                "  1 × AMD Ryzen 9 9950X",
                "- Leistungsaufnahme unter Volllast: höchstens 2300 W (ein Stromkreis, 230 V)",
                "- Geräuschentwicklung: leise (Heimbüro)",
                "- Durchsatz: 60 bis 80 Token pro Sekunde mit GPT-OSS-120B",
                "Wir freuen uns über Ihr Angebot bis zum 20.03.2026. Falls Sie kein Angebot "
                "abgeben möchten, genügt eine kurze Antwort.",
            ],
        ),
        (
            "fr",
            "Demande d'offre : RTX PRO 6000 (2.0), livraison en Suisse",
            [
                "Madame, Monsieur,",
                "  2 × NVIDIA RTX PRO 6000 Blackwell (référence 900-5G144-2200-000)",
                "- Mémoire graphique totale : de 96 à 256 Go",
                "- Niveau sonore : silencieux (bureau à domicile)",
                "Nous vous serions reconnaissants de nous faire parvenir votre offre d'ici au "
                "20.03.2026. Si vous ne souhaitez pas présenter d'offre, une brève réponse "
                "suffit.",
                "Veuillez agréer, Madame, Monsieur, nos salutations distinguées.",
            ],
        ),
        (
            "en",
            "Request for quotation: RTX PRO 6000 (2.0), delivery to Switzerland",
            [
                "Dear Sir or Madam,",
                "  2 × NVIDIA RTX PRO 6000 Blackwell (part number 900-5G144-2200-000)",
                "- Graphics memory in total: 96 to 256 GB",
                "We would be grateful for your quotation by 20.03.2026. If you do not wish to "
                "quote, a short reply is enough.",
                "Kind regards,",
            ],
        ),
    ],
)
def test_the_request_is_written_in_the_vendors_language(
    language, subject, lines, build, buyer, django_capture_on_commit_callbacks
):
    sent(build, [vendor(language)], buyer, django_capture_on_commit_callbacks)

    [message] = mail.outbox
    assert message.subject == subject
    assert message.to == [f"sales@{language}.example"]
    assert message.reply_to == ["bea@example.ch"]
    body = message.body.splitlines()
    for line in lines:
        assert line in body
    kept = QuoteRequest.objects.get()
    assert (kept.email_subject, kept.email_body) == (message.subject, message.body)
    assert kept.emailed_at is not None


def test_a_build_without_a_brief_is_asked_for_without_constraints(
    buyer, django_capture_on_commit_callbacks
):
    build = BuildFactory(code="X", name="Plain")
    BuildLineFactory(for_build=build, component=ComponentFactory(manufacturer="AMD", model="X"))

    sent(build, [vendor("en")], buyer, django_capture_on_commit_callbacks)

    assert "What the system must meet" not in mail.outbox[0].body
    assert "  1 × AMD X\n" in mail.outbox[0].body


def test_nothing_is_emailed_before_the_requests_are_saved(build, buyer):
    with time_machine.travel(SENT_AT, tick=False):
        request_quotes(build=build, vendors=[vendor("de")], answer_by=ANSWER_BY, user=buyer)

    assert mail.outbox == []
    assert QuoteRequest.objects.get().emailed_at is None


# Who may, and what is refused -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["Viewer", None])
def test_only_a_buyer_requests_quotes(role, build):
    user = user_in_role(role) if role else UserFactory(is_staff=True)

    with pytest.raises(PermissionDenied, match="Buyer or Approver group may request quotes"):
        request_quotes(build=build, vendors=[vendor("de")], answer_by=ANSWER_BY, user=user)

    assert QuoteRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"contact_email": ""}, "vendors", "Vendor de has no contact e-mail address."),
        (
            {"ships_to_switzerland": False, "status": "no_ch_shipping"},
            "vendors",
            "Vendor de does not ship to Switzerland.",
        ),
        ({"answer_by": SENT_ON}, "answer_by", "The answer-by date must be after today."),
        (
            {"answer_by": date(2026, 9, 1)},
            "answer_by",
            "The answer-by date must be within 180 days.",
        ),
        ({"vendors": []}, "vendors", "Choose at least one vendor to ask."),
    ],
)
def test_a_request_that_cannot_go_is_refused_naming_the_field(change, field, message, build, buyer):
    answer_by = change.pop("answer_by", ANSWER_BY)
    vendors = change.pop("vendors", None)
    if vendors is None:
        vendors = [vendor("de", **change)]

    with time_machine.travel(SENT_AT, tick=False), pytest.raises(ValidationError) as refused:
        request_quotes(build=build, vendors=vendors, answer_by=answer_by, user=buyer)

    assert refused.value.message_dict == {field: [message]}
    assert QuoteRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "lines", "message"),
    [
        ("dropped", 1, "The build pro-6000 is dropped; reconsider it before asking for quotes."),
        ("candidate", 0, "The build pro-6000 has no parts to ask for."),
    ],
)
def test_a_build_that_cannot_be_asked_about_is_refused(status, lines, message, buyer):
    build = BuildFactory(slug="pro-6000", status=status)
    for _ in range(lines):
        BuildLineFactory(for_build=build)

    with time_machine.travel(SENT_AT, tick=False), pytest.raises(ValidationError) as refused:
        request_quotes(build=build, vendors=[vendor("de")], answer_by=ANSWER_BY, user=buyer)

    assert refused.value.message_dict == {"build": [message]}


def test_a_vendor_is_asked_once_while_its_request_is_open(
    build, buyer, django_capture_on_commit_callbacks
):
    asked = vendor("de")
    sent(build, [asked, asked], buyer, django_capture_on_commit_callbacks)

    with time_machine.travel(SENT_AT, tick=False), pytest.raises(ValidationError) as refused:
        request_quotes(build=build, vendors=[asked], answer_by=ANSWER_BY, user=buyer)

    assert refused.value.message_dict == {
        "vendors": ["Vendor de: This vendor already has an open request for this build."]
    }
    assert QuoteRequest.objects.count() == 1
    assert len(mail.outbox) == 1


# States ----------------------------------------------------------------------------------------


def test_a_declined_request_keeps_its_reason_and_is_not_followed_up(
    build, buyer, django_capture_on_commit_callbacks
):
    [request] = sent(build, [vendor("de")], buyer, django_capture_on_commit_callbacks)

    declined = quote_request_decline(request=request, reason="  No GPUs before May ", user=buyer)

    assert (declined.status, declined.decline_reason) == ("declined", "No GPUs before May")
    assert follow_ups(FOLLOW_UP_ON) == []


@pytest.mark.parametrize(
    ("reason", "message"),
    [("  ", "Say why the vendor declined."), ("x" * 301, "The reason is at most 300 characters.")],
)
def test_a_decline_needs_a_reason_of_bounded_length(
    reason, message, build, buyer, django_capture_on_commit_callbacks
):
    [request] = sent(build, [vendor("de")], buyer, django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError) as refused:
        quote_request_decline(request=request, reason=reason, user=buyer)

    assert refused.value.message_dict == {"decline_reason": [message]}
    assert QuoteRequest.objects.get().status == "sent"


def test_a_viewer_cannot_record_a_decline(build, buyer, django_capture_on_commit_callbacks):
    [request] = sent(build, [vendor("de")], buyer, django_capture_on_commit_callbacks)

    with pytest.raises(PermissionDenied):
        quote_request_decline(request=request, reason="No", user=user_in_role("Viewer"))

    assert QuoteRequest.objects.get().status == "sent"


def test_a_request_lapses_after_its_date_and_a_late_quote_still_answers_it(
    build, buyer, django_capture_on_commit_callbacks, swiss_rules
):
    [request] = sent(build, [vendor("de")], buyer, django_capture_on_commit_callbacks)

    assert quote_requests_lapse(today=ANSWER_BY) == 0
    assert quote_requests_lapse(today=date(2026, 3, 21)) == 1
    assert quote_requests_lapse(today=date(2026, 3, 21)) == 0
    assert QuoteRequest.objects.get().status == "lapsed"

    revision = revision_through_services(
        quote=QuoteFactory(vendor=request.vendor, build=build), user=buyer
    )

    request.refresh_from_db()
    assert (request.status, request.answer, request.closed_at) == ("answered", revision, None)


def test_a_quote_for_another_build_or_from_another_vendor_answers_nothing(
    build, buyer, django_capture_on_commit_callbacks, swiss_rules
):
    asked = vendor("de")
    [request] = sent(build, [asked], buyer, django_capture_on_commit_callbacks)
    revision_through_services(quote=QuoteFactory(vendor=asked, build=BuildFactory()), user=buyer)
    other = revision_through_services(quote=QuoteFactory(build=build), user=buyer)

    assert QuoteRequest.objects.get().status == "sent"
    with pytest.raises(ValidationError) as refused:
        quote_request_answer(request=request, revision=other, user=buyer)
    assert refused.value.message_dict == {
        "answer": ["The quote is from another vendor than the one asked."]
    }


def test_an_answered_request_cannot_be_declined(
    build, buyer, django_capture_on_commit_callbacks, swiss_rules
):
    asked = vendor("de")
    [request] = sent(build, [asked], buyer, django_capture_on_commit_callbacks)
    revision_through_services(quote=QuoteFactory(vendor=asked, build=build), user=buyer)

    with pytest.raises(ValidationError, match="answered cannot become declined"):
        quote_request_decline(request=request, reason="Too late", user=buyer)


# The follow-up ---------------------------------------------------------------------------------


def test_working_days_skip_the_weekend():
    friday = date(2026, 3, 6)

    assert add_working_days(friday, 1) == date(2026, 3, 9)
    assert add_working_days(friday, 5) == date(2026, 3, 13)
    assert add_working_days(SENT_ON, 5) == FOLLOW_UP_ON


def test_the_follow_up_goes_to_the_vendor_in_its_language_when_it_allows_it(
    build, buyer, django_capture_on_commit_callbacks
):
    sent(
        build,
        [vendor("fr", follow_ups_to_vendor=True)],
        buyer,
        django_capture_on_commit_callbacks,
    )
    mail.outbox.clear()

    assert follow_ups(FOLLOW_UP_ON) == ["sales@fr.example"]
    assert follow_ups(FOLLOW_UP_ON) == []

    [message] = mail.outbox
    assert message.subject == "Rappel : demande d'offre RTX PRO 6000 (2.0)"
    assert message.body.startswith(
        "Madame, Monsieur,\n\nLe 04.03.2026, nous vous avons demandé une offre pour la "
        "configuration 2.0 : RTX PRO 6000 ; nous n'avons pas encore reçu de réponse."
    )
    assert "Notre demande du 04.03.2026 :\n\nMadame, Monsieur," in message.body
    assert Notice.objects.get().recipient == buyer


def test_the_follow_up_to_the_buyer_says_what_to_do(
    build, buyer, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://desk.example.ch"
    [request] = sent(build, [vendor("de")], buyer, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    follow_ups(FOLLOW_UP_ON)

    [message] = mail.outbox
    assert (
        message.subject == "No answer yet from Vendor de to the request for quotation for pro-6000"
    )
    assert message.body.splitlines()[:2] == [
        "Vendor de has not answered the request for quotation for RTX PRO 6000 that you sent "
        "on 04.03.2026. The answer is wanted by 20.03.2026.",
        "",
    ]
    assert f"https://desk.example.ch/admin/quotes/quoterequest/{request.pk}/change/" in message.body
    html = message.alternatives[0][0]
    assert "Vendor de has not answered" in html
    assert "<br>" in html


def test_a_request_answered_before_its_follow_up_is_not_followed_up(
    build, buyer, django_capture_on_commit_callbacks, swiss_rules
):
    asked = vendor("de")
    sent(build, [asked], buyer, django_capture_on_commit_callbacks)
    revision_through_services(quote=QuoteFactory(vendor=asked, build=build), user=buyer)
    mail.outbox.clear()

    assert follow_ups(FOLLOW_UP_ON) == []
    assert mail.outbox == []


def test_the_follow_up_setting_counts_working_days(
    build, buyer, django_capture_on_commit_callbacks, settings
):
    settings.RFQ_FOLLOW_UP_DAYS = 2
    sent(build, [vendor("de")], buyer, django_capture_on_commit_callbacks)

    assert follow_ups(date(2026, 3, 5)) == []
    assert follow_ups(date(2026, 3, 6)) == ["bea@example.ch"]


def test_a_day_without_a_scan_loses_no_follow_up(build, buyer, django_capture_on_commit_callbacks):
    sent(build, [vendor("de")], buyer, django_capture_on_commit_callbacks)

    assert follow_ups(date(2026, 3, 16)) == ["bea@example.ch"]


# The command -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["no-such-build", "--vendor", "v"], "BUILD: there is no build 'no-such-build'."),
        (["pro-6000", "--vendor", "nobody"], "--vendor: there is no vendor 'nobody'."),
        (
            ["pro-6000", "--vendor", "v", "--answer-by", "20.03.2026"],
            "--answer-by must be a date as YYYY-MM-DD; got '20.03.2026'.",
        ),
        (
            ["pro-6000", "--vendor", "v", "--answer-by", "2026-03-01"],
            "answer_by: The answer-by date must be after today.",
        ),
        (
            ["pro-6000", "--vendor", "v", "--as", "viewer"],
            "--as viewer: Only users in the Buyer or Approver group may request quotes.",
        ),
    ],
)
def test_the_command_refuses_in_one_line(arguments, message, build, buyer):
    VendorFactory(slug="v", contact_email="v@example.ch")
    user_in_role("Viewer", username="viewer")

    with time_machine.travel(SENT_AT, tick=False), pytest.raises(CommandError) as refused:
        acting = [] if "--as" in arguments else ["--as", "bea"]
        call_command("request_quotes", *arguments, *acting, stdout=StringIO())

    assert str(refused.value) == message
    assert QuoteRequest.objects.count() == 0


# The start page's reads ------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 4])
def test_open_requests_and_answer_times_take_one_query_each(
    count, build, buyer, django_capture_on_commit_callbacks, django_assert_num_queries
):
    vendors = [vendor(f"x{n}") for n in range(count)]
    requests = sent(build, vendors, buyer, django_capture_on_commit_callbacks)
    QuoteRequest.objects.filter(pk=requests[0].pk).update(
        status="answered", answered_at=datetime(2026, 3, 9, 16, 0, tzinfo=ZURICH)
    )

    # open requests with build, vendor and buyer joined
    with django_assert_num_queries(1):
        listed = [(r.vendor.name, r.build.slug, r.requested_by.username) for r in open_requests()]
    # answered requests with their vendor's name
    with django_assert_num_queries(1):
        times = vendor_answer_days()

    # the same two, however many requests and vendors
    with django_assert_num_queries(2):
        rows = [
            (row.request.vendor.name, row.vendor_median_days)
            for row in open_requests_with_answer_times()
        ]
    assert len(listed) == count - 1
    assert rows == [(f"Vendor x{n}", None) for n in range(1, count)]
    assert {t.vendor_name: (t.answered, t.median_days) for t in times.values()} == {
        "Vendor x0": (1, 5.0)
    }


def test_a_vendors_answer_time_is_the_median_of_its_answers(
    build, buyer, django_capture_on_commit_callbacks
):
    asked = vendor("de")
    for day in (2, 3, 10):
        [request] = sent(build, [asked], buyer, django_capture_on_commit_callbacks)
        QuoteRequest.objects.filter(pk=request.pk).update(
            status="answered", answered_at=datetime(2026, 3, 4 + day, 12, 0, tzinfo=ZURICH)
        )

    [answer_time] = vendor_answer_days().values()

    assert (answer_time.answered, answer_time.median_days) == (3, 3.0)


# The daily scan's task and command, and a refusing mail server -------------------------------


def test_the_daily_task_lapses_and_follows_up(build, buyer, django_capture_on_commit_callbacks):
    from django.conf import settings

    from quotes.tasks import send_quote_request_follow_ups

    sent(build, [vendor("de")], buyer, django_capture_on_commit_callbacks, answer_by=FOLLOW_UP_ON)

    with time_machine.travel(morning(date(2026, 3, 12)), tick=False):
        counts = send_quote_request_follow_ups.apply(kwargs={"today": "2026-03-12"}).get()

    assert counts == {"lapsed": 1, "unaddressed": 0, "recorded": 1, "sent": 1, "failed": 0}
    assert settings.CELERY_BEAT_SCHEDULE["quote-request-follow-ups"]["task"] == (
        send_quote_request_follow_ups.name
    )


def test_the_follow_up_command_says_what_it_sent(build, buyer, django_capture_on_commit_callbacks):
    sent(build, [vendor("de")], buyer, django_capture_on_commit_callbacks)
    out = StringIO()

    with time_machine.travel(morning(FOLLOW_UP_ON), tick=False):
        call_command("send_quote_request_follow_ups", "--today", "2026-03-11", stdout=out)

    assert out.getvalue() == "1 follow-up(s) sent for 2026-03-11.\n"


class RefusingBackend:
    """A mail server that refuses every message."""

    def __init__(self, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("550 relaying denied")


def test_a_request_the_mail_server_refused_is_kept_unsent(
    build, buyer, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.test_quote_requests.RefusingBackend"

    [request] = sent(build, [vendor("de")], buyer, django_capture_on_commit_callbacks)

    request.refresh_from_db()
    assert request.emailed_at is None
    assert request.email_body.startswith("Sehr geehrte Damen und Herren\n")


@pytest.mark.parametrize(
    ("language", "subject", "first_line"),
    [
        (
            "de",
            "Erinnerung: Angebotsanfrage RTX PRO 6000 (2.0)",
            "Am 04.03.2026 haben wir Sie um ein Angebot für die Konfiguration 2.0: RTX PRO 6000 "
            "gebeten; bisher haben wir keine Antwort erhalten. Wir wären Ihnen dankbar, wenn Sie "
            "uns Ihr Angebot bis zum 20.03.2026 zukommen liessen, oder uns kurz mitteilten, falls "
            "Sie kein Angebot abgeben möchten.",
        ),
        (
            "en",
            "Reminder: request for quotation RTX PRO 6000 (2.0)",
            "On 04.03.2026 we asked you for a quotation for the configuration 2.0: RTX PRO 6000, "
            "and have not had an answer yet. We would be grateful for your quotation by "
            "20.03.2026, or a short note if you do not wish to quote.",
        ),
    ],
)
def test_the_follow_up_to_a_vendor_is_written_in_its_language(
    language, subject, first_line, build, buyer, django_capture_on_commit_callbacks
):
    sent(
        build,
        [vendor(language, follow_ups_to_vendor=True)],
        buyer,
        django_capture_on_commit_callbacks,
    )
    mail.outbox.clear()

    follow_ups(FOLLOW_UP_ON)

    [message] = mail.outbox
    assert message.subject == subject
    assert message.body.splitlines()[2] == first_line
    assert message.to == [f"sales@{language}.example"]
