"""Sentences put together in code, in the reader's language (the formats of numbers and
dates stay in the pure `procurement.formats`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _


def clauses(texts: Iterable[str]) -> str:
    """Clauses one after the other, as the language separates them ("a; b", French "a ; b")."""
    first, *rest = list(texts) or [""]
    joined = first
    for text in rest:
        joined = _("%(first)s; %(then)s") % {"first": joined, "then": text}
    return joined
