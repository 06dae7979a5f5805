"""A PDF that cannot be laid out within PDF_TIMEOUT_SECONDS fails with a clear message, and
nothing waits for it longer: the page answers 503, the command and the admin say why."""

import multiprocessing
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from procurement import pdf
from tests import comparison_helpers as helpers
from tests.acceptance_helpers import delivered_build, pdf_text, viewer
from tests.factories import user_in_role

TOO_LONG = "The document could not be laid out within its time limit of"
# A table of 60,000 rows: many seconds of layout, far more than the budgets below.
HUGE_TABLE = (
    "<table>" + "".join(f"<tr><td>row {n}</td><td>{'text ' * 8}</td></tr>" for n in range(60_000))
) + "</table>"


def test_a_document_that_takes_too_long_fails_clearly_within_its_budget():
    started = time.monotonic()

    with pytest.raises(pdf.PdfTimeout) as refusal:
        pdf.pdf_from_html(HUGE_TABLE, timeout=1)

    assert time.monotonic() - started < 3
    assert str(refusal.value) == (
        "The document could not be laid out within its time limit of 1 s: it is too long to "
        "print. Shorten what it shows (fewer options, shorter notes) and try again."
    )
    # The child that was laying it out is gone, not left running.
    assert multiprocessing.active_children() == []


def test_a_normal_document_renders_within_its_budget():
    document = pdf.pdf_from_html("<h1>Acceptance protocol</h1><p>All items passed.</p>", timeout=20)

    assert "All items passed." in pdf_text(document)


def test_what_the_layout_logs_is_logged_by_the_caller(caplog):
    pdf.pdf_from_html('<img src="file:///etc/hostname"><p>A document</p>')

    assert "refused to fetch 'file:///etc/hostname'" in caplog.text


# Where people ask for PDFs ----------------------------------------------------------------------


@pytest.fixture
def tiny_budget(settings):
    """A budget no document meets: forking the layout alone takes longer."""
    settings.PDF_TIMEOUT_SECONDS = 0.001


@pytest.fixture
def option(db):
    helpers.rules()
    return helpers.build(code="2.0", name="Single GPU")


def test_the_comparison_page_answers_503_with_the_reason(client, option, tiny_budget):
    client.force_login(user_in_role("Viewer"))

    response = client.get(reverse("quotes:comparison_pdf"), {"build": option.slug})

    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith(f"{TOO_LONG} 0.001 s")


def test_the_comparison_action_says_why_there_is_no_sheet(client, option, tiny_budget):
    client.force_login(user_in_role("Viewer"))

    response = client.post(
        reverse("admin:procurement_build_changelist"),
        {"action": "comparison_sheet", "_selected_action": [option.pk]},
        follow=True,
    )

    assert response.status_code == 200
    (message,) = [str(message) for message in response.context["messages"]]
    assert message.startswith(TOO_LONG)


def test_the_comparison_command_fails_with_the_reason_and_writes_nothing(
    option, tiny_budget, tmp_path
):
    target = tmp_path / "sheet.pdf"

    with pytest.raises(CommandError, match=TOO_LONG):
        call_command("comparison_pdf", "--build", option.slug, "-o", str(target))

    assert not target.exists()


@pytest.mark.usefixtures("db", "media_root")
def test_the_acceptance_page_answers_503_with_the_reason(client, tiny_budget):
    build = delivered_build()
    client.force_login(viewer())

    response = client.get(reverse("acceptance_pdf", args=[build.slug]))

    assert response.status_code == 503
    assert response.content.decode().startswith(TOO_LONG)


@pytest.mark.usefixtures("db", "media_root")
def test_the_acceptance_command_fails_with_the_reason(tiny_budget, tmp_path):
    build = delivered_build()

    with pytest.raises(CommandError, match=TOO_LONG):
        call_command("acceptance_pdf", build.slug, "-o", str(tmp_path / "a.pdf"), stdout=StringIO())


@pytest.mark.usefixtures("db", "media_root")
def test_the_acceptance_page_renders_within_the_default_budget(client):
    build = delivered_build()
    client.force_login(viewer())

    response = client.get(reverse("acceptance_pdf", args=[build.slug]))

    assert response.status_code == 200
    assert f"Acceptance protocol: {build.code} {build.name}" in pdf_text(response.content)
