"""Vendors, the component catalog, price observations, the buyer's brief and builds."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from djmoney.models.fields import MoneyField


class Vendor(models.Model):
    class Kind(models.TextChoices):
        INTEGRATOR = "integrator", "System integrator"
        RETAILER = "retailer", "Retailer"
        AGGREGATOR = "aggregator", "Price aggregator"
        MANUFACTURER = "manufacturer", "Manufacturer"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        QUOTE_ON_REQUEST = "quote_on_request", "Quote on request"
        DISCONTINUED = "discontinued", "Discontinued"
        NO_CH_SHIPPING = "no_ch_shipping", "Does not ship to Switzerland"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    country = models.CharField(max_length=2, help_text="ISO 3166 code, e.g. CH, DE, US.")
    default_currency = models.CharField(max_length=3, default="CHF")
    website = models.URLField(blank=True)
    contact = models.CharField(max_length=200, blank=True)
    ships_to_switzerland = models.BooleanField(default=True)
    suits_brief = models.BooleanField(
        default=True,
        help_text="Offers what the buyer's brief needs (multi-GPU systems, enough VRAM).",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    discontinued_on = models.DateField(
        null=True, blank=True, help_text="For a discontinued vendor: since when."
    )
    status_reason = models.TextField(
        blank=True, help_text="Why the vendor is or is not an option for this purchase."
    )
    lead_time_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Standard lead time in business days."
    )
    warranty_years_included = models.PositiveSmallIntegerField(default=0)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="discontinued") | Q(discontinued_on__isnull=False),
                name="vendor_discontinued_has_date",
                violation_error_message="A discontinued vendor needs the date it stopped selling.",
            ),
            models.CheckConstraint(
                condition=~Q(status="no_ch_shipping") | Q(ships_to_switzerland=False),
                name="vendor_no_ch_shipping_consistent",
                violation_error_message="A vendor that does not ship to Switzerland cannot be "
                "marked as shipping to Switzerland.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

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

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="warranty_options")
    years = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    surcharge_percent = models.DecimalField(
        max_digits=5, decimal_places=2, help_text="Price of this term as % of the goods."
    )

    class Meta:
        ordering = ["vendor", "years"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "years"],
                name="warranty_option_unique_years",
                violation_error_message="This vendor already has a warranty option for these years.",
            ),
            models.CheckConstraint(
                condition=Q(years__gte=1),
                name="warranty_option_years_positive",
                violation_error_message="A warranty term is at least one year.",
            ),
            models.CheckConstraint(
                condition=Q(surcharge_percent__gte=0),
                name="warranty_option_surcharge_not_negative",
                violation_error_message="A warranty surcharge cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.years} years (+{self.surcharge_percent}%)"


class Component(models.Model):
    class Category(models.TextChoices):
        GPU = "gpu", "GPU"
        CPU = "cpu", "CPU"
        MOTHERBOARD = "motherboard", "Motherboard"
        RAM = "ram", "RAM"
        PSU = "psu", "PSU"
        CASE = "case", "Case"
        COOLER = "cooler", "Cooler"
        STORAGE = "storage", "Storage"
        MISC = "misc", "Misc"

    slug = models.SlugField(unique=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    manufacturer = models.CharField(max_length=80)
    model = models.CharField(max_length=160)
    part_number = models.CharField(max_length=80, blank=True)
    vram_gb = models.PositiveIntegerField(null=True, blank=True, verbose_name="VRAM (GB)")
    memory_bandwidth_gbs = models.PositiveIntegerField(
        null=True, blank=True, verbose_name="memory bandwidth (GB/s)"
    )
    tdp_w = models.PositiveIntegerField(null=True, blank=True, verbose_name="TDP (W)")
    psu_rating_w = models.PositiveIntegerField(null=True, blank=True, verbose_name="PSU rating (W)")
    slot_width = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    nvlink = models.BooleanField(default=False, verbose_name="NVLink")
    pcie_lanes = models.PositiveIntegerField(null=True, blank=True, verbose_name="PCIe lanes")
    pcie_generation = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name="PCIe generation"
    )
    ecc = models.BooleanField(default=False, verbose_name="ECC")
    specs = models.JSONField(default=dict, blank=True, help_text="Other specifications.")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["category", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(vram_gb__isnull=True) | Q(vram_gb__gt=0),
                name="component_vram_positive",
                violation_error_message="VRAM must be more than 0 GB.",
            ),
            models.CheckConstraint(
                condition=Q(psu_rating_w__isnull=True) | Q(psu_rating_w__gt=0),
                name="component_psu_rating_positive",
                violation_error_message="A PSU rating must be more than 0 W.",
            ),
            models.CheckConstraint(
                condition=Q(slot_width__isnull=True) | Q(slot_width__gt=0),
                name="component_slot_width_positive",
                violation_error_message="A slot width must be more than 0.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer} {self.model}"


class PriceObservation(models.Model):
    """A price seen at a shop on a date."""

    component = models.ForeignKey(
        Component, on_delete=models.CASCADE, related_name="price_observations"
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="price_observations")
    price = MoneyField(max_digits=12, decimal_places=2, default_currency="CHF")
    observed_on = models.DateField()
    url = models.URLField(max_length=400, blank=True)
    in_stock = models.BooleanField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["component", "observed_on", "price"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="price_observation_price_not_negative",
                violation_error_message="A price cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.component} at {self.vendor} on {self.observed_on}: {self.price}"


class Requirements(models.Model):
    """The buyer's brief, against which builds and quotes are judged."""

    class Noise(models.TextChoices):
        QUIET = "quiet", "Quiet"
        MODERATE = "moderate", "Moderate"
        LOUD = "loud", "Loud"
        VERY_LOUD = "very_loud", "Very loud"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    budget_min = MoneyField(max_digits=12, decimal_places=2, default_currency="CHF")
    budget_max = MoneyField(max_digits=12, decimal_places=2, default_currency="CHF")
    vram_min_gb = models.PositiveIntegerField(verbose_name="VRAM minimum (GB)")
    vram_max_gb = models.PositiveIntegerField(verbose_name="VRAM maximum (GB)")
    circuit_watts = models.PositiveIntegerField(
        help_text="Wall power one circuit carries (Swiss 10 A / 230 V: 2,300 W)."
    )
    noise_tolerance = models.CharField(max_length=20, choices=Noise.choices)
    throughput_min_tok_s = models.PositiveIntegerField(
        verbose_name="throughput target from (tok/s)"
    )
    throughput_max_tok_s = models.PositiveIntegerField(verbose_name="throughput target to (tok/s)")
    vat_registered = models.BooleanField(
        default=False, help_text="A VAT-registered buyer recovers import VAT."
    )
    notes = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "requirements"
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_min__gte=0) & Q(budget_max__gte=models.F("budget_min")),
                name="requirements_budget_range",
                violation_error_message="The budget range must run from a non-negative minimum "
                "up to a maximum not below it.",
            ),
            models.CheckConstraint(
                condition=Q(vram_max_gb__gte=models.F("vram_min_gb")),
                name="requirements_vram_range",
                violation_error_message="The VRAM maximum cannot be below the minimum.",
            ),
            models.CheckConstraint(
                condition=Q(throughput_max_tok_s__gte=models.F("throughput_min_tok_s")),
                name="requirements_throughput_range",
                violation_error_message="The throughput target's upper end cannot be below its "
                "lower end.",
            ),
            models.CheckConstraint(
                condition=Q(circuit_watts__gt=0),
                name="requirements_circuit_positive",
                violation_error_message="A circuit carries more than 0 W.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Build(models.Model):
    """A configuration: components and quantities with estimated prices."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        CHOSEN = "chosen", "Chosen"
        ORDERED = "ordered", "Ordered"
        ASSEMBLED = "assembled", "Assembled"
        ACCEPTED = "accepted", "Accepted"
        DROPPED = "dropped", "Dropped"

    slug = models.SlugField(unique=True)
    code = models.CharField(max_length=10, help_text="The research note's name, e.g. 2.0 or E'.")
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CANDIDATE)
    requirements = models.ForeignKey(
        Requirements, on_delete=models.PROTECT, null=True, blank=True, related_name="builds"
    )
    noise_class = models.CharField(
        max_length=20, choices=Requirements.Noise.choices, default=Requirements.Noise.MODERATE
    )
    system_power_w = models.PositiveIntegerField(
        default=0,
        help_text="Power drawn under full GPU load besides the GPUs' TDP (CPU, board, drives).",
    )
    seed_estimate = MoneyField(
        max_digits=12,
        decimal_places=2,
        default_currency="CHF",
        null=True,
        blank=True,
        help_text="The total the research note gives, rounded as it was written.",
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class BuildLine(models.Model):
    build = models.ForeignKey(Build, on_delete=models.CASCADE, related_name="lines")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="build_lines")
    quantity = models.PositiveIntegerField(default=1)
    estimated_unit_price = MoneyField(max_digits=12, decimal_places=2, default_currency="CHF")
    note = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["build", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1),
                name="build_line_quantity_positive",
                violation_error_message="A quantity is at least 1.",
            ),
            models.CheckConstraint(
                condition=Q(estimated_unit_price__gte=0),
                name="build_line_price_not_negative",
                violation_error_message="An estimated price cannot be negative.",
            ),
            models.UniqueConstraint(
                fields=["build", "component"],
                name="build_line_unique_component",
                violation_error_message="This component is already a line of the build; change "
                "its quantity instead.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.component}"

    @property
    def estimated_total(self):
        return self.estimated_unit_price * self.quantity
