from django import forms
from django.contrib import admin
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from procurement.admin_acceptance import make_acceptance_checklists
from procurement.formats import chf
from procurement.models import (
    Build,
    BuildLine,
    Component,
    OrderLine,
    PriceObservation,
    Requirements,
    Vendor,
    WarrantyOption,
)
from procurement.notices import admin as notices_admin  # noqa: F401 (registers the Notices page)
from procurement.order_flow import ARRIVED, FLOW
from procurement.selectors import build_progress
from quotes.permissions import may_read_prices
from quotes.pricing.presenter import describe_build_source, describe_commitment
from quotes.pricing.reads import budget_of, build_prices, commitment_of
from quotes.views import comparison_for_admin


class WarrantyOptionInline(admin.TabularInline):
    model = WarrantyOption
    extra = 0


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
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
        (None, {"fields": ["name", "slug", "kind", "country", "default_currency"]}),
        ("Contact", {"fields": ["website", "contact"]}),
        (
            "Is it an option?",
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
        ("Terms", {"fields": ["lead_time_days", "warranty_years_included", "notes"]}),
    ]

    @admin.display(boolean=True, description="option for this purchase")
    def is_option(self, vendor: Vendor) -> bool:
        return vendor.is_option


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ["slug", "category", "manufacturer", "model", "part_number", "vram_gb", "tdp_w"]
    list_filter = ["category", "manufacturer"]
    search_fields = ["slug", "model", "manufacturer", "part_number"]
    prepopulated_fields = {"slug": ["model"]}


@admin.register(PriceObservation)
class PriceObservationAdmin(admin.ModelAdmin):
    list_display = ["component", "vendor", "price", "observed_on", "in_stock"]
    list_filter = ["vendor", "observed_on", "in_stock"]
    list_select_related = ["component", "vendor"]
    search_fields = ["component__slug", "component__model", "vendor__name"]
    autocomplete_fields = ["component", "vendor"]
    date_hierarchy = "observed_on"


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


class BuildForm(forms.ModelForm):
    class Meta:
        model = Build
        fields = "__all__"  # noqa: DJ007 (the admin picks the fields)

    def clean_status(self):
        status = self.cleaned_data["status"]
        entering = status == Build.Status.ASSEMBLED and self.initial.get("status") != status
        if entering and not (self.instance.pk and build_progress(self.instance).complete):
            raise forms.ValidationError(
                "A build is assembled only when every one of its parts is ordered and installed; "
                "it becomes assembled by itself when the last line is installed."
            )
        return status


@admin.register(Build)
class BuildAdmin(admin.ModelAdmin):
    form = BuildForm
    # Explicit: the list and the build autocomplete page through it.
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
    readonly_fields = ["total", "source", "vram", "power_draw", "order_progress", "money_committed"]
    actions = ["comparison_sheet", make_acceptance_checklists]

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

    @admin.display(description="delivered or installed")
    def order_lines(self, build: Build) -> str:
        live = getattr(build, "live_order_lines", 0)
        return f"{build.arrived_order_lines} of {live}" if live else ""

    @admin.display(description="order progress")
    def order_progress(self, build: Build) -> str:
        return build_progress(build).summary() if build.pk else ""

    @admin.display(description="money committed")
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

    @admin.action(
        description="Comparison sheet (PDF) of the selected builds", permissions=["read_prices"]
    )
    def comparison_sheet(self, request, queryset):
        slugs = list(queryset.order_by("slug").values_list("slug", flat=True))
        return comparison_for_admin(self, request, build_slugs=slugs)

    @admin.display(description=_("landed total"))
    def total(self, build: Build) -> str:
        price = _price_of(build)
        return chf(price.total_chf) if price else ""

    @admin.display(description=_("priced from"))
    def source(self, build: Build) -> str:
        price = _price_of(build)
        if price is None:
            return build.price_error if build.pk else ""
        return describe_build_source(price)

    @admin.display(description="VRAM (GB)")
    def vram(self, build: Build) -> int | None:
        price = _price_of(build)
        return price.vram_gb if price else None

    @admin.display(description="power draw (W)")
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


# Orders, deliveries and calendar feeds, and two-factor devices, live in modules of their own.
from procurement import admin_devices, admin_orders  # noqa: E402, F401
