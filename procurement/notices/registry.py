"""The kinds of notice: each is one module in procurement/notices/kinds/ that registers a
`NoticeKind`; this module finds them (see the package's docstring for adding one)."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from procurement.notices.models import Notice
    from procurement.notices.rules import NoticeDraft


@dataclass
class Scan:
    """What a kind's scan found on a day: the notices due, and lines for the report."""

    drafts: list[NoticeDraft] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


class NoticeKind:
    """Who is told what and when, for one kind of e-mail.

    `name` is stored on every notice (never rename it); `label` is shown on the Notices page
    and in people's notification settings; `template` is the start of the three templates of
    the e-mail: `<template>_subject.txt`, `<template>.txt` and `<template>.html`.
    """

    name: ClassVar[str]
    label: ClassVar[Any]
    template: ClassVar[str]
    # The e-mail's text depends on who receives it (more than its language).
    personal: ClassVar[bool] = False

    def scan(self, today: date) -> Scan:
        """The notices due on `today` and not yet done: a day without a scan loses nothing."""
        raise NotImplementedError

    def contexts(self, notices: list[Notice], today: date) -> dict[int, dict[str, Any]]:
        """The template context of each notice, read when it is sent on `today`, in a few
        queries for all of them; a notice left out has nothing to say any more and is not
        sent."""
        raise NotImplementedError

    def step_label(self, step: str) -> str:
        return step

    def covers(self, earlier_step: str, step: str) -> bool:
        """A live notice at `earlier_step` makes one at `step` unnecessary."""
        return earlier_step == step


_KINDS: dict[str, NoticeKind] = {}
_loaded = False


def register(kind_class: type[NoticeKind]) -> type[NoticeKind]:
    """Class decorator: make a kind known to the outbox."""
    if kind_class.name in _KINDS and type(_KINDS[kind_class.name]) is not kind_class:
        raise ValueError(f"Two kinds of notice are named {kind_class.name!r}.")
    _KINDS[kind_class.name] = kind_class()
    return kind_class


def kinds() -> dict[str, NoticeKind]:
    """Every registered kind by name, in the order of their modules."""
    global _loaded
    if not _loaded:
        from procurement.notices import kinds as package

        for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            importlib.import_module(f"{package.__name__}.{module.name}")
        _loaded = True
    return _KINDS


def kind_named(name: str) -> NoticeKind | None:
    return kinds().get(name)


def kind_choices() -> list[tuple[str, Any]]:
    return [(name, kind.label) for name, kind in kinds().items()]
