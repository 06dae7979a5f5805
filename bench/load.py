"""The load check: `make serve`'s stack and `make run`'s development server under 20 users.

Both servers are started by their own scripts (bin/serve-production, bin/serve) on a copy
of the bench's PostgreSQL database holding the seed and 10,000 quotes (admin_lists'
generator), and the broker of CELERY_BROKER_URL; each phase runs on one right after the
other. Logged-in Buyers open, in turn, the start page, the quotes, revisions and order-line
lists, a revision page and the comparison sheet, each request on a connection of its own as
a TLS proxy in front would pass it on:

- one user, without pauses: each page's time on an idle server;
- 20 users pausing 1 to 3 s between pages, as people reading, with and (production stack
  only) without the sheet among their pages;
- the same 20 users without pauses: the most the server answers per second;
- for information, the 20 users pausing on `make serve` with no PDF kept, so that every
  sheet is laid out: what the pages pay when many different sheets are made at once.

Targets, judged in the same run: no errors; with pauses, the p95 of each HTML page at most
4 times its p50 with one user, and at most 1.5 times its p95 without sheets being rendered;
without pauses, more requests per second than the development server. Needs PostgreSQL
(DATABASE_URL); BENCH_LOAD_SECONDS shortens the 60 s of each phase, BENCH_LOAD_USERS
changes the 20 users.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

import bench
from bench import admin_lists
from bench._traffic import Page, Traffic, walk

SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "20"))
QUOTES = 10_000
PAUSE = (1.0, 3.0)
P95_OVER_ONE_USER = 4.0
P95_WITH_SHEETS = 1.5
SHEET = "/quotes/compare.pdf?build=pro-6000&build=b-2x-rtx-5090&quote=EST-BIZON-G3000-2X5090"
SHEET_PAGE = "comparison sheet"
START_TIMEOUT = 300
STOP_TIMEOUT = 60
ROOT = Path(__file__).resolve().parent.parent
AREA = "load"
# The TLS proxy in front of the production stack says the request came over HTTPS.
PROXIED = {"X-Forwarded-Proto": "https"}


def run() -> list[bench.Row]:
    from django.db import connection

    if connection.vendor != "postgresql":
        return [
            bench.Row(
                AREA,
                f"{USERS} users on make serve and make run",
                "not run: needs PostgreSQL",
                "DATABASE_URL=postgres://...",
                None,
            )
        ]
    with _own_database() as database_url, tempfile.TemporaryDirectory() as folder:
        pages, sessions = _prepare()
        serve = Server("make serve", "serve-production", database_url, Path(folder), debug=False)
        run_ = Server("make run", "serve", database_url, Path(folder), debug=True)
        with serve.running(), run_.running():
            production, development = _measure(serve, run_, pages, sessions)
        laid_out = {server.name: server.documents_kept() for server in (serve, run_)}
        every_sheet = _every_sheet_laid_out(database_url, Path(folder), pages, sessions)
    return (
        _rows(pages, production, development)
        + _sheet_rows(production, development, laid_out)
        + _unkept_rows(pages, production, every_sheet)
    )


def _every_sheet_laid_out(
    database_url: str, folder: Path, pages: list[Page], sessions: list[str]
) -> Traffic:
    """The same 20 readers on `make serve` with no PDF kept: every sheet they ask for is laid
    out, as if each asked for a sheet nobody had asked for yet. For information: what the
    pages pay when many different sheets are made at once."""
    unkept = Server(
        "make serve, PDFs not kept",
        "serve-production",
        database_url,
        folder,
        debug=False,
        settings={"PDF_CACHE_SECONDS": "0"},
    )
    with unkept.running():
        unkept.walk("warm-up", pages, sessions[:4], seconds=min(5.0, SECONDS), pause=None)
        return unkept.walk("with pauses", pages, sessions, seconds=SECONDS, pause=PAUSE)


def _measure(
    serve: Server, run_: Server, pages: list[Page], sessions: list[str]
) -> tuple[Figures, Figures]:
    """Each phase on one server right after the other, so that both meet the same machine
    (other work on it comes and goes)."""
    html = [page for page in pages if not page.is_pdf]
    phases = {
        "warm-up": (pages, sessions[:4], min(5.0, SECONDS), None),
        "1 user": (pages, sessions[:1], max(10.0, SECONDS / 2), None),
        "with pauses": (pages, sessions, SECONDS, PAUSE),
        "with pauses, no sheets": (html, sessions, SECONDS, PAUSE),
        "no pauses": (pages, sessions, SECONDS, None),
    }
    seen: dict[str, dict[str, Traffic]] = {serve.name: {}, run_.name: {}}
    for phase, (pages_, sessions_, seconds, pause) in phases.items():
        # Without sheets only the production stack is judged.
        for server in (serve,) if phase == "with pauses, no sheets" else (serve, run_):
            seen[server.name][phase] = server.walk(
                phase, pages_, sessions_, seconds=seconds, pause=pause
            )
    production, development = seen[serve.name], seen[run_.name]
    return (
        Figures(
            production["1 user"],
            production["with pauses"],
            production["with pauses, no sheets"],
            production["no pauses"],
        ),
        Figures(development["1 user"], development["with pauses"], None, development["no pauses"]),
    )


@dataclass
class Figures:
    one_user: Traffic
    paused: Traffic
    paused_without_sheets: Traffic | None
    flat_out: Traffic

    @property
    def phases(self) -> list[Traffic]:
        return [
            t for t in (self.one_user, self.paused, self.paused_without_sheets, self.flat_out) if t
        ]


class Server:
    """One of the product's start scripts, in a process group of its own."""

    def __init__(
        self,
        name: str,
        script: str,
        database_url: str,
        folder: Path,
        *,
        debug: bool,
        settings: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.script = ROOT / "bin" / script
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.var_dir = folder / name.replace(" ", "-").replace(",", "")
        self.env = {
            **_environment(database_url, self.var_dir, self.port, debug=debug),
            **(settings or {}),
        }

    def documents_kept(self) -> int:
        """The PDFs this server laid out and kept (procurement/pdf.py): one a distinct sheet."""
        return len(list((self.var_dir / "cache" / "pdfs").glob("*.djcache")))

    def walk(self, phase: str, pages: list[Page], sessions: list[str], **how) -> Traffic:
        traffic = walk(self.url, pages, sessions, headers=PROXIED, **how)
        _say(
            f"  {self.name}, {len(sessions)} users {phase}: "
            f"{traffic.requests_per_second:.1f} requests/s, {len(traffic.errors)} errors; "
            + ", ".join(
                f"{page.name} {traffic.p50(page.name):.0f}/{traffic.p95(page.name):.0f} ms"
                for page in pages
            )
        )
        return traffic

    @contextmanager
    def running(self) -> Iterator[None]:
        _say(f"  {self.name}: starting on {self.url}")
        self.var_dir.mkdir(parents=True)
        log = (self.var_dir / "server.log").open("w")
        process = subprocess.Popen(
            [str(self.script)],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_until_up(process)
            yield
        finally:
            _stop(process)
            log.close()

    def _wait_until_up(self, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{self.name} stopped: see {self.var_dir / 'server.log'}")
            try:
                if httpx.get(f"{self.url}/healthz", headers=PROXIED, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} did not answer within {START_TIMEOUT} s")


def _stop(process: subprocess.Popen) -> None:
    """Stop the script as Ctrl-C would; whatever is left of its group after a minute is killed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)


def _environment(database_url: str, var_dir: Path, port: int, *, debug: bool) -> dict[str, str]:
    from django.conf import settings

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PROCUREMENT_VAR_DIR": str(var_dir),
        # The sessions made here must be valid there.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_EMAIL_BACKEND": "locmem",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DJANGO_DEBUG": "1" if debug else "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _own_database() -> Iterator[str]:
    """A copy of the bench's database for the servers (and the rows made for them), dropped
    afterwards, so that the next benchmark module starts from the database it knew."""
    from django.db import connection

    settings_dict = connection.settings_dict
    template = settings_dict["NAME"]
    name = f"{template}_load"
    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    settings_dict["NAME"] = name
    try:
        yield _database_url(settings_dict)
    finally:
        connection.close()
        settings_dict["NAME"] = template
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _database_url(settings_dict: dict) -> str:
    user = quote(settings_dict["USER"] or "", safe="")
    password = f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def _prepare() -> tuple[list[Page], list[str]]:
    """The seed, 10,000 quotes, and USERS Buyers logged in: the pages and session keys."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from procurement.models import Vendor
    from quotes.models import QuoteRevision

    if not Vendor.objects.filter(slug="bizon").exists():
        call_command("loaddata", "seed", verbosity=0)
    admin_lists.make_quotes(0, QUOTES, prefix="LOAD")
    # The planner's statistics, as autovacuum keeps them in a database in service: without
    # them it plans for the empty tables it last counted.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    revision = QuoteRevision.objects.filter(quote__reference="EST-BIZON-G3000-2X5090").latest(
        "number"
    )
    buyers = Group.objects.get(name="Buyer")
    sessions = []
    for index in range(USERS):
        user = get_user_model().objects.create_user(f"load-{index}", is_staff=True)
        user.groups.add(buyers)
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    pages = [
        Page("start page", "/"),
        Page("quotes list", reverse("admin:quotes_quote_changelist")),
        Page("revisions list", reverse("admin:quotes_quoterevision_changelist")),
        Page("order lines list", reverse("admin:procurement_orderline_changelist")),
        Page("revision page", reverse("admin:quotes_quoterevision_change", args=[revision.pk])),
        Page(SHEET_PAGE, SHEET, is_pdf=True),
    ]
    return pages, sessions


def _rows(pages: list[Page], production: Figures, development: Figures) -> list[bench.Row]:
    rows = [_page_row(page, production, development) for page in pages]
    serve_rps = production.flat_out.requests_per_second
    run_rps = development.flat_out.requests_per_second
    rows.append(
        bench.Row(
            AREA,
            f"{USERS} users without pauses: requests per second, make serve / make run",
            f"{serve_rps:.1f} / {run_rps:.1f} ({serve_rps / run_rps:.1f}x)",
            "make serve more",
            serve_rps > run_rps,
        )
    )
    rows.append(
        bench.Row(
            AREA,
            f"{USERS} users with pauses: requests per second, make serve / make run",
            f"{production.paused.requests_per_second:.1f} / "
            f"{development.paused.requests_per_second:.1f}",
            "-",
            None,
        )
    )
    for name, figures in (("make serve", production), ("make run", development)):
        answered = sum(len(phase.samples) for phase in figures.phases)
        errors = [sample for phase in figures.phases for sample in phase.errors]
        kinds = sorted({f"{sample.page}: {sample.error}" for sample in errors})
        rows.append(
            bench.Row(
                AREA,
                f"errors on {name}, all phases",
                f"{len(errors)} of {answered:,}" + (f" ({'; '.join(kinds[:3])})" if kinds else ""),
                "none" if name == "make serve" else "-",
                not errors if name == "make serve" else None,
            )
        )
    return rows


def _sheet_rows(
    production: Figures, development: Figures, laid_out: dict[str, int]
) -> list[bench.Row]:
    """How many distinct sheets were laid out and kept against the sheets answered: the same
    sheet, asked for again, is answered from the kept PDF (a layout that failed or a sheet
    laid out twice at once would not show here; a sheet's layout alone is in the
    comparison rows)."""
    rows = []
    for name, figures in (("make serve", production), ("make run", development)):
        asked = sum(len(phase.times(SHEET_PAGE)) for phase in figures.phases)
        rows.append(
            bench.Row(
                AREA,
                f"distinct sheets laid out and kept (warm-up included) / answered (measured phases), {name}",
                f"{laid_out[name]} / {asked:,}",
                "-",
                None,
            )
        )
    return rows


def _unkept_rows(pages: list[Page], production: Figures, every_sheet: Traffic) -> list[bench.Row]:
    assert production.paused_without_sheets is not None
    alone = production.paused_without_sheets
    ratios = ", ".join(
        f"{page.name} {every_sheet.p95(page.name):.0f} ms "
        f"({every_sheet.p95(page.name) / alone.p95(page.name):.1f}x)"
        for page in pages
        if not page.is_pdf
    )
    return [
        bench.Row(
            AREA,
            f"{USERS} users with pauses, every sheet laid out (PDFs not kept), make serve: "
            "p95 of each page (times its p95 without sheets)",
            ratios,
            "-",
            None,
        ),
        bench.Row(
            AREA,
            "the same: sheet p50 / p95, errors",
            f"{every_sheet.p50(SHEET_PAGE):.0f} / {every_sheet.p95(SHEET_PAGE):.0f} ms, "
            f"{len(every_sheet.errors)} errors of {len(every_sheet.samples):,}",
            "-",
            None,
        ),
    ]


def _page_row(page: Page, production: Figures, development: Figures) -> bench.Row:
    """One page: ms with one user; p50 / p95 with USERS pausing (without sheets); beside it,
    the development server's."""
    one = production.one_user.p50(page.name)
    p50, p95 = production.paused.p50(page.name), production.paused.p95(page.name)
    figure = f"1 user {one:.0f}; {USERS} users {p50:.0f} / {p95:.0f}"
    met: bool | None = None
    target = "-"
    if not page.is_pdf:
        assert production.paused_without_sheets is not None
        alone = production.paused_without_sheets.p95(page.name)
        figure += f" ({alone:.0f} without sheets)"
        target = f"p95 <= {P95_OVER_ONE_USER:g}x 1 user, <= {P95_WITH_SHEETS:g}x without sheets"
        met = p95 <= P95_OVER_ONE_USER * one and p95 <= P95_WITH_SHEETS * alone
        met = met and not math.isnan(p95)
    dev_one = development.one_user.p50(page.name)
    dev_p50, dev_p95 = development.paused.p50(page.name), development.paused.p95(page.name)
    figure += f"; make run: 1 user {dev_one:.0f}; {USERS} users {dev_p50:.0f} / {dev_p95:.0f}"
    return bench.Row(AREA, f"{page.name}, ms: p50 / p95", figure, target, met)
