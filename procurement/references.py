"""What refers to a record: the rows of other kinds that name it, counted by kind.

A vendor, a component or a build that quotes, orders, prices or checklists name is kept (and
marked discontinued or dropped instead): deleting it would take those records with it or
leave them pointing nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Reference:
    count: int
    kind: str  # the plural or singular name of the kind, as the count needs

    def __str__(self) -> str:
        return f"{self.count} {self.kind}"


def references_to(
    record: models.Model, *, own_parts: frozenset[str] = frozenset()
) -> list[Reference]:
    """Every kind of row that refers to `record` and how many; `own_parts` names the reverse
    relations that are part of the record itself (a build's lines), which go with it."""
    found = []
    for relation in record._meta.related_objects:
        if relation.hidden or relation.many_to_many or relation.get_accessor_name() in own_parts:
            continue  # history rows (hidden) follow their records; parts go with the record
        rows = relation.related_model._base_manager.filter(**{relation.field.name: record})
        count = rows.count()
        if count:
            meta = relation.related_model._meta
            kind = meta.verbose_name if count == 1 else meta.verbose_name_plural
            found.append(Reference(count, str(kind)))
    return found


def references_text(record: models.Model, references: list[Reference]) -> str:
    """`BIZON is named by 3 quotes, 2 price observations.`"""
    return _("%(record)s is named by %(references)s.") % {
        "record": record,
        "references": ", ".join(str(reference) for reference in references),
    }
