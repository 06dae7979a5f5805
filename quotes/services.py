"""Writes on quotes and their revisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from djmoney.money import Money

from procurement import build_flow
from procurement.bounds import MAX_STORED_CHF
from procurement.build_services import build_follow
from procurement.formats import chf, swiss_date
from procurement.history import acting, history_person
from procurement.models import Build, BuildLine, Component
from procurement.permissions import require
from procurement.stored_files import remove_after_commit
from quotes import ecb
from quotes.documents import check_pdf
from quotes.models import ExchangeRate, Quote, QuoteLine, QuoteRevision
from quotes.pricing.engine import CHF, LandedCostError
from quotes.pricing.presenter import breakdown_record
from quotes.pricing.reads import compute_landed_cost, revisions_for_pricing
from quotes.pricing.rules import RuleBook
from quotes.pricing.warnings import STALE_RATE, RateUsed, stale_rate
from quotes.quote_file import (
    RATE_GIVEN_WITH_QUOTE,
    FileLine,
    QuoteFile,
    ResolvedQuoteFile,
    resolve_quote_file,
)
from quotes.requests.services import quote_requests_answered_by

NUMBERING_ATTEMPTS = 5
DRAFT = QuoteRevision.Status.DRAFT
RECEIVED = QuoteRevision.Status.RECEIVED
ACCEPTED = QuoteRevision.Status.ACCEPTED
DECIDE_PERMISSION = "quotes.decide_quoterevision"
ADD_QUOTE = "quotes.add_quote"
CHANGE_QUOTE = "quotes.change_quote"
ADD_REVISION = "quotes.add_quoterevision"
CHANGE_REVISION = "quotes.change_quoterevision"
ADD_LINE = "quotes.add_quoteline"
CHANGE_LINE = "quotes.change_quoteline"
DELETE_LINE = "quotes.delete_quoteline"
# The terms of a draft a buyer may change; number, status and the figures are the services'.
EDITABLE_TERMS = frozenset(
    {
        "issued_on",
        "valid_until",
        "currency",
        "prices_include_vat",
        "foreign_vat",
        "ship_from",
        "carrier",
        "shipping",
        "warranty_years",
        "fx_rate",
        "note",
    }
)
LINE_FIELDS = frozenset(
    {"position", "component", "build_line", "description", "quantity", "unit_price"}
)


@dataclass(frozen=True)
class LineData:
    description: str
    quantity: int
    unit_price: Decimal
    component: Component | None = None
    build_line: BuildLine | None = None


def _next_number(quote: Quote) -> int:
    # The quote row is locked (PostgreSQL) so concurrent creators queue here; SQLite
    # serialises writers and the unique constraint plus a retry covers the rest.
    Quote.objects.select_for_update().filter(pk=quote.pk).exists()
    highest = quote.revisions.aggregate(highest=Max("number"))["highest"]
    return (highest or 0) + 1


@acting
def quote_revision_create(
    *,
    quote: Quote,
    user: User,
    issued_on: date,
    valid_until: date,
    currency: str,
    lines: Sequence[LineData],
    number: int | None = None,
    status: str = QuoteRevision.Status.DRAFT,
    allow_stale_rate: bool = False,
    **terms: Any,
) -> QuoteRevision:
    """A new revision with its lines; numbered next unless `number` is given.

    `terms` are the revision's other fields (prices_include_vat, ship_from, carrier,
    shipping as a Decimal in `currency`, warranty_years, fx_rate, foreign_vat, note).
    With `status` received (a vendor sent it) it is received at once, which supersedes the
    quote's earlier received revision. A draft keeps provisional landed figures when they
    can be computed yet, and none otherwise.
    """
    require(user, ADD_REVISION, _("enter quote revisions"))
    if status == RECEIVED:
        require(user, CHANGE_REVISION, _("receive quote revisions"))
    if not lines:
        raise ValidationError({"lines": "A revision needs at least one line."})
    if status not in (DRAFT, RECEIVED):
        raise ValidationError(
            {"status": "A new revision is a draft, or received when the vendor sent it."}
        )
    shipping = Money(terms.pop("shipping", Decimal("0.00")), currency)
    foreign_vat = terms.pop("foreign_vat", None)
    for attempt in range(NUMBERING_ATTEMPTS):
        try:
            with transaction.atomic():
                revision = QuoteRevision(
                    quote=quote,
                    number=number or _next_number(quote),
                    issued_on=issued_on,
                    valid_until=valid_until,
                    currency=currency,
                    shipping=shipping,
                    foreign_vat=Money(foreign_vat, currency) if foreign_vat is not None else None,
                    status=QuoteRevision.Status.DRAFT,
                    **terms,
                )
                revision.full_clean()
                revision.save()
                for position, line in enumerate(lines, start=1):
                    quote_line = QuoteLine(
                        revision=revision,
                        position=position,
                        description=line.description,
                        quantity=line.quantity,
                        unit_price=Money(line.unit_price, currency),
                        component=line.component,
                        build_line=line.build_line,
                    )
                    quote_line.full_clean(exclude=["revision"])
                    quote_line.save()
                if status == RECEIVED:
                    return quote_revision_receive(
                        revision=revision, user=user, allow_stale_rate=allow_stale_rate
                    )
                return _store_draft_landed_cost(revision)
        except IntegrityError:
            if number is not None:
                raise ValidationError(
                    {
                        "revision": _("Revision number %(number)s is already used for this quote.")
                        % {"number": number}
                    }
                ) from None
            if attempt == NUMBERING_ATTEMPTS - 1:
                raise ValidationError(
                    {
                        "revision": "Another revision of this quote was being numbered at the same "
                        "time; try again."
                    }
                ) from None
    raise AssertionError("unreachable")


def _store_draft_landed_cost(revision: QuoteRevision) -> QuoteRevision:
    """A draft's figures are provisional: one that cannot be computed yet stays empty."""
    try:
        with transaction.atomic():
            _store_landed_cost(revision)
    except ValidationError:
        return revision
    revision.refresh_from_db()
    return revision


