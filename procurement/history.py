"""Who acted, as the history of records tells it.

Every service runs on behalf of a person (`user`): the history rows it writes name that
person, in the admin as in a management command or a task, where there is no request. A
history row keeps the name of its person as it was at the time, and a deleted user account
leaves its name behind, so that history never says "Deleted user".
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from simple_history.models import DeletedObject, HistoricalRecords
from simple_history.template_utils import HistoricalRecordContextHelper

_acting_user: ContextVar[Any] = ContextVar("acting_user", default=None)

Service = TypeVar("Service", bound=Callable[..., Any])


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """History rows written inside name `user` as the person who acted."""
    token = _acting_user.set(user)
    try:
        yield
    finally:
        _acting_user.reset(token)


def acting(service: Service) -> Service:
    """A service whose keyword `user` is the person behind every history row it writes."""

    @functools.wraps(service)
    def run(*args: Any, **kwargs: Any) -> Any:
        with acting_as(kwargs.get("user")):
            return service(*args, **kwargs)

    return run  # type: ignore[return-value]


def history_user(instance: Any = None, request: Any = None, **kwargs: Any) -> Any:
    """simple-history's `get_user`: the acting user of the service under way, else the
    logged-in user of the request."""
    user = _acting_user.get()
    if user is not None:
        return user
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class KeptUserName(models.Model):
    """What every history row keeps besides the link to its user: the name at the time."""

    history_user_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="The user name of the person who acted, kept if the account is deleted.",
    )

    class Meta:
        abstract = True


def audit_trail(**options: Any) -> HistoricalRecords:
    """The history of a model, naming the person who acted on every row."""
    return HistoricalRecords(bases=[KeptUserName], get_user=history_user, **options)


def keep_user_name(sender: Any, *, history_instance: Any, history_user: Any, **kwargs: Any):
    """pre_create_historical_record: the row keeps its person's name."""
    if history_user is not None and hasattr(history_instance, "history_user_name"):
        history_instance.history_user_name = history_user.get_username()


class FormerUser(models.Model):
    """A user account that was deleted: its name, for the records that still point at it."""

    user_id = models.PositiveIntegerField(unique=True)
    username = models.CharField(max_length=150)
    full_name = models.CharField(max_length=300, blank=True)
    deleted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "procurement"
        ordering = ["username"]
        verbose_name = "former user"

    def __str__(self) -> str:
        return self.username


def keep_former_user(sender: Any, *, instance: Any, **kwargs: Any) -> None:
    """pre_delete of a user: its name stays behind for history and records."""
    FormerUser.objects.update_or_create(
        user_id=instance.pk,
        defaults={"username": instance.get_username(), "full_name": instance.get_full_name()},
    )


def history_person(record: Any) -> str:
    """The person who made a history row: the user, else the name kept with the row."""
    if record.history_user_id is not None:
        return str(record.history_user)
    return record.history_user_name


def _user_named(pk: Any) -> str:
    former = FormerUser.objects.filter(user_id=pk).first()
    if former is not None:
        return former.username
    return _("a user deleted before names were kept")


class NamedHistoryHelper(HistoricalRecordContextHelper):
    """Changes between history rows as people read them: an empty field stays empty (not
    "Deleted user (pk=None)") and a user since deleted is named."""

    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, DeletedObject):
            if value.pk is None:
                return ""
            if value.model._meta.label == settings.AUTH_USER_MODEL:
                return _user_named(value.pk)
        return super().prepare_delta_change_value(change, value)
