"""Reachability of the database and the broker, for /healthz, answered within a deadline
however either of them hangs."""

import os
import threading
import time
from collections.abc import Callable

from django.db import connection
from kombu import Connection

from procurement.celery import app

# /healthz answers within this many seconds: a check that has not finished by then failed.
DEADLINE_SECONDS = 4.0


def checks_within(
    checks: dict[str, Callable[[], bool]], deadline: float = DEADLINE_SECONDS
) -> dict[str, bool]:
    """Run the checks side by side; one still running at the deadline counts as failed.

    Each runs in a thread of its own that is left to end by its own timeouts (the database's
    connect timeout, the broker's socket timeouts), so a hanging service cannot hold the
    request.
    """
    results: dict[str, bool] = {}

    def run(name: str, check: Callable[[], bool]) -> None:
        results[name] = check()

    threads = [
        threading.Thread(target=run, args=(name, check), daemon=True, name=f"healthz-{name}")
        for name, check in checks.items()
    ]
    for thread in threads:
        thread.start()
    ends_at = time.monotonic() + deadline
    for thread in threads:
        thread.join(max(0.0, ends_at - time.monotonic()))
    return {name: results.get(name, False) for name in checks}


def database_ok() -> bool:
    """One round trip on a connection of this thread's own, closed afterwards."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False
    finally:
        connection.close()


def broker_ok(timeout: float = 3.0) -> bool:
    """Connect to the broker and make one round trip (Redis connects lazily otherwise)."""
    options = app.conf.broker_transport_options or {}
    try:
        with Connection(
            app.conf.broker_url, transport_options=options, connect_timeout=timeout
        ) as broker:
            broker.ensure_connection(max_retries=0, timeout=timeout)
            if broker.transport.driver_type == "filesystem":
                return _folders_writable(
                    options.get("data_folder_in"), options.get("data_folder_out")
                )
            client = getattr(broker.default_channel, "client", None)
            if client is not None and hasattr(client, "ping"):
                client.ping()
        return True
    except Exception:
        return False


def _folders_writable(*folders: str | None) -> bool:
    return all(
        folder and os.path.isdir(folder) and os.access(folder, os.W_OK) for folder in folders
    )