# A revision's state in the middle of a sentence ("revision 2 of Q-1 is accepted"): German
# says "ein Entwurf", not the capitalised status label lowered.
STATE_IN_SENTENCE = {
    QuoteRevision.Status.DRAFT: pgettext_lazy("a revision is ...", "draft"),
    QuoteRevision.Status.RECEIVED: pgettext_lazy("a revision is ...", "received"),
    QuoteRevision.Status.ACCEPTED: pgettext_lazy("a revision is ...", "accepted"),
    QuoteRevision.Status.REJECTED: pgettext_lazy("a revision is ...", "rejected"),
    QuoteRevision.Status.EXPIRED: pgettext_lazy("a revision is ...", "expired"),
    QuoteRevision.Status.SUPERSEDED: pgettext_lazy("a revision is ...", "superseded"),
}


def _label(revision: QuoteRevision) -> str:
    """The revision named at the start of a sentence."""
    return _("Revision %(number)s of %(reference)s") % {
        "number": revision.number,
        "reference": revision.quote.reference,
    }


def _state(revision: QuoteRevision) -> str:
    return str(STATE_IN_SENTENCE[QuoteRevision.Status(revision.status)])


def _locked(revision: QuoteRevision) -> QuoteRevision:
    """The revision as stored, its row locked until the transaction ends (PostgreSQL)."""
    return (
        QuoteRevision.objects.select_for_update(of=("self",))
        .select_related("quote")
        .get(pk=revision.pk)
    )


def _lock_quote(quote_id: int) -> Quote:
    """Changes to the revisions of one quote queue here (PostgreSQL; SQLite has one writer)."""
    return Quote.objects.select_for_update().get(pk=quote_id)


def _require_draft(revision: QuoteRevision) -> None:
    if revision.status != DRAFT:
        raise ValidationError(
            _(
                "%(label)s is %(lower)s and can no longer be "
                "changed: a received revision is kept as the vendor sent it. Make a new revision "
                "for the change."
            )
            % {"label": _label(revision), "lower": _state(revision)}
        )


def _draft_for_edit(revision_id: int) -> QuoteRevision:
    revision = (
        QuoteRevision.objects.select_for_update(of=("self",))
        .select_related("quote")
        .get(pk=revision_id)
    )
    _require_draft(revision)
    return revision


