"""What receiving a part records: which parts carry a serial number, what is no serial number
at all, and which order lines are a whole system.

A GPU, a PSU and a whole system (the line of an integrator's quote that is the machine itself)
each carry a serial number on their label, and their warranty claims ask for it; a cable or a
fan does not. Receiving such a part takes one serial number per unit, or the buyer says that
the units came without one (they are then listed as missing on the acceptance checklist).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db.models import F, Q
from django.utils.translation import gettext as _

# Component categories whose units carry a serial number the warranty asks for.
SERIAL_CATEGORIES = frozenset({"gpu", "psu"})

# What tools and labels print where there is no serial number.
_PLACEHOLDERS = frozenset(
    {
        "n/a",
        "[n/a]",
        "na",
        "none",
        "null",
        "unknown",
        "[unknown]",
        "redacted",
        "[redacted]",
        "not available",
        "[not available]",
        "not supported",
        "[not supported]",
        "to be filled by o.e.m.",
        "default string",
        "-",
        "--",
        "?",
    }
)
_NO_DIGITS_BUT_ZEROS = re.compile(r"^0+$")
_MASKED = re.compile(r"^[x*#]{4,}$", re.IGNORECASE)


def is_placeholder_serial(value: str | None) -> bool:
    """True for text that stands where a serial number is missing: empty, N/A, REDACTED,
    Unknown, a row of zeros of any length (0000000000000), a mask (XXXXXXXX)."""
    text = " ".join((value or "").split()).lower()
    return (
        not text
        or text in _PLACEHOLDERS
        or bool(_NO_DIGITS_BUT_ZEROS.match(text))
        or bool(_MASKED.match(text))
    )


def whole_system_line() -> Q:
    """Order lines that are a whole system: no component and no build line of their own, on
    an order made from a quote that offers the order's build. Such a line brings every part
    of the build that no other line of the build's orders names (the quote prices them so)."""
    return Q(
        component__isnull=True,
        build_line__isnull=True,
        order__revision__quote__build=F("order__build"),
    )


def serials_problem(
    *,
    quantity: int,
    serial_numbers: Sequence[str],
    without_serials: bool,
    carries_serials: bool,
    part: str,
) -> str | None:
    """Why these serial numbers cannot be recorded for `quantity` units of `part`, in the
    buyer's words; None when they can (one per unit, or none where that is allowed)."""
    serials = [serial.strip() for serial in serial_numbers]
    given = [serial for serial in serials if serial]
    placeholders = sorted({serial for serial in given if is_placeholder_serial(serial)})
    if placeholders:
        return _(
            "%(serials)s is not a serial number. Give the one on the label, or say that the "
            "units came without serial numbers."
        ) % {"serials": ", ".join(placeholders)}
    if not given:
        if carries_serials and not without_serials:
            return _(
                "%(part)s carries a serial number: give one for each of the %(quantity)s "
                "unit(s) received, or say that they came without serial numbers (the "
                "acceptance checklist then lists them as missing)."
            ) % {"part": part, "quantity": quantity}
        return None
    if len(given) != quantity or len(serials) != len(given):
        return _(
            "Give one serial number for each of the %(quantity)s unit(s) received, or none "
            "for parts without serial numbers."
        ) % {"quantity": quantity}
    repeated = sorted({serial for serial in given if given.count(serial) > 1})
    if repeated:
        return _("Serial number %(serials)s is given twice.") % {"serials": ", ".join(repeated)}
    return None
