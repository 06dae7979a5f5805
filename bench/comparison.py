"""The comparison sheet of the eight seed builds and two foreign quotes.

Timed in this process, split into our part (queries, calculations, template) and
WeasyPrint's (layout and PDF), each run laid out anew (the kept PDFs of procurement/pdf.py
are off for it); then the same sheet asked for again with them on, answered from the one
kept; the peak memory is that of the whole `comparison_pdf`
command for 2 and for 10 options, run as a child process on a throw-away SQLite database
with the seed loaded.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench

BUILDS = [
    "pro-6000",
    "pro-6000-5090",
    "a-2x-rtx-4090",
    "b-2x-rtx-5090",
    "c-4x-rtx-4090",
    "d-2x-rtx-a6000",
    "e-4x-rtx-a6000",
    "e-4x-rtx-a6000-refurb",
]
QUOTES = ["EST-BIZON-G3000-2X5090", "EST-RECT-WS8829C-2X5090"]
OUR_SHARE_PERCENT = 15
# Memory may grow with the options on the sheet, but far less than they do.
PEAK_GROWTH = 1.25
AREA = "comparison sheet"
ROOT = Path(__file__).resolve().parent.parent


def run() -> list[bench.Row]:
    from django.core.management import call_command

    call_command("loaddata", "seed", verbosity=0)
    ours, weasyprint = _timings()
    again = sum(_timings(kept=True))
    total = ours + weasyprint
    share = 100 * ours / total
    small, large = _queries(BUILDS[:1], QUOTES[:1]), _queries(BUILDS, QUOTES)
    small_mb, large_mb = _command_peaks_mb([(BUILDS[:1], QUOTES[:1]), (BUILDS, QUOTES)])
    options = f"{len(BUILDS)} builds + {len(QUOTES)} quotes"
    return [
        bench.Row(AREA, f"{options}, laid out each time: in all", f"{total:.0f} ms", "-", None),
        bench.Row(
            AREA,
            "our part: queries, calculations, template",
            f"{ours:.0f} ms ({share:.1f}%)",
            f"<= {OUR_SHARE_PERCENT}% of all",
            share <= OUR_SHARE_PERCENT,
        ),
        bench.Row(AREA, "WeasyPrint: layout and PDF", f"{weasyprint:.0f} ms", "-", None),
        bench.Row(AREA, "the same sheet again, its PDF kept", f"{again:.0f} ms", "-", None),
        bench.Row(
            AREA, "queries for 2 / for 10 options", f"{small} / {large}", "equal", small == large
        ),
        bench.Row(
            AREA,
            "peak memory of the comparison_pdf command, 2 / 10 options",
            f"{small_mb:.0f} / {large_mb:.0f} MB ({large_mb / small_mb:.2f}x)",
            f"<= {PEAK_GROWTH:g}x",
            large_mb <= PEAK_GROWTH * small_mb,
        ),
    ]


def _timings(*, kept: bool = False) -> tuple[float, float]:
    """Medians in ms of our part and of WeasyPrint's, each run of the sheet timed whole;
    laid out each time unless `kept`."""
    from django.conf import settings
    from django.test.utils import override_settings

    with tempfile.TemporaryDirectory() as folder:
        # Kept in a folder of the benchmark's own, not in the var/ of the developer's server.
        pdfs = {**settings.CACHES["pdfs"], "LOCATION": folder}
        with override_settings(
            PDF_CACHE_SECONDS=settings.PDF_CACHE_SECONDS if kept else 0,
            CACHES={**settings.CACHES, "pdfs": pdfs},
        ):
            return _timed_runs()


def _timed_runs() -> tuple[float, float]:
    from procurement.pdf import pdf_from_html, render_html
    from quotes.comparison import TEMPLATE, comparison_sheet

    def one_run() -> tuple[float, float]:
        started = time.perf_counter()
        sheet = comparison_sheet(build_slugs=BUILDS, quote_references=QUOTES)
        html = render_html(TEMPLATE, {"sheet": sheet})
        rendered = time.perf_counter()
        pdf_from_html(html)
        finished = time.perf_counter()
        return (rendered - started) * 1000, (finished - rendered) * 1000

    one_run()  # warm-up: imports, template loading, font configuration
    runs = [one_run() for _ in range(bench.RUNS)]
    return statistics.median(run[0] for run in runs), statistics.median(run[1] for run in runs)


def _queries(builds: list[str], quotes: list[str]) -> int:
    from quotes.comparison import comparison_sheet

    return bench.count_queries(
        lambda: comparison_sheet(build_slugs=builds, quote_references=quotes)
    )


def _command_peaks_mb(option_sets: list[tuple[list[str], list[str]]]) -> list[float]:
    """Peak resident memory of `manage.py comparison_pdf` for each set of options, in MB."""
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "PROCUREMENT_VAR_DIR": folder,
            "DJANGO_EMAIL_BACKEND": "locmem",
            "CELERY_BROKER_URL": "memory://",
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        for step in (["migrate", "-v0"], ["loaddata", "seed", "-v0"]):
            subprocess.run([*manage, *step], env=env, check=True, timeout=300)
        peaks = []
        for builds, quotes in option_sets:
            command = [*manage, "comparison_pdf", "--build", *builds, "--quote", *quotes]
            child = subprocess.Popen(
                [*command, "-o", f"{folder}/sheet.pdf"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _pid, status, usage = os.wait4(child.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                raise RuntimeError(f"comparison_pdf exited with {status}")
            peaks.append(usage.ru_maxrss / 1024)  # kilobytes on Linux
        return peaks