def _check_line_currencies(revision: QuoteRevision) -> None:
    for line in revision.lines.all():
        if str(line.unit_price.currency) != revision.currency:
            raise ValidationError(
                _(
                    "Line %(position)s (%(description)s) is priced in %(currency)s but "
                    "revision %(number)s of %(reference)s is in %(currency2)s; enter its "
                    "price in %(currency2)s."
                )
                % {
                    "position": line.position,
                    "description": line.description,
                    "currency": line.unit_price.currency,
                    "number": revision.number,
                    "reference": revision.quote.reference,
                    "currency2": revision.currency,
                }
            )


@acting
@transaction.atomic
def quote_revision_receive(
    *, revision: QuoteRevision, user: User, allow_stale_rate: bool = False
) -> QuoteRevision:
    """A vendor sent this revision: from now on it is kept as it came.

    Its landed cost is computed and frozen, the quote's earlier received revision (if any)
    becomes superseded, and the requests for quotation to its vendor for its build that
    await an answer are answered by it. A stored rate older than `FX_STALE_DAYS` before the
    issue date is refused (code `stale_rate`, naming `fx_rate`) unless `allow_stale_rate`:
    the buyer enters the rate of the quote or updates the rates first, or confirms; the
    warning stays on the revision either way.
    """
    require(user, CHANGE_REVISION, _("receive quote revisions"))
    quote = _lock_quote(revision.quote_id)
    revision = _locked(revision)
    if revision.status != DRAFT:
        raise ValidationError(
            _("Only a draft can be received; revision %(number)s is %(status)s.")
            % {"number": revision.number, "status": revision.status}
        )
    later = (
        quote.revisions.filter(number__gt=revision.number).exclude(status=DRAFT).order_by("number")
    ).first()
    if later is not None:
        raise ValidationError(
            _(
                "Revision %(number)s of %(reference)s was already received; this older "
                "draft (revision %(number2)s) can no longer be received."
            )
            % {"number": later.number, "reference": quote.reference, "number2": revision.number}
        )
    if not revision.lines.exists():
        raise ValidationError(
            _("%(label)s has no lines; a revision needs at least one.")
            % {"label": _label(revision)}
        )
    _check_line_currencies(revision)
    _store_landed_cost(revision, keep_rate=True)
    revision.refresh_from_db()
    if not allow_stale_rate:
        _refuse_stale_rate(revision)
    for earlier in quote.revisions.filter(status=RECEIVED, number__lt=revision.number):
        earlier.status = QuoteRevision.Status.SUPERSEDED
        earlier.save(update_fields=["status", "updated_at"])
    revision.status = RECEIVED
    revision.received_at = timezone.now()
    revision.version += 1  # an editor who loaded the draft is told it was received meanwhile
    revision.full_clean()
    revision.save(update_fields=["status", "received_at", "version", "updated_at"])
    quote_requests_answered_by(revision=revision, user=user)
    return revision


def _refuse_stale_rate(revision: QuoteRevision) -> None:
    """The rate just kept with the revision is stale: say so, naming the field."""
    rate = RateUsed(revision.currency, revision.fx_rate_date, revision.fx_rate_source)
    stale = stale_rate(rate, issued_on=revision.issued_on, stale_days=settings.FX_STALE_DAYS)
    if stale is not None:
        raise ValidationError({"fx_rate": ValidationError(stale.message, code=STALE_RATE)})


@acting
@transaction.atomic
def quote_revision_refresh_landed_cost(
    *, revision: QuoteRevision, user: User, book: RuleBook | None = None
) -> QuoteRevision:
    """Compute and store the landed figures of a draft; the rate used is kept with it.

    A received revision's figures were frozen on receipt and are never computed again.
    """
    require(user, CHANGE_REVISION, _("change quote revisions"))
    current = _locked(revision)
    if current.status != DRAFT:
        raise ValidationError(
            _(
                "%(label)s is %(lower)s: its landed cost is "
                "kept as it was computed when the revision was received."
            )
            % {"label": _label(current), "lower": _state(current)}
        )
    return _store_landed_cost(current, book)


