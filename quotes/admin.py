from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from djmoney.money import Money
from simple_history.admin import SimpleHistoryAdmin

from procurement.admin_orders import order_selected_revisions
from procurement.admin_rows import QuickRows
from procurement.exports import ExportActionsMixin
from procurement.formats import chf, money, swiss_date
from procurement.history import NamedHistoryHelper
from procurement.permissions import refusal_text
from procurement.templatetags.warnings import warnings_list
from quotes import selectors, services
from quotes.exports import QuoteResource, QuoteRevisionResource
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
from quotes.permissions import may_read_prices
from quotes.pricing.presenter import describe_today
from quotes.pricing.reads import revision_prices, unlike_vendor
from quotes.revision_diff import diff_revisions
from quotes.views import comparison_for_admin


def first_revision_link(quote_id: int) -> str:
    """The revision form with the quote filled in."""
    return f"{reverse('admin:quotes_quoterevision_add')}?quote={quote_id}"


def attach_prices(revisions) -> None:
    """Read the prices of many revisions at once (pricing's read) and keep each with its
    revision for the columns and fields that show it."""
    revisions = [revision for revision in revisions if revision is not None]
    prices = revision_prices(revisions)
    for revision in revisions:
        revision.price = prices.get(revision.pk)
        revision.price_error = prices.errors.get(revision.pk, "")


def price_of(revision):
    """The revision's price (None when it cannot be computed; `price_error` says why)."""
    if not hasattr(revision, "price"):
        attach_prices([revision])
    return revision.price


def goods_text(revision) -> str:
    price = price_of(revision)
    return money(price.goods, price.currency) if price and price.itemised else ""


def landed_text(revision) -> str:
    price = price_of(revision)
    return chf(price.total_chf) if price else ""


def warnings_html(revision, *, compact: bool = False) -> str:
    """The warnings of the revision's price (pricing's, a draft unlike its vendor's defaults
    included), as a list or as an icon whose title holds them."""
    price = price_of(revision) if revision is not None and revision.pk else None
    found = list(price.warnings) if price is not None else []
    if price is None and revision is not None and revision.pk and revision.status == DRAFT:
        unlike = unlike_vendor(revision)  # said even when the draft cannot be priced yet
        found += [unlike] if unlike is not None else []
    if not found:
        return ""
    return warnings_list(found, compact=compact)


def today_text(revision) -> str:
    price = price_of(revision)
    return describe_today(price) if price else ""


