"""Writes on orders, their lines and deliveries, the build they follow, and calendar feeds."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from procurement import build_flow, build_services
from procurement import order_flow as flow
from procurement.acceptance.services import acceptance_checklist_create_when_delivered
from procurement.calendar_feed import may_issue_calendar_for
from procurement.history import acting
from procurement.models import (
    Build,
    BuildLine,
    CalendarFeed,
    Component,
    DeliveredUnit,
    Order,
    OrderLine,
    Vendor,
)
from procurement.order_flow import LineStatus
from procurement.permissions import require
from procurement.receiving import SERIAL_CATEGORIES, serials_problem, whole_system_line
from procurement.selectors import build_progress
from quotes.models import Carrier, QuoteLine, QuoteRevision

ADD_ORDER = "procurement.add_order"
ADD_ORDER_LINE = "procurement.add_orderline"
CHANGE_ORDER_LINE = "procurement.change_orderline"
ADD_CALENDAR_FEED = "procurement.add_calendarfeed"
CHANGE_CALENDAR_FEED = "procurement.change_calendarfeed"

# Orders ------------------------------------------------------------------------------------


def _build_for_revision(revision: QuoteRevision) -> Build | None:
    """The build a revision is for: its quote's, else the one its lines source."""
    if revision.quote.build is not None:
        return revision.quote.build
    builds = {line.build_line.build for line in revision.lines.all() if line.build_line}
    return builds.pop() if len(builds) == 1 else None


def _build_line_for(build: Build, component: Component | None) -> BuildLine | None:
    if component is None:
        return None
    return BuildLine.objects.filter(build=build, component=component).first()


@acting
@transaction.atomic
def order_create_from_revision(
    *,
    revision: QuoteRevision,
    user: User,
    owner: User | None = None,
    build: Build | None = None,
) -> Order:
    """An order to the revision's vendor with a planned line per quote line, by `user`.

    The build is the quote's, else the one the quote lines source, unless given. The owner
    (who hears about late deliveries) is `owner`, else the quote's owner, else `user`.
    """
    require(user, ADD_ORDER, _("make orders"))
    revision = (
        QuoteRevision.objects.select_for_update(of=("self",))
        .select_related("quote__vendor", "quote__build", "quote__owner", "carrier")
        .get(pk=revision.pk)
    )
    name = f"{revision.quote.reference} revision {revision.number}"
    if revision.status != QuoteRevision.Status.ACCEPTED:
        raise ValidationError(
            _("Only an accepted revision can be ordered; %(name)s is %(lower)s.")
            % {"name": name, "lower": revision.get_status_display().lower()}
        )
    if Order.objects.filter(revision=revision).exists():
        raise ValidationError(_("%(name)s is already ordered.") % {"name": name})
    build = build or _build_for_revision(revision)
    if build is None:
        raise ValidationError(
            _(
                "Say which build %(name)s is for: its quote names no build and its lines source none."
            )
            % {"name": name}
        )
    order = Order(
        build=build,
        vendor=revision.quote.vendor,
        revision=revision,
        owner=owner or revision.quote.owner or user,
        currency=revision.currency,
        ship_from=revision.ship_from.upper(),
    )
    order.full_clean()
    try:
        order.save()
    except IntegrityError:
        raise ValidationError(_("%(name)s is already ordered.") % {"name": name}) from None
    quote_lines = QuoteLine.objects.filter(revision=revision).select_related(
        "component", "build_line"
    )
    for quote_line in quote_lines.order_by("position", "id"):
        _line_create(
            order=order,
            description=quote_line.description,
            quantity=quote_line.quantity,
            component=quote_line.component,
            unit_price=quote_line.unit_price,
            build_line=quote_line.build_line or _build_line_for(build, quote_line.component),
            quote_line=quote_line,
            carrier=revision.carrier,
        )
    build_follow_orders(build=build, user=user)
    return order


@acting
@transaction.atomic
def order_create(
    *,
    build: Build,
    vendor: Vendor,
    user: User,
    owner: User | None = None,
    ship_from: str | None = None,
    currency: str = "CHF",
    vendor_reference: str = "",
    note: str = "",
) -> Order:
    """An order entered by hand, for parts bought without a quote in the product."""
    require(user, ADD_ORDER, _("make orders"))
    order = Order(
        build=build,
        vendor=vendor,
        owner=owner,
        currency=currency,
        ship_from=(ship_from or vendor.country).upper(),
        vendor_reference=vendor_reference,
        note=note,
    )
    order.full_clean()
    order.save()
    return order


