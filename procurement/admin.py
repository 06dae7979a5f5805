from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement import build_flow, build_services
from procurement.acceptance.services import MAKE_CHECKLIST
from procurement.admin_acceptance import make_acceptance_checklists
from procurement.admin_orders import ORDER_PARAMETER
from procurement.admin_references import KeptWhenReferencedAdmin
from procurement.admin_rows import QuickRows
from procurement.exports import ExportActionsMixin, PriceObservationResource
from procurement.formats import chf, swiss_date
from procurement.models import (
    Build,
    BuildLine,
    Component,
    EstimateRefresh,
    OrderLine,
    PriceObservation,
    PriceTarget,
    Requirements,
    Vendor,
    WarrantyOption,
)
from procurement.notices import admin as notices_admin  # noqa: F401 (registers the Notices page)
from procurement.order_flow import ARRIVED, FLOW
from procurement.permissions import refusal_text
from procurement.price_watch import rules as price_watch_rules
from procurement.price_watch import selectors as price_watch_selectors
from procurement.price_watch import services as price_watch
from procurement.selectors import build_progress
from procurement.sentences import clauses
from quotes.admin_requests import has_request_quotes_permission, request_quotes_for_builds
from quotes.permissions import may_read_prices
from quotes.pricing.presenter import describe_build_source, describe_commitment
from quotes.pricing.reads import budget_of, build_prices, commitment_of
from quotes.views import comparison_for_admin


class WarrantyOptionInline(admin.TabularInline):
    model = WarrantyOption
    extra = 0


@admin.register(Vendor)
class VendorAdmin(KeptWhenReferencedAdmin):
    own_parts = frozenset({"warranty_options"})
    keep_instead = gettext_lazy(
        "Mark it discontinued instead (status “Discontinued” and the date it stopped selling): "
        "it stays for the records that name it and is no longer an option."
    )
    list_display = [
        "name",
        "slug",
        "kind",
        "country",
        "status",
        "ships_to_switzerland",
        "is_option",
    ]
    list_filter = ["kind", "status", "ships_to_switzerland", "country"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [WarrantyOptionInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "country"]}),
        (
            gettext_lazy("A new quote revision starts with"),
            {"fields": ["default_currency", "ships_from", "default_carrier"]},
        ),
        (
            gettext_lazy("Contact"),
            {
                "fields": [
                    "website",
                    "contact",
                    "contact_email",
                    "language",
                    "follow_ups_to_vendor",
                ]
            },
        ),
        (
            gettext_lazy("Is it an option?"),
            {
                "fields": [
                    "status",
                    "discontinued_on",
                    "ships_to_switzerland",
                    "suits_brief",
                    "status_reason",
                ]
            },
        ),
        (
            gettext_lazy("Terms"),
            {"fields": ["lead_time_days", "warranty_years_included", "notes"]},
        ),
    ]

    @admin.display(boolean=True, description=gettext_lazy("option for this purchase"))
    def is_option(self, vendor: Vendor) -> bool:
        return vendor.is_option


@admin.register(Component)
class ComponentAdmin(KeptWhenReferencedAdmin):
    keep_instead = gettext_lazy(
        "Mark it discontinued instead (the date it stopped being sold, on its page): it stays "
        "for the records that name it."
    )
    list_display = ["slug", "category", "manufacturer", "model", "part_number", "vram_gb", "tdp_w"]
    list_filter = ["category", "manufacturer"]
    search_fields = ["slug", "model", "manufacturer", "part_number"]
    prepopulated_fields = {"slug": ["model"]}
    change_form_template = "admin/procurement/component/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        component = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if component is not None and may_read_prices(request.user):
            prices = price_watch_selectors.component_prices(component)
            extra["price_chart"] = price_watch_rules.price_chart(prices)
            extra["latest_prices"] = price_watch_rules.latest_per_shop(prices)
        return super().change_view(request, object_id, form_url, extra)


