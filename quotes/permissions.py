"""Who may read prices: every figure of a quote (its amounts, its landed cost in CHF, the
comparison sheet, the money on the start page, the calendar's landed totals) is shown only to
users who may view quote revisions."""

from __future__ import annotations

from typing import Any

READ_PRICES = "quotes.view_quoterevision"


def may_read_prices(user: Any) -> bool:
    return bool(user.is_active and user.has_perm(READ_PRICES))