def _line_create(
    *,
    order: Order,
    description: str,
    quantity: int,
    component: Component | None,
    unit_price: Money | None,
    build_line: BuildLine | None,
    quote_line: QuoteLine | None = None,
    carrier: Carrier | None = None,
    expected_on: date | None = None,
) -> OrderLine:
    # full_clean refuses a build line of another build or of another part (OrderLine.clean).
    highest = order.lines.aggregate(highest=Max("position"))["highest"] or 0
    line = OrderLine(
        order=order,
        position=highest + 1,
        description=description,
        quantity=quantity,
        component=component or (build_line.component if build_line else None),
        unit_price=unit_price,
        build_line=build_line,
        quote_line=quote_line,
        carrier=carrier,
        expected_on=expected_on,
    )
    line.full_clean()
    line.save()
    return line


@acting
@transaction.atomic
def order_line_add(
    *,
    order: Order,
    user: User,
    description: str,
    quantity: int = 1,
    component: Component | None = None,
    unit_price: Decimal | None = None,
    build_line: BuildLine | None = None,
    carrier: Carrier | None = None,
    expected_on: date | None = None,
) -> OrderLine:
    """A line added by hand (a part bought elsewhere, a forgotten cable), planned.

    Without `build_line`, the line is tied to the build's line for the same component.
    The price is in the order's currency.
    """
    require(user, ADD_ORDER_LINE, _("add lines to orders"))
    order = Order.objects.select_for_update().select_related("build").get(pk=order.pk)
    if not description.strip():
        raise ValidationError({"description": "Describe the part."})
    line = _line_create(
        order=order,
        description=description.strip(),
        quantity=quantity,
        component=component,
        unit_price=Money(unit_price, order.currency) if unit_price is not None else None,
        build_line=build_line or _build_line_for(order.build, component),
        carrier=carrier,
        expected_on=expected_on,
    )
    build_follow_orders(build=order.build, user=user)
    return line


# Order lines through their steps -----------------------------------------------------------


def _locked(line: OrderLine) -> OrderLine:
    return (
        OrderLine.objects.select_for_update(of=("self",))
        .select_related("order__build", "order__vendor", "component", "carrier")
        .get(pk=line.pk)
    )


def _latest_step_date(line: OrderLine) -> tuple[str, date] | None:
    """The step recorded last and its date."""
    dated = [
        (flow.label(status), getattr(line, field))
        for status, field in flow.STEP_DATE_FIELD.items()
        if getattr(line, field) is not None
    ]
    if line.units.exists():
        latest_unit = max(unit.received_on for unit in line.units.all())
        dated.append((_("partly delivered"), latest_unit))
    return max(dated, key=lambda item: item[1]) if dated else None


def _check_step_date(line: OrderLine, on: date, doing: str) -> None:
    if on > timezone.localdate():
        raise ValidationError(
            _("A line cannot be %(doing)s on %(on)s: that date is in the future.")
            % {"doing": doing, "on": on}
        )
    latest = _latest_step_date(line)
    if latest is not None and on < latest[1]:
        step, when = latest
        raise ValidationError(
            _(
                "This line was %(step)s on %(when)s; it cannot be %(doing)s on an earlier date (%(on)s)."
            )
            % {"step": step, "when": when, "doing": doing, "on": on}
        )


def _move(line: OrderLine, to: LineStatus, on: date) -> None:
    error = flow.transition_error(line.status, to, line.order.crosses_border)
    if error:
        raise ValidationError(error)
    _check_step_date(line, on, flow.label(to))
    line.status = to
    setattr(line, flow.STEP_DATE_FIELD[to], on)