def amount_field(*, label: str, required: bool = True) -> forms.DecimalField:
    """An amount in the revision's currency: the revision's currency select sets it."""
    return forms.DecimalField(
        label=label,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=required,
        help_text=gettext_lazy("In the revision's currency."),
    )


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
    title = gettext_lazy("validity")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [
            ("valid", "Still valid"),
            (
                "expiring",
                ngettext(
                    "Expires within %(days)d day",
                    "Expires within %(days)d days",
                    settings.EXPIRY_HORIZON_DAYS,
                )
                % {"days": settings.EXPIRY_HORIZON_DAYS},
            ),
            ("lapsed", "Validity passed"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        field = "valid_until" if queryset.model is QuoteRevision else "latest_valid_until"
        if self.value() == "valid":
            return queryset.filter(**{f"{field}__gte": today})
        if self.value() == "expiring":
            return queryset.filter(
                **{
                    f"{field}__gte": today,
                    f"{field}__lte": today + timedelta(days=settings.EXPIRY_HORIZON_DAYS),
                }
            )
        if self.value() == "lapsed":
            return queryset.filter(**{f"{field}__lt": today})
        return queryset


class LatestRevisionStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("status of latest revision")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return QuoteRevision.Status.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(latest_status=self.value())
        return queryset


DRAFT = QuoteRevision.Status.DRAFT
RECEIVED = QuoteRevision.Status.RECEIVED


def _is_draft(revision: QuoteRevision | None) -> bool:
    return revision is None or revision.status == DRAFT


def _label(revision: QuoteRevision) -> str:
    return _("Revision %(number)s of %(quote)s") % {
        "number": revision.number,
        "quote": revision.quote.reference,
    }


def _refusal_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, PermissionDenied):
        return refusal_text(error)
    return " ".join(error.messages)


class AuditedAdmin(SimpleHistoryAdmin):
    """History is shown and never reverted: a received revision stays as it came. Each row
    names the person who acted, by the name kept with it once the account is deleted."""

    object_history_list_template = "admin/audit_history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return NamedHistoryHelper(self.model, historical_record)

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_actions(self, request):
        # A bulk delete cannot tell a draft from a received revision.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class RevisionSummaryInline(admin.TabularInline):
    model = QuoteRevision
    extra = 0
    show_change_link = True
    can_delete = False
    fields = ["number", "status", "issued_on", "valid_until", "currency", "landed_total"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("landed total"))
    def landed_total(self, revision):
        return landed_text(revision)


@admin.register(Quote)
class QuoteAdmin(QuickRows, ExportActionsMixin, AuditedAdmin):
    # Newest first, by primary key: the index serves it and the page stops at its 50 rows.
    ordering = ["-pk"]
    list_display = [
        "reference",
        "vendor",
        "build",
        "latest_revision",
        "status",
        "valid_until",
        "revision_total",
        "landed_total",
        "warnings",
        "is_estimate",
    ]
    list_filter = ["vendor", LatestRevisionStatusFilter, ValidityFilter, "is_estimate"]
    list_select_related = ["vendor", "build"]
    search_fields = ["reference", "vendor__name", "vendor__slug"]
    autocomplete_fields = ["vendor", "build", "owner"]
    filter_horizontal = ["watchers"]
    inlines = [RevisionSummaryInline]
    actions = ["new_revision", "comparison_sheet", "export_csv", "export_xlsx"]
    export_resource = QuoteResource
    change_form_template = "admin/quotes/quote/change_form.html"

    @admin.action(
        description=gettext_lazy("Comparison sheet (PDF) of the selected quotes"),
        permissions=["read_prices"],
    )
    def comparison_sheet(self, request, queryset):
        references = list(queryset.order_by("reference").values_list("reference", flat=True))
        return comparison_for_admin(self, request, quote_references=references)

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
        )

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        latest = QuoteRevision.objects.select_related("quote__vendor").in_bulk(
            [quote.latest_id for quote in changelist.result_list if quote.latest_id]
        )
        attach_prices(latest.values())
        for quote in changelist.result_list:
            quote.latest = latest.get(quote.latest_id)
        return changelist

    def get_urls(self):
        compare = path(
            "<int:object_id>/compare/",
            self.admin_site.admin_view(self.compare_view),
            name="quotes_quote_compare",
        )
        return [compare, *super().get_urls()]

    def has_read_prices_permission(self, request):
        return may_read_prices(request.user)

    def has_export_permission(self, request):
        return may_read_prices(request.user)

    def has_add_revision_permission(self, request):
        return request.user.has_perm("quotes.add_quoterevision")

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.revisions.exclude(status=DRAFT).exists():
            return False
        return super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        buttons, first_revision_url = [], None
        quote_id = unquote(object_id)
        if self.has_add_revision_permission(request):
            has_revisions = QuoteRevision.objects.filter(quote_id=quote_id).exists()
            if has_revisions:
                buttons.append(
                    {
                        "url": reverse("admin:quotes_quote_changelist"),
                        "action": "new_revision",
                        "selected": quote_id,
                        "label": "New revision",
                    }
                )
            elif quote_id.isdigit():
                first_revision_url = first_revision_link(int(quote_id))
        extra = {"lifecycle_buttons": buttons, "first_revision_url": first_revision_url}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    @admin.display(description=gettext_lazy("revision"), ordering="latest_number")
    def latest_revision(self, quote):
        return quote.latest_number

    @admin.display(description=gettext_lazy("status"), ordering="latest_status")
    def status(self, quote):
        return QuoteRevision.Status(quote.latest_status).label if quote.latest_status else ""

    @admin.display(description=gettext_lazy("valid until"), ordering="latest_valid_until")
    def valid_until(self, quote):
        return quote.latest_valid_until

    @admin.display(description=gettext_lazy("goods (quote currency)"))
    def revision_total(self, quote):
        latest = getattr(quote, "latest", None)
        return goods_text(latest) if latest is not None else ""

    @admin.display(description=gettext_lazy("landed (CHF)"), ordering="latest_landed_total")
    def landed_total(self, quote):
        latest = getattr(quote, "latest", None)
        return landed_text(latest) if latest is not None else ""

    @admin.display(description="warnings")
    def warnings(self, quote):
        latest = getattr(quote, "latest", None)
        return warnings_html(latest, compact=True) if latest is not None else ""

    @admin.action(
        description=gettext_lazy("New revision: copy the latest as a draft"),
        permissions=["add_revision"],
    )
    def new_revision(self, request, queryset):
        created = []
        for quote in queryset:
            try:
                revision = services.quote_revision_new_from_latest(quote=quote, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, self._refusal(quote, error), messages.ERROR)
                continue
            created.append(revision)
            self.message_user(
                request,
                _(
                    "%(label)s is a new draft copied from the latest revision; change "
                    "it, then receive it."
                )
                % {"label": _label(revision)},
                messages.SUCCESS,
            )
        if len(created) == 1:
            return HttpResponseRedirect(
                reverse("admin:quotes_quoterevision_change", args=[created[0].pk])
            )
        return None

    def _refusal(self, quote, error: ValidationError | PermissionDenied) -> str:
        """Why no new revision was made; for a quote with none, where to enter its first."""
        text = _refusal_text(error)
        if quote.revisions.exists():
            return text
        return format_html(
            _('{refusal} <a href="{url}">Add the first revision</a>.'),
            refusal=text,
            url=first_revision_link(quote.pk),
        )

    def compare_view(self, request, object_id):
        quote = Quote.objects.select_related("vendor").filter(pk=object_id).first()
        if quote is None:
            raise Http404("There is no such quote.")
        if not self.has_view_permission(request, quote):
            raise PermissionDenied
        revisions = list(selectors.quote_revisions_for_comparison(quote))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Compare revisions of %(quote)s") % {"quote": quote.reference},
            "quote": quote,
            "revisions": revisions,
        }
        if len(revisions) > 1:
            old, new = self._revisions_to_compare(request, revisions)
            snapshots = selectors.revision_snapshot(old), selectors.revision_snapshot(new)
            context.update(old=old, new=new, diff=diff_revisions(*snapshots))
        return TemplateResponse(request, "admin/quotes/quote/compare_revisions.html", context)

    def _revisions_to_compare(self, request, revisions):
        """The revisions named by ?old=N&new=M; by default the latest and the one before."""
        by_number = {revision.number: revision for revision in revisions}

        def chosen(name, default):
            wanted = request.GET.get(name, "")
            if not wanted:
                return default
            if wanted.isdigit() and int(wanted) in by_number:
                return by_number[int(wanted)]
            self.message_user(
                request,
                _("This quote has no revision %(wanted)s; showing revision %(number)s.")
                % {"wanted": wanted, "number": default.number},
                messages.WARNING,
            )
            return default

        new = chosen("new", revisions[0])
        others = [revision for revision in revisions if revision.number != new.number]
        older = [revision for revision in others if revision.number < new.number]
        return chosen("old", (older or others)[0]), new


