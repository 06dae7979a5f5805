"""Writes on requests for quotation: sending them, and moving them along
quotes.requests.rules (answered, declined, lapsed)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import Build, Vendor
from procurement.permissions import require
from quotes.models import QuoteRequest, QuoteRevision
from quotes.requests import rules
from quotes.requests.letters import request_letter

logger = logging.getLogger(__name__)

ADD_REQUEST = "quotes.add_quoterequest"
CHANGE_REQUEST = "quotes.change_quoterequest"
MAX_VENDORS = 20
ANSWERING_STATUSES = (QuoteRevision.Status.RECEIVED, QuoteRevision.Status.ACCEPTED)


def request_quotes(
    *, build: Build, vendors: Sequence[Vendor], answer_by: date, user: Any
) -> list[QuoteRequest]:
    """Ask each of `vendors` to quote for `build` by `answer_by`: one request each, its
    e-mail written in the vendor's language and kept, sent once the requests are saved."""
    require(user, ADD_REQUEST, _("request quotes"))
    vendors = _distinct(vendors)
    _check_request(build=build, vendors=vendors, answer_by=answer_by)
    now = timezone.now()
    with transaction.atomic():
        requests = [_new_request(build, vendor, answer_by, user, now) for vendor in vendors]
        ids = [request.pk for request in requests]
        transaction.on_commit(lambda: quote_requests_email(request_ids=ids))
    return requests


def _distinct(vendors: Sequence[Vendor]) -> list[Vendor]:
    return list({vendor.pk: vendor for vendor in vendors}.values())


def _check_request(*, build: Build, vendors: list[Vendor], answer_by: date) -> None:
    today = timezone.localdate()
    if not vendors:
        raise ValidationError({"vendors": _("Choose at least one vendor to ask.")})
    if len(vendors) > MAX_VENDORS:
        raise ValidationError(
            {"vendors": _("Ask at most %(count)d vendors at once.") % {"count": MAX_VENDORS}}
        )
    if answer_by <= today:
        raise ValidationError({"answer_by": _("The answer-by date must be after today.")})
    if answer_by > today + timedelta(days=rules.MAX_ANSWER_DAYS):
        raise ValidationError(
            {
                "answer_by": _("The answer-by date must be within %(days)d days.")
                % {"days": rules.MAX_ANSWER_DAYS}
            }
        )
    if build.status == Build.Status.DROPPED:
        raise ValidationError(
            {
                "build": _(
                    "The build %(build)s is dropped; reconsider it before asking for quotes."
                )
                % {"build": build.slug}
            }
        )
    if not build.lines.exists():
        raise ValidationError(
            {"build": _("The build %(build)s has no parts to ask for.") % {"build": build.slug}}
        )
    for vendor in vendors:
        _check_vendor(vendor)


def _check_vendor(vendor: Vendor) -> None:
    if not vendor.contact_email:
        raise ValidationError(
            {"vendors": _("%(vendor)s has no contact e-mail address.") % {"vendor": vendor.name}}
        )
    if not vendor.ships_to_switzerland:
        raise ValidationError(
            {"vendors": _("%(vendor)s does not ship to Switzerland.") % {"vendor": vendor.name}}
        )
    if vendor.status == Vendor.Status.DISCONTINUED:
        raise ValidationError(
            {"vendors": _("%(vendor)s has stopped selling.") % {"vendor": vendor.name}}
        )


def _new_request(build: Build, vendor: Vendor, answer_by: date, user: Any, now) -> QuoteRequest:
    letter = request_letter(build=build, vendor=vendor, answer_by=answer_by, buyer=user)
    request = QuoteRequest(
        build=build,
        vendor=vendor,
        requested_by=user,
        sent_at=now,
        answer_by=answer_by,
        status=rules.SENT,
        language=letter.language,
        address=vendor.contact_email,
        email_subject=letter.subject,
        email_body=letter.body,
    )
    try:
        request.full_clean()
    except ValidationError as error:
        if "__all__" in getattr(error, "error_dict", {}):
            raise ValidationError(
                {"vendors": f"{vendor.name}: {' '.join(error.error_dict['__all__'][0].messages)}"}
            ) from None
        raise
    request.save()
    return request