@acting
@transaction.atomic
def order_line_advance(
    *,
    line: OrderLine,
    user: User,
    to: str | None = None,
    on: date | None = None,
    expected_on: date | None = None,
    carrier: Carrier | None = None,
    tracking_number: str | None = None,
    serial_numbers: Sequence[str] = (),
    without_serials: bool = False,
) -> OrderLine:
    """Move a line one step on (to the next step unless `to` names it), dated `on` (today).

    Skipping a step, going back or leaving an exit is refused. Delivered receives every unit
    still outstanding, with `serial_numbers` (one per unit); a part that carries serial
    numbers (GPU, PSU, whole system) is refused without them unless `without_serials` says
    the units came without. Ordered sets the expected delivery from the vendor's lead time
    when none is known. The carrier and tracking number (usually known when the part ships)
    are kept when given.
    """
    require(user, CHANGE_ORDER_LINE, _("move order lines on"))
    if to is not None and to not in LineStatus.values:
        raise ValidationError(_("There is no step called %(to)s.") % {"to": repr(to)})
    line = _locked(line)
    on = on or timezone.localdate()
    target = LineStatus(to) if to else flow.next_status(line.status, line.order.crosses_border)
    if target is None:
        exited = flow.transition_error(line.status, line.status, line.order.crosses_border)
        raise ValidationError(
            exited
            if line.status in flow.EXITS and exited
            else _("This line is %(current)s; there is no further step.")
            % {"current": flow.label(line.status)}
        )
    if target in flow.EXITS:
        raise ValidationError(_("Cancel or return a line with its reason, not by advancing it."))
    _move(line, target, on)
    if target == LineStatus.DELIVERED and line.quantity_outstanding:
        outstanding = line.quantity_outstanding
        serials = _clean_serials(line, outstanding, serial_numbers, without_serials)
        _receive_units(line, serials, on)
    if target == LineStatus.ORDERED and expected_on is None and line.expected_on is None:
        lead_time = line.order.vendor.lead_time_days
        if lead_time:
            line.expected_on = flow.add_business_days(on, lead_time)
    if expected_on is not None:
        line.expected_on = expected_on
    if carrier is not None:
        line.carrier = carrier
    if tracking_number is not None:
        line.tracking_number = tracking_number.strip()
    line.full_clean()
    line.save()
    build_follow_orders(build=line.order.build, user=user)
    return line


def _receive_units(line: OrderLine, serial_numbers: Sequence[str], received_on: date) -> None:
    for serial in serial_numbers:
        unit = DeliveredUnit(line=line, received_on=received_on, serial_number=serial)
        unit.full_clean()
        unit.save()
    line.quantity_received += len(serial_numbers)


def line_carries_serials(line: OrderLine) -> bool:
    """A GPU, a PSU or a whole system: parts whose units have a serial number on the label."""
    if line.component_id is not None:
        assert line.component is not None
        return line.component.category in SERIAL_CATEGORIES
    return OrderLine.objects.filter(pk=line.pk).filter(whole_system_line()).exists()


def _clean_serials(
    line: OrderLine, quantity: int, serial_numbers: Sequence[str], without_serials: bool
) -> list[str]:
    problem = serials_problem(
        quantity=quantity,
        serial_numbers=serial_numbers,
        without_serials=without_serials,
        carries_serials=line_carries_serials(line),
        part=line.description,
    )
    if problem:
        raise ValidationError({"serial_numbers": problem})
    serials = [serial.strip() for serial in serial_numbers if serial.strip()]
    if not serials:
        return [""] * quantity
    same_part = DeliveredUnit.objects.filter(serial_number__in=serials)
    same_part = (
        same_part.filter(line__component=line.component)
        if line.component_id
        else same_part.filter(line=line)
    )
    known = sorted(same_part.values_list("serial_number", flat=True))
    if known:
        raise ValidationError(
            {
                "serial_numbers": _("Serial number %(serials)s is already recorded for this part.")
                % {"serials": ", ".join(known)}
            }
        )
    return serials


@acting
@transaction.atomic
def order_line_receive(
    *,
    line: OrderLine,
    user: User,
    quantity: int,
    serial_numbers: Sequence[str] = (),
    received_on: date | None = None,
    without_serials: bool = False,
) -> OrderLine:
    """Units of a line arrived (all or part of it), with a serial number each, or none.

    A part that carries serial numbers (GPU, PSU, whole system) needs one per unit, or
    `without_serials` to say the units came without (the acceptance checklist then lists
    them as missing). Units are received once the line is shipped, or at customs for parts
    from abroad. The line is delivered when the last unit arrives.
    """
    require(user, CHANGE_ORDER_LINE, _("receive order lines"))
    line = _locked(line)
    received_on = received_on or timezone.localdate()
    crosses_border = line.order.crosses_border
    ready = flow.receiving_status(crosses_border)
    if line.status != ready:
        if line.status in flow.ARRIVED:
            raise ValidationError(_("Every unit of this line has been received already."))
        where = flow.label(ready)
        raise ValidationError(
            _("This line is %(label)s; units are received once it is %(where)s.")
            % {"label": flow.label(line.status), "where": where}
        )
    if quantity < 1:
        raise ValidationError({"quantity": _("Receive at least one unit.")})
    if quantity > line.quantity_outstanding:
        raise ValidationError(
            {
                "quantity": _(
                    "Only %(outstanding)s of %(quantity)s unit(s) are still outstanding; "
                    "%(asked)s cannot be received."
                )
                % {
                    "outstanding": line.quantity_outstanding,
                    "quantity": line.quantity,
                    "asked": quantity,
                }
            }
        )
    _check_step_date(line, received_on, flow.label(LineStatus.DELIVERED))
    serials = _clean_serials(line, quantity, serial_numbers, without_serials)
    _receive_units(line, serials, received_on)
    if not line.quantity_outstanding:
        line.status = LineStatus.DELIVERED
        line.delivered_on = received_on
    line.full_clean()
    line.save()
    build_follow_orders(build=line.order.build, user=user)
    return line


