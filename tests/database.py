"""The whole database as rows, to show that a refused change changed nothing."""

from django.apps import apps

# What any request may change, whoever makes it: the session and its messages.
NOT_COMPARED = frozenset({"sessions.Session"})


def database_rows() -> dict[str, list[dict]]:
    """Every row of every table, by model."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.label not in NOT_COMPARED
    }
