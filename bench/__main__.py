"""Run every benchmark module and print one table: `python -m bench` (make bench)."""

import importlib
import os
import pkgutil
import platform
import sys
from datetime import date
from pathlib import Path

import bench


def main() -> int:
    bench.setup_django()
    rows: list[bench.Row] = []
    # BENCH_ONLY=load,admin_lists runs just those modules (while working on one of them).
    only = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
    try:
        for module in sorted(pkgutil.iter_modules([str(Path(bench.__file__).parent)])):
            if module.name.startswith("_") or (only and module.name not in only):
                continue
            print(f"running {module.name}...", file=sys.stderr, flush=True)
            rows += importlib.import_module(f"bench.{module.name}").run()
    finally:
        bench.teardown_django()
    print_table(rows)
    return 0 if all(row.met is not False for row in rows) else 1


def print_table(rows: list["bench.Row"]) -> None:
    from django.db import connection

    header = ("area", "measure", "figure", "target", "met")
    table = [header] + [(r.area, r.measure, r.figure, r.target, r.verdict) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    # Other work on the machine slows every figure: its load average is printed beside them.
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(
        f"Benchmark {date.today().isoformat()} on {platform.node() or 'this machine'} "
        f"({platform.machine()}, {os.cpu_count()} cores, load average {load}; "
        f"Python {platform.python_version()}, {connection.vendor}, median of {bench.RUNS} runs)"
    )
    for index, line in enumerate(table):
        print("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)) + " |")
        if index == 0:
            print("|" + "|".join("-" * (width + 2) for width in widths) + "|")


if __name__ == "__main__":
    sys.exit(main())