@admin.register(PriceObservation)
class PriceObservationAdmin(QuickRows, ExportActionsMixin, admin.ModelAdmin):
    list_display = ["component", "vendor", "price", "observed_on", "in_stock", "recorded_at"]
    list_filter = ["vendor", "observed_on", "in_stock"]
    list_select_related = ["component", "vendor"]
    search_fields = ["component__slug", "component__model", "vendor__name"]
    autocomplete_fields = ["component", "vendor"]
    date_hierarchy = "observed_on"
    actions = ["export_csv", "export_xlsx"]
    export_resource = PriceObservationResource
    readonly_fields = ["recorded_at", "recorded_by"]

    def save_model(self, request, obj, form, change):
        price_watch.price_observation_record(observation=obj, user=request.user)


class PriceTargetForm(forms.ModelForm):
    class Meta:
        model = PriceTarget
        fields = ["build", "component", "target_price", "owner"]

    def clean(self):
        data = super().clean()
        build, component = data.get("build"), data.get("component")
        if build and component and not build.lines.filter(component=component).exists():
            self.add_error(
                "component",
                _("%(part)s is not a part of build %(build)s.")
                % {"part": component, "build": build.slug},
            )
        return data


@admin.register(PriceTarget)
class PriceTargetAdmin(admin.ModelAdmin):
    form = PriceTargetForm
    list_display = ["build", "component", "target_price", "owner", "set_at"]
    list_select_related = ["build", "component", "owner"]
    list_filter = ["build"]
    search_fields = ["build__slug", "component__slug", "component__model"]
    autocomplete_fields = ["build", "component", "owner"]
    readonly_fields = ["set_at"]

    def save_model(self, request, obj, form, change):
        try:
            saved = price_watch.price_target_set(
                build=obj.build,
                component=obj.component,
                target_price=obj.target_price.amount,
                owner=obj.owner,
                user=request.user,
            )
        except ValidationError as error:
            raise PermissionDenied(" ".join(error.messages)) from None
        obj.pk, obj.set_at = saved.pk, saved.set_at


@admin.register(EstimateRefresh)
class EstimateRefreshAdmin(admin.ModelAdmin):
    """The history of refreshed estimates: written by the build action, never by hand."""

    list_display = ["build", "refreshed_at", "refreshed_by", "old_total", "new_total"]
    list_select_related = ["build", "refreshed_by"]
    list_filter = ["build"]
    fields = ["build", "refreshed_at", "refreshed_by", "old_total", "new_total", "changed_lines"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("total before"))
    def old_total(self, refresh: EstimateRefresh) -> str:
        return chf(refresh.old_total_chf)

    @admin.display(description=gettext_lazy("total after"))
    def new_total(self, refresh: EstimateRefresh) -> str:
        return chf(refresh.new_total_chf)

    @admin.display(description=gettext_lazy("lines changed"))
    def changed_lines(self, refresh: EstimateRefresh) -> str:
        return clauses(
            _("%(quantity)s x %(component)s: %(old)s to %(new)s (%(shop)s, %(day)s)")
            % {
                "quantity": change["quantity"],
                "component": change["component"],
                "old": chf(change["old_unit_chf"]),
                "new": chf(change["new_unit_chf"]),
                "shop": change["shop"],
                "day": swiss_date(date.fromisoformat(change["observed_on"])),
            }
            for change in refresh.changes
        )


@admin.register(Requirements)
class RequirementsAdmin(admin.ModelAdmin):
    search_fields = ["name", "slug"]
    list_display = [
        "name",
        "budget_min",
        "budget_max",
        "vram_min_gb",
        "vram_max_gb",
        "circuit_watts",
    ]
    prepopulated_fields = {"slug": ["name"]}


class BuildLineInline(admin.TabularInline):
    model = BuildLine
    extra = 0
    autocomplete_fields = ["component"]
    fields = ["position", "component", "quantity", "estimated_unit_price", "note"]


def _order_line_count(**filters):
    """The number of a build's order lines matching `filters`, as a subquery."""
    lines = (
        OrderLine.objects.filter(order__build=OuterRef("pk"), **filters)
        .values("order__build")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(lines, output_field=IntegerField()), Value(0))


