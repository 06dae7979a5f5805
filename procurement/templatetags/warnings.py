"""The warnings of a price (pricing's `warnings`: a code and a sentence each), as people see
them: a list, or an icon whose title holds the sentences. One renderer for the pages and
the admin's lists, where it runs once a row.

    {% load warnings %}{% warnings_list price.warnings %}
    {% warnings_list price.warnings compact=True %}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()

ICON = mark_safe("&#9888;")  # ⚠
NEW_LINE = mark_safe("&#10;")  # a line break inside the title


@register.simple_tag
def warnings_list(warnings: Sequence[Any] | None, compact: bool = False) -> SafeString:
    if not warnings:
        return mark_safe("")
    if compact:
        return format_html(
            '<span class="warnings-icon" role="img" aria-label="{}: {}" title="{}">{}</span>',
            gettext("Warnings"),
            " ".join(warning.message for warning in warnings),
            format_html_join(NEW_LINE, "{}", ((warning.message,) for warning in warnings)),
            ICON,
        )
    return format_html(
        '<ul class="warnings">{}</ul>',
        format_html_join(
            "",
            '<li class="warning" data-code="{}">{} {}</li>',
            ((warning.code, ICON, warning.message) for warning in warnings),
        ),
    )
