"""What a person does in the browser: log in, pick, run actions, read messages and PDFs."""

import io
import re

from django.urls import reverse
from playwright.sync_api import Frame, Page, expect
from pypdf import PdfReader

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's


def log_in(page: Page, username: str, *, password: str = PASSWORD) -> None:
    """Through the real login form (django-axes counts every attempt)."""
    page.goto(reverse("admin:index"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def pick(page: Page, field: str, search: str, option: str) -> None:
    """Choose `option` in the autocomplete of `field` after typing `search`."""
    page.locator(f".field-{field} .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(search)
    page.locator(".select2-results__option", has_text=option).first.click()
    expect(page.locator(f".field-{field} .select2-selection__rendered")).to_contain_text(option)


def messages(page: Page):
    """The admin's message list at the top of the page."""
    return page.locator("ul.messagelist")


def run_action(page: Page, label: str) -> None:
    """On a changelist with rows ticked: choose the action and press Go."""
    page.get_by_label("Action:").select_option(label=label)
    page.get_by_role("button", name="Go").click()


def move_on(page: Page) -> None:
    """On the page an order board's action opens: keep the step's date (today) and go on."""
    page.get_by_role("button", name="Move on").click()


def tick_row(page: Page, text: str) -> None:
    """Tick the checkbox of the changelist row that mentions `text`."""
    page.locator("#result_list tbody tr", has_text=text).locator("input.action-select").check()


def readonly_value(page: Page, field: str):
    """The value of a read-only field on a change page."""
    return page.locator(f".field-{field} .readonly")


def keep_pdfs(page: Page) -> list[bytes]:
    """The PDFs the server sends this page, as they come over the wire.

    Chromium shows an inline PDF in its viewer, and Playwright then reports the viewer's
    page as the response's body; the bytes are taken in flight instead.
    """
    received = []

    def keep(route):
        response = route.fetch()
        if response.headers.get("content-type") == "application/pdf":
            received.append(response.body())
        route.fulfill(response=response)

    page.route(re.compile(r"^http://[^/]+/(admin|quotes|builds)/"), keep)
    return received


def expect_pdf_shown(page: Page, title: str) -> None:
    """Chromium's PDF viewer opened in this page and shows a document whose title (the PDF's
    own, in the viewer's toolbar) starts with `title`; bounded by the action timeout."""
    viewer = _pdf_viewer(page)
    expect(viewer.get_by_text(re.compile("^" + re.escape(title))).first).to_be_visible()


def _pdf_viewer(page: Page) -> Frame:
    for _ in range(100):
        for frame in page.frames:
            if frame.url.startswith("chrome-extension://"):
                return frame
        page.wait_for_timeout(100)
    raise AssertionError("Chromium's PDF viewer did not open.")


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
