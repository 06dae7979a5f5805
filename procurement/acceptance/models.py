"""The acceptance checklist of a build, its items and evidence, and the warranties its sign-off
starts. procurement.models imports these, so they belong to the procurement app."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
        OPEN = "open", _("open")
        SIGNED = "signed", _("signed off")

    build = models.OneToOneField(
        Build, on_delete=models.PROTECT, related_name="acceptance", verbose_name=_("build")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the checklist was made as the build's last part arrived."),
        verbose_name=_("created by"),
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signed_acceptances",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    class Meta:
        verbose_name_plural = _("acceptance checklists")
        ordering = ["-created_at", "id"]
        verbose_name = _("acceptance checklist")
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
        PDF = "pdf", _("PDF")
        PNG = "png", _("PNG image")
        JPEG = "jpeg", _("JPEG image")
        TEXT = "text", _("text")

    checklist = models.ForeignKey(
        AcceptanceChecklist,
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("checklist"),
    )
    file = models.FileField(
        _("file"), upload_to=evidence_path, storage=evidence_storage, max_length=200
    )
    original_name = models.CharField(
        _("original name"),
        max_length=200,
        help_text=_("The file's name as uploaded; shown, never used as a path."),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    size_bytes = models.PositiveIntegerField(_("size bytes"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["checklist", "uploaded_at", "id"]
        verbose_name = _("acceptance evidence")
        verbose_name_plural = _("acceptance evidence")
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
        AcceptanceChecklist,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("checklist"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    subject = models.CharField(
        _("subject"),
        max_length=200,
        help_text=_("What is checked, e.g. GPU 1: NVIDIA RTX PRO 6000, or System."),
    )
    build_line = models.ForeignKey(
        BuildLine,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("build line"),
    )
    unit = models.ForeignKey(
        DeliveredUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acceptance_items",
        help_text=_(
            "The delivered unit checked (GPU items, missing serial numbers); for a GPU "
            "that came inside a whole system, the system."
        ),
        verbose_name=_("unit"),
    )
    unit_index = models.PositiveSmallIntegerField(
        _("unit index"),
        null=True,
        blank=True,
        help_text=_(
            "Which unit of its kind: GPU 1, 2, ... of the build; for a serial number "
            "missing, the PSU or system 1, 2, ..."
        ),
    )
    expected_value = models.CharField(
        _("expected value"), max_length=400, validators=[PlainText("Expected value")]
    )
    limit_min = models.DecimalField(
        _("limit min"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    limit_max = models.DecimalField(
        _("limit max"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    measure_unit = models.CharField(
        _("measure unit"),
        max_length=12,
        blank=True,
        help_text=_("The unit of the limits, e.g. MiB, W, tok/s."),
    )
    required = models.BooleanField(_("required"), default=True)
    measured_value = models.CharField(
        _("measured value"),
        max_length=400,
        blank=True,
        validators=bounded_text("Measured value", MEASURED_VALUE_MAX_LENGTH),
    )
    measured_number = models.DecimalField(
        _("measured number"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    result = models.CharField(
        _("result"), max_length=16, choices=Result.choices, default=Result.PENDING
    )
    note = models.TextField(
        _("note"), blank=True, validators=bounded_text("Note", ITEM_NOTE_MAX_LENGTH)
    )
    evidence = models.ForeignKey(
        AcceptanceEvidence,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("evidence"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    waived_reason = models.TextField(
        _("waived reason"),
        blank=True,
        validators=bounded_text("Reason for the waiver", ITEM_NOTE_MAX_LENGTH),
    )
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("waived by"),
    )
    waived_at = models.DateTimeField(_("waived at"), null=True, blank=True)
    history = audit_trail()

    class Meta:
        verbose_name_plural = _("acceptance items")
        ordering = ["checklist", "position", "id"]
        verbose_name = _("acceptance item")
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "position"],
                name="acceptance_item_unique_position",
                violation_error_message=_("The checklist already has an item at this position."),
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

    unit = models.OneToOneField(
        DeliveredUnit, on_delete=models.PROTECT, related_name="warranty", verbose_name=_("unit")
    )
    checklist = models.ForeignKey(
        AcceptanceChecklist,
        on_delete=models.PROTECT,
        related_name="warranties",
        verbose_name=_("checklist"),
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, related_name="+", verbose_name=_("vendor")
    )
    years = models.PositiveSmallIntegerField(_("years"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), db_index=True)
    terms = models.CharField(
        _("terms"),
        max_length=200,
        help_text=_(
            "Where the term comes from: the vendor's included years or "
            "the years chosen on the accepted quote revision."
        ),
    )

    class Meta:
        verbose_name = _("unit warranty")
        ordering = ["ends_on", "unit"]
        verbose_name_plural = _("unit warranties")
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
