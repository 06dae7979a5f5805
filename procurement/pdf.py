"""PDFs from Django templates with WeasyPrint, reading nothing but our own static files.

The URL fetcher refuses every scheme but `static:` (and data: URIs WeasyPrint decodes
itself), so a document cannot reach the network or the file system, whatever text users
entered; a `static:` URL must name a file inside the project's static folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

STATIC_SCHEME = "static:"


class FetchRefused(ValueError):
    pass


def static_root() -> Path:
    return Path(settings.STATICFILES_DIRS[0]).resolve()


def safe_url_fetcher(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    """Serve `static:relative/path` from the project's static folder; refuse anything else."""
    if not url.startswith(STATIC_SCHEME):
        raise FetchRefused(f"refused to fetch {url[:80]!r}: only the project's static files")
    relative = url[len(STATIC_SCHEME) :].lstrip("/")
    root = static_root()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file():
        raise FetchRefused(f"refused to fetch {url[:80]!r}: not a static file of the project")
    mime = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(
        path.suffix, "application/octet-stream"
    )
    return {"string": path.read_bytes(), "mime_type": mime, "redirected_url": url}


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render `template_name` to PDF bytes with the safe fetcher and no base URL."""
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=None, url_fetcher=safe_url_fetcher).write_pdf(attachments=[])
