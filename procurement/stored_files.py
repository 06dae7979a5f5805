"""A stored file goes with what it belongs to: a vendor's PDF replaced or removed from a draft,
a revision or an evidence row deleted, removes the file from storage, once the change is
committed (a change rolled back keeps its file).

Deleted rows are caught by a post_delete receiver because a row can go by a cascade from any
page or command; a replaced file is removed by the service that replaces it."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import Storage
from django.db import transaction


def remove_after_commit(storage: Storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def file_field_remover(field_name: str):
    """A post_delete receiver removing the deleted row's file in `field_name`."""

    def remove(sender: Any, instance: Any, **kwargs: Any) -> None:
        stored = getattr(instance, field_name)
        remove_after_commit(stored.storage, stored.name)

    return remove
