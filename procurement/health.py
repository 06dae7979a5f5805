"""Reachability of the database and the broker, for /healthz."""

import os

from django.db import connection
from kombu import Connection

from procurement.celery import app


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


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