@dataclass(frozen=True)
class BuildMoveAction:
    """A build move a person makes: its service, the action's words and its button's."""

    move: build_flow.Move
    service: Callable[..., Build]
    description: str
    button: str

    @property
    def name(self) -> str:
        return f"{self.move.name}_builds"

    def as_admin_action(self):
        def action(modeladmin, request, queryset):
            return modeladmin.move_builds(request, queryset, self.service)

        action.__name__ = self.name
        return admin.action(description=self.description, permissions=["change"])(action)


BUILD_MOVES = [
    BuildMoveAction(
        build_flow.CHOOSE,
        build_services.build_choose,
        gettext_lazy("Choose the selected candidates"),
        gettext_lazy("Choose"),
    ),
    BuildMoveAction(
        build_flow.DROP,
        build_services.build_drop,
        gettext_lazy("Drop the selected builds"),
        gettext_lazy("Drop"),
    ),
    BuildMoveAction(
        build_flow.RECONSIDER,
        build_services.build_reconsider,
        gettext_lazy("Reconsider the selected dropped builds"),
        gettext_lazy("Reconsider"),
    ),
]


@admin.register(Build)
class BuildAdmin(KeptWhenReferencedAdmin):
    own_parts = frozenset({"lines"})
    keep_instead = gettext_lazy(
        "Drop it instead (the action “Drop the selected builds”): it stays for the records "
        "that name it. A build with parts on order stays as the record of its purchase."
    )
    # The status follows procurement.build_flow: shown here, moved by the actions.
    # Explicit: a query that sums the lines drops the model's default order, and the list
    # and the build autocomplete page through it.
    ordering = ["slug"]
    list_display = [
        "code",
        "name",
        "slug",
        "status",
        "vram",
        "power_draw",
        "total",
        "source",
        "noise_class",
        "order_lines",
    ]
    list_filter = ["status", "noise_class"]
    search_fields = ["slug", "name", "code"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["requirements"]
    inlines = [BuildLineInline]
    readonly_fields = [
        "status",
        "total",
        "source",
        "vram",
        "power_draw",
        "order_progress",
        "money_committed",
    ]
    actions = [
        "comparison_sheet",
        "refresh_estimates",
        make_acceptance_checklists,
        request_quotes_for_builds,
        *(move.as_admin_action() for move in BUILD_MOVES),
    ]
    change_form_template = "admin/procurement/build/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("requirements")
            .annotate(
                live_order_lines=_order_line_count(status__in=list(FLOW)),
                arrived_order_lines=_order_line_count(status__in=sorted(ARRIVED)),
            )
        )

    # What a build costs is shown only to those who may read prices.
    price_fields = ("total", "source", "money_committed")

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if may_read_prices(request.user):
            return shown
        return [name for name in shown if name not in self.price_fields]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if may_read_prices(request.user):
            return fields
        return [name for name in fields if name not in self.price_fields]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if may_read_prices(request.user):
            return fields
        return [name for name in fields if name not in self.price_fields]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if may_read_prices(request.user):
            _attach_prices(changelist.result_list)
        return changelist

    @admin.display(description=gettext_lazy("delivered or installed"))
    def order_lines(self, build: Build) -> str:
        live = getattr(build, "live_order_lines", 0)
        return f"{build.arrived_order_lines} of {live}" if live else ""

    @admin.display(description=gettext_lazy("order progress"))
    def order_progress(self, build: Build) -> str:
        return build_progress(build).summary() if build.pk else ""

    @admin.display(description=gettext_lazy("money committed"))
    def money_committed(self, build: Build) -> str:
        if not build.pk:
            return ""
        budget = budget_of(build)
        return describe_commitment(
            commitment_of(build),
            budget=budget,
            vat_registered=budget.vat_registered if budget else False,
        )

    def has_read_prices_permission(self, request) -> bool:
        return may_read_prices(request.user)

    has_request_quotes_permission = has_request_quotes_permission

    def has_make_checklist_permission(self, request) -> bool:
        return request.user.has_perm(MAKE_CHECKLIST)

    def move_builds(self, request, queryset, service):
        builds = list(queryset.order_by("slug"))
        for build in builds:
            try:
                moved = service(build=build, user=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            except PermissionDenied as error:
                self.message_user(request, refusal_text(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(build)s is %(status)s.")
                    % {"build": moved.slug, "status": build_flow.label(moved.status)},
                    messages.SUCCESS,
                )
        if request.POST.get("_from_change_page") and len(builds) == 1:
            return HttpResponseRedirect(
                reverse("admin:procurement_build_change", args=[builds[0].pk])
            )
        return None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        build = self.get_object(request, object_id)
        buttons = []
        if build is not None and self.has_change_permission(request, build):
            buttons = [
                {
                    "url": reverse("admin:procurement_build_changelist"),
                    "action": action.name,
                    "selected": build.pk,
                    "label": action.button,
                }
                for action in BUILD_MOVES
                if build_flow.move_error(action.move, build.status) is None
            ]
        extra = {"lifecycle_buttons": buttons, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    @admin.action(
        description=gettext_lazy("Comparison sheet (PDF) of the selected builds"),
        permissions=["read_prices"],
    )
    def comparison_sheet(self, request, queryset):
        slugs = list(queryset.order_by("slug").values_list("slug", flat=True))
        return comparison_for_admin(self, request, build_slugs=slugs)

    @admin.action(
        description=gettext_lazy("Refresh the estimates from the latest shop prices"),
        permissions=["change"],
    )
    def refresh_estimates(self, request, queryset):
        for build in queryset.order_by("slug"):
            try:
                refresh = price_watch.build_estimate_refresh(build=build, user=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
            except PermissionDenied as error:
                self.message_user(request, refusal_text(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(build)s: estimate %(old)s before, %(new)s now (%(lines)s lines).")
                    % {
                        "build": build.slug,
                        "old": chf(refresh.old_total_chf),
                        "new": chf(refresh.new_total_chf),
                        "lines": len(refresh.changes),
                    },
                    messages.SUCCESS,
                )

    @admin.display(description=gettext_lazy("landed total"))
    def total(self, build: Build) -> str:
        price = _price_of(build)
        return chf(price.total_chf) if price else ""

    @admin.display(description=gettext_lazy("priced from"))
    def source(self, build: Build) -> str:
        price = _price_of(build)
        if price is None:
            return build.price_error if build.pk else ""
        return describe_build_source(price)

    @admin.display(description=gettext_lazy("VRAM (GB)"))
    def vram(self, build: Build) -> int | None:
        price = _price_of(build)
        return price.vram_gb if price else None

    @admin.display(description=gettext_lazy("power draw (W)"))
    def power_draw(self, build: Build) -> int | None:
        price = _price_of(build)
        return price.power_w if price else None


def _attach_prices(builds) -> None:
    """Read the prices of many builds at once (pricing's read), each kept with its build."""
    builds = [build for build in builds if build.pk]
    prices = build_prices(builds)
    for build in builds:
        build.price = prices.get(build.pk)
        build.price_error = prices.errors.get(build.pk, "")


def _price_of(build: Build):
    if not build.pk:
        return None
    if not hasattr(build, "price"):
        _attach_prices([build])
    return build.price


@admin.register(BuildLine)
class BuildLineAdmin(admin.ModelAdmin):
    list_display = ["build", "component", "quantity", "estimated_unit_price"]
    list_filter = ["build"]
    list_select_related = ["build", "component"]
    search_fields = ["build__slug", "component__slug", "component__model"]
    autocomplete_fields = ["build", "component"]

    def get_queryset(self, request):
        # Named by build and component, in lists and autocompletes.
        return super().get_queryset(request).select_related("build", "component")

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        order = request.GET.get(ORDER_PARAMETER)
        if request.GET.get("field_name") == "build_line" and order is not None:
            # An order line's autocomplete: the lines of its order's build only.
            queryset = queryset.filter(build__orders=order) if order.isdigit() else queryset.none()
        return queryset, may_have_duplicates


# Orders, deliveries and calendar feeds, and two-factor devices, live in modules of their own.
from procurement import admin_devices, admin_lockouts, admin_orders  # noqa: E402, F401
