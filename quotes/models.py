"""Quotes and their revisions, exchange rates, and the tax and fee rules of landed cost."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from procurement.bounds import (
    MAX_FX_RATE,
    MAX_QUANTITY,
    MAX_SHIPPING,
    MAX_UNIT_PRICE,
    MAX_WARRANTY_YEARS,
    NOTE_MAX_LENGTH,
    AtMost,
    DateInRange,
    PlainText,
    bounded_text,
)
from procurement.history import audit_trail
from procurement.models import Build, BuildLine, Component, Vendor, VendorLanguage
from quotes.documents import document_path, document_storage, validate_vendor_document
from quotes.requests.rules import REASON_LENGTH, RequestStatus

# Prices that include VAT are Swiss prices: a foreign shop's VAT is never Swiss VAT.
GROSS_FOREIGN_PRICES = (
    "Prices include VAT only for a revision shipped from Switzerland (CH): a foreign shop's "
    "VAT is never Swiss VAT. Enter the net prices and the foreign VAT shown on the quote."
)
CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


class ExchangeRate(models.Model):
    """CHF per unit of a currency on a date. The rate for a date is the latest on or before it."""

    class Source(models.TextChoices):
        ECB = "ecb", _("ECB reference rate (crossed to CHF)")
        SEED = "seed", _("Implied by the research note's own conversions")
        MANUAL = "manual", _("Entered by hand")

    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    rate_date = models.DateField(_("rate date"), validators=[DateInRange("Rate date")])
    chf_per_unit = models.DecimalField(
        max_digits=14,
        decimal_places=6,
        validators=[AtMost("CHF per unit", MAX_FX_RATE)],
        verbose_name=_("CHF per unit"),
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-rate_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "rate_date"],
                name="exchange_rate_unique_per_day",
                violation_error_message=_(
                    "There is already a rate for this currency on this date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(chf_per_unit__gt=0),
                name="exchange_rate_positive",
                violation_error_message=_("An exchange rate must be more than 0."),
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = CHF {self.chf_per_unit} on {self.rate_date}"


class VatRate(models.Model):
    """Swiss VAT (standard rate), in force from `valid_from` until the next row."""

    valid_from = models.DateField(_("valid from"), unique=True)
    rate_percent = models.DecimalField(_("rate percent"), max_digits=5, decimal_places=2)
    import_vat_minimum_chf = models.DecimalField(
        _("import VAT minimum (CHF)"),
        max_digits=8,
        decimal_places=2,
        help_text=_("Import VAT of this amount or less is not collected."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name_plural = _("VAT rates")
        ordering = ["-valid_from"]
        verbose_name = _("VAT rate")
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0) & Q(rate_percent__lt=100),
                name="vat_rate_percent_range",
                violation_error_message=_("A VAT rate is a percentage from 0 to under 100."),
            ),
            models.CheckConstraint(
                condition=Q(import_vat_minimum_chf__gte=0),
                name="vat_rate_minimum_not_negative",
                violation_error_message=_("The import VAT minimum cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"VAT {self.rate_percent}% from {self.valid_from}"


class DutyRate(models.Model):
    """Swiss customs duty on a range of tariff chapters, in force from `valid_from`."""

    valid_from = models.DateField(_("valid from"))
    chapter_from = models.PositiveSmallIntegerField(_("chapter from"), default=25)
    chapter_to = models.PositiveSmallIntegerField(_("chapter to"), default=97)
    rate_percent = models.DecimalField(_("rate percent"), max_digits=5, decimal_places=2)
    description = models.CharField(_("description"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("duty rate")
        verbose_name_plural = _("duty rates")
        ordering = ["-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["valid_from", "chapter_from", "chapter_to"],
                name="duty_rate_unique",
                violation_error_message=_(
                    "There is already a duty rate for these chapters from this date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0),
                name="duty_rate_not_negative",
                violation_error_message=_("A duty rate cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(chapter_to__gte=F("chapter_from")),
                name="duty_rate_chapter_range",
                violation_error_message=_("The last tariff chapter cannot be before the first."),
            ),
        ]

    def __str__(self) -> str:
        return f"Duty {self.rate_percent}% (chapters {self.chapter_from}-{self.chapter_to}) from {self.valid_from}"


class Carrier(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=80)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClearanceFeeSchedule(models.Model):
    """A carrier's customs clearance fee: clamp(base + percent x basis, minimum, maximum).

    The base is `nearby_base_fee_chf` for goods shipped from `nearby_countries`, and
    `base_fee_above_threshold_chf` when the customs value is above `value_threshold_chf`;
    the percentage part is at least `minimum_percent_fee_chf` when it has one.
    """

    class Basis(models.TextChoices):
        CUSTOMS_VALUE = "customs_value", _("customs value")
        CUSTOMS_VALUE_PLUS_DUTY = "customs_value_plus_duty", _("customs value + duty")
        DUTY_PLUS_IMPORT_VAT = "duty_plus_import_vat", _("duty + import VAT")
        IMPORT_VAT = "import_vat", _("import VAT")

    carrier = models.ForeignKey(
        Carrier, on_delete=models.CASCADE, related_name="fee_schedules", verbose_name=_("carrier")
    )
    valid_from = models.DateField(_("valid from"))
    basis = models.CharField(_("basis"), max_length=30, choices=Basis.choices)
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2)
    base_fee_chf = models.DecimalField(
        _("base fee (CHF)"), max_digits=8, decimal_places=2, default=0
    )
    nearby_base_fee_chf = models.DecimalField(
        _("nearby base fee (CHF)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    nearby_countries = models.CharField(
        _("nearby countries"),
        max_length=100,
        blank=True,
        help_text=_("ISO codes separated by commas, e.g. AT,DE,FR,IT."),
    )
    value_threshold_chf = models.DecimalField(
        _("value threshold (CHF)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    base_fee_above_threshold_chf = models.DecimalField(
        _("base fee above threshold (CHF)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    minimum_percent_fee_chf = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        verbose_name="minimum of the percentage part (CHF)",
        help_text="The percentage part of the fee is at least this (DHL: 2%, at least 3.00).",
    )
    minimum_fee_chf = models.DecimalField(
        _("minimum fee (CHF)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    maximum_fee_chf = models.DecimalField(
        _("maximum fee (CHF)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=300)
    seen_on = models.DateField(_("seen on"))
    verified = models.BooleanField(_("verified"), default=False)

    class Meta:
        verbose_name = _("clearance fee schedule")
        verbose_name_plural = _("clearance fee schedules")
        ordering = ["carrier", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "valid_from"],
                name="fee_schedule_unique_per_day",
                violation_error_message=_("This carrier already has a schedule from this date."),
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(base_fee_chf__gte=0),
                name="fee_schedule_not_negative",
                violation_error_message=_("Fees and percentages cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(minimum_fee_chf__isnull=True)
                | Q(maximum_fee_chf__isnull=True)
                | Q(maximum_fee_chf__gte=F("minimum_fee_chf")),
                name="fee_schedule_min_below_max",
                violation_error_message=_("The maximum fee cannot be below the minimum fee."),
            ),
            models.CheckConstraint(
                condition=Q(value_threshold_chf__isnull=True)
                | Q(base_fee_above_threshold_chf__isnull=False),
                name="fee_schedule_threshold_has_fee",
                violation_error_message=_("A value threshold needs the base fee above it."),
            ),
        ]

    def __str__(self) -> str:
        flag = "verified" if self.verified else "unverified"
        return f"{self.carrier} from {self.valid_from} ({flag})"


class Quote(models.Model):
    """A vendor's offer, kept as numbered revisions."""

    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("vendor")
    )
    reference = models.CharField(
        _("reference"),
        max_length=60,
        unique=True,
        validators=[PlainText("Reference")],
        help_text=_("The vendor's reference."),
    )
    build = models.ForeignKey(
        Build,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quotes",
        help_text=_("The build this quote offers, if any."),
        verbose_name=_("build"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_quotes",
        verbose_name=_("owner"),
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="watched_quotes",
        verbose_name=_("watchers"),
    )
    is_estimate = models.BooleanField(
        _("is estimate"),
        default=False,
        help_text=_("Priced from published ranges, not an offer from the vendor."),
    )
    note = models.TextField(_("note"), blank=True, validators=bounded_text("Note", NOTE_MAX_LENGTH))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = audit_trail(m2m_fields=[watchers])

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.vendor} {self.reference}"


