"""The acceptance checklist of a build, its items and evidence, and the warranties its sign-off
starts. procurement.models imports these, so they belong to the procurement app."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from procurement.acceptance.checks import ItemKind, ItemResult
from procurement.acceptance.evidence import evidence_path, evidence_storage
from procurement.bounds import (
    ITEM_NOTE_MAX_LENGTH,
    MEASURED_VALUE_MAX_LENGTH,
    PlainText,
    bounded_text,
)
from procurement.history import audit_trail
from procurement.models import Build, BuildLine, DeliveredUnit, Vendor


def _check(condition: Q, name: str, message: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=condition, name=f"acceptance_{name}", violation_error_message=message
    )


class AcceptanceChecklist(models.Model):
    """What the buyer checks on the built machine before accepting it: one per build."""

    class Status(models.TextChoices):
        OPEN = "open", "open"
        SIGNED = "signed", "signed off"

    build = models.OneToOneField(Build, on_delete=models.PROTECT, related_name="acceptance")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the checklist was made as the build's last part arrived.",
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signed_acceptances",
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = "acceptance checklist"
        permissions = [
            (
                "sign_off_acceptancechecklist",
                "Can sign off an acceptance checklist and waive its items",
            )
        ]
        constraints = [
            _check(Q(status__in=["open", "signed"]), "status_known", "Unknown checklist status."),
            _check(
                (Q(status="signed") & Q(signed_by__isnull=False) & Q(signed_at__isnull=False))
                | (Q(status="open") & Q(signed_by__isnull=True) & Q(signed_at__isnull=True)),
                "signed_has_signer",
                "A signed-off checklist records who signed it and when; an open one neither.",
            ),
        ]

    def __str__(self) -> str:
        return f"Acceptance of {self.build.slug} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class AcceptanceEvidence(models.Model):
    """A file that shows a result: a photo of the noise meter, a benchmark log, nvidia-smi's
    report. Kept with its checksum so a warranty claim can show it is the file of the day."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        PNG = "png", "PNG image"
        JPEG = "jpeg", "JPEG image"
        TEXT = "text", "text"

    checklist = models.ForeignKey(
        AcceptanceChecklist, on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(upload_to=evidence_path, storage=evidence_storage, max_length=200)
    original_name = models.CharField(
        max_length=200, help_text="The file's name as uploaded; shown, never used as a path."
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, verbose_name="SHA-256")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["checklist", "uploaded_at", "id"]
        verbose_name = "acceptance evidence"
        verbose_name_plural = "acceptance evidence"
        constraints = [
            _check(
                Q(kind__in=["pdf", "png", "jpeg", "text"]),
                "evidence_kind_known",
                "Evidence is a PDF, a PNG or JPEG image, or a text file.",
            ),
            _check(Q(size_bytes__gt=0), "evidence_not_empty", "An evidence file is not empty."),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_kind_display()})"


class AcceptanceItem(models.Model):
    """One check: what is expected, what was measured, and the result."""

    Kind = ItemKind
    Result = ItemResult

    checklist = models.ForeignKey(
        AcceptanceChecklist, on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=24, choices=Kind.choices)
    subject = models.CharField(
        max_length=200, help_text="What is checked, e.g. GPU 1: NVIDIA RTX PRO 6000, or System."
    )
    build_line = models.ForeignKey(
        BuildLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        DeliveredUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acceptance_items",
        help_text="The delivered unit checked (GPU items, missing serial numbers); for a GPU "
        "that came inside a whole system, the system.",
    )
    unit_index = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Which unit of its kind: GPU 1, 2, ... of the build; for a serial number "
        "missing, the PSU or system 1, 2, ...",
    )
    expected_value = models.CharField(max_length=400, validators=[PlainText("Expected value")])
    limit_min = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    limit_max = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    measure_unit = models.CharField(
        max_length=12, blank=True, help_text="The unit of the limits, e.g. MiB, W, tok/s."
    )
    required = models.BooleanField(default=True)
    measured_value = models.CharField(
        max_length=400,
        blank=True,
        validators=bounded_text("Measured value", MEASURED_VALUE_MAX_LENGTH),
    )
    measured_number = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    result = models.CharField(max_length=16, choices=Result.choices, default=Result.PENDING)
    note = models.TextField(blank=True, validators=bounded_text("Note", ITEM_NOTE_MAX_LENGTH))
    evidence = models.ForeignKey(
        AcceptanceEvidence,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    waived_reason = models.TextField(
        blank=True, validators=bounded_text("Reason for the waiver", ITEM_NOTE_MAX_LENGTH)
    )
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    waived_at = models.DateTimeField(null=True, blank=True)
    history = audit_trail()

    class Meta:
        ordering = ["checklist", "position", "id"]
        verbose_name = "acceptance item"
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "position"],
                name="acceptance_item_unique_position",
                violation_error_message="The checklist already has an item at this position.",
            ),
            _check(
                Q(result__in=["pending", "pass", "fail", "not_applicable"]),
                "item_result_known",
                "Unknown result.",
            ),
            _check(
                Q(result="pending") | Q(recorded_at__isnull=False),
                "item_result_dated",
                "A result records when it was found.",
            ),
            _check(
                (~Q(waived_reason="") & Q(waived_at__isnull=False))
                | (Q(waived_reason="") & Q(waived_at__isnull=True)),
                "item_waiver_has_reason",
                "A waived item has the reason and the time it was waived; only such an item.",
            ),
            _check(
                Q(limit_min__isnull=True)
                | Q(limit_max__isnull=True)
                | Q(limit_max__gte=F("limit_min")),
                "item_limits_in_order",
                "An item's upper limit cannot be below its lower limit.",
            ),
            _check(
                Q(unit__isnull=True) | Q(unit_index__isnull=False),
                "item_unit_numbered",
                "An item about a delivered unit says which of the build's units it is.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject}: {self.get_kind_display()}"

    @property
    def is_waived(self) -> bool:
        return bool(self.waived_reason)

    @property
    def settled(self) -> bool:
        """Counts as done for the sign-off: passed, or waived with a reason."""
        return self.result == self.Result.PASS or self.is_waived

    @property
    def blocks_sign_off(self) -> bool:
        return self.required and not self.settled


class UnitWarranty(models.Model):
    """The warranty of one delivered unit, started by the sign-off of its build's acceptance."""

    unit = models.OneToOneField(DeliveredUnit, on_delete=models.PROTECT, related_name="warranty")
    checklist = models.ForeignKey(
        AcceptanceChecklist, on_delete=models.PROTECT, related_name="warranties"
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="+")
    years = models.PositiveSmallIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField(db_index=True)
    terms = models.CharField(
        max_length=200,
        help_text="Where the term comes from: the vendor's included years or "
        "the years chosen on the accepted quote revision.",
    )

    class Meta:
        ordering = ["ends_on", "unit"]
        verbose_name_plural = "unit warranties"
        constraints = [
            _check(Q(years__gte=1), "warranty_years_positive", "A warranty runs at least a year."),
            _check(
                Q(ends_on__gt=F("starts_on")),
                "warranty_ends_after_start",
                "A warranty ends after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"Warranty of {self.unit} until {self.ends_on}"
