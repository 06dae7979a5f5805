"""A document is laid out once: the same HTML asked for again is answered from the cache, and
anything the PDF depends on (its HTML, the static files, the figures behind a sheet) lays it
out anew."""

import multiprocessing
import os
import pickle
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from djmoney.money import Money

from procurement import pdf
from tests import comparison_helpers as helpers
from tests.factories import user_in_role


@pytest.fixture
def layouts(monkeypatch):
    """The HTML of every layout started by this process, in order."""
    started: list[str] = []
    real = pdf._layout_until

    def counted(html, deadline, seconds):
        started.append(html)
        return real(html, deadline, seconds)

    monkeypatch.setattr(pdf, "_layout_until", counted)
    return started


def test_the_same_document_again_is_not_laid_out_again(layouts):
    first = pdf.pdf_from_html("<p>Sheet of Monday</p>")
    second = pdf.pdf_from_html("<p>Sheet of Monday</p>")

    assert second == first
    assert layouts == ["<p>Sheet of Monday</p>"]


def test_another_document_is_laid_out(layouts):
    monday = pdf.pdf_from_html("<p>Sheet of Monday</p>")
    tuesday = pdf.pdf_from_html("<p>Sheet of Tuesday</p>")

    assert "Sheet of Tuesday" in helpers.pdf_pages(tuesday)[0]
    assert "Sheet of Monday" in helpers.pdf_pages(monday)[0]
    assert len(layouts) == 2


def test_a_changed_static_file_lays_the_document_out_again(layouts, settings, tmp_path):
    static = tmp_path / "static"
    (static / "pdf").mkdir(parents=True)
    style = static / "pdf" / "sheet.css"
    style.write_text("p { color: black; }")
    settings.STATICFILES_DIRS = [static]
    html = '<link rel="stylesheet" href="static:pdf/sheet.css"><p>Styled</p>'

    pdf.pdf_from_html(html)
    style.write_text("p { color: darkred; }")
    os.utime(style, ns=(1_800_000_000_000_000_000, 1_800_000_000_000_000_000))
    pdf.pdf_from_html(html)

    assert len(layouts) == 2


def test_a_document_that_timed_out_is_not_kept(layouts):
    with pytest.raises(pdf.PdfTimeout):
        pdf.pdf_from_html("<p>Slow today</p>", timeout=0.001)

    document = pdf.pdf_from_html("<p>Slow today</p>", timeout=20)

    assert "Slow today" in helpers.pdf_pages(document)[0]
    assert len(layouts) == 2


def test_a_document_that_failed_is_not_kept(layouts, monkeypatch):
    monkeypatch.setattr(pdf, "_layout", lambda html, root: 1 / 0)
    with pytest.raises(pdf.PdfError, match="ZeroDivisionError"):
        pdf.pdf_from_html("<p>Broken</p>")
    monkeypatch.undo()  # the real layout, and no more counting
    counted = []
    real = pdf._layout_until
    monkeypatch.setattr(pdf, "_layout_until", lambda *a: counted.append(a) or real(*a))

    assert pdf.pdf_from_html("<p>Broken</p>").startswith(b"%PDF")
    assert len(counted) == 1


def test_nothing_is_kept_when_the_cache_is_off(layouts, settings):
    settings.PDF_CACHE_SECONDS = 0

    pdf.pdf_from_html("<p>Every time</p>")
    pdf.pdf_from_html("<p>Every time</p>")

    assert len(layouts) == 2


def test_people_asking_for_the_same_document_at_once_wait_for_one_layout(layouts):
    answers: list[bytes] = []

    def ask() -> None:
        answers.append(pdf.pdf_from_html("<p>Everybody's sheet</p>"))

    people = [threading.Thread(target=ask) for _ in range(4)]
    for person in people:
        person.start()
    for person in people:
        person.join(timeout=60)

    assert len(answers) == 4 and len(set(answers)) == 1
    assert layouts == ["<p>Everybody's sheet</p>"]


def test_the_key_names_no_content_and_changes_with_one_character():
    one, other = pdf.cache_key("<p>CHF 7’173.00</p>"), pdf.cache_key("<p>CHF 7’173.01</p>")

    assert one != other
    assert one.startswith("pdf:") and len(one) == len("pdf:") + 64
    assert "7’173" not in one


# Where people read it: the sheet's page -------------------------------------------------------


@pytest.fixture
def one_build(db, client):
    """A build of one GPU, and its sheet's address for a Viewer logged in."""
    helpers.rules()
    client.force_login(user_in_role("Viewer"))
    return helpers.build(code="2.0", name="Single GPU"), reverse("quotes:comparison_pdf")


