"""Reachability of the database and the broker, for /healthz."""

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
    try:
        with Connection(
            app.conf.broker_url,
            transport_options=app.conf.broker_transport_options,
            connect_timeout=timeout,
        ) as broker:
            broker.ensure_connection(max_retries=0, timeout=timeout)
            if broker.transport_cls == "filesystem" or broker.transport.driver_type == "filesystem":
                return _filesystem_folders_writable(app.conf.broker_transport_options)
        return True
    except Exception:
        return False


def _filesystem_folders_writable(options: dict[str, str]) -> bool:
    import os

    folders = [options.get("data_folder_in"), options.get("data_folder_out")]
    return all(
        folder and os.path.isdir(folder) and os.access(folder, os.W_OK) for folder in folders
    )
