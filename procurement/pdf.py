"""PDFs from Django templates with WeasyPrint, reading nothing but our own static files.

The URL fetcher refuses every scheme but `static:`, so a document cannot reach the network
or the file system (no `file:`, `http:`, `https:`, `data:`, no redirects), whatever text
users entered; a `static:` URL must name a file inside the project's static folder. Nothing
is ever embedded as a PDF attachment: WeasyPrint would embed the target of a
`<link rel="attachment">` or `<a rel="attachment">`, so those are dropped after layout.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_SCHEME = "static:"
MIME_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff2": "font/woff2",
}


class FetchRefused(ValueError):
    pass


def static_root() -> Path:
    return Path(settings.STATICFILES_DIRS[0]).resolve()


def static_file(url: str) -> Path:
    """The file a `static:relative/path` URL names; FetchRefused for anything else."""
    if not url.startswith(STATIC_SCHEME):
        raise FetchRefused(f"refused to fetch {url[:80]!r}: only the project's static files")
    relative = url[len(STATIC_SCHEME) :].split("?", 1)[0].split("#", 1)[0].lstrip("/")
    root = static_root()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file():
        raise FetchRefused(f"refused to fetch {url[:80]!r}: not a static file of the project")
    return path


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's fetcher with every protocol handler bypassed: `static:` files only.

    `fetch` is the one entry point WeasyPrint calls (also through `open` and `__call__`),
    and it never reaches urllib, so no request leaves the process and no redirect is
    followed. A refusal is logged by WeasyPrint and the resource is left out.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("static",), allow_redirects=False)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = static_file(url)
        mime = MIME_TYPES.get(path.suffix, "application/octet-stream")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})


def render_html(template_name: str, context: dict[str, Any]) -> str:
    return render_to_string(template_name, context)


def pdf_from_html(html: str) -> bytes:
    """Lay out `html` and write the PDF, with the safe fetcher, no base URL, no attachments."""
    with layout_slot():
        document = HTML(string=html, base_url=None, url_fetcher=StaticOnlyFetcher()).render()
        document.metadata.attachments = []
        for page in document.pages:
            page.links = [link for link in page.links if link[0] != "attachment"]
        return document.write_pdf(attachments=[])


@contextmanager
def layout_slot() -> Iterator[None]:
    """Wait until fewer than PDF_LAYOUT_SLOTS documents are being laid out on this machine.

    Laying out a sheet keeps a processor busy for the best part of a second, and the web
    server's processes share the processors with every other page: unbounded, a few people
    opening sheets at once would take all of them and every page would wait. A slot is a
    lock file under var/pdf-slots/ held (flock) by the process laying out a document; the
    kernel frees it when that process ends, whatever happens to it. After
    PDF_LAYOUT_WAIT_SECONDS of waiting the document is laid out all the same: slower, never
    refused.
    """
    folder = Path(settings.VAR_DIR) / "pdf-slots"
    folder.mkdir(exist_ok=True)
    deadline = time.monotonic() + settings.PDF_LAYOUT_WAIT_SECONDS
    slot = take_free_slot(folder, settings.PDF_LAYOUT_SLOTS)
    while slot is None and time.monotonic() < deadline:
        time.sleep(0.02)
        slot = take_free_slot(folder, settings.PDF_LAYOUT_SLOTS)
    try:
        yield
    finally:
        if slot is not None:
            slot.close()  # and with it the lock


def take_free_slot(folder: Path, slots: int) -> IO[bytes] | None:
    """The lock file of a free slot, now held by this caller; None when all are taken."""
    for number in range(slots):
        handle = (folder / f"{number}.lock").open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return handle
    return None


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render `template_name` to PDF bytes (see `pdf_from_html`)."""
    return pdf_from_html(render_html(template_name, context))