def _leave(line: OrderLine, to: LineStatus, reason: str, on: date | None, user: User) -> OrderLine:
    require(user, CHANGE_ORDER_LINE, _("cancel or return order lines"))
    line = _locked(line)
    if not reason.strip():
        raise ValidationError(
            {"reason": _("Say why the line is %(target)s.") % {"target": flow.label(to)}}
        )
    _move(line, to, on or timezone.localdate())
    line.exit_reason = reason.strip()
    line.full_clean()
    line.save()
    build_follow_orders(build=line.order.build, user=user)
    return line


@acting
@transaction.atomic
def order_line_cancel(
    *, line: OrderLine, user: User, reason: str, on: date | None = None
) -> OrderLine:
    """The part will not come: cancelled before it shipped, with the reason."""
    return _leave(line, LineStatus.CANCELLED, reason, on, user)


@acting
@transaction.atomic
def order_line_return(
    *, line: OrderLine, user: User, reason: str, on: date | None = None
) -> OrderLine:
    """The part went back to the vendor (refused, faulty, wrong), with the reason."""
    return _leave(line, LineStatus.RETURNED, reason, on, user)


# The build following its orders -------------------------------------------------------------


def build_follow_orders(*, build: Build, user: User) -> Build:
    """The build's status after `user` changed its order lines (the order services call this).

    Assembled once every part is ordered and every line installed, and only then; ordered
    as soon as one line is placed with a vendor. An accepted or dropped build stays as it is
    (see procurement.build_flow). When every part has arrived, the build's acceptance
    checklist is made (once).
    """
    build = Build.objects.select_for_update().get(pk=build.pk)
    if build.status in build_flow.SETTLED:
        return build
    progress = build_progress(build)
    move = build_flow.move_after_orders(
        build.status, placed=progress.placed, complete=progress.complete
    )
    if move is not None:
        build = build_services.build_follow(build=build, move=move, user=user)
    # The acceptance checklist is made as the last part arrives.
    acceptance_checklist_create_when_delivered(build=build, progress=progress, user=user)
    return build


# Calendar feeds ----------------------------------------------------------------------------


def calendar_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedFeed:
    """A new calendar feed and its secret, which is not stored and cannot be shown again."""

    feed: CalendarFeed
    token: str


@transaction.atomic
def calendar_feed_issue(*, user: User, for_user: User | None = None) -> IssuedFeed:
    """A new secret calendar address, issued by `user` for themselves (or, by an
    administrator, for `for_user`); the previous one stops working."""
    require(user, ADD_CALENDAR_FEED, _("issue calendar addresses"))
    owner = for_user or user
    if not may_issue_calendar_for(user, owner):
        raise PermissionDenied(
            _("Only an administrator issues a calendar address for someone else (%(user)s).")
            % {"user": owner}
        )
    now = timezone.now()
    CalendarFeed.objects.filter(user=owner, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user=owner, token_hash=calendar_token_hash(token), hint=token[:6])
    feed.full_clean()
    feed.save()
    return IssuedFeed(feed=feed, token=token)


@transaction.atomic
def calendar_feed_revoke(*, feed: CalendarFeed, user: User) -> CalendarFeed:
    """The address stops working at once; a calendar that polls it gets 404. One's own
    address, or anyone's for an administrator."""
    require(user, CHANGE_CALENDAR_FEED, _("revoke calendar addresses"))
    feed = CalendarFeed.objects.select_for_update().select_related("user").get(pk=feed.pk)
    if not may_issue_calendar_for(user, feed.user):
        raise PermissionDenied(
            _("Only an administrator revokes someone else's calendar address (%(user)s).")
            % {"user": feed.user}
        )
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
    return feed
