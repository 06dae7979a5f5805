from django.contrib import admin
from django.db.models import DecimalField, ExpressionWrapper, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce

from procurement.models import (
    Build,
    BuildLine,
    Component,
    PriceObservation,
    Requirements,
    Vendor,
    WarrantyOption,
)
from procurement.templatetags.swiss import chf
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


def builds_with_figures(queryset):
    """Builds annotated with their estimated total, VRAM and power draw (one query)."""
    gpu = Q(lines__component__category=Component.Category.GPU)
    return queryset.annotate(
        estimated_total=Coalesce(
            Sum(
                ExpressionWrapper(
                    F("lines__quantity") * F("lines__estimated_unit_price"),
                    output_field=DecimalField(max_digits=14, decimal_places=2),
                )
            ),
            Value(0, output_field=DecimalField(max_digits=14, decimal_places=2)),
        ),
        vram_gb=Coalesce(
            Sum(F("lines__quantity") * F("lines__component__vram_gb"), filter=gpu),
            Value(0),
            output_field=IntegerField(),
        ),
        gpu_power_w=Coalesce(
            Sum(F("lines__quantity") * F("lines__component__tdp_w"), filter=gpu),
            Value(0),
            output_field=IntegerField(),
        ),
    )


@admin.register(Build)
class BuildAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "slug", "status", "vram", "power_draw", "total", "noise_class"]
    list_filter = ["status", "noise_class"]
    search_fields = ["slug", "name", "code"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["requirements"]
    inlines = [BuildLineInline]
    readonly_fields = ["total", "vram", "power_draw"]
    actions = ["comparison_sheet"]

    def get_queryset(self, request):
        return builds_with_figures(super().get_queryset(request))

    @admin.action(description="Comparison sheet (PDF) of the selected builds")
    def comparison_sheet(self, request, queryset):
        slugs = list(queryset.order_by("slug").values_list("slug", flat=True))
        return comparison_for_admin(self, request, build_slugs=slugs)

    @admin.display(description="estimated total", ordering="estimated_total")
    def total(self, build: Build) -> str:
        return chf(getattr(build, "estimated_total", None))

    @admin.display(description="VRAM (GB)", ordering="vram_gb")
    def vram(self, build: Build) -> int | None:
        return getattr(build, "vram_gb", None)

    @admin.display(description="power draw (W)")
    def power_draw(self, build: Build) -> int | None:
        gpu_power = getattr(build, "gpu_power_w", None)
        return None if gpu_power is None else gpu_power + build.system_power_w


@admin.register(BuildLine)
class BuildLineAdmin(admin.ModelAdmin):
    list_display = ["build", "component", "quantity", "estimated_unit_price"]
    list_filter = ["build"]
    list_select_related = ["build", "component"]
    search_fields = ["build__slug", "component__slug", "component__model"]
    autocomplete_fields = ["build", "component"]
