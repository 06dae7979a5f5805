"""The admin of orders and deliveries: the order board (order lines), orders, delivered units
and calendar feeds. Every change of state goes through procurement.services."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement import order_flow, services
from procurement.admin_rows import QuickRows
from procurement.exports import ExportActionsMixin, OrderLineResource
from procurement.models import CalendarFeed, DeliveredUnit, Order, OrderLine
from procurement.order_flow import ARRIVED, EXITS, LineStatus, late_condition
from procurement.permissions import refusal_text
from procurement.receiving import serials_problem
from procurement.tracking import tracking_url


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, PermissionDenied):
        return refusal_text(error)
    return " ".join(error.messages)


# The build line of an order line -----------------------------------------------------------

# The query parameter with which the build line autocomplete asks for one order's build lines.
ORDER_PARAMETER = "order"


class BuildLineOfOrderSelect(AutocompleteSelect):
    """The build line autocomplete of an order line: its search names the order, and the
    build lines' admin answers with the lines of that order's build only."""

    def __init__(self, *args, order_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_id = order_id

    def get_url(self) -> str:
        return f"{super().get_url()}?{urlencode({ORDER_PARAMETER: self.order_id})}"


def offer_build_lines_of(form_class, order: Order | None) -> None:
    """Point the form's build line autocomplete at `order`'s build."""
    field = form_class.base_fields.get("build_line")
    if field is None or order is None:
        return
    wrapper = field.widget  # the admin's wrapper (add, change links) around the autocomplete
    search = wrapper.widget
    wrapper.widget = BuildLineOfOrderSelect(
        search.field,
        search.admin_site,
        attrs=search.attrs,
        choices=search.choices,
        using=search.db,
        order_id=order.pk,
    )


# The order board ---------------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("delivery")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("On time or arrived"))]

    def queryset(self, request, queryset):
        late = late_condition(timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(late)
        if self.value() == "no":
            return queryset.exclude(late)
        return queryset


def _advance_action(target: LineStatus | None):
    """An admin action moving the selected lines to `target` (the next step when None),
    after a page that asks the step's date and the serial numbers of units it delivers."""

    def action(modeladmin, request, queryset):
        return modeladmin.advance_lines(request, queryset, target)

    action.__name__ = f"mark_{target}" if target else "advance_to_next_step"
    description = (
        format_lazy(gettext_lazy("Mark as {status}"), status=target.label)
        if target
        else gettext_lazy("Advance to the next step")
    )
    return admin.action(description=description, permissions=["change"])(action)


# More serial number fields than this on one page: receive the units on the line's page.
MAX_SERIAL_FIELDS = 200