def _store_landed_cost(
    revision: QuoteRevision, book: RuleBook | None = None, *, keep_rate: bool = False
) -> QuoteRevision:
    """Compute and store a revision's landed figures and the breakdown that made them.

    Once received (or with `keep_rate`, as it is being received) the exchange rate used is
    kept with the revision, so that later rate changes never change its figures; a draft
    without a rate of its own follows the stored rates until then.
    """
    revision = revisions_for_pricing().get(pk=revision.pk)
    try:
        result = compute_landed_cost(revision, book)
    except LandedCostError as error:
        raise ValidationError(
            _("The landed cost cannot be computed: %(error)s.") % {"error": error}
        ) from error
    if max(result.total_chf, result.net_chf) > MAX_STORED_CHF:
        raise ValidationError(
            _(
                "%(label)s would land at more than %(maximum)s, more than the desk keeps; "
                "check the quantities, unit prices and exchange rate."
            )
            % {"label": _label(revision), "maximum": chf(MAX_STORED_CHF)}
        )
    keep_rate = keep_rate or revision.status != DRAFT
    if revision.currency != CHF and keep_rate:
        fx = result.rules.fx
        revision.fx_rate = fx.chf_per_unit
        revision.fx_rate_date = fx.rate_date
        revision.fx_rate_source = fx.source[:60]
    revision.landed_total_chf = result.total_chf
    revision.landed_net_chf = result.net_chf
    revision.landed_breakdown = breakdown_record(result)
    revision.save(
        update_fields=[
            "fx_rate",
            "fx_rate_date",
            "fx_rate_source",
            "landed_total_chf",
            "landed_net_chf",
            "landed_breakdown",
            "updated_at",
        ]
    )
    return revision


@acting
@transaction.atomic
def quote_revision_new_from_latest(*, quote: Quote, user: User) -> QuoteRevision:
    """A draft copy of the quote's latest revision (terms and lines), numbered next."""
    require(user, ADD_REVISION, _("enter quote revisions"))
    _lock_quote(quote.pk)
    latest = revisions_for_pricing().filter(quote=quote).order_by("-number").first()
    if latest is None:
        raise ValidationError(
            _("%(reference)s has no revision to copy; enter its first one.")
            % {"reference": quote.reference}
        )
    if latest.status == DRAFT:
        raise ValidationError(
            _(
                "%(label)s is still a draft; change it, or receive it before making "
                "another revision."
            )
            % {"label": _label(latest)}
        )
    lines = [
        LineData(
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price.amount,
            component=line.component,
            build_line=line.build_line,
        )
        for line in latest.lines.all()
    ]
    return quote_revision_create(
        quote=quote,
        user=user,
        issued_on=latest.issued_on,
        valid_until=latest.valid_until,
        currency=latest.currency,
        lines=lines,
        prices_include_vat=latest.prices_include_vat,
        ship_from=latest.ship_from,
        carrier=latest.carrier,
        shipping=latest.shipping.amount,
        warranty_years=latest.warranty_years,
        fx_rate=latest.fx_rate,
        fx_rate_date=latest.fx_rate_date,
        fx_rate_source=latest.fx_rate_source,
        foreign_vat=latest.foreign_vat.amount if latest.foreign_vat is not None else None,
        note=latest.note,
    )


def _claim_draft(revision: QuoteRevision, expected_version: int) -> QuoteRevision:
    """Bump the version of a draft still at `expected_version`, or say why not."""
    claimed = QuoteRevision.objects.filter(
        pk=revision.pk, status=DRAFT, version=expected_version
    ).update(version=expected_version + 1)
    current = _locked(revision)
    if claimed:
        return current
    _require_draft(current)
    last = current.history.select_related("history_user").first()
    person = history_person(last) if last is not None else ""
    when = timezone.localtime(current.updated_at).strftime("%d.%m.%Y %H:%M")
    if person:
        changed = _(
            "%(label)s was changed by %(person)s at %(when)s while you were editing it, so "
            "your changes were not saved. Reload the revision and make them again."
        )
    else:
        changed = _(
            "%(label)s was changed at %(when)s while you were editing it, so your changes "
            "were not saved. Reload the revision and make them again."
        )
    raise ValidationError(
        changed % {"label": _label(current), "person": person, "when": when}, code="stale"
    )


