"""PDFs from Django templates with WeasyPrint, reading nothing but our own static files.

The URL fetcher refuses every scheme but `static:`, so a document cannot reach the network
or the file system (no `file:`, `http:`, `https:`, `data:`, no redirects), whatever text
users entered; a `static:` URL must name a file inside the project's static folder. Nothing
is ever embedded as a PDF attachment: WeasyPrint would embed the target of a
`<link rel="attachment">` or `<a rel="attachment">`, so those are dropped after layout.

Layout has a time budget, PDF_TIMEOUT_SECONDS: WeasyPrint cannot be interrupted, so every
document is laid out in a forked child process that is killed when the budget is spent; the
caller gets PdfTimeout, never a worker held for longer. What WeasyPrint logs in the child
(a refused fetch) is logged here. At most PDF_LAYOUT_SLOTS documents are laid out at once on
the machine, each at PDF_LAYOUT_NICENESS below the pages' priority; the wait for a slot
counts within the budget.

A document is laid out once: its PDF is kept in the `pdfs` cache (a folder under var/,
shared by every process of the machine) for PDF_CACHE_SECONDS under a digest of what it
depends on (`cache_key`), so the same sheet asked for again, by anyone allowed to see that
HTML, is answered without a layout. The people who ask
for the same document at the same time wait for the one layout of it instead of each
starting their own. Failures and timeouts are never kept.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import multiprocessing
import os
import pickle
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

import pydyf
import weasyprint
from django.conf import settings
from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)
STATIC_SCHEME = "static:"
CACHE_ALIAS = "pdfs"
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


class PdfError(RuntimeError):
    """The document could not be made; the message says so in words for the reader."""


class PdfTimeout(PdfError):
    pass


def static_root() -> Path:
    return Path(settings.STATICFILES_DIRS[0]).resolve()


def static_file(url: str, root: Path | None = None) -> Path:
    """The file a `static:relative/path` URL names; FetchRefused for anything else."""
    if not url.startswith(STATIC_SCHEME):
        raise FetchRefused(f"refused to fetch {url[:80]!r}: only the project's static files")
    relative = url[len(STATIC_SCHEME) :].split("?", 1)[0].split("#", 1)[0].lstrip("/")
    root = root or static_root()
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

    def __init__(self, root: Path | None = None) -> None:
        super().__init__(allowed_protocols=("static",), allow_redirects=False)
        self.root = root

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = static_file(url, self.root)
        mime = MIME_TYPES.get(path.suffix, "application/octet-stream")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})


def render_html(template_name: str, context: dict[str, Any]) -> str:
    return render_to_string(template_name, context)


def _layout(html: str, root: Path) -> bytes:
    """Lay out `html` and write the PDF, with the safe fetcher, no base URL, no attachments."""
    document = HTML(string=html, base_url=None, url_fetcher=StaticOnlyFetcher(root)).render()
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    return document.write_pdf(attachments=[])


@contextmanager
def layout_slot(*, wait_seconds: float | None = None) -> Iterator[None]:
    """Wait until fewer than PDF_LAYOUT_SLOTS documents are being laid out on this machine.

    Laying out a sheet keeps a processor busy for the best part of a second, and the web
    server's processes share the processors with every other page: unbounded, a few people
    opening sheets at once would take all of them and every page would wait. A slot is a
    lock file under var/pdf-slots/ held (flock) by the process laying out a document; the
    kernel frees it when that process ends, whatever happens to it. After
    PDF_LAYOUT_WAIT_SECONDS (or `wait_seconds`, if shorter) of waiting the document is laid
    out all the same: slower, never refused.
    """
    folder = Path(settings.VAR_DIR) / "pdf-slots"
    folder.mkdir(exist_ok=True)
    wait = settings.PDF_LAYOUT_WAIT_SECONDS
    if wait_seconds is not None:
        wait = min(wait, wait_seconds)
    with _held(lambda: take_free_slot(folder, settings.PDF_LAYOUT_SLOTS), wait):
        yield


@contextmanager
def _held(take: Callable[[], IO[bytes] | None], wait: float) -> Iterator[bool]:
    """Hold the lock file `take` returns, trying again for `wait` seconds while it returns
    None; whether it was held, then released."""
    deadline = time.monotonic() + wait
    handle = take()
    while handle is None and time.monotonic() < deadline:
        time.sleep(0.02)
        handle = take()
    if handle is not None:
        _HELD.add(handle)
    try:
        yield handle is not None
    finally:
        if handle is not None:
            _HELD.discard(handle)
            handle.close()  # and with it the lock


# The lock files this process holds now (by any of its threads): a forked layout child
# closes its copies at once, so that a lock lives as long as its holder, not as long as a
# child forked meanwhile for another document.
_HELD: set[IO[bytes]] = set()


def take_free_slot(folder: Path, slots: int) -> IO[bytes] | None:
    """The lock file of a free slot, now held by this caller; None when all are taken."""
    for number in range(slots):
        handle = _take_lock(folder / f"{number}.lock")
        if handle is not None:
            return handle
    return None


def _take_lock(path: Path) -> IO[bytes] | None:
    handle = path.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


class _KeptRecords(logging.Handler):
    """WeasyPrint's log records in the child, made plain enough to send to the parent."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args, record.exc_info = record.getMessage(), None, None
        self.records.append(record)


