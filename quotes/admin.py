from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Subquery,
    Sum,
)
from django.forms.models import BaseInlineFormSet
from django.template.loader import render_to_string
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from procurement.templatetags.swiss import chf, swiss
from quotes import services
from quotes.models import (
    Carrier,
    ClearanceFeeSchedule,
    DutyRate,
    ExchangeRate,
    Quote,
    QuoteLine,
    QuoteRevision,
    VatRate,
)

LINE_AMOUNT = ExpressionWrapper(
    F("quantity") * F("unit_price"), output_field=DecimalField(max_digits=14, decimal_places=2)
)


def goods_total_subquery(revision_ref: str):
    """The sum of a revision's lines, in its currency, as a subquery."""
    return Subquery(
        QuoteLine.objects.filter(revision=OuterRef(revision_ref))
        .values("revision")
        .annotate(total=Sum(LINE_AMOUNT))
        .values("total")[:1],
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def money_text(amount, currency: str) -> str:
    return "" if amount is None else f"{currency} {swiss(amount)}"


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "rate_date", "chf_per_unit", "source", "note"]
    list_filter = ["currency", "source"]
    date_hierarchy = "rate_date"


@admin.register(VatRate)
class VatRateAdmin(admin.ModelAdmin):
    list_display = ["valid_from", "rate_percent", "import_vat_minimum_chf", "source"]


@admin.register(DutyRate)
class DutyRateAdmin(admin.ModelAdmin):
    list_display = ["valid_from", "chapter_from", "chapter_to", "rate_percent", "description"]


class ClearanceFeeScheduleInline(admin.StackedInline):
    model = ClearanceFeeSchedule
    extra = 0


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "website"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ClearanceFeeScheduleInline]


@admin.register(ClearanceFeeSchedule)
class ClearanceFeeScheduleAdmin(admin.ModelAdmin):
    list_display = ["carrier", "valid_from", "basis", "percent", "verified", "seen_on"]
    list_filter = ["carrier", "verified"]
    list_select_related = ["carrier"]


class ValidityFilter(admin.SimpleListFilter):
    title = "validity"
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [
            ("valid", "Still valid"),
            ("expiring", "Expires within 14 days"),
            ("lapsed", "Validity passed"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        field = "valid_until" if queryset.model is QuoteRevision else "latest_valid_until"
        if self.value() == "valid":
            return queryset.filter(**{f"{field}__gte": today})
        if self.value() == "expiring":
            return queryset.filter(
                **{f"{field}__gte": today, f"{field}__lte": today + timedelta(days=14)}
            )
        if self.value() == "lapsed":
            return queryset.filter(**{f"{field}__lt": today})
        return queryset


class LatestRevisionStatusFilter(admin.SimpleListFilter):
    title = "status of latest revision"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return QuoteRevision.Status.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(latest_status=self.value())
        return queryset


class RevisionSummaryInline(admin.TabularInline):
    model = QuoteRevision
    extra = 0
    show_change_link = True
    can_delete = False
    fields = ["number", "status", "issued_on", "valid_until", "currency", "landed_total_chf"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Quote)
class QuoteAdmin(SimpleHistoryAdmin):
    list_display = [
        "reference",
        "vendor",
        "build",
        "latest_revision",
        "status",
        "valid_until",
        "revision_total",
        "landed_total",
        "is_estimate",
    ]
    list_filter = ["vendor", LatestRevisionStatusFilter, ValidityFilter, "is_estimate"]
    list_select_related = ["vendor", "build"]
    search_fields = ["reference", "vendor__name", "vendor__slug"]
    autocomplete_fields = ["vendor", "build", "owner"]
    filter_horizontal = ["watchers"]
    inlines = [RevisionSummaryInline]

    def get_queryset(self, request):
        latest = QuoteRevision.objects.filter(quote=OuterRef("pk")).order_by("-number")
        return (
            super()
            .get_queryset(request)
            .annotate(
                latest_id=Subquery(latest.values("id")[:1]),
                latest_number=Subquery(latest.values("number")[:1]),
                latest_status=Subquery(latest.values("status")[:1]),
                latest_valid_until=Subquery(latest.values("valid_until")[:1]),
                latest_currency=Subquery(latest.values("currency")[:1]),
                latest_landed_total=Subquery(latest.values("landed_total_chf")[:1]),
            )
            .annotate(latest_goods=goods_total_subquery("latest_id"))
        )

    @admin.display(description="revision", ordering="latest_number")
    def latest_revision(self, quote):
        return quote.latest_number

    @admin.display(description="status", ordering="latest_status")
    def status(self, quote):
        return QuoteRevision.Status(quote.latest_status).label if quote.latest_status else ""

    @admin.display(description="valid until", ordering="latest_valid_until")
    def valid_until(self, quote):
        return quote.latest_valid_until

    @admin.display(description="goods (quote currency)", ordering="latest_goods")
    def revision_total(self, quote):
        return money_text(quote.latest_goods, quote.latest_currency)

    @admin.display(description="landed (CHF)", ordering="latest_landed_total")
    def landed_total(self, quote):
        return chf(quote.latest_landed_total)


class QuoteLineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        currency = self.instance.currency
        live = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        for form in live:
            price = form.cleaned_data.get("unit_price")
            if price is not None and str(price.currency) != currency:
                form.add_error(
                    "unit_price", f"Enter the price in the revision's currency ({currency})."
                )
        if not live:
            raise ValidationError("A revision needs at least one line.")


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    formset = QuoteLineFormSet
    extra = 1
    autocomplete_fields = ["component", "build_line"]
    fields = ["position", "component", "description", "quantity", "unit_price", "build_line"]


class QuoteRevisionForm(forms.ModelForm):
    class Meta:
        model = QuoteRevision
        fields = "__all__"  # noqa: DJ007 (the admin picks the fields)

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("currency")
        shipping = cleaned.get("shipping")
        if currency and shipping is not None and str(shipping.currency) != currency:
            self.add_error("shipping", f"Enter shipping in the revision's currency ({currency}).")
        return cleaned


@admin.register(QuoteRevision)
class QuoteRevisionAdmin(SimpleHistoryAdmin):
    form = QuoteRevisionForm
    list_display = [
        "quote",
        "number",
        "vendor",
        "status",
        "issued_on",
        "valid_until",
        "goods_total",
        "landed_total",
    ]
    list_filter = ["status", "currency", "quote__vendor", ValidityFilter]
    list_select_related = ["quote__vendor"]
    search_fields = ["quote__reference", "quote__vendor__name"]
    autocomplete_fields = ["quote", "carrier"]
    inlines = [QuoteLineInline]
    readonly_fields = ["landed_total_chf", "landed_net_chf", "received_at", "landed_cost_breakdown"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(goods=goods_total_subquery("pk"))

    @admin.display(description="landed cost, step by step")
    def landed_cost_breakdown(self, revision):
        return render_to_string(
            "admin/quotes/quoterevision/landed_breakdown.html",
            {"breakdown": revision.landed_breakdown},
        )

    @admin.display(description="vendor", ordering="quote__vendor__name")
    def vendor(self, revision):
        return revision.quote.vendor

    @admin.display(description="goods", ordering="goods")
    def goods_total(self, revision):
        return money_text(getattr(revision, "goods", None), revision.currency)

    @admin.display(description="landed (CHF)", ordering="landed_total_chf")
    def landed_total(self, revision):
        return chf(revision.landed_total_chf)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        try:
            services.quote_revision_refresh_landed_cost(revision=form.instance)
        except ValidationError as error:
            messages.warning(request, " ".join(error.messages))
