"""The benchmark behind `make bench`.

Each module of this package (other than this one and __main__) defines `run() -> list[Row]`;
`python -m bench` sets up a fresh database (SQLite in memory by default, a throw-away
PostgreSQL database when DATABASE_URL points at one), runs every module and prints one
table. Figures are medians over several runs.

Targets are ratios measured in the same run (10,000 quotes against 100, our part of a sheet
against WeasyPrint's, a computation against its query floor, the load check's figures) and
query counts: only those decide `make bench`'s exit status. Absolute times are printed with
the machine they were measured on, for information.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
TRANSACTION_SQL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


@dataclass(frozen=True)
class Row:
    area: str
    measure: str
    figure: str
    target: str
    met: bool | None

    @property
    def verdict(self) -> str:
        return {True: "met", False: "NOT MET", None: "-"}[self.met]


def setup_django() -> None:
    """Configure Django on a fresh test database; call once before any bench module runs."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
    os.environ.setdefault("DJANGO_EMAIL_BACKEND", "locmem")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)


def teardown_django() -> None:
    from django.db import connection

    connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def count_queries(work: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The log keeps the last 9,000 queries; once full, a count taken from it would be 0.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        work()
    return len(captured.captured_queries)


def median_ms(work: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time of `work` in milliseconds over `runs` runs (after one warm-up)."""
    work()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def statements_of(work: Callable[[], object]) -> list[str]:
    """The SQL `work` sends, as sent (parameters in place)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        work()
    return [query["sql"] for query in captured.captured_queries]


def query_floor_ms(statements: list[str], runs: int = RUNS) -> float:
    """Median time of sending `statements` alone, in a transaction rolled back each time:
    the least any code that needs their answers can take. Run it from the state the work
    started from, so that its writes meet the same rows."""
    from django.db import connection, transaction

    # The work's own transactions and savepoints are left out: the replay is one transaction.
    work = [sql for sql in statements if sql.split(None, 1)[0].upper() not in TRANSACTION_SQL]

    def replay() -> None:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for sql in work:
                    cursor.execute(sql)
            transaction.set_rollback(True)

    return median_ms(replay, runs=runs)