class QuoteRevision(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RECEIVED = "received", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")
        SUPERSEDED = "superseded", _("Superseded")

    quote = models.ForeignKey(
        Quote, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("quote")
    )
    number = models.PositiveIntegerField(_("number"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    issued_on = models.DateField(_("issued on"), validators=[DateInRange("Issued on")])
    valid_until = models.DateField(_("valid until"), validators=[DateInRange("Valid until")])
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="CHF"
    )
    prices_include_vat = models.BooleanField(
        default=False,
        verbose_name=_("prices include VAT"),
        help_text=_("Swiss prices with VAT included."),
    )
    foreign_vat = MoneyField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        default_currency="EUR",
        validators=[AtMost("Foreign VAT", MAX_UNIT_PRICE)],
        verbose_name=_("foreign VAT"),
        help_text=_("Foreign VAT shown on the quote; left out of the landed cost."),
    )
    ship_from = models.CharField(
        _("ship from"), max_length=2, default="CH", help_text=_("ISO country code.")
    )
    carrier = models.ForeignKey(
        Carrier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("carrier"),
    )
    shipping = MoneyField(
        _("shipping"),
        max_digits=12,
        decimal_places=2,
        default=0,
        default_currency="CHF",
        validators=[AtMost("Shipping", MAX_SHIPPING)],
    )
    warranty_years = models.PositiveSmallIntegerField(
        _("warranty years"),
        null=True,
        blank=True,
        validators=[AtMost("Warranty years", MAX_WARRANTY_YEARS)],
        help_text=_("Years of warranty chosen; empty for the included term."),
    )
    fx_rate = models.DecimalField(
        max_digits=14,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[AtMost("Exchange rate", MAX_FX_RATE)],
        verbose_name=_("exchange rate (CHF per unit)"),
        help_text=_("Kept with the revision once received; empty to use the stored rate."),
    )
    fx_rate_date = models.DateField(null=True, blank=True, verbose_name=_("exchange rate date"))
    fx_rate_source = models.CharField(
        max_length=60, blank=True, verbose_name=_("exchange rate source")
    )
    attachment = models.FileField(
        upload_to=document_path,
        storage=document_storage,
        validators=[validate_vendor_document],
        blank=True,
        verbose_name=_("vendor's quote (PDF)"),
        help_text=_("The vendor's own document: a PDF of at most 20 MB."),
    )
    note = models.TextField(_("note"), blank=True, validators=bounded_text("Note", NOTE_MAX_LENGTH))
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rejected by"),
    )
    paid_on = models.DateField(
        _("paid on"),
        null=True,
        blank=True,
        help_text=_(
            "The day the vendor was paid: from then on the money no longer moves with the "
            "exchange rate."
        ),
    )
    rejection_reason = models.TextField(
        _("rejection reason"),
        blank=True,
        validators=bounded_text("Reason for the rejection", NOTE_MAX_LENGTH),
    )
    landed_total_chf = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, verbose_name=_("landed total (CHF)")
    )
    landed_net_chf = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, verbose_name=_("net of VAT (CHF)")
    )
    landed_breakdown = models.JSONField(
        _("landed breakdown"), null=True, blank=True, editable=False
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = audit_trail()

    class Meta:
        verbose_name = _("quote revision")
        verbose_name_plural = _("quote revisions")
        ordering = ["quote", "-number"]
        indexes = [models.Index(fields=["status", "valid_until"], name="revision_status_valid")]
        permissions = [("decide_quoterevision", "Can accept or reject quote revisions")]
        constraints = [
            models.UniqueConstraint(
                fields=["quote"],
                condition=Q(status="received"),
                name="revision_one_open_per_quote",
                violation_error_message=_(
                    "This quote already has an open received revision; "
                    "receiving a new one supersedes it."
                ),
            ),
            models.UniqueConstraint(
                fields=["quote"],
                condition=Q(status="accepted"),
                name="revision_one_accepted_per_quote",
                violation_error_message=_("This quote already has an accepted revision."),
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(accepted_at__isnull=False),
                name="revision_accepted_has_time",
                violation_error_message=_("An accepted revision records when it was accepted."),
            ),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | Q(accepted_at__isnull=False),
                name="revision_paid_was_accepted",
                violation_error_message=_("Only an accepted revision is paid."),
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected")
                | (Q(rejected_at__isnull=False) & ~Q(rejection_reason="")),
                name="revision_rejected_has_reason",
                violation_error_message=_(
                    "A rejected revision records when and why it was rejected."
                ),
            ),
            models.UniqueConstraint(
                fields=["quote", "number"],
                name="revision_unique_number",
                violation_error_message=_("This quote already has a revision with this number."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="revision_number_positive",
                violation_error_message=_("Revision numbers start at 1."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("issued_on")),
                name="revision_valid_after_issued",
                violation_error_message=_(
                    "A quote cannot be valid until a date before it was issued."
                ),
            ),
            models.CheckConstraint(
                condition=Q(shipping__gte=0),
                name="revision_shipping_not_negative",
                violation_error_message=_("Shipping cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(shipping_currency=F("currency")),
                name="revision_shipping_in_quote_currency",
                violation_error_message=_("Shipping must be in the revision's currency."),
            ),
            models.CheckConstraint(
                condition=Q(foreign_vat__isnull=True) | Q(foreign_vat__gte=0),
                name="revision_foreign_vat_not_negative",
                violation_error_message=_("Foreign VAT cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(fx_rate__isnull=True) | Q(fx_rate__gt=0),
                name="revision_fx_rate_positive",
                violation_error_message=_("An exchange rate must be more than 0."),
            ),
            models.CheckConstraint(
                condition=Q(prices_include_vat=False) | Q(ship_from__in=["CH", "ch"]),
                name="revision_gross_prices_only_from_ch",
                violation_error_message=GROSS_FOREIGN_PRICES,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quote.reference} rev. {self.number}"

    def clean(self) -> None:
        super().clean()
        if self.prices_include_vat and (self.ship_from or "").upper() != "CH":
            raise ValidationError(
                {"prices_include_vat": GROSS_FOREIGN_PRICES}, code="gross_foreign_prices"
            )


class QuoteLine(models.Model):
    revision = models.ForeignKey(
        QuoteRevision, on_delete=models.CASCADE, related_name="lines", verbose_name=_("revision")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    component = models.ForeignKey(
        Component,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quote_lines",
        verbose_name=_("component"),
    )
    build_line = models.ForeignKey(
        BuildLine,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quote_lines",
        help_text=_("The build line this quote line sources, if any."),
        verbose_name=_("build line"),
    )
    description = models.CharField(
        _("description"), max_length=200, validators=[PlainText("Description")]
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[AtMost("Quantity", MAX_QUANTITY)]
    )
    unit_price = MoneyField(
        _("unit price"),
        max_digits=12,
        decimal_places=2,
        default_currency="CHF",
        validators=[AtMost("Unit price", MAX_UNIT_PRICE)],
    )
    history = audit_trail()

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["revision", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1),
                name="quote_line_quantity_positive",
                violation_error_message=_("A quantity is at least 1."),
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="quote_line_price_not_negative",
                violation_error_message=_("A unit price cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.description}"


class QuoteRequest(models.Model):
    """A request for quotation: a build's parts asked of one vendor, by e-mail, with the text
    as sent kept. Written and moved only by quotes.requests.services, along
    quotes.requests.rules."""

    Status = RequestStatus

    build = models.ForeignKey(
        Build, on_delete=models.PROTECT, related_name="quote_requests", verbose_name=_("build")
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="quote_requests", verbose_name=_("vendor")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quote_requests",
        verbose_name=_("requested by"),
    )
    sent_at = models.DateTimeField(_("sent"))
    answer_by = models.DateField(_("answer wanted by"))
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.SENT
    )
    answer = models.ForeignKey(
        QuoteRevision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answered_requests",
        verbose_name=_("answered by"),
        help_text=_("The received quote revision that answers this request."),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    decline_reason = models.CharField(
        _("reason for declining"), max_length=REASON_LENGTH, blank=True
    )
    closed_at = models.DateTimeField(_("declined or lapsed"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=VendorLanguage.choices)
    address = models.EmailField(_("sent to"))
    email_subject = models.CharField(_("e-mail subject"), max_length=200)
    email_body = models.TextField(_("e-mail text"))
    emailed_at = models.DateTimeField(
        _("taken by the mail server"),
        null=True,
        blank=True,
        help_text=_("Empty while the e-mail has not left, or if the mail server refused it."),
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("request for quotation")
        verbose_name_plural = _("requests for quotation")
        constraints = [
            models.UniqueConstraint(
                fields=["build", "vendor"],
                condition=Q(status="sent"),
                name="quote_request_one_open_per_vendor",
                violation_error_message=_(
                    "This vendor already has an open request for this build."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status="answered", answered_at__isnull=False)
                | (~Q(status="answered") & Q(answered_at__isnull=True)),
                name="quote_request_answered_has_time",
                violation_error_message=_("A request has an answer time exactly when answered."),
            ),
            models.CheckConstraint(
                condition=Q(status="declined") & ~Q(decline_reason="")
                | ~Q(status="declined") & Q(decline_reason=""),
                name="quote_request_declined_has_reason",
                violation_error_message=_("A declined request needs the vendor's reason."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["declined", "lapsed"], closed_at__isnull=False)
                | (~Q(status__in=["declined", "lapsed"]) & Q(closed_at__isnull=True)),
                name="quote_request_closed_has_time",
                violation_error_message=_(
                    "A request has a closing time exactly when declined or lapsed."
                ),
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "sent_at"],
                condition=Q(status="sent"),
                name="quote_request_open",
            )
        ]

    def __str__(self) -> str:
        return str(
            _("Request to %(vendor)s for %(build)s")
            % {"vendor": self.vendor.name, "build": self.build.slug}
        )