class QuoteLineForm(forms.ModelForm):
    """A line priced in its revision's currency: only the amount is asked for."""

    unit_price = amount_field(label=gettext_lazy("Unit price"))

    class Meta:
        model = QuoteLine
        fields = "__all__"  # noqa: DJ007 (the admin picks the fields)

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        if self.instance.pk is not None:
            self.initial["unit_price"] = self.instance.unit_price.amount

    def clean_unit_price(self):
        amount = self.cleaned_data["unit_price"]
        return Money(amount, self.currency) if amount is not None else None


class QuoteLineFormSet(BaseInlineFormSet):
    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "currency": self.instance.currency}

    def clean(self):
        super().clean()
        live = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        if not live:
            raise ValidationError(_("A revision needs at least one line."))


class QuoteLineInline(admin.TabularInline):
    """Editable while the revision is a draft, read-only once it was received."""

    model = QuoteLine
    form = QuoteLineForm
    formset = QuoteLineFormSet
    autocomplete_fields = ["component", "build_line"]
    fields = ["position", "component", "description", "quantity", "unit_price", "build_line"]

    def get_fields(self, request, obj=None):
        if _is_draft(obj):
            return self.fields
        return [READ_ONLY_AMOUNTS.get(name, name) for name in self.fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if _is_draft(obj) else self.get_fields(request, obj)

    @admin.display(description=gettext_lazy("unit price"))
    def unit_price_amount(self, line):
        return money(line.unit_price)

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if _is_draft(obj) else 0

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


class QuoteRevisionForm(forms.ModelForm):
    # The version the editor loaded: a save based on an older one is refused.
    loaded_version = forms.IntegerField(widget=forms.HiddenInput)
    # Shipping and foreign VAT are in the revision's currency: only their amounts are asked.
    shipping = amount_field(label=gettext_lazy("Shipping"))
    foreign_vat = amount_field(label=gettext_lazy("Foreign VAT"), required=False)

    class Meta:
        model = QuoteRevision
        fields = "__all__"  # noqa: DJ007 (the admin picks the fields)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loaded_version"].initial = self.instance.version
        if "foreign_vat" in self.fields:
            self.fields["foreign_vat"].help_text = (
                "Foreign VAT shown on the quote, in the revision's currency; left out of the "
                "landed cost."
            )
        for name in MONEY_TERMS:
            if name in self.fields:
                self.initial[name] = _amount(getattr(self.instance, name))

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("currency") or self.instance.currency
        for name in MONEY_TERMS:
            if cleaned.get(name) is not None:
                cleaned[name] = Money(cleaned[name], currency)
        return cleaned


REVISION_FIELDSETS = [
    (None, {"fields": ["quote", "number", "status", "issued_on", "valid_until", "loaded_version"]}),
    (
        gettext_lazy("Prices"),
        {"fields": ["currency", "prices_include_vat", "shipping", "foreign_vat", "warranty_years"]},
    ),
    (gettext_lazy("Delivery"), {"fields": ["ship_from", "carrier"]}),
    (gettext_lazy("Exchange rate"), {"fields": ["fx_rate", "fx_rate_date", "fx_rate_source"]}),
    (
        gettext_lazy("Landed cost"),
        {
            "fields": [
                "price_warnings",
                "landed_total_amount",
                "today_total",
                "landed_net_amount",
                "landed_cost_breakdown",
            ]
        },
    ),
    (gettext_lazy("Vendor's document"), {"fields": ["attachment"]}),
    (
        gettext_lazy("Decision"),
        {
            "fields": [
                "received_at",
                "accepted_at",
                "accepted_by",
                "rejected_at",
                "rejected_by",
                "rejection_reason",
                "paid_on",
            ]
        },
    ),
    (None, {"fields": ["note"]}),
]
SERVICE_FIELDS = [
    "number",
    "status",
    "fx_rate_date",
    "fx_rate_source",
    "price_warnings",
    "landed_total_amount",
    "today_total",
    "landed_net_amount",
    "landed_cost_breakdown",
    "received_at",
    "accepted_at",
    "accepted_by",
    "rejected_at",
    "rejected_by",
    "rejection_reason",
    "paid_on",
]
MONEY_TERMS = ("shipping", "foreign_vat")
# Amounts shown read-only in their currency the Swiss way (`USD 4’500.00`).
READ_ONLY_AMOUNTS = {
    "shipping": "shipping_amount",
    "foreign_vat": "foreign_vat_amount",
    "unit_price": "unit_price_amount",
}
ATTACHMENT_ONLY_HELP = (
    "This revision is kept as the vendor sent it; the only thing you can still save is "
    "the vendor's own document (a PDF of at most 20 MB)."
)
DECISION_REFUSALS = {
    "accept_revisions": gettext_lazy("Only an Approver may accept a quote revision."),
    "reject_revisions": gettext_lazy("Only an Approver may reject a quote revision."),
}


def _stale_rate_message(error: ValidationError) -> str | None:
    """The sentence of a refusal for a stale exchange rate; None for any other refusal."""
    for item in getattr(error, "error_dict", {}).get("fx_rate", []):
        if item.code == "stale_rate":
            return " ".join(item.messages)
    return None


def _amount(value):
    return getattr(value, "amount", value)


def _changed_terms(form) -> dict:
    return {
        name: _amount(form.cleaned_data[name]) if name in MONEY_TERMS else form.cleaned_data[name]
        for name in form.changed_data
        if name in services.EDITABLE_TERMS
    }


def _line_data(line: QuoteLine) -> services.LineData:
    return services.LineData(
        description=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price.amount,
        component=line.component,
        build_line=line.build_line,
    )


@admin.register(QuoteRevision)
class QuoteRevisionAdmin(QuickRows, ExportActionsMixin, AuditedAdmin):
    # Newest first, by primary key: the index serves it and the page stops at its 50 rows.
    ordering = ["-pk"]
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
        "warnings",
    ]
    list_filter = ["status", "currency", "quote__vendor", ValidityFilter]
    list_select_related = ["quote__vendor"]
    search_fields = ["quote__reference", "quote__vendor__name"]
    autocomplete_fields = ["quote", "carrier"]
    inlines = [QuoteLineInline]
    fieldsets = REVISION_FIELDSETS
    actions = [
        "receive_revisions",
        "accept_revisions",
        "reject_revisions",
        "record_payments",
        order_selected_revisions,
        "export_csv",
        "export_xlsx",
    ]
    export_resource = QuoteRevisionResource
    change_form_template = "admin/quotes/quoterevision/change_form.html"
    object_history_template = "admin/quotes/quoterevision/object_history.html"

    def has_export_permission(self, request):
        # The export carries every figure of the landed cost.
        return may_read_prices(request.user)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        attach_prices(changelist.result_list)
        return changelist

    def changelist_view(self, request, extra_context=None):
        # An action the user may not run is not offered; one posted all the same would get
        # Django's bare "No action selected", so say who may run it instead.
        refusal = DECISION_REFUSALS.get(request.POST.get("action", ""))
        if request.method == "POST" and refusal and not self.has_decide_permission(request):
            self.message_user(request, refusal, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, extra_context)

    @admin.display(description=gettext_lazy("landed cost, step by step"))
    def landed_cost_breakdown(self, revision):
        price = price_of(revision)
        return render_to_string(
            "admin/quotes/quoterevision/landed_breakdown.html",
            {
                "breakdown": price.breakdown if price else None,
                "error": revision.price_error,
                "kept": price.kept if price else False,
            },
        )

    @admin.action(
        description=gettext_lazy("Record payment: paid today (accepted revisions)"),
        permissions=["change"],
    )
    def record_payments(self, request, queryset):
        paid_on = timezone.localdate()
        return self._run_each(
            request,
            queryset,
            lambda revision: services.quote_revision_record_payment(
                revision=revision, user=request.user, paid_on=paid_on
            ),
            lambda done: (
                _("%(revision)s: paid on %(date)s; its rate no longer drifts.")
                % {"revision": _label(done), "date": swiss_date(paid_on)}
            ),
        )

    def has_order_permission(self, request) -> bool:
        return request.user.has_perm("procurement.add_order")

    def get_fieldsets(self, request, obj=None):
        if _is_draft(obj):
            return REVISION_FIELDSETS
        return [
            (title, {"fields": [READ_ONLY_AMOUNTS.get(name, name) for name in options["fields"]]})
            for title, options in REVISION_FIELDSETS
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return SERVICE_FIELDS
        if obj.status == DRAFT:
            return ["quote", *SERVICE_FIELDS]
        # Received: kept as it came. Only a missing vendor's document may still be added.
        kept = [
            name
            for _, options in self.get_fieldsets(request, obj)
            for name in options["fields"]
            if name != "loaded_version"
        ]
        return kept if obj.attachment else [name for name in kept if name != "attachment"]

    @admin.display(description=gettext_lazy("landed total"))
    def landed_total_amount(self, revision):
        return landed_text(revision)

    @admin.display(description=gettext_lazy("warnings"))
    def price_warnings(self, revision):
        return warnings_html(revision)

    @admin.display(description=gettext_lazy("at today's rate"))
    def today_total(self, revision):
        return today_text(revision)

    @admin.display(description=gettext_lazy("warnings"))
    def warnings(self, revision):
        return warnings_html(revision, compact=True)

    @admin.display(description=gettext_lazy("net of VAT"))
    def landed_net_amount(self, revision):
        price = price_of(revision)
        return chf(price.net_chf) if price else ""

    @admin.display(description=gettext_lazy("shipping"))
    def shipping_amount(self, revision):
        return money(revision.shipping)

    @admin.display(description=gettext_lazy("foreign VAT"))
    def foreign_vat_amount(self, revision):
        return money(revision.foreign_vat)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and obj.status != DRAFT:
            # Shown read-only in their currency: a field the page does not render must not
            # be asked for, or the save fails on an error nobody can see.
            for name in MONEY_TERMS:
                form.base_fields.pop(name, None)
            if "attachment" in form.base_fields:
                form.base_fields["attachment"].help_text = ATTACHMENT_ONLY_HELP
        return form

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)

    def has_decide_permission(self, request):
        return request.user.has_perm(services.DECIDE_PERMISSION)

    @admin.display(description=gettext_lazy("vendor"), ordering="quote__vendor__name")
    def vendor(self, revision):
        return revision.quote.vendor

    @admin.display(description=gettext_lazy("goods"))
    def goods_total(self, revision):
        return goods_text(revision)

    @admin.display(description=gettext_lazy("landed (CHF)"), ordering="landed_total_chf")
    def landed_total(self, revision):
        return landed_text(revision)

    # Pages ------------------------------------------------------------------------------

    def get_changeform_initial_data(self, request):
        """A new revision of a quote starts with its vendor's currency, country and carrier."""
        initial = super().get_changeform_initial_data(request)
        quote_id = str(initial.get("quote", ""))
        quote = (
            Quote.objects.select_related("vendor__default_carrier").filter(pk=quote_id).first()
            if quote_id.isdigit()
            else None
        )
        if quote is not None:
            vendor = quote.vendor
            initial.setdefault("currency", vendor.default_currency)
            initial.setdefault("ship_from", vendor.default_ship_from)
            if vendor.default_carrier_id is not None:
                initial.setdefault("carrier", vendor.default_carrier_id)
        return initial

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, PermissionDenied) and not str(error):
                raise  # the admin's own refusal of a page: 403
            # A service refused (a stale draft, a revision received meanwhile): nothing was
            # saved; show the revision as it is now with the reason.
            self.message_user(request, _refusal_text(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        revision = self.get_object(request, unquote(object_id))
        extra = {}
        if revision is not None:
            # Once received, the only thing left to save is a missing vendor's PDF.
            attachment_only = revision.status != DRAFT and not revision.attachment
            extra = {
                "lifecycle_buttons": self._lifecycle_buttons(request, revision),
                "show_save": revision.status == DRAFT or attachment_only,
                "show_save_and_continue": revision.status == DRAFT,
                "show_save_and_add_another": False,
                "attachment_only": attachment_only,
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _lifecycle_buttons(self, request, revision):
        revisions_url = reverse("admin:quotes_quoterevision_changelist")
        buttons = []
        if revision.status == DRAFT and self.has_change_permission(request, revision):
            buttons.append((revisions_url, "receive_revisions", revision.pk, "Receive"))
        if revision.status == RECEIVED and self.has_decide_permission(request):
            buttons.append((revisions_url, "accept_revisions", revision.pk, "Accept"))
            buttons.append((revisions_url, "reject_revisions", revision.pk, "Reject"))
        if revision.status != DRAFT and request.user.has_perm("quotes.add_quoterevision"):
            quotes_url = reverse("admin:quotes_quote_changelist")
            buttons.append((quotes_url, "new_revision", revision.quote_id, "New revision"))
        return [
            {"url": url, "action": action, "selected": selected, "label": label}
            for url, action, selected, label in buttons
        ]

    def history_view(self, request, object_id, extra_context=None):
        revision = (
            QuoteRevision.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        )
        lines = selectors.revision_line_history(revision) if revision is not None else []
        return super().history_view(
            request, object_id, {"line_history": lines, **(extra_context or {})}
        )

    # Saving goes through the services ---------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change:
            return  # created together with its lines in save_related
        loaded_version = form.cleaned_data["loaded_version"]
        if obj.status == DRAFT or loaded_version != obj.version:
            # For a revision received since the editor loaded it, the service says so.
            services.quote_revision_update(
                revision=obj,
                user=request.user,
                expected_version=loaded_version,
                **_changed_terms(form),
            )

    def save_related(self, request, form, formsets, change):
        revision = form.instance
        lines = next(formset for formset in formsets if formset.model is QuoteLine)
        lines.save(commit=False)  # collects new, changed and deleted lines, saves nothing
        user = request.user
        if not change:
            self._create(form, lines, user)
        elif revision.status == DRAFT:
            self._save_lines(lines, user)
            if "currency" in form.changed_data:
                self._restate_lines(revision, user)
        if "attachment" in form.changed_data:
            services.quote_revision_attach(
                revision=revision, user=user, document=form.cleaned_data["attachment"] or None
            )
        if revision.status == DRAFT:
            try:
                services.quote_revision_refresh_landed_cost(revision=revision, user=user)
            except ValidationError as error:
                messages.warning(request, " ".join(error.messages))

    def _create(self, form, lines, user) -> None:
        data = form.cleaned_data
        terms = {
            name: _amount(data[name]) if name in MONEY_TERMS else data[name]
            for name in services.EDITABLE_TERMS - {"issued_on", "valid_until", "currency"}
            if name in data
        }
        new_lines = sorted(lines.new_objects, key=lambda line: line.position)
        created = services.quote_revision_create(
            quote=data["quote"],
            user=user,
            issued_on=data["issued_on"],
            valid_until=data["valid_until"],
            currency=data["currency"],
            lines=[_line_data(line) for line in new_lines],
            **terms,
        )
        revision = form.instance
        revision.pk, revision.number, revision.status = created.pk, created.number, created.status
        revision._state.adding = False

    def _restate_lines(self, revision, user) -> None:
        """The amounts entered are in the revision's currency: after a change of currency,
        the lines left as they were are stated in the new one."""
        for line in revision.lines.exclude(unit_price_currency=revision.currency):
            services.quote_line_update(line=line, user=user, unit_price=line.unit_price.amount)

    def _save_lines(self, lines, user) -> None:
        for line in sorted(lines.new_objects, key=lambda line: line.position):
            services.quote_line_add(
                revision=line.revision,
                user=user,
                line=_line_data(line),
                position=line.position or None,
            )
        for line, changed in lines.changed_objects:
            changes = {
                name: line.unit_price.amount if name == "unit_price" else getattr(line, name)
                for name in changed
                if name in services.LINE_FIELDS
            }
            services.quote_line_update(line=line, user=user, **changes)
        for line in lines.deleted_objects:
            services.quote_line_delete(line=line, user=user)

    # Actions ----------------------------------------------------------------------------

    def _run_each(self, request, queryset, act, describe):
        revisions = list(queryset.select_related("quote__build").order_by("quote", "number"))
        for revision in revisions:
            try:
                done = act(revision)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, _refusal_text(error), messages.ERROR)
            else:
                if done is not None:  # None: the action asks first (a confirmation page)
                    self.message_user(request, describe(done), messages.SUCCESS)
        if request.POST.get("_from_change_page") and len(revisions) == 1:
            return HttpResponseRedirect(
                reverse("admin:quotes_quoterevision_change", args=[revisions[0].pk])
            )
        return None

    @admin.action(
        description=gettext_lazy("Receive: keep as the vendor sent it"), permissions=["change"]
    )
    def receive_revisions(self, request, queryset):
        """Receive each; a revision priced at a stale stored rate is received only once the
        buyer confirms it on a page that says which rate and why (nothing saved before)."""
        confirmed = bool(request.POST.get("_allow_stale_rate"))
        stale: list[tuple[QuoteRevision, str]] = []

        def receive(revision):
            try:
                return services.quote_revision_receive(
                    revision=revision, user=request.user, allow_stale_rate=confirmed
                )
            except ValidationError as error:
                message = _stale_rate_message(error)
                if message is None:
                    raise
                stale.append((revision, message))
                return None

        response = self._run_each(
            request,
            queryset,
            receive,
            lambda done: (
                _("%(revision)s received; its landed total of %(total)s is kept with it.")
                % {"revision": _label(done), "total": landed_text(done)}
            ),
        )
        if not stale:
            return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Receive at a stale exchange rate?"),
            "stale": stale,
            "from_change_page": request.POST.get("_from_change_page", ""),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/quotes/quoterevision/confirm_stale_rate.html", context
        )

    @admin.action(description=gettext_lazy("Accept (Approvers)"), permissions=["decide"])
    def accept_revisions(self, request, queryset):
        def describe(done):
            build = done.quote.build
            accepted = {"revision": _label(done), "total": landed_text(done)}
            if build is None:
                return _("%(revision)s accepted at a landed total of %(total)s.") % accepted
            return _(
                "%(revision)s accepted at a landed total of %(total)s; build %(build)s is chosen."
            ) % {**accepted, "build": build.code}

        return self._run_each(
            request,
            queryset,
            lambda revision: services.quote_revision_accept(revision=revision, user=request.user),
            describe,
        )

    @admin.action(description=gettext_lazy("Reject (Approvers)"), permissions=["decide"])
    def reject_revisions(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if request.POST.get("_confirm") and reason:
            return self._run_each(
                request,
                queryset,
                lambda revision: services.quote_revision_reject(
                    revision=revision, user=request.user, reason=reason
                ),
                lambda done: _("%(revision)s rejected.") % {"revision": _label(done)},
            )
        revisions = list(queryset.select_related("quote__vendor").order_by("quote", "number"))
        attach_prices(revisions)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Reject quote revisions"),
            "revisions": revisions,
            "reason_missing": bool(request.POST.get("_confirm")),
            "from_change_page": request.POST.get("_from_change_page", ""),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/quotes/quoterevision/reject_revisions.html", context
        )


from quotes import admin_requests  # noqa: E402, F401
