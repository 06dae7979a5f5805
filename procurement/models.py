"""Vendors, the component catalog, price observations, the buyer's brief, builds, and the
orders, deliveries and calendar feeds that follow a chosen build."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Upper
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from procurement.bounds import (
    MAX_QUANTITY,
    NOTE_MAX_LENGTH,
    UNPRINTED_NOTE_MAX_LENGTH,
    AtMost,
    DateInRange,
    PlainText,
    bounded_text,
)
from procurement.build_flow import BuildStatus
from procurement.formats import swiss_date
from procurement.history import audit_trail
from procurement.order_flow import (
    ARRIVED,
    CANCELLABLE,
    EXITS,
    FLOW,
    STEP_DATE_FIELD,
    LineStatus,
    is_late,
)


class VendorLanguage(models.TextChoices):
    GERMAN = "de", _("German")
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class Vendor(models.Model):
    class Kind(models.TextChoices):
        INTEGRATOR = "integrator", _("System integrator")
        RETAILER = "retailer", _("Retailer")
        AGGREGATOR = "aggregator", _("Price aggregator")
        MANUFACTURER = "manufacturer", _("Manufacturer")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        QUOTE_ON_REQUEST = "quote_on_request", _("Quote on request")
        DISCONTINUED = "discontinued", _("Discontinued")
        NO_CH_SHIPPING = "no_ch_shipping", _("Does not ship to Switzerland")

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = models.CharField(
        _("country"), max_length=2, help_text=_("ISO 3166 code, e.g. CH, DE, US.")
    )
    default_currency = models.CharField(
        _("default currency"),
        max_length=3,
        default="CHF",
        help_text="A new quote revision starts in this currency.",
    )
    ships_from = models.CharField(
        max_length=2,
        blank=True,
        verbose_name="ships from",
        help_text="ISO code of the country its parcels leave from; empty: its own country. "
        "A new quote revision starts with it.",
    )
    default_carrier = models.ForeignKey(
        "quotes.Carrier",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="default carrier",
        help_text="The carrier a new quote revision starts with.",
    )
    website = models.URLField(_("website"), blank=True)
    contact = models.CharField(
        _("contact"), max_length=200, blank=True, validators=[PlainText("Contact")]
    )
    contact_email = models.EmailField(
        _("contact e-mail"),
        blank=True,
        help_text=_("Where requests for quotation are sent."),
    )
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=VendorLanguage.choices,
        default=VendorLanguage.ENGLISH,
        help_text=_("The language requests for quotation are written in."),
    )
    follow_ups_to_vendor = models.BooleanField(
        _("follow-ups to the vendor"),
        default=False,
        help_text=_(
            "A request left unanswered is followed up with the vendor itself; otherwise the "
            "buyer who sent it is reminded."
        ),
    )
    ships_to_switzerland = models.BooleanField(_("ships to Switzerland"), default=True)
    suits_brief = models.BooleanField(
        _("suits brief"),
        default=True,
        help_text=_("Offers what the buyer's brief needs (multi-GPU systems, enough VRAM)."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    discontinued_on = models.DateField(
        _("discontinued on"),
        null=True,
        blank=True,
        help_text=_("For a discontinued vendor: since when."),
    )
    status_reason = models.TextField(
        validators=bounded_text("Reason", UNPRINTED_NOTE_MAX_LENGTH),
        blank=True,
        help_text="Why the vendor is or is not an option for this purchase.",
    )
    lead_time_days = models.PositiveSmallIntegerField(
        _("lead time days"),
        null=True,
        blank=True,
        help_text=_("Standard lead time in business days."),
    )
    warranty_years_included = models.PositiveSmallIntegerField(
        _("warranty years included"), default=0
    )
    notes = models.TextField(
        _("notes"), blank=True, validators=bounded_text("Notes", UNPRINTED_NOTE_MAX_LENGTH)
    )

    class Meta:
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="discontinued") | Q(discontinued_on__isnull=False),
                name="vendor_discontinued_has_date",
                violation_error_message=_(
                    "A discontinued vendor needs the date it stopped selling."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status="no_ch_shipping") | Q(ships_to_switzerland=False),
                name="vendor_no_ch_shipping_consistent",
                violation_error_message=_(
                    "A vendor that does not ship to Switzerland cannot be "
                    "marked as shipping to Switzerland."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def default_ship_from(self) -> str:
        return (self.ships_from or self.country).upper()

    @property
    def is_option(self) -> bool:
        return (
            self.ships_to_switzerland
            and self.suits_brief
            and self.status
            in (
                self.Status.ACTIVE,
                self.Status.QUOTE_ON_REQUEST,
            )
        )


class WarrantyOption(models.Model):
    """A warranty term a vendor sells beyond what it includes, priced as % of goods."""

    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, related_name="warranty_options", verbose_name=_("vendor")
    )
    years = models.PositiveSmallIntegerField(_("years"), validators=[MinValueValidator(1)])
    surcharge_percent = models.DecimalField(
        _("surcharge percent"),
        max_digits=5,
        decimal_places=2,
        help_text=_("Price of this term as a percentage of the goods."),
    )

    class Meta:
        verbose_name = _("warranty option")
        verbose_name_plural = _("warranty options")
        ordering = ["vendor", "years"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "years"],
                name="warranty_option_unique_years",
                violation_error_message=_(
                    "This vendor already has a warranty option for these years."
                ),
            ),
            models.CheckConstraint(
                condition=Q(years__gte=1),
                name="warranty_option_years_positive",
                violation_error_message=_("A warranty term is at least one year."),
            ),
            models.CheckConstraint(
                condition=Q(surcharge_percent__gte=0),
                name="warranty_option_surcharge_not_negative",
                violation_error_message=_("A warranty surcharge cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.years} years (+{self.surcharge_percent}%)"


class Component(models.Model):
    class Category(models.TextChoices):
        GPU = "gpu", _("GPU")
        CPU = "cpu", _("CPU")
        MOTHERBOARD = "motherboard", _("Motherboard")
        RAM = "ram", _("RAM")
        PSU = "psu", _("PSU")
        CASE = "case", _("Case")
        COOLER = "cooler", _("Cooler")
        STORAGE = "storage", _("Storage")
        MISC = "misc", _("Misc")

    slug = models.SlugField(_("slug"), unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    manufacturer = models.CharField(_("manufacturer"), max_length=80)
    model = models.CharField(_("model"), max_length=160)
    part_number = models.CharField(_("part number"), max_length=80, blank=True)
    vram_gb = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("VRAM (GB)"))
    memory_bandwidth_gbs = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("memory bandwidth (GB/s)")
    )
    tdp_w = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("TDP (W)"))
    psu_rating_w = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("PSU rating (W)")
    )
    slot_width = models.DecimalField(
        _("slot width"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    nvlink = models.BooleanField(default=False, verbose_name=_("NVLink"))
    pcie_lanes = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("PCIe lanes"))
    pcie_generation = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("PCIe generation")
    )
    ecc = models.BooleanField(default=False, verbose_name=_("ECC"))
    specs = models.JSONField(
        _("specs"), default=dict, blank=True, help_text=_("Other specifications.")
    )
    discontinued_on = models.DateField(
        _("discontinued on"),
        null=True,
        blank=True,
        help_text=_(
            "For a part no longer sold: since when. It stays for the builds, quotes, "
            "orders and prices that name it."
        ),
    )
    notes = models.TextField(
        _("notes"), blank=True, validators=bounded_text("Notes", UNPRINTED_NOTE_MAX_LENGTH)
    )

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        ordering = ["category", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(vram_gb__isnull=True) | Q(vram_gb__gt=0),
                name="component_vram_positive",
                violation_error_message=_("VRAM must be more than 0 GB."),
            ),
            models.CheckConstraint(
                condition=Q(psu_rating_w__isnull=True) | Q(psu_rating_w__gt=0),
                name="component_psu_rating_positive",
                violation_error_message=_("A PSU rating must be more than 0 W."),
            ),
            models.CheckConstraint(
                condition=Q(slot_width__isnull=True) | Q(slot_width__gt=0),
                name="component_slot_width_positive",
                violation_error_message=_("A slot width must be more than 0."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer} {self.model}"


class PriceObservation(models.Model):
    """A price seen at a shop on a date."""

    component = models.ForeignKey(
        Component,
        on_delete=models.CASCADE,
        related_name="price_observations",
        verbose_name=_("component"),
    )
    vendor = models.ForeignKey(
        Vendor,
        on_delete=models.PROTECT,
        related_name="price_observations",
        verbose_name=_("vendor"),
    )
    price = MoneyField(_("price"), max_digits=12, decimal_places=2, default_currency="CHF")
    observed_on = models.DateField(_("observed on"), validators=[DateInRange("Observed on")])
    url = models.URLField(_("URL"), max_length=400, blank=True)
    in_stock = models.BooleanField(_("in stock"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True, validators=[PlainText("Note")])
    recorded_at = models.DateTimeField(
        default=timezone.now, editable=False, help_text="When the product learnt the price."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("price observation")
        verbose_name_plural = _("price observations")
        ordering = ["component", "observed_on", "price"]
        indexes = [
            models.Index(fields=["component", "vendor", "observed_on"], name="price_obs_history")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="price_observation_price_not_negative",
                violation_error_message=_("A price cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.component} at {self.vendor} on {swiss_date(self.observed_on)}: {self.price}"


class Requirements(models.Model):
    """The buyer's brief, against which builds and quotes are judged."""

    class Noise(models.TextChoices):
        QUIET = "quiet", _("Quiet")
        MODERATE = "moderate", _("Moderate")
        LOUD = "loud", _("Loud")
        VERY_LOUD = "very_loud", _("Very loud")

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=120)
    budget_min = MoneyField(
        _("budget min"), max_digits=12, decimal_places=2, default_currency="CHF"
    )
    budget_max = MoneyField(
        _("budget max"), max_digits=12, decimal_places=2, default_currency="CHF"
    )
    vram_min_gb = models.PositiveIntegerField(verbose_name=_("VRAM minimum (GB)"))
    vram_max_gb = models.PositiveIntegerField(verbose_name=_("VRAM maximum (GB)"))
    circuit_watts = models.PositiveIntegerField(
        _("circuit watts"),
        help_text=_("Wall power one circuit carries (Swiss 10 A / 230 V: 2,300 W)."),
    )
    noise_tolerance = models.CharField(_("noise tolerance"), max_length=20, choices=Noise.choices)
    throughput_min_tok_s = models.PositiveIntegerField(
        verbose_name=_("throughput target from (tok/s)")
    )
    throughput_max_tok_s = models.PositiveIntegerField(
        verbose_name=_("throughput target to (tok/s)")
    )
    throughput_model = models.CharField(
        max_length=80,
        default="GPT-OSS-120B",
        verbose_name=_("throughput measured with"),
        help_text=_(
            "The model whose tokens per second the target counts (the acceptance "
            "benchmark runs it)."
        ),
    )
    vat_registered = models.BooleanField(
        _("VAT registered"),
        default=False,
        help_text=_("A VAT-registered buyer recovers import VAT."),
    )
    electricity_tariff = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.2770"),
        validators=[
            MinValueValidator(Decimal("0.0001"), "The electricity tariff is more than 0."),
            MaxValueValidator(Decimal("5"), "The electricity tariff is at most CHF 5 per kWh."),
        ],
        verbose_name="electricity tariff (CHF per kWh)",
        help_text="What a kWh costs where the machine runs, all charges and VAT included.",
    )
    electricity_tariff_source = models.CharField(
        max_length=200,
        validators=[PlainText("Source of the electricity tariff")],
        default="ElCom 2026 median household tariff, profile H4",
        verbose_name="source of the electricity tariff",
    )
    electricity_tariff_as_of = models.DateField(
        default=date(2026, 1, 1),
        validators=[DateInRange("Electricity tariff as of")],
        verbose_name="electricity tariff as of",
        help_text="The day from which the tariff applies.",
    )
    hours_under_load_per_day = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        default=Decimal("8.0"),
        validators=[
            MinValueValidator(Decimal("0"), "The hours a day under load cannot be negative."),
            MaxValueValidator(Decimal("24"), "The hours a day under load are at most 24."),
        ],
        verbose_name="hours a day under load",
    )
    hours_idle_per_day = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        default=Decimal("16.0"),
        validators=[
            MinValueValidator(Decimal("0"), "The hours a day idle cannot be negative."),
            MaxValueValidator(Decimal("24"), "The hours a day idle are at most 24."),
        ],
        verbose_name="hours a day idle",
        help_text="Hours a day the machine is on but not under load (a headless server is on "
        "around the clock: 24 less the hours under load).",
    )
    years_counted = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, "The years counted are at least 1."),
            MaxValueValidator(20, "The years counted are at most 20."),
        ],
        verbose_name="years of running counted",
        help_text="Empty: the warranty years of each option, else 3.",
    )
    notes = models.TextField(
        _("notes"), blank=True, validators=bounded_text("Notes", UNPRINTED_NOTE_MAX_LENGTH)
    )

    class Meta:
        verbose_name = _("requirements")
        verbose_name_plural = _("requirements")
        constraints = [
            models.CheckConstraint(
                condition=Q(electricity_tariff__gt=0),
                name="requirements_tariff_positive",
                violation_error_message="The electricity tariff is more than 0.",
            ),
            models.CheckConstraint(
                condition=Q(hours_under_load_per_day__gte=0)
                & Q(hours_idle_per_day__gte=0)
                & Q(hours_under_load_per_day__lte=24 - F("hours_idle_per_day")),
                name="requirements_hours_in_a_day",
                violation_error_message="The hours a day under load and idle add up to at most 24.",
            ),
            models.CheckConstraint(
                condition=Q(budget_min__gte=0) & Q(budget_max__gte=models.F("budget_min")),
                name="requirements_budget_range",
                violation_error_message=_(
                    "The budget range must run from a non-negative minimum "
                    "up to a maximum not below it."
                ),
            ),
            models.CheckConstraint(
                condition=Q(vram_max_gb__gte=models.F("vram_min_gb")),
                name="requirements_vram_range",
                violation_error_message=_("The VRAM maximum cannot be below the minimum."),
            ),
            models.CheckConstraint(
                condition=Q(throughput_max_tok_s__gte=models.F("throughput_min_tok_s")),
                name="requirements_throughput_range",
                violation_error_message=_(
                    "The throughput target's upper end cannot be below its lower end."
                ),
            ),
            models.CheckConstraint(
                condition=Q(circuit_watts__gt=0),
                name="requirements_circuit_positive",
                violation_error_message=_("A circuit carries more than 0 W."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Build(models.Model):
    """A configuration: components and quantities with estimated prices."""

    # Set only by the build services, along procurement.build_flow.
    Status = BuildStatus

    slug = models.SlugField(_("slug"), unique=True)
    code = models.CharField(
        _("code"), max_length=10, help_text=_("The research note's name, e.g. 2.0 or E'.")
    )
    name = models.CharField(_("name"), max_length=160)
    description = models.TextField(
        _("description"), blank=True, validators=bounded_text("Description", NOTE_MAX_LENGTH)
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CANDIDATE
    )
    requirements = models.ForeignKey(
        Requirements,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="builds",
        verbose_name=_("requirements"),
    )
    noise_class = models.CharField(
        _("noise class"),
        max_length=20,
        choices=Requirements.Noise.choices,
        default=Requirements.Noise.MODERATE,
    )
    system_power_w = models.PositiveIntegerField(
        _("system power (W)"),
        default=0,
        help_text=_("Power drawn under full GPU load besides the GPUs' TDP (CPU, board, drives)."),
    )
    seed_estimate = MoneyField(
        _("seed estimate"),
        max_digits=12,
        decimal_places=2,
        default_currency="CHF",
        null=True,
        blank=True,
        help_text=_("The total the research note gives, rounded as it was written."),
    )
    notes = models.TextField(
        _("notes"), blank=True, validators=bounded_text("Notes", UNPRINTED_NOTE_MAX_LENGTH)
    )

    class Meta:
        verbose_name = _("build")
        verbose_name_plural = _("builds")
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class BuildLine(models.Model):
    build = models.ForeignKey(
        Build, on_delete=models.CASCADE, related_name="lines", verbose_name=_("build")
    )
    component = models.ForeignKey(
        Component, on_delete=models.PROTECT, related_name="build_lines", verbose_name=_("component")
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    estimated_unit_price = MoneyField(
        _("estimated unit price"), max_digits=12, decimal_places=2, default_currency="CHF"
    )
    note = models.CharField(_("note"), max_length=200, blank=True, validators=[PlainText("Note")])
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("build line")
        verbose_name_plural = _("build lines")
        ordering = ["build", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1),
                name="build_line_quantity_positive",
                violation_error_message=_("A quantity is at least 1."),
            ),
            models.CheckConstraint(
                condition=Q(estimated_unit_price__gte=0),
                name="build_line_price_not_negative",
                violation_error_message=_("An estimated price cannot be negative."),
            ),
            models.UniqueConstraint(
                fields=["build", "component"],
                name="build_line_unique_component",
                violation_error_message=_(
                    "This component is already a line of the build; change its quantity instead."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.build.slug}: {self.quantity} x {self.component}"

    @property
    def estimated_total(self):
        return self.estimated_unit_price * self.quantity


class PriceTarget(models.Model):
    """The price at which a part of a build is worth buying: when a shop's price at or below
    it is recorded, its owner is told once (the price alert notice)."""

    build = models.ForeignKey(Build, on_delete=models.CASCADE, related_name="price_targets")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="price_targets")
    target_price = MoneyField(
        max_digits=12,
        decimal_places=2,
        default_currency="CHF",
        currency_choices=[("CHF", "CHF")],
        help_text="A unit price in CHF, VAT included, as Swiss shops show it.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="price_targets",
        help_text="Who is told when the price is reached.",
    )
    set_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["build", "component"]
        constraints = [
            models.UniqueConstraint(
                fields=["build", "component"],
                name="price_target_one_per_part",
                violation_error_message="This part of the build already has a target price; "
                "change it instead.",
            ),
            models.CheckConstraint(
                condition=Q(target_price__gt=0),
                name="price_target_positive",
                violation_error_message="A target price is more than 0.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.component} for {self.build.slug} at {self.target_price}"


class EstimateRefresh(models.Model):
    """A build's estimate refreshed from the latest shop prices: the totals before and after
    and each line's change, kept as history."""

    build = models.ForeignKey(Build, on_delete=models.CASCADE, related_name="estimate_refreshes")
    refreshed_at = models.DateTimeField(default=timezone.now, editable=False)
    refreshed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    old_total_chf = models.DecimalField(max_digits=12, decimal_places=2, editable=False)
    new_total_chf = models.DecimalField(max_digits=12, decimal_places=2, editable=False)
    changes = models.JSONField(
        default=list, editable=False, help_text="Each line changed: part, old and new price."
    )

    class Meta:
        ordering = ["build", "-refreshed_at", "-id"]
        verbose_name_plural = "estimate refreshes"

    def __str__(self) -> str:
        return (
            f"{self.build.slug} on {self.refreshed_at:%d.%m.%Y}: CHF {self.old_total_chf} to "
            f"CHF {self.new_total_chf}"
        )


class Order(models.Model):
    """What the buyer orders from one vendor for a build: from an accepted quote revision,
    or by hand for parts bought elsewhere."""

    build = models.ForeignKey(
        Build, on_delete=models.PROTECT, related_name="orders", verbose_name=_("build")
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="orders", verbose_name=_("vendor")
    )
    revision = models.OneToOneField(
        "quotes.QuoteRevision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order",
        help_text=_(
            "The accepted quote revision this order was made from; empty for an order "
            "entered by hand."
        ),
        verbose_name=_("revision"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        help_text=_("Who is told when a delivery is late."),
        verbose_name=_("owner"),
    )
    currency = models.CharField(_("currency"), max_length=3, default="CHF")
    ship_from = models.CharField(
        _("ship from"),
        max_length=2,
        default="CH",
        help_text=_("ISO country code the parts ship from; parts from abroad pass customs."),
    )
    vendor_reference = models.CharField(
        _("vendor reference"), max_length=80, blank=True, help_text=_("The vendor's order number.")
    )
    note = models.TextField(_("note"), blank=True, validators=bounded_text("Note", NOTE_MAX_LENGTH))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["build", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(Exact(Length("ship_from"), 2)) & Q(ship_from=Upper("ship_from")),
                name="order_ship_from_country_code",
                violation_error_message=_(
                    "The country parts ship from is a two-letter code such as CH or DE."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk} from {self.vendor} for {self.build.slug}"

    @property
    def crosses_border(self) -> bool:
        return self.ship_from != "CH"


def _check(condition: Q, name: str, message: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=condition, name=f"order_line_{name}", violation_error_message=message
    )


def _date_set(step: LineStatus) -> Q:
    return Q(**{f"{STEP_DATE_FIELD[step]}__isnull": False})


def _order_line_row_rules() -> list[models.CheckConstraint]:
    s = LineStatus
    exits, arrived = sorted(EXITS), sorted(ARRIVED)
    return [
        _check(Q(status__in=s.values), "status_known", "Unknown order line status."),
        _check(Q(quantity__gte=1), "quantity_positive", "A quantity is at least 1."),
        _check(
            Q(quantity_received__gte=0) & Q(quantity_received__lte=F("quantity")),
            "received_within_quantity",
            "More units cannot be received than were ordered.",
        ),
        _check(
            Q(unit_price__isnull=True) | Q(unit_price__gte=0),
            "price_not_negative",
            "A unit price cannot be negative.",
        ),
        _check(
            (Q(status__in=exits) & ~Q(exit_reason="")) | (~Q(status__in=exits) & Q(exit_reason="")),
            "exit_has_reason",
            "A cancelled or returned line needs the reason, and only such a line has one.",
        ),
        _check(
            ~Q(status__in=arrived) | Q(quantity_received=F("quantity")),
            "arrived_fully_received",
            "A delivered line has received every unit ordered.",
        ),
        _check(
            ~Q(status__in=sorted([*CANCELLABLE, s.CANCELLED])) | Q(quantity_received=0),
            "unshipped_received_nothing",
            "Nothing can have been received of a line that has not shipped.",
        ),
    ]


# The steps whose dates a line in each status has (customs is optional: parts shipped within
# Switzerland skip it).
DATED_STEPS: dict[LineStatus, list[LineStatus]] = {
    LineStatus.ORDERED: [LineStatus.ORDERED],
    LineStatus.CONFIRMED: [LineStatus.ORDERED, LineStatus.CONFIRMED],
    LineStatus.SHIPPED: [LineStatus.ORDERED, LineStatus.CONFIRMED, LineStatus.SHIPPED],
    LineStatus.AT_CUSTOMS: [*FLOW[1:5]],
    LineStatus.DELIVERED: [*FLOW[1:4], LineStatus.DELIVERED],
    LineStatus.INSTALLED: [*FLOW[1:4], LineStatus.DELIVERED, LineStatus.INSTALLED],
    LineStatus.CANCELLED: [LineStatus.CANCELLED],
    LineStatus.RETURNED: [LineStatus.SHIPPED, LineStatus.RETURNED],
}

# Pairs of steps dated in this order when both happened.
STEPS_IN_ORDER: list[tuple[LineStatus, LineStatus]] = [
    (LineStatus.ORDERED, LineStatus.CONFIRMED),
    (LineStatus.CONFIRMED, LineStatus.SHIPPED),
    (LineStatus.SHIPPED, LineStatus.AT_CUSTOMS),
    (LineStatus.SHIPPED, LineStatus.DELIVERED),
    (LineStatus.AT_CUSTOMS, LineStatus.DELIVERED),
    (LineStatus.DELIVERED, LineStatus.INSTALLED),
    (LineStatus.ORDERED, LineStatus.CANCELLED),
    (LineStatus.CONFIRMED, LineStatus.CANCELLED),
    (LineStatus.SHIPPED, LineStatus.RETURNED),
    (LineStatus.DELIVERED, LineStatus.RETURNED),
    (LineStatus.INSTALLED, LineStatus.RETURNED),
]


def _order_line_date_rules() -> list[models.CheckConstraint]:
    """A step reached has its date and those of the steps before it; a step not reached has
    none; an exit's date belongs to that exit; steps are dated in order."""
    rules = []
    for reached, steps in DATED_STEPS.items():
        dates = Q()
        for step in steps:
            dates &= _date_set(step)
        rules.append(
            _check(
                ~Q(status=reached) | dates,
                f"{reached}_dated",
                f"A line that is {reached.label} needs the date of that step and of the steps "
                "before it.",
            )
        )
    for step in FLOW[1:]:
        rules.append(
            _check(
                ~Q(status__in=list(FLOW[: FLOW.index(step)])) | ~_date_set(step),
                f"{step}_date_only_once_reached",
                f"Only a line that has been {step.label} has the date of that step.",
            )
        )
    for exit_status in (LineStatus.CANCELLED, LineStatus.RETURNED):
        rules.append(
            _check(
                Q(status=exit_status) | ~_date_set(exit_status),
                f"{exit_status}_date_only_once_{exit_status}",
                f"Only a {exit_status.label} line has the date it was {exit_status.label}.",
            )
        )
    rules.append(
        _check(
            ~Q(status=LineStatus.CANCELLED) | Q(shipped_on__isnull=True),
            "cancelled_before_shipping",
            "A line that has shipped cannot be cancelled; it is returned.",
        )
    )
    for earlier, later in STEPS_IN_ORDER:
        earlier_on, later_on = STEP_DATE_FIELD[earlier], STEP_DATE_FIELD[later]
        rules.append(
            _check(
                ~_date_set(earlier) | ~_date_set(later) | Q(**{f"{later_on}__gte": F(earlier_on)}),
                f"{later}_not_before_{earlier}",
                f"A line cannot be {later.label} before it was {earlier.label}.",
            )
        )
    return rules


class OrderLine(models.Model):
    """One part of an order, followed from planned to installed."""

    Status = LineStatus

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    component = models.ForeignKey(
        Component,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_lines",
        verbose_name=_("component"),
    )
    build_line = models.ForeignKey(
        BuildLine,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_lines",
        help_text=_("The line of the build this part is for."),
        verbose_name=_("build line"),
    )
    quote_line = models.ForeignKey(
        "quotes.QuoteLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_lines",
        help_text=_("The accepted quote line this part was ordered from."),
        verbose_name=_("quote line"),
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
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    ordered_on = models.DateField(
        _("ordered on"), null=True, blank=True, validators=[DateInRange("Ordered on")]
    )
    confirmed_on = models.DateField(
        _("confirmed on"), null=True, blank=True, validators=[DateInRange("Confirmed on")]
    )
    shipped_on = models.DateField(
        _("shipped on"), null=True, blank=True, validators=[DateInRange("Shipped on")]
    )
    at_customs_on = models.DateField(
        null=True,
        blank=True,
        verbose_name=_("at customs on"),
        validators=[DateInRange("At customs on")],
    )
    delivered_on = models.DateField(
        _("delivered on"), null=True, blank=True, validators=[DateInRange("Delivered on")]
    )
    installed_on = models.DateField(
        _("installed on"), null=True, blank=True, validators=[DateInRange("Installed on")]
    )
    cancelled_on = models.DateField(
        _("cancelled on"), null=True, blank=True, validators=[DateInRange("Cancelled on")]
    )
    returned_on = models.DateField(
        _("returned on"), null=True, blank=True, validators=[DateInRange("Returned on")]
    )
    exit_reason = models.TextField(
        _("exit reason"),
        blank=True,
        validators=bounded_text("Reason", NOTE_MAX_LENGTH),
        help_text=_("Why the line was cancelled or returned."),
    )
    expected_on = models.DateField(
        null=True,
        blank=True,
        verbose_name=_("expected delivery"),
        help_text=_("Expected delivery date."),
        validators=[DateInRange("Expected delivery")],
    )
    carrier = models.ForeignKey(
        "quotes.Carrier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_lines",
        verbose_name=_("carrier"),
    )
    tracking_number = models.CharField(
        _("tracking number"), max_length=80, blank=True, validators=[PlainText("Tracking number")]
    )
    quantity_received = models.PositiveIntegerField(_("quantity received"), default=0)
    note = models.TextField(_("note"), blank=True, validators=bounded_text("Note", NOTE_MAX_LENGTH))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = audit_trail()

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "position", "id"]
        indexes = [
            models.Index(fields=["status", "expected_on"], name="order_line_status_due"),
            # The order board's order (procurement/admin_orders.py): its first page is read
            # off this index, however many lines there are.
            models.Index(fields=["expected_on", "id"], name="order_line_due_first"),
        ]
        constraints = [*_order_line_row_rules(), *_order_line_date_rules()]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.description}"

    def clean(self) -> None:
        # The database cannot hold this across two tables: the line of the build it is for
        # belongs to the order's build, and is for the part ordered.
        build_line, order = self.build_line, self.order if self.order_id else None
        if build_line is None or order is None:
            return
        if build_line.build_id != order.build_id:
            raise ValidationError(
                {
                    "build_line": _(
                        "%(line)s is a line of build %(other)s; this order is for build %(build)s."
                    )
                    % {
                        "line": build_line,
                        "other": build_line.build.slug,
                        "build": order.build.slug,
                    }
                }
            )
        if self.component_id is not None and build_line.component_id != self.component_id:
            raise ValidationError(
                {
                    "build_line": _("That build line is for %(part)s, not %(ordered)s.")
                    % {"part": build_line.component, "ordered": self.component}
                }
            )

    @property
    def is_arrived(self) -> bool:
        return self.status in ARRIVED

    def is_overdue(self, today: date) -> bool:
        """The expected delivery date has passed and the part is still outstanding."""
        return is_late(expected_on=self.expected_on, status=self.status, today=today)

    @property
    def quantity_outstanding(self) -> int:
        return self.quantity - self.quantity_received


class DeliveredUnit(models.Model):
    """One unit of an order line received, with its serial number (warranty is per unit)."""

    line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="units", verbose_name=_("line")
    )
    received_on = models.DateField(_("received on"), validators=[DateInRange("Received on")])
    serial_number = models.CharField(
        _("serial number"),
        max_length=100,
        blank=True,
        validators=[PlainText("Serial number")],
        help_text=_("Empty for parts without a serial number."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivered unit")
        verbose_name_plural = _("delivered units")
        ordering = ["line", "received_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "serial_number"],
                condition=~Q(serial_number=""),
                name="delivered_unit_unique_serial",
                violation_error_message=_("This serial number is already recorded for this line."),
            ),
            models.CheckConstraint(
                condition=~Q(serial_number__startswith=" ") & ~Q(serial_number__endswith=" "),
                name="delivered_unit_serial_trimmed",
                violation_error_message=_("A serial number has no leading or trailing spaces."),
            ),
        ]

    def __str__(self) -> str:
        serial = self.serial_number or "no serial number"
        return f"{self.line.description} ({serial}), received {self.received_on}"


class CalendarFeed(models.Model):
    """A secret calendar address of one user. Only a hash of the secret is stored: the address
    is shown once when it is issued; a lost address is replaced by a new one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        verbose_name=_("user"),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    hint = models.CharField(
        _("hint"), max_length=8, editable=False, help_text=_("The first characters of the secret.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["user", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_feed_one_active_per_user",
                violation_error_message=_(
                    "This person already has a calendar address; revoke it or issue a new one."
                ),
            ),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"Calendar of {self.user} ({self.hint}…, {state})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# Acceptance of a build and the notices outbox live in their own modules (models of this
# app all the same).
from procurement.acceptance.models import (  # noqa: E402, F401
    AcceptanceChecklist,
    AcceptanceEvidence,
    AcceptanceItem,
    UnitWarranty,
)
from procurement.history import FormerUser  # noqa: E402, F401
from procurement.notices.models import Notice, NotificationSettings  # noqa: E402, F401
