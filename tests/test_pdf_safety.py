"""Rendering is safe: only the project's static files are read, nothing is embedded, and
text users entered is printed as text."""

import http.server
import io
import threading
from datetime import date

import pytest
from pypdf import PdfReader

from procurement import pdf
from quotes.comparison import comparison_pdf
from tests import comparison_helpers as helpers
from tests import factories

pytestmark = pytest.mark.django_db

STYLESHEET = "static:pdf/comparison.css"


class CountingHandler(http.server.BaseHTTPRequestHandler):
    """A local server that redirects everything to a static file and counts requests."""

    hits = 0

    def do_GET(self):
        type(self).hits += 1
        self.send_response(302)
        self.send_header("Location", STYLESHEET)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    CountingHandler.hits = 0
    server = http.server.HTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/logo.png",
        "https://example.ch/style.css",
        "data:text/css,body{color:red}",
        "ftp://example.ch/file",
        "static:../procurement/settings.py",
        "static:/../../etc/passwd",
        "static:pdf/missing.css",
        "/etc/passwd",
    ],
)
def test_fetcher_refuses_anything_but_the_projects_static_files(url):
    with pytest.raises(pdf.FetchRefused):
        pdf.StaticOnlyFetcher().fetch(url)


def test_fetcher_refuses_a_link_out_of_the_static_folder(settings, tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (static / "linked.css").symlink_to(tmp_path / "secret.txt")
    settings.STATICFILES_DIRS = [static]

    with pytest.raises(pdf.FetchRefused):
        pdf.StaticOnlyFetcher().fetch("static:linked.css")


def test_fetcher_serves_the_sheets_stylesheet():
    response = pdf.StaticOnlyFetcher().fetch(STYLESHEET)

    assert response.content_type == "text/css"
    assert b"size: A4 landscape" in response.read()


def test_no_request_leaves_and_no_redirect_is_followed(local_server, caplog):
    html = (
        f'<link rel="stylesheet" href="{local_server}/style.css">'
        f'<img src="{local_server}/redirect.png"><img src="https://127.0.0.1:1/x.png">'
        '<img src="file:///etc/hostname"><p>Still a document</p>'
    )

    document = pdf.pdf_from_html(html)

    assert CountingHandler.hits == 0
    assert "Still a document" in helpers.pdf_pages(document)[0]
    assert not PdfReader(io.BytesIO(document)).pages[0].images
    assert "refused to fetch" in caplog.text


def test_no_attachment_is_ever_embedded():
    html = (
        f'<link rel="attachment" href="{STYLESHEET}" title="stylesheet">'
        f'<a rel="attachment" href="{STYLESHEET}" download="style.css">attached</a>'
        '<a rel="attachment" href="file:///etc/passwd">passwd</a>'
    )

    reader = PdfReader(io.BytesIO(pdf.pdf_from_html(html)))

    assert dict(reader.attachments) == {}
    annotations = [a.get_object()["/Subtype"] for a in reader.pages[0].get("/Annots", [])]
    assert "/FileAttachment" not in annotations


HOSTILE = '<img src="file:///etc/passwd"><link rel="attachment" href="static:pdf/comparison.css">'


def test_text_users_entered_is_printed_as_text_never_interpreted():
    carrier = helpers.rules()
    vendor = factories.VendorFactory(name="<b>Evil</b> & Co", country="US")
    quote = helpers.usd_quote(
        carrier=carrier, vendor=vendor, note=f"Quote note {HOSTILE}", reference="Q-<i>1</i>"
    )
    built = helpers.build(name="<script>alert(1)</script>", description=f"Build note {HOSTILE}")

    _sheet, document = comparison_pdf(
        build_slugs=[built.slug], quote_references=[quote.reference], today=date(2026, 2, 20)
    )
    text = " ".join(" ".join(helpers.pdf_pages(document)).split())
    reader = PdfReader(io.BytesIO(document))

    assert "<b>Evil</b> & Co Q-<i>1</i>" in text
    assert "<script>alert(1)</script>" in text
    assert f"Quote note {HOSTILE}" in text and f"Build note {HOSTILE}" in text
    assert dict(reader.attachments) == {}
    assert not any(page.images for page in reader.pages)