class AdvanceLinesForm(forms.Form):
    """The date of the step, and for each line the step delivers that carries serial
    numbers (GPU, PSU, whole system) a field per unit still outstanding, or the word that
    the units came without serial numbers."""

    on = forms.DateField(
        label=gettext_lazy("Date of this step"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("The day the step happened (today unless you say otherwise)."),
    )

    def __init__(self, *args, receiving: list[OrderLine], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        self.receiving = receiving
        for line in receiving:
            for index in range(line.quantity_outstanding):
                self.fields[self.serial_field(line, index)] = forms.CharField(
                    required=False,
                    max_length=100,
                    label=gettext_lazy("%(part)s: serial number of unit %(unit)s")
                    % {"part": line.description, "unit": index + 1},
                )
            self.fields[self.without_field(line)] = forms.BooleanField(
                required=False,
                label=gettext_lazy("%(part)s: the units came without serial numbers")
                % {"part": line.description},
                help_text=gettext_lazy("The acceptance checklist then lists them as missing."),
            )

    @staticmethod
    def serial_field(line: OrderLine, index: int) -> str:
        return f"serial_{line.pk}_{index}"

    @staticmethod
    def without_field(line: OrderLine) -> str:
        return f"without_serials_{line.pk}"

    def serials_for(self, line: OrderLine) -> list[str]:
        if line not in self.receiving:
            return []
        count = line.quantity_outstanding
        return [self.cleaned_data[self.serial_field(line, index)] for index in range(count)]

    def without_serials_for(self, line: OrderLine) -> bool:
        return line in self.receiving and self.cleaned_data[self.without_field(line)]

    def clean(self):
        cleaned = super().clean()
        for line in self.receiving:
            problem = serials_problem(
                quantity=line.quantity_outstanding,
                serial_numbers=self.serials_for(line),
                without_serials=self.without_serials_for(line),
                carries_serials=True,
                part=line.description,
            )
            if problem:
                self.add_error(self.serial_field(line, 0), problem)
        return cleaned


@dataclass(frozen=True)
class PlannedMove:
    """A selected line on the advance page: where it goes, or why it stays."""

    line: OrderLine
    to: LineStatus | None
    refusal: str | None


def _planned_move(line: OrderLine, target: LineStatus | None) -> PlannedMove:
    crosses = line.order.crosses_border
    to = target or order_flow.next_status(line.status, crosses)
    if to is None:
        return PlannedMove(line, None, _("This line has no further step."))
    return PlannedMove(line, to, order_flow.transition_error(line.status, to, crosses))


class DeliveredUnitInline(admin.TabularInline):
    model = DeliveredUnit
    extra = 0
    can_delete = False
    fields = ["received_on", "serial_number"]
    readonly_fields = ["received_on"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OrderLine)
class OrderLineAdmin(QuickRows, ExportActionsMixin, admin.ModelAdmin):
    """The order board: every part ordered, where it is, and what is late."""

    list_display = [
        "description",
        "build",
        "vendor",
        "status",
        "received",
        "ordered_on",
        "expected_on",
        "overdue",
        "tracking",
    ]
    list_filter = [
        "status",
        ("order__vendor", admin.RelatedOnlyFieldListFilter),
        OverdueFilter,
        ("order__build", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["order__vendor", "order__build", "component", "carrier"]
    search_fields = [
        "description",
        "component__slug",
        "tracking_number",
        "order__vendor__name",
        "order__vendor_reference",
        "units__serial_number",
    ]
    # The soonest expected first, the lines without a date last, in the order they were
    # made: read off an index, where an order by build sorted every line of every build
    # (the build is a column and a filter).
    ordering = [F("expected_on").asc(nulls_last=True), "id"]
    actions = [_advance_action(None)] + [_advance_action(status) for status in order_flow.FLOW[1:]]
    actions += ["export_csv", "export_xlsx"]
    export_resource = OrderLineResource
    inlines = [DeliveredUnitInline]
    change_form_template = "admin/procurement/orderline/change_form.html"
    fieldsets = [
        (
            None,
            {"fields": ["order", "description", "component", "build_line", "quote_line"]},
        ),
        (
            gettext_lazy("Quantity and price"),
            {"fields": ["quantity", "quantity_received", "unit_price"]},
        ),
        (
            gettext_lazy("Delivery"),
            {"fields": ["status", "expected_on", "carrier", "tracking_number", "tracking"]},
        ),
        (
            gettext_lazy("Steps"),
            {
                "fields": [
                    "ordered_on",
                    "confirmed_on",
                    "shipped_on",
                    "at_customs_on",
                    "delivered_on",
                    "installed_on",
                    "cancelled_on",
                    "returned_on",
                    "exit_reason",
                ]
            },
        ),
        (None, {"fields": ["note"]}),
    ]
    readonly_fields = [
        "order",
        "quote_line",
        "quantity",
        "quantity_received",
        "status",
        "tracking",
        "ordered_on",
        "confirmed_on",
        "shipped_on",
        "at_customs_on",
        "delivered_on",
        "installed_on",
        "cancelled_on",
        "returned_on",
        "exit_reason",
    ]
    autocomplete_fields = ["component", "build_line", "carrier"]

    def has_add_permission(self, request):
        # Lines are made from accepted revisions or added on their order's page.
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        offer_build_lines_of(form, obj.order if obj is not None else None)
        return form

    def has_delete_permission(self, request, obj=None):
        # A line that will not come is cancelled with its reason, not deleted.
        return False

    @admin.display(description=gettext_lazy("build"), ordering="order__build__slug")
    def build(self, line: OrderLine) -> str:
        return line.order.build.slug

    @admin.display(description=gettext_lazy("vendor"), ordering="order__vendor__name")
    def vendor(self, line: OrderLine) -> str:
        return line.order.vendor.name

    @admin.display(description=gettext_lazy("received"))
    def received(self, line: OrderLine) -> str:
        return _("%(received)s of %(quantity)s") % {
            "received": line.quantity_received,
            "quantity": line.quantity,
        }

    @admin.display(description=gettext_lazy("overdue"), ordering="expected_on", empty_value="")
    def overdue(self, line: OrderLine) -> str:
        # Only a late line is marked: an empty cell is on time (or has arrived).
        if not line.is_overdue(timezone.localdate()):
            return ""
        expected = line.expected_on.strftime("%d.%m.%Y")
        return format_html(
            '<span class="overdue">\u26a0 {}</span>',
            _("late: expected %(expected)s") % {"expected": expected},
        )

    @admin.display(description=gettext_lazy("tracking"))
    def tracking(self, line: OrderLine) -> str:
        if not line.tracking_number:
            return ""
        url = tracking_url(line.carrier.slug if line.carrier else None, line.tracking_number)
        if url is None:
            return line.tracking_number
        return format_html(
            '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>',
            url,
            line.tracking_number,
        )

    def advance_lines(self, request, queryset, target: LineStatus | None):
        """The page of the move (its date, serial numbers of what it delivers), then the
        move of each line through the services; a line that cannot move is named."""
        lines = list(
            queryset.select_related("order__vendor", "component").order_by(
                "order_id", "position", "id"
            )
        )
        moves = [_planned_move(line, target) for line in lines]
        receiving = [
            move.line
            for move in moves
            if move.to == LineStatus.DELIVERED
            and move.refusal is None
            and move.line.quantity_outstanding
            and services.line_carries_serials(move.line)
        ]
        if sum(line.quantity_outstanding for line in receiving) > MAX_SERIAL_FIELDS:
            messages.error(
                request,
                _(
                    "These lines deliver more than %(count)s units with serial numbers; select "
                    "fewer lines, or receive the units on each line's page."
                )
                % {"count": MAX_SERIAL_FIELDS},
            )
            return None
        form = AdvanceLinesForm(
            request.POST if "apply" in request.POST else None, receiving=receiving
        )
        if form.is_bound and form.is_valid():
            self._move_lines(request, lines, target, form)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Move the selected lines on"),
            "moves": moves,
            "form": form,
            "action": request.POST.get("action", ""),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/procurement/orderline/advance.html", context)

    def _move_lines(self, request, lines, target, form: AdvanceLinesForm) -> None:
        moved, refused = 0, []
        for line in lines:
            try:
                services.order_line_advance(
                    line=line,
                    user=request.user,
                    to=target,
                    on=form.cleaned_data["on"],
                    serial_numbers=form.serials_for(line),
                    without_serials=form.without_serials_for(line),
                )
            except (ValidationError, PermissionDenied) as error:
                refused.append(f"{line.description}: {_error_text(error)}")
            else:
                moved += 1
        if moved:
            messages.success(request, _("%(count)d line(s) moved on.") % {"count": moved})
        for text in refused:
            messages.error(request, text)

    # Receiving units and leaving the flow, one line at a time ------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/receive/", view(self.receive_view), name="procurement_orderline_receive"
            ),
            path("<int:pk>/close/", view(self.close_view), name="procurement_orderline_close"),
            *super().get_urls(),
        ]

    def _line_for(self, request, pk: int) -> OrderLine:
        line = get_object_or_404(OrderLine.objects.select_related("order__vendor"), pk=pk)
        if not self.has_change_permission(request, line):
            raise PermissionDenied
        return line

    def _step_page(self, request, line, form, template: str, title: str):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": line,
            "form": form,
            "title": title,
        }
        return TemplateResponse(request, template, context)

    def _back_to(self, line: OrderLine) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:procurement_orderline_change", args=[line.pk]))

    def receive_view(self, request, pk: int):
        line = self._line_for(request, pk)
        form = ReceiveUnitsForm(request.POST or None, line=line)
        if request.method == "POST" and form.is_valid():
            try:
                services.order_line_receive(
                    line=line,
                    user=request.user,
                    quantity=form.cleaned_data["quantity"],
                    serial_numbers=form.cleaned_data["serial_numbers"],
                    received_on=form.cleaned_data["received_on"],
                    without_serials=form.cleaned_data["without_serials"],
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(
                    request,
                    _("Received %(quantity)s of %(line)s.")
                    % {"quantity": form.cleaned_data["quantity"], "line": line.description},
                )
                return self._back_to(line)
        return self._step_page(
            request,
            line,
            form,
            "admin/procurement/orderline/receive.html",
            _("Receive %(line)s") % {"line": line.description},
        )

    def close_view(self, request, pk: int):
        line = self._line_for(request, pk)
        form = CloseLineForm(request.POST or None, line=line)
        if request.method == "POST" and form.is_valid():
            exit_service = (
                services.order_line_cancel
                if form.cleaned_data["exit"] == LineStatus.CANCELLED
                else services.order_line_return
            )
            try:
                exit_service(
                    line=line,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    on=form.cleaned_data["on"],
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, _error_text(error))
            else:
                done = (
                    _("%(line)s is cancelled.")
                    if form.cleaned_data["exit"] == LineStatus.CANCELLED
                    else _("%(line)s is returned.")
                )
                messages.success(request, done % {"line": line.description})
                return self._back_to(line)
        return self._step_page(
            request,
            line,
            form,
            "admin/procurement/orderline/close.html",
            _("Cancel or return %(line)s") % {"line": line.description},
        )


class ReceiveUnitsForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, help_text=gettext_lazy("Units in this delivery."))
    serial_numbers = forms.CharField(
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "One serial number per line, one for each unit; empty for parts without."
        ),
    )
    without_serials = forms.BooleanField(
        required=False,
        label=gettext_lazy("The units came without serial numbers"),
        help_text=gettext_lazy(
            "For a GPU, a PSU or a whole system: the acceptance checklist then lists them as "
            "missing."
        ),
    )
    received_on = forms.DateField(
        label=gettext_lazy("Received on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, line: OrderLine, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quantity"].initial = line.quantity_outstanding
        self.fields["received_on"].initial = timezone.localdate()

    def clean_serial_numbers(self) -> list[str]:
        text = self.cleaned_data["serial_numbers"]
        return [row.strip() for row in text.splitlines() if row.strip()]


class CloseLineForm(forms.Form):
    exit = forms.ChoiceField(
        choices=[(LineStatus.CANCELLED, "Cancelled"), (LineStatus.RETURNED, "Returned")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        label=gettext_lazy("Date"),
    )

    def __init__(self, *args, line: OrderLine, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        self.fields["exit"].initial = (
            LineStatus.CANCELLED if line.status in order_flow.CANCELLABLE else LineStatus.RETURNED
        )


# Orders ------------------------------------------------------------------------------------


class OrderLineSummaryInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = gettext_lazy("lines")
    fields = [
        "position",
        "description",
        "component",
        "quantity",
        "quantity_received",
        "unit_price",
        "status",
        "expected_on",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class OrderLineAddFormSet(BaseInlineFormSet):
    pass


class OrderLineAddInline(admin.TabularInline):
    """Empty rows for lines added by hand; saved through order_line_add."""

    model = OrderLine
    formset = OrderLineAddFormSet
    extra = 1
    can_delete = False
    verbose_name = gettext_lazy("line to add")
    verbose_name_plural = gettext_lazy("add lines (parts bought elsewhere)")
    fields = ["component", "build_line", "description", "quantity", "unit_price", "expected_on"]
    autocomplete_fields = ["component", "build_line"]

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def get_fields(self, request, obj=None):
        # On a new order the build is not known yet: the line of the build for the part is
        # found by its component.
        return self.fields if obj is not None else [f for f in self.fields if f != "build_line"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        offer_build_lines_of(formset.form, obj)
        return formset


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "build", "vendor", "revision", "owner", "progress", "created_at"]
    list_filter = ["build", "vendor"]
    list_select_related = ["build", "vendor", "revision__quote", "owner"]
    search_fields = [
        "vendor__name",
        "vendor_reference",
        "revision__quote__reference",
        "build__slug",
    ]
    autocomplete_fields = ["build", "vendor", "owner"]
    inlines = [OrderLineSummaryInline, OrderLineAddInline]

    def get_queryset(self, request):
        live = ~Q(lines__status__in=sorted(EXITS))
        return (
            super()
            .get_queryset(request)
            .annotate(
                live_lines=Count("lines", filter=live),
                arrived_lines=Count("lines", filter=Q(lines__status__in=sorted(ARRIVED))),
            )
        )

    def get_fields(self, request, obj=None):
        fields = ["build", "vendor", "owner", "currency", "ship_from", "vendor_reference", "note"]
        return fields if obj is None else ["revision", *fields]

    def get_readonly_fields(self, request, obj=None):
        # What the order is for and where it ships from fix its lines' flow.
        return [] if obj is None else ["revision", "build", "vendor", "currency", "ship_from"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("delivered or installed"))
    def progress(self, order: Order) -> str:
        return _("%(arrived)s of %(live)s") % {
            "arrived": order.arrived_lines,
            "live": order.live_lines,
        }

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.order_create(
            build=obj.build,
            vendor=obj.vendor,
            user=request.user,
            owner=obj.owner,
            ship_from=obj.ship_from,
            currency=obj.currency,
            vendor_reference=obj.vendor_reference,
            note=obj.note,
        )
        # The admin goes on with the instance it built (for its inlines and redirect).
        obj.pk, obj.created_at, obj._state.adding = created.pk, created.created_at, False

    def save_formset(self, request, form, formset, change):
        if not isinstance(formset, OrderLineAddFormSet):
            super().save_formset(request, form, formset, change)
            return
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for line_form in formset.forms:
            if not line_form.has_changed():
                continue
            data = line_form.cleaned_data
            price = data.get("unit_price")
            try:
                line = services.order_line_add(
                    order=form.instance,
                    user=request.user,
                    description=data["description"],
                    quantity=data["quantity"],
                    component=data.get("component"),
                    unit_price=price.amount if price is not None else None,
                    build_line=data.get("build_line"),
                    expected_on=data.get("expected_on"),
                )
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, f"{data['description']}: {_error_text(error)}")
            else:
                formset.new_objects.append(line)


@admin.action(
    description=gettext_lazy("Make orders from the selected accepted revisions"),
    permissions=["order"],
)
def order_selected_revisions(modeladmin, request, queryset):
    """On the quote revision list: an order per selected accepted revision."""
    for revision in queryset.select_related("quote"):
        try:
            order = services.order_create_from_revision(revision=revision, user=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _error_text(error))
        else:
            url = reverse("admin:procurement_order_change", args=[order.pk])
            messages.success(
                request,
                format_html(
                    _('<a href="{url}">{order}</a> made with {count} line(s).'),
                    url=url,
                    order=order,
                    count=order.lines.count(),
                ),
            )


# Delivered units (serial numbers) ----------------------------------------------------------


@admin.register(DeliveredUnit)
class DeliveredUnitAdmin(admin.ModelAdmin):
    list_display = ["serial_number", "part", "vendor", "build", "received_on"]
    list_select_related = ["line__order__vendor", "line__order__build"]
    list_filter = [("line__order__build", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["serial_number", "line__description", "line__component__slug"]
    fields = ["line", "received_on", "serial_number"]
    readonly_fields = ["line", "received_on"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("part"), ordering="line__description")
    def part(self, unit: DeliveredUnit) -> str:
        return unit.line.description

    @admin.display(description=gettext_lazy("vendor"))
    def vendor(self, unit: DeliveredUnit) -> str:
        return unit.line.order.vendor.name

    @admin.display(description=gettext_lazy("build"))
    def build(self, unit: DeliveredUnit) -> str:
        return unit.line.order.build.slug


# Calendar feeds ----------------------------------------------------------------------------


class IssueFeedForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        help_text=gettext_lazy(
            "A new secret address is issued; the user's previous one stops working."
        ),
    )

    def __init__(self, *args, issuer, **kwargs):
        super().__init__(*args, **kwargs)
        # Only an administrator issues an address for someone else.
        if not issuer.is_superuser:
            self.fields["user"].queryset = self.fields["user"].queryset.filter(pk=issuer.pk)
            self.fields["user"].initial = issuer.pk


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "hint", "created_at", "revoked_at", "active"]
    list_filter = ["revoked_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "hint", "created_at", "revoked_at"]
    fields = readonly_fields
    actions = ["revoke", "issue_new"]

    @admin.display(description=gettext_lazy("active"), boolean=True)
    def active(self, feed: CalendarFeed) -> bool:
        return feed.is_active

    def has_delete_permission(self, request, obj=None):
        return False

    def _announce(self, request, issued: services.IssuedFeed) -> None:
        url = request.build_absolute_uri(reverse("calendar_feed", args=[issued.token]))
        messages.success(
            request,
            _(
                "Calendar address of %(user)s: %(url)s (copy it now: it is not stored and cannot "
                "be shown again)."
            )
            % {"user": issued.feed.user, "url": url},
        )

    def get_queryset(self, request):
        # One's own addresses; an administrator's list holds everyone's.
        feeds = super().get_queryset(request)
        return feeds if request.user.is_superuser else feeds.filter(user=request.user)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IssueFeedForm(request.POST or None, issuer=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                issued = services.calendar_feed_issue(
                    user=request.user, for_user=form.cleaned_data["user"]
                )
            except PermissionDenied as error:
                form.add_error("user", _error_text(error))
            else:
                self._announce(request, issued)
                return HttpResponseRedirect(reverse("admin:procurement_calendarfeed_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Issue a calendar address"),
        }
        return TemplateResponse(request, "admin/procurement/calendarfeed/issue.html", context)

    @admin.action(description=gettext_lazy("Revoke the selected addresses"), permissions=["change"])
    def revoke(self, request, queryset):
        revoked = 0
        for feed in queryset.select_related("user"):
            try:
                services.calendar_feed_revoke(feed=feed, user=request.user)
            except PermissionDenied as error:
                messages.error(request, _error_text(error))
            else:
                revoked += 1
        if revoked:
            messages.success(request, _("%(count)d address(es) revoked.") % {"count": revoked})

    @admin.action(
        permissions=["add"],
        description=gettext_lazy(
            "Issue new addresses for the selected users (the old stop working)"
        ),
    )
    def issue_new(self, request, queryset):
        users = {feed.user for feed in queryset.select_related("user")}
        for user in sorted(users, key=lambda user: user.get_username()):
            try:
                issued = services.calendar_feed_issue(user=request.user, for_user=user)
            except PermissionDenied as error:
                messages.error(request, _error_text(error))
            else:
                self._announce(request, issued)