def quote_requests_email(*, request_ids: Sequence[int]) -> int:
    """E-mail the kept text of requests not yet taken by the mail server, over one
    connection; each is marked when taken. The number sent. A refusal is logged and leaves
    the request unmarked, to be sent again."""
    requests = list(
        QuoteRequest.objects.select_related("requested_by").filter(
            pk__in=request_ids, emailed_at__isnull=True
        )
    )
    sent = 0
    try:
        with mail.get_connection() as connection:
            for request in requests:
                if _email(request, connection):
                    sent += 1
    except Exception:
        logger.exception("The mail server could not be reached for requests for quotation.")
    return sent


def quote_requests_send_again(*, requests: Sequence[QuoteRequest], user: Any) -> int:
    """E-mail again, as kept, those of `requests` the mail server has not taken; the number
    it took now."""
    require(user, CHANGE_REQUEST, _("send requests for quotation again"))
    return quote_requests_email(request_ids=[request.pk for request in requests])


def _email(request: QuoteRequest, connection: Any) -> bool:
    buyer = request.requested_by
    message = mail.EmailMessage(
        subject=request.email_subject,
        body=request.email_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[request.address],
        reply_to=[buyer.email] if buyer and buyer.email else None,
        connection=connection,
    )
    try:
        message.send()
    except Exception:
        logger.exception("Request for quotation %s not sent to %s.", request.pk, request.address)
        return False
    QuoteRequest.objects.filter(pk=request.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    return True


def _move(request: QuoteRequest, target: str) -> QuoteRequest:
    """The request locked and checked that it may move to `target`."""
    current = QuoteRequest.objects.select_for_update().get(pk=request.pk)
    if not rules.may_move(current.status, target):
        raise ValidationError(
            _("A request that is %(status)s cannot become %(target)s.")
            % {"status": current.get_status_display(), "target": rules.RequestStatus(target).label}
        )
    return current


@transaction.atomic
def quote_request_answer(
    *, request: QuoteRequest, revision: QuoteRevision, user: Any
) -> QuoteRequest:
    """The vendor answered: `revision` (a received quote revision) is linked to the request."""
    require(user, CHANGE_REQUEST, _("link answers to requests for quotation"))
    current = _move(request, rules.ANSWERED)
    quote = revision.quote
    if quote.vendor_id != current.vendor_id:
        raise ValidationError({"answer": _("The quote is from another vendor than the one asked.")})
    if quote.build_id not in (None, current.build_id):
        raise ValidationError(
            {"answer": _("The quote offers another build than the one asked for.")}
        )
    if revision.status not in ANSWERING_STATUSES:
        raise ValidationError({"answer": _("Only a received quote revision answers a request.")})
    current.status, current.answer = rules.ANSWERED, revision
    current.answered_at, current.closed_at = timezone.now(), None
    current.full_clean()
    current.save(update_fields=["status", "answer", "answered_at", "closed_at"])
    return current


def quote_requests_answered_by(*, revision: QuoteRevision, user: Any) -> list[QuoteRequest]:
    """The requests to the revision's vendor for its build that still await an answer, linked
    to the revision just received (part of receiving it)."""
    quote = revision.quote
    if quote.build_id is None:
        return []
    waiting = QuoteRequest.objects.filter(
        vendor_id=quote.vendor_id, build_id=quote.build_id, status__in=rules.AWAITING
    )
    return [
        quote_request_answer(request=request, revision=revision, user=user) for request in waiting
    ]


@transaction.atomic
def quote_request_decline(*, request: QuoteRequest, reason: str, user: Any) -> QuoteRequest:
    """The vendor will not quote, for `reason`."""
    require(user, CHANGE_REQUEST, _("record that a vendor declined"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"decline_reason": _("Say why the vendor declined.")})
    if len(reason) > rules.REASON_LENGTH:
        raise ValidationError(
            {
                "decline_reason": _("The reason is at most %(count)d characters.")
                % {"count": rules.REASON_LENGTH}
            }
        )
    current = _move(request, rules.DECLINED)
    current.status, current.decline_reason, current.closed_at = (
        rules.DECLINED,
        reason,
        timezone.now(),
    )
    current.full_clean()
    current.save(update_fields=["status", "decline_reason", "closed_at"])
    return current


def quote_requests_lapse(*, today: date) -> int:
    """Requests still waiting after their answer-by date lapse; the number. Run by the daily
    scan (no person acts): a conditional update, so running twice changes nothing more."""
    return QuoteRequest.objects.filter(status=rules.SENT, answer_by__lt=today).update(
        status=rules.LAPSED, closed_at=timezone.now()
    )