@acting
@transaction.atomic
def quote_revision_update(
    *, revision: QuoteRevision, user: User, expected_version: int, **terms: Any
) -> QuoteRevision:
    """Change the terms of a draft last seen at `expected_version`.

    The save of someone who loaded an older version is refused instead of overwriting the
    other person's changes. `shipping` and `foreign_vat` are amounts in the currency.
    """
    require(user, CHANGE_REVISION, _("change quote revisions"))
    unknown = set(terms) - EDITABLE_TERMS
    if unknown:
        raise TypeError(f"not terms of a revision: {', '.join(sorted(unknown))}")
    current = _claim_draft(revision, expected_version)
    old_currency, old_fx_rate = current.currency, current.fx_rate
    for name in EDITABLE_TERMS - {"shipping", "foreign_vat"}:
        if name in terms:
            setattr(current, name, terms[name])
    currency = current.currency
    shipping = terms.get("shipping", current.shipping.amount)
    current.shipping = Money(shipping, currency)
    foreign_vat = terms.get(
        "foreign_vat", current.foreign_vat.amount if current.foreign_vat is not None else None
    )
    current.foreign_vat = Money(foreign_vat, currency) if foreign_vat is not None else None
    if currency != old_currency and "fx_rate" not in terms:
        current.fx_rate = None
    if currency != old_currency or current.fx_rate != old_fx_rate:
        current.fx_rate_date, current.fx_rate_source = None, ""
    current.full_clean()
    current.save()
    return current


@acting
@transaction.atomic
def quote_line_add(
    *, revision: QuoteRevision, user: User, line: LineData, position: int | None = None
) -> QuoteLine:
    require(user, ADD_LINE, _("add lines to quote revisions"))
    draft = _draft_for_edit(revision.pk)
    if position is None:
        highest = draft.lines.aggregate(highest=Max("position"))["highest"]
        position = (highest or 0) + 1
    quote_line = QuoteLine(
        revision=draft,
        position=position,
        description=line.description,
        quantity=line.quantity,
        unit_price=Money(line.unit_price, draft.currency),
        component=line.component,
        build_line=line.build_line,
    )
    quote_line.full_clean(exclude=["revision"])
    quote_line.save()
    return quote_line


@acting
@transaction.atomic
def quote_line_update(*, line: QuoteLine, user: User, **changes: Any) -> QuoteLine:
    """Change a line of a draft; `unit_price` is an amount in the revision's currency."""
    require(user, CHANGE_LINE, _("change lines of quote revisions"))
    unknown = set(changes) - LINE_FIELDS
    if unknown:
        raise TypeError(f"not fields of a quote line: {', '.join(sorted(unknown))}")
    draft = _draft_for_edit(line.revision_id)
    current = QuoteLine.objects.get(pk=line.pk)
    for name, value in changes.items():
        if name == "unit_price":
            value = Money(value, draft.currency)
        setattr(current, name, value)
    current.full_clean(exclude=["revision"])
    current.save()
    return current


@acting
@transaction.atomic
def quote_line_delete(*, line: QuoteLine, user: User) -> None:
    require(user, DELETE_LINE, _("delete lines of quote revisions"))
    draft = _draft_for_edit(line.revision_id)
    if not draft.lines.exclude(pk=line.pk).exists():
        raise ValidationError(_("A revision needs at least one line; this is its last one."))
    QuoteLine.objects.filter(pk=line.pk).get().delete()


@acting
@transaction.atomic
def quote_revision_attach(
    *, revision: QuoteRevision, user: User, document: File[Any] | None
) -> QuoteRevision:
    """Keep the vendor's PDF with a revision (None removes it from a draft).

    A received revision without a document may get one; one it has is never replaced.
    """
    require(user, CHANGE_REVISION, _("attach vendors' documents to quote revisions"))
    current = _locked(revision)
    previous = current.attachment.name
    if current.status != DRAFT and (current.attachment or document is None):
        raise ValidationError(
            _(
                "%(label)s is %(lower)s; the vendor's "
                "document it was received with is kept as it came."
            )
            % {"label": _label(current), "lower": _state(current)}
        )
    if document is None:
        current.attachment = ""
    else:
        check_pdf(document)
        current.attachment.save("vendor-quote.pdf", document, save=False)
    current.save(update_fields=["attachment", "updated_at"])
    if previous != current.attachment.name:
        remove_after_commit(current.attachment.storage, previous)
    return current