def test_the_sheet_after_a_price_change_shows_the_new_total_not_the_kept_one(
    client, layouts, one_build
):
    built, url = one_build

    with time_machine.travel(date(2026, 2, 20), tick=False):
        before = client.get(url, {"build": built.slug})
        again = client.get(url, {"build": built.slug})
        gpu_line = built.lines.get(component__category="gpu")
        gpu_line.estimated_unit_price = Money(Decimal("6443.05"), "CHF")
        gpu_line.save()
        after = client.get(url, {"build": built.slug})

    assert before.status_code == again.status_code == after.status_code == 200
    assert again.content == before.content
    assert helpers.landed_totals(helpers.pdf_pages(before.content)[0]) == ["CHF 7’173.00"]
    assert helpers.landed_totals(helpers.pdf_pages(after.content)[0]) == ["CHF 7’173.05"]
    assert len(layouts) == 2


def test_the_sheet_of_another_day_is_laid_out_with_its_own_date(client, layouts, one_build):
    built, url = one_build

    with time_machine.travel(date(2026, 2, 20), tick=False):
        friday = client.get(url, {"build": built.slug})
    with time_machine.travel(date(2026, 2, 23), tick=False):
        monday = client.get(url, {"build": built.slug})

    assert "As of 20.02.2026" in helpers.pdf_pages(friday.content)[0]
    assert "As of 23.02.2026" in helpers.pdf_pages(monday.content)[0]
    assert len(layouts) == 2


def test_a_pdf_that_cannot_be_kept_is_answered_all_the_same(layouts, settings, tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache's folder should be")
    settings.CACHES = {
        **settings.CACHES,
        "pdfs": {**settings.CACHES["pdfs"], "LOCATION": str(blocker / "pdfs")},
    }

    first = pdf.pdf_from_html("<p>Kept nowhere</p>")
    second = pdf.pdf_from_html("<p>Kept nowhere</p>")

    assert "Kept nowhere" in helpers.pdf_pages(first)[0]
    assert second.startswith(b"%PDF")
    assert len(layouts) == 2
    assert "a PDF could not be kept" in caplog.text


@pytest.mark.parametrize(
    "damage",
    [
        b"\x80\x04not a pickle",
        # A sound expiry time, then a body that does not decompress.
        pickle.dumps(4_000_000_000.0, pickle.HIGHEST_PROTOCOL) + b"not zlib",
    ],
    ids=["expiry", "body"],
)
def test_a_damaged_kept_pdf_is_laid_out_again(layouts, settings, damage):
    pdf.pdf_from_html("<p>Damaged later</p>")
    for kept in Path(settings.CACHES["pdfs"]["LOCATION"]).glob("*.djcache"):
        kept.write_bytes(damage)

    again = pdf.pdf_from_html("<p>Damaged later</p>")

    assert "Damaged later" in helpers.pdf_pages(again)[0]
    assert len(layouts) == 2


def test_a_static_file_changed_to_the_same_size_and_time_lays_the_document_out_again(
    layouts, settings, tmp_path
):
    static = tmp_path / "static"
    static.mkdir()
    style = static / "sheet.css"
    style.write_text("p { color: black; }")
    settings.STATICFILES_DIRS = [static]
    html = '<link rel="stylesheet" href="static:sheet.css"><p>Styled</p>'
    times = (1_800_000_000_000_000_000, 1_800_000_000_000_000_000)
    os.utime(style, ns=times)

    pdf.pdf_from_html(html)
    style.write_text("p { color: white; }")  # as many characters
    os.utime(style, ns=times)
    pdf.pdf_from_html(html)

    assert len(layouts) == 2


def test_a_lock_is_let_go_by_its_holder_even_while_a_layout_child_runs(
    settings, tmp_path, monkeypatch
):
    settings.VAR_DIR = tmp_path
    (tmp_path / "pdf-slots").mkdir()
    lock = tmp_path / "a-document.lock"
    monkeypatch.setattr(pdf, "_layout", lambda html, root: time.sleep(3) or b"%PDF laid out")
    other_layout: list[bytes] = []

    with pdf._held(lambda: pdf._take_lock(lock), 0) as taken:
        assert taken
        # Another thread of this process forks a layout child while the lock is held.
        thread = threading.Thread(
            target=lambda: other_layout.append(pdf._laid_out("<p>x</p>", time.monotonic() + 30, 30))
        )
        thread.start()
        while not multiprocessing.active_children():
            time.sleep(0.01)
    # Let go here: anybody may take it at once (within the time the child takes to start),
    # though the child forked meanwhile runs for 3 s.
    deadline = time.monotonic() + 1.5
    taken_after = pdf._take_lock(lock)
    while taken_after is None and time.monotonic() < deadline:
        time.sleep(0.02)
        taken_after = pdf._take_lock(lock)
    child_still_running = bool(multiprocessing.active_children())
    thread.join(timeout=30)

    assert taken_after is not None
    assert child_still_running
    assert other_layout == [b"%PDF laid out"]
    taken_after.close()
