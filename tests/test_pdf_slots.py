"""At most PDF_LAYOUT_SLOTS documents are laid out at once on the machine, across processes."""

import io
import os
import subprocess
import sys
import threading

import pytest
from pypdf import PdfReader

from procurement import pdf

HOLD_A_SLOT = """
import fcntl, sys
handle = open(sys.argv[1], "ab")
fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("held", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def slots(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.PDF_LAYOUT_SLOTS = 1
    settings.PDF_LAYOUT_WAIT_SECONDS = 30
    folder = tmp_path / "pdf-slots"
    folder.mkdir()
    return folder


def test_a_slot_held_here_is_taken_for_everyone_until_released(slots):
    with pdf.layout_slot():
        assert pdf.take_free_slot(slots, 1) is None
    free = pdf.take_free_slot(slots, 1)
    assert free is not None
    free.close()


def test_two_slots_let_two_documents_through_and_not_a_third(slots):
    first, second = pdf.take_free_slot(slots, 2), pdf.take_free_slot(slots, 2)

    assert first is not None and second is not None
    assert pdf.take_free_slot(slots, 2) is None
    first.close()
    second.close()


def test_a_slot_held_by_another_process_is_freed_when_that_process_ends(slots):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_SLOT, str(slots / "0.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        assert pdf.take_free_slot(slots, 1) is None
    finally:
        holder.kill()
        holder.wait(timeout=10)

    free = pdf.take_free_slot(slots, 1)
    assert free is not None
    free.close()


def test_a_document_waits_for_the_slot_then_is_laid_out(slots):
    finished: list[bytes] = []

    def lay_out() -> None:
        finished.append(pdf.pdf_from_html("<p>Sheet of the second person</p>"))

    with pdf.layout_slot():
        second = threading.Thread(target=lay_out)
        second.start()
        second.join(timeout=0.5)
        # Still waiting for the slot this block holds.
        assert second.is_alive() and finished == []
    second.join(timeout=60)

    assert not second.is_alive()
    text = PdfReader(io.BytesIO(finished[0])).pages[0].extract_text()
    assert "Sheet of the second person" in text


def test_a_document_is_never_refused_when_its_wait_runs_out(slots, settings):
    settings.PDF_LAYOUT_WAIT_SECONDS = 0

    with pdf.layout_slot():
        document = pdf.pdf_from_html("<p>Laid out all the same</p>")

    assert document.startswith(b"%PDF")


@pytest.mark.parametrize("niceness", [10, 0])
def test_a_layout_runs_at_a_lower_priority_than_the_pages(slots, settings, monkeypatch, niceness):
    # The child answers with its own priority instead of a PDF: forked, it runs this stand-in.
    monkeypatch.setattr(pdf, "_layout", lambda html, root: str(os.nice(0)).encode())
    settings.PDF_LAYOUT_NICENESS = niceness
    here = os.nice(0)

    assert int(pdf.pdf_from_html("<p>x</p>", timeout=30)) == min(here + niceness, 19)
    assert os.nice(0) == here  # the page's own process keeps its priority