def _require_acceptable(revision: QuoteRevision) -> None:
    label = _label(revision)
    valid_until = f"{revision.valid_until:%d.%m.%Y}"
    refusals: dict[str, str] = {
        QuoteRevision.Status.DRAFT: _(
            "%(label)s is a draft; receive it from the vendor before accepting it."
        ),
        QuoteRevision.Status.SUPERSEDED: _(
            "%(label)s was superseded by a later revision; accept the latest revision instead."
        ),
        QuoteRevision.Status.EXPIRED: _(
            "%(label)s expired (it was valid until %(valid_until)s); ask the vendor for a new "
            "revision."
        ),
        QuoteRevision.Status.REJECTED: _("%(label)s was rejected and cannot be accepted."),
        QuoteRevision.Status.ACCEPTED: _("%(label)s is already accepted."),
    }
    if revision.status in refusals:
        raise ValidationError(
            refusals[revision.status] % {"label": label, "valid_until": valid_until},
            code=revision.status,
        )
    if revision.valid_until < timezone.localdate():
        raise ValidationError(
            _(
                "%(label)s was valid until %(valid_until)s and can no longer be accepted; ask the "
                "vendor for a new revision."
            )
            % {"label": label, "valid_until": valid_until},
            code="expired",
        )
    if revision.quote.is_estimate:
        raise ValidationError(
            _(
                "%(reference)s is an estimate from published prices, not an offer; "
                "ask the vendor for a quote before accepting."
            )
            % {"reference": revision.quote.reference},
            code="estimate",
        )


def _choose_build(build: Build | None, user: User) -> None:
    move = build_flow.move_after_quote_accepted(build.status) if build is not None else None
    if build is not None and move is not None:
        build_follow(build=build, move=move, user=user)


@acting
@transaction.atomic
def quote_revision_accept(*, revision: QuoteRevision, user: User) -> QuoteRevision:
    """An Approver commits to this revision: who and when are kept, its figures stay frozen,
    and the build it offers becomes chosen. An earlier accepted revision of the same quote
    is superseded by this one."""
    require(user, DECIDE_PERMISSION, _("accept quote revisions"))
    quote = _lock_quote(revision.quote_id)
    current = _locked(revision)
    _require_acceptable(current)
    if current.landed_total_chf is None:
        # Loaded without the services (a fixture): the figures are computed once, now.
        current = _store_landed_cost(current)
    for earlier in quote.revisions.filter(status=ACCEPTED):
        earlier.status = QuoteRevision.Status.SUPERSEDED
        earlier.save(update_fields=["status", "updated_at"])
    current.status = ACCEPTED
    current.accepted_at = timezone.now()
    current.accepted_by = user
    current.full_clean()
    current.save(update_fields=["status", "accepted_at", "accepted_by", "updated_at"])
    _choose_build(quote.build, user)
    return current


@acting
@transaction.atomic
def quote_revision_record_payment(
    *, revision: QuoteRevision, user: User, paid_on: date
) -> QuoteRevision:
    """The vendor of an accepted revision was paid on `paid_on`: its money no longer moves
    with the exchange rate, so pricing stops warning of drift."""
    require(user, CHANGE_REVISION, _("record payments"))
    current = _locked(revision)
    if current.status != ACCEPTED:
        raise ValidationError(
            _(
                "Only an accepted revision is paid; revision %(number)s of %(reference)s is "
                "%(status)s."
            )
            % {
                "number": current.number,
                "reference": current.quote.reference,
                "status": _state(current),
            }
        )
    accepted_on = timezone.localdate(current.accepted_at)
    if not accepted_on <= paid_on <= timezone.localdate():
        raise ValidationError(
            {
                "paid_on": _(
                    "A payment is dated from %(accepted)s, the day of acceptance, to today."
                )
                % {"accepted": swiss_date(accepted_on)}
            }
        )
    current.paid_on = paid_on
    current.full_clean()
    current.save(update_fields=["paid_on", "updated_at"])
    return current