def _layout_in_child(html: str, root: str, answer: Connection, niceness: int) -> None:
    """The child's work, at a lower priority than the pages (`niceness`): the PDF (or why
    not) and what WeasyPrint logged, sent back."""
    for handle in list(_HELD):
        handle.close()
    os.nice(niceness)
    kept = _KeptRecords()
    logging.getLogger("weasyprint").addHandler(kept)
    try:
        answer.send(("pdf", _layout(html, Path(root)), kept.records))
    except Exception as error:  # anything WeasyPrint raises, reported to the parent
        answer.send(("error", f"{type(error).__name__}: {error}", kept.records))
    finally:
        answer.close()


def _layout_context() -> Any:
    """Forked children: they start at once with WeasyPrint loaded. Forking is safe here
    although a web server runs threads, as no thread of this process ever lays out a
    document (and so never holds a lock of Pango or fontconfig): children do all of it."""
    return multiprocessing.get_context("fork")


def pdf_from_html(html: str, *, timeout: float | None = None) -> bytes:
    """The PDF of `html`: from the cache when it was laid out before, else laid out in a
    child process. PdfTimeout when it is not done within `timeout` seconds
    (PDF_TIMEOUT_SECONDS) all told, the waits for the same document and for a layout slot
    included; PdfError if the layout failed."""
    seconds = settings.PDF_TIMEOUT_SECONDS if timeout is None else timeout
    deadline = time.monotonic() + seconds
    if not settings.PDF_CACHE_SECONDS:
        return _laid_out(html, deadline, seconds)
    key = cache_key(html)
    kept = _kept(key)
    if kept is not None:
        return kept
    # Whoever asks for this document while it is being laid out waits for that layout, then
    # takes the PDF it kept; after half the budget, or once the lock is free without a PDF
    # kept (that layout failed), it lays the document out itself. The lock is one of 4,096
    # (by the digest's last three digits), so their files never pile up; two documents that
    # share one only wait for each other once in a while.
    folder = Path(settings.VAR_DIR) / "pdf-slots" / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    with _held(lambda: _take_lock(folder / f"{key[-3:]}.lock"), seconds / 2):
        kept = _kept(key)
        if kept is not None:
            return kept
        document = _laid_out(html, deadline, seconds)
        _keep(key, document)
    return document


# A PDF that cannot be kept or read back (a full disk, a damaged file) is laid out again: the
# people asking for it get it all the same.
UNREADABLE = (OSError, EOFError, pickle.PickleError, zlib.error)


def _kept(key: str) -> bytes | None:
    try:
        return caches[CACHE_ALIAS].get(key)
    except UNREADABLE as error:
        logger.warning("a kept PDF could not be read, it is laid out again: %s", error)
        with suppress(OSError):
            caches[CACHE_ALIAS].delete(key)
        return None


def _keep(key: str, document: bytes) -> None:
    try:
        caches[CACHE_ALIAS].set(key, document, settings.PDF_CACHE_SECONDS)
    except UNREADABLE as error:
        logger.warning("a PDF could not be kept: %s", error)


def cache_key(html: str) -> str:
    """What a laid-out PDF depends on: its HTML, the static files it may read (their names
    and contents) and the versions of WeasyPrint, pydyf and Pango. The machine's fonts are
    not in it: the web server empties the cache when it starts (procurement/gunicorn_conf.py),
    as it does after a system's upgrade."""
    digest = hashlib.sha256()
    digest.update(f"{weasyprint.__version__}\0{pydyf.__version__}\0{_pango_version()}".encode())
    root = static_root()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            content = path.read_bytes()
            digest.update(f"\0{path.relative_to(root)}\0{len(content)}\0".encode())
            digest.update(content)
    digest.update(b"\0\0")
    digest.update(html.encode())
    return f"pdf:{digest.hexdigest()}"


def _pango_version() -> int:
    from weasyprint.text.ffi import pango

    return int(pango.pango_version())


def _laid_out(html: str, deadline: float, seconds: float) -> bytes:
    # The waits (for the same document, then for a slot) take at most half the budget all
    # told, so the layout itself always has the other half.
    waited = seconds - (deadline - time.monotonic())
    with layout_slot(wait_seconds=max(0.0, seconds / 2 - waited)):
        kind, payload, records = _layout_until(html, deadline, seconds)
    for record in records:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)
    if kind == "error":
        raise PdfError(_("The document could not be laid out: %(error)s") % {"error": payload})
    return payload


def _layout_until(html: str, deadline: float, seconds: float) -> tuple[str, Any, list[Any]]:
    """What the layout child answers, or PdfTimeout once `deadline` (monotonic) passes."""
    context = _layout_context()
    answer, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_layout_in_child,
        args=(html, str(static_root()), sender, settings.PDF_LAYOUT_NICENESS),
        daemon=True,
    )
    child.start()
    sender.close()
    try:
        if not answer.poll(max(0.0, deadline - time.monotonic())):
            raise PdfTimeout(
                _(
                    "The document could not be laid out within its time limit of %(seconds)s s: "
                    "it is too long to print. Shorten what it shows (fewer options, shorter "
                    "notes) and try again."
                )
                % {"seconds": seconds}
            )
        return answer.recv()
    except EOFError:
        raise PdfError(
            _("The document could not be laid out: its layout process stopped.")
        ) from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        answer.close()


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render `template_name` to PDF bytes (see `pdf_from_html`)."""
    return pdf_from_html(render_html(template_name, context))