@acting
@transaction.atomic
def quote_revision_reject(*, revision: QuoteRevision, user: User, reason: str) -> QuoteRevision:
    """An Approver turns this revision down, saying why."""
    require(user, DECIDE_PERMISSION, _("reject quote revisions"))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the revision is rejected.")})
    current = _locked(revision)
    if current.status != RECEIVED:
        raise ValidationError(
            _(
                "Only a received revision can be rejected; revision %(number)s of "
                "%(reference)s is %(status)s."
            )
            % {
                "number": current.number,
                "reference": current.quote.reference,
                "status": _state(current),
            }
        )
    current.status = QuoteRevision.Status.REJECTED
    current.rejected_at = timezone.now()
    current.rejected_by = user
    current.rejection_reason = reason
    current.full_clean()
    current.save(
        update_fields=["status", "rejected_at", "rejected_by", "rejection_reason", "updated_at"]
    )
    return current


@transaction.atomic
def quote_revision_expire(*, revision: QuoteRevision, today: date | None = None) -> QuoteRevision:
    """The revision's validity has passed: it is marked expired and can no longer be accepted.

    `today` (Europe/Zurich) defaults to the current date; a revision valid until a date is
    still valid on that date.
    """
    today = today or timezone.localdate()
    revision = QuoteRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.status != QuoteRevision.Status.RECEIVED:
        raise ValidationError(
            _("Only a received revision can expire; revision %(number)s is %(lower)s.")
            % {"number": revision.number, "lower": _state(revision)}
        )
    if revision.valid_until >= today:
        raise ValidationError(
            _("Revision %(number)s is valid until %(valid_until)s; it cannot expire before then.")
            % {"number": revision.number, "valid_until": f"{revision.valid_until:%d.%m.%Y}"}
        )
    revision.status = QuoteRevision.Status.EXPIRED
    # The reminder scan expires revisions by the hundred: the fields are checked here, the
    # unique and check constraints (a query each) by the database on save.
    revision.full_clean(validate_unique=False, validate_constraints=False)
    revision.save(update_fields=["status", "updated_at"])
    return revision


@acting
@transaction.atomic
def quote_import(
    *, quote_file: QuoteFile, user: User, allow_stale_rate: bool = False
) -> QuoteRevision:
    """One revision from a quote file, all or nothing; a new quote for a new reference.

    A file for an existing reference adds a revision to that quote, sets its owner and
    adds its watchers. Raises ValidationError naming the field when the file is wrong, and
    when a received revision would be priced at a stale stored rate (unless
    `allow_stale_rate`).
    """
    resolved = resolve_quote_file(quote_file)
    if resolved.quote is None:
        require(user, ADD_QUOTE, _("enter quotes"))
    else:
        require(user, CHANGE_QUOTE, _("change quotes"))
    quote = _quote_for_file(resolved)
    file = resolved.file
    terms: dict[str, Any] = {}
    if file.fx_rate is not None:
        terms.update(
            fx_rate=file.fx_rate, fx_rate_date=file.issued, fx_rate_source=RATE_GIVEN_WITH_QUOTE
        )
    return quote_revision_create(
        quote=quote,
        user=user,
        issued_on=file.issued,
        valid_until=file.valid_until,
        currency=file.currency,
        lines=[_line_data(resolved, line) for line in file.lines],
        number=file.revision,
        status=file.status,
        allow_stale_rate=allow_stale_rate,
        prices_include_vat=file.prices_include_vat,
        ship_from=resolved.ship_from,
        carrier=resolved.carrier,
        shipping=file.shipping,
        warranty_years=file.warranty_years,
        foreign_vat=file.foreign_vat,
        note=file.note,
        **terms,
    )


def _quote_for_file(resolved: ResolvedQuoteFile) -> Quote:
    quote = resolved.quote or Quote(vendor=resolved.vendor, reference=resolved.file.reference)
    quote.build = resolved.build
    if resolved.owner is not None:
        quote.owner = resolved.owner
    if resolved.file.estimate is not None:
        quote.is_estimate = resolved.file.estimate
    quote.full_clean()
    try:
        with transaction.atomic():
            quote.save()
    except IntegrityError:
        raise ValidationError(
            {"reference": f"{quote.reference} was created meanwhile; import the file again."}
        ) from None
    if resolved.watchers:
        quote.watchers.add(*resolved.watchers)
    return quote


def _line_data(resolved: ResolvedQuoteFile, line: FileLine) -> LineData:
    component = resolved.components.get(line.component) if line.component else None
    return LineData(
        description=line.description or str(component),
        quantity=line.quantity,
        unit_price=line.unit_price,
        component=component,
        build_line=resolved.build_lines.get(component.pk) if component else None,
    )


@transaction.atomic
def exchange_rates_record(*, daily: ecb.DailyRates) -> list[ExchangeRate]:
    """The ECB's rates of one day into the rate table, crossed to CHF.

    A rate entered by hand (or from the seed) for the same currency and day is left as it
    is; an ECB rate of that day is brought up to date. Returns the rows written.
    """
    written = []
    for currency, chf_per_unit in daily.chf_per_unit(settings.CURRENCIES).items():
        rate = ExchangeRate.objects.filter(currency=currency, rate_date=daily.rate_date).first()
        if rate is not None and rate.source != ExchangeRate.Source.ECB:
            continue
        rate = rate or ExchangeRate(currency=currency, rate_date=daily.rate_date)
        rate.chf_per_unit = chf_per_unit
        rate.source = ExchangeRate.Source.ECB
        rate.full_clean()
        rate.save()
        written.append(rate)
    return written


@dataclass(frozen=True)
class StoredRates:
    """What storing a rates file did: the days it stored rates for (first and last), the
    rates written, and those kept because they were entered by hand."""

    days: int
    written: int
    kept: int
    first: date | None = None
    last: date | None = None


@transaction.atomic
def exchange_rates_store(
    *, days: Sequence[ecb.DailyRates], since: date | None = None
) -> StoredRates:
    """Every day of an ECB file (from `since` on) into the rate table, crossed to CHF, in a
    few queries however many days (the history file holds thousands). A rate entered by
    hand (or from the seed) for a currency and day is kept; an ECB rate is brought up to
    date."""
    days = [day for day in days if since is None or day.rate_date >= since]
    wanted = {
        (currency, day.rate_date): chf_per_unit
        for day in days
        for currency, chf_per_unit in day.chf_per_unit(settings.CURRENCIES).items()
    }
    if not wanted:
        return StoredRates(0, 0, 0)
    dates = [rate_date for _currency, rate_date in wanted]
    existing = {
        (rate.currency, rate.rate_date): rate
        for rate in ExchangeRate.objects.filter(
            currency__in=sorted({currency for currency, _day in wanted}),
            rate_date__gte=min(dates),
            rate_date__lte=max(dates),
        )
    }
    new, changed, kept, stored_days = [], [], 0, set()
    for (currency, rate_date), chf_per_unit in wanted.items():
        found = existing.get((currency, rate_date))
        if found is not None and found.source != ExchangeRate.Source.ECB:
            kept += 1
            continue
        if found is None:
            found = ExchangeRate(currency=currency, rate_date=rate_date)
            new.append(found)
        else:
            changed.append(found)
        found.chf_per_unit, found.source = chf_per_unit, ExchangeRate.Source.ECB
        stored_days.add(rate_date)
    ExchangeRate.objects.bulk_create(new, batch_size=500)
    ExchangeRate.objects.bulk_update(changed, ["chf_per_unit", "source"], batch_size=500)
    return StoredRates(
        days=len(stored_days),
        written=len(new) + len(changed),
        kept=kept,
        first=min(stored_days, default=None),
        last=max(stored_days, default=None),
    )


def exchange_rates_update(
    *, url: str = ecb.DAILY_URL, timeout: float = ecb.TIMEOUT_SECONDS
) -> list[ExchangeRate]:
    """Fetch the ECB's daily rates and record them; ecb.EcbError when they cannot be had."""
    document = ecb.fetch_daily(url, timeout=timeout)
    return exchange_rates_record(daily=ecb.parse_daily(document))
