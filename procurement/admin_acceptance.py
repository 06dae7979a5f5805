"""The admin of acceptance: checklists with their items and evidence, recording results,
importing nvidia-smi's report, waivers and the sign-off. Every change of state goes through
procurement.acceptance.services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from procurement.acceptance import services
from procurement.acceptance.checks import ItemResult
from procurement.acceptance.evidence import MAX_EVIDENCE_BYTES
from procurement.acceptance.models import AcceptanceChecklist, AcceptanceEvidence, AcceptanceItem
from procurement.acceptance.nvidia_smi import MAX_REPORT_BYTES
from procurement.acceptance.protocol import protocol_filename, protocol_for, protocol_pdf
from procurement.pdf import PdfError
from procurement.permissions import refusal_text

# What an acceptance page shows when a service refuses: the rule broken, or who may.
REFUSALS = (ValidationError, PermissionDenied)


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, PermissionDenied):
        return refusal_text(error)
    return " ".join(error.messages)


def _read_upload(upload, limit: int) -> bytes:
    if upload.size > limit:
        raise ValidationError(
            f"The file is {upload.size / (1024 * 1024):.1f} MB; it can be at most "
            f"{limit // (1024 * 1024)} MB."
        )
    return upload.read()


@admin.action(
    description=gettext_lazy("Make the acceptance checklist of the selected builds"),
    permissions=["make_checklist"],
)
def make_acceptance_checklists(modeladmin, request, queryset):
    """On the build list: the checklist of each selected build whose parts have all arrived.
    The build list's admin says who may (`has_make_checklist_permission`)."""
    for build in queryset.order_by("slug"):
        try:
            checklist = services.acceptance_checklist_create(build=build, user=request.user)
        except REFUSALS as error:
            messages.error(request, _error_text(error))
        else:
            url = reverse("admin:procurement_acceptancechecklist_change", args=[checklist.pk])
            messages.success(
                request,
                format_html(
                    _(
                        '<a href="{url}">Acceptance checklist of {build}</a> made with {count} items.'
                    ),
                    url=url,
                    build=build.slug,
                    count=checklist.items.count(),
                ),
            )


# Forms -------------------------------------------------------------------------------------


class EvidenceForm(forms.Form):
    file = forms.FileField(
        help_text=f"A PDF, a PNG or JPEG image, or a text file, at most "
        f"{MAX_EVIDENCE_BYTES // (1024 * 1024)} MB."
    )


class NvidiaSmiForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("nvidia-smi report"),
        help_text=gettext_lazy("On the machine, under load: nvidia-smi -q -x > nvidia-smi.xml"),
    )


class RecordForm(forms.Form):
    result = forms.ChoiceField(
        required=False,
        choices=[("", "judge from the number"), *ItemResult.choices[1:]],
        help_text=gettext_lazy(
            "Items with limits are judged from the measured number; the others need a result."
        ),
    )
    measured_value = forms.CharField(
        required=False, max_length=400, help_text=gettext_lazy("As read, e.g. 38 dB(A) or 412 W.")
    )
    measured_number = forms.DecimalField(
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=gettext_lazy("The number, in the item's unit."),
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence_file = forms.FileField(
        required=False,
        help_text=gettext_lazy("A new evidence file for this item (PDF, PNG, JPEG or text)."),
    )
    evidence = forms.ModelChoiceField(
        queryset=AcceptanceEvidence.objects.none(),
        required=False,
        help_text=gettext_lazy("Or evidence already kept with this checklist."),
    )

    def __init__(self, *args, item: AcceptanceItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = item.checklist.evidence.all()
        self.fields["measured_number"].label = f"Measured number ({item.measure_unit or 'none'})"
        self.fields["result"].initial = "" if item.measure_unit else ItemResult.PASS


class WaiveForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


# Pages of one object -----------------------------------------------------------------------


class ObjectPagesMixin:
    """Extra pages of one checklist or item, with a form, back to its change page."""

    page_template = "admin/procurement/acceptance/object_form.html"

    def _page(self, request, obj, form, title: str, explanation: str, submit: str):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "form": form,
            "title": title,
            "explanation": explanation,
            "submit_label": submit,
        }
        return TemplateResponse(request, self.page_template, context)

    def _back_to(self, obj) -> HttpResponseRedirect:
        info = (self.model._meta.app_label, self.model._meta.model_name)
        return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))

    def _object_for(self, request, pk: int, *, change: bool = True):
        obj = get_object_or_404(self.get_queryset(request), pk=pk)
        allowed = self.has_change_permission if change else self.has_view_permission
        if not allowed(request, obj):
            raise PermissionDenied
        return obj


class ReadOnlyPageMixin:
    """A change page whose every field is read-only: results, waivers and the sign-off go
    through their own pages, so this one offers no Save and takes no post."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            return HttpResponseNotAllowed(["GET"])
        no_save = {
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(
            request, object_id, form_url, {**no_save, **(extra_context or {})}
        )


# Checklists --------------------------------------------------------------------------------


class AcceptanceItemInline(admin.TabularInline):
    model = AcceptanceItem
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["position", "subject", "kind", "expected_value", "measured_value", "result", "waived"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True, description=gettext_lazy("waived"))
    def waived(self, item: AcceptanceItem) -> bool:
        return item.is_waived


class AcceptanceEvidenceInline(admin.TabularInline):
    model = AcceptanceEvidence
    extra = 0
    can_delete = False
    fields = ["file_link", "kind", "size_bytes", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("file"))
    def file_link(self, evidence: AcceptanceEvidence) -> str:
        return format_html('<a href="{}">{}</a>', evidence.file.url, evidence.original_name)


@admin.register(AcceptanceChecklist)
class AcceptanceChecklistAdmin(ReadOnlyPageMixin, ObjectPagesMixin, admin.ModelAdmin):
    list_display = ["build", "status", "progress", "created_at", "signed_by", "signed_at"]
    list_filter = ["status"]
    list_select_related = ["build", "signed_by"]
    search_fields = ["build__slug", "build__name"]
    fields = ["build", "status", "created_at", "created_by", "signed_by", "signed_at"]
    readonly_fields = fields
    inlines = [AcceptanceItemInline, AcceptanceEvidenceInline]
    actions = ["sign_off", "protocol"]
    change_form_template = "admin/procurement/acceptancechecklist/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                item_count=Count("items"),
                passed=Count("items", filter=Q(items__result=ItemResult.PASS)),
                failed=Count("items", filter=Q(items__result=ItemResult.FAIL)),
            )
        )

    def has_add_permission(self, request):
        # Made as the last part arrives, or by the action on the build list.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_sign_off_permission(self, request) -> bool:
        return request.user.has_perm(services.SIGN_OFF_PERMISSION)

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, checklist: AcceptanceChecklist) -> str:
        return f"{checklist.passed} of {checklist.item_count} passed, {checklist.failed} failed"

    @admin.action(
        description=gettext_lazy("Sign off the selected checklists"), permissions=["sign_off"]
    )
    def sign_off(self, request, queryset):
        for checklist in queryset.select_related("build"):
            try:
                signed = services.acceptance_checklist_sign_off(
                    checklist=checklist, user=request.user
                )
            except REFUSALS as error:
                messages.error(request, _error_text(error))
                continue
            text = _("%(build)s accepted; %(count)d warranty period(s) started.") % {
                "build": checklist.build.slug,
                "count": len(signed.warranties),
            }
            if signed.without_terms:
                text += " " + _("No warranty term recorded for: %(parts)s.") % {
                    "parts": ", ".join(signed.without_terms)
                }
            messages.success(request, text)

    @admin.action(
        description=gettext_lazy("Acceptance protocol (PDF) of the selected checklist"),
        permissions=["view"],
    )
    def protocol(self, request, queryset):
        if queryset.count() != 1:
            messages.error(request, _("Select one checklist for its protocol."))
            return None
        protocol = protocol_for(queryset.select_related("build").get().build)
        try:
            document = protocol_pdf(protocol)
        except PdfError as error:
            messages.error(request, str(error))
            return None
        response = HttpResponse(document, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{protocol_filename(protocol)}"'
        return response

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/evidence/",
                view(self.evidence_view),
                name="procurement_acceptancechecklist_evidence",
            ),
            path(
                "<int:pk>/nvidia-smi/",
                view(self.nvidia_smi_view),
                name="procurement_acceptancechecklist_nvidia_smi",
            ),
            *super().get_urls(),
        ]

    def evidence_view(self, request, pk: int):
        checklist = self._object_for(request, pk)
        form = EvidenceForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                evidence = services.acceptance_evidence_add(
                    checklist=checklist,
                    content=_read_upload(upload, MAX_EVIDENCE_BYTES),
                    name=upload.name,
                    user=request.user,
                )
            except REFUSALS as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(
                    request,
                    _("Kept %(name)s as evidence E%(number)s.")
                    % {"name": evidence.original_name, "number": evidence.pk},
                )
                return self._back_to(checklist)
        return self._page(
            request,
            checklist,
            form,
            _("Add evidence to the acceptance of %(build)s") % {"build": checklist.build.slug},
            _(
                "The file is checked by its content and kept with its SHA-256 checksum; choose "
                "it for the items it shows when you record their results."
            ),
            _("Keep"),
        )

    def nvidia_smi_view(self, request, pk: int):
        checklist = self._object_for(request, pk)
        form = NvidiaSmiForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcome = services.acceptance_import_nvidia_smi(
                    build=checklist.build,
                    content=_read_upload(upload, MAX_REPORT_BYTES),
                    name=upload.name,
                    user=request.user,
                )
            except REFUSALS as error:
                form.add_error(None, _error_text(error))
            else:
                for line in outcome.lines:
                    messages.info(request, line)
                level = messages.WARNING if outcome.failed else messages.SUCCESS
                messages.add_message(
                    request,
                    level,
                    _("Imported %(name)s: %(count)d item(s) failed.")
                    % {"name": upload.name, "count": outcome.failed},
                )
                return self._back_to(checklist)
        return self._page(
            request,
            checklist,
            form,
            _("Import nvidia-smi's report into the acceptance of %(build)s")
            % {"build": checklist.build.slug},
            _(
                "Each GPU of the report is matched to a GPU of the build; its model, memory "
                "total, PCIe generation and width and serial number are recorded and judged."
            ),
            "Import",
        )


# Items -------------------------------------------------------------------------------------


@admin.register(AcceptanceItem)
class AcceptanceItemAdmin(ReadOnlyPageMixin, ObjectPagesMixin, admin.ModelAdmin):
    list_display = [
        "build",
        "position",
        "subject",
        "kind",
        "expected_value",
        "measured_value",
        "result",
        "waived",
        "required",
    ]
    list_display_links = ["position", "subject"]
    list_filter = [
        "result",
        "kind",
        "required",
        ("checklist__build", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["checklist__build"]
    search_fields = ["subject", "checklist__build__slug", "measured_value"]
    ordering = ["checklist__build__slug", "position"]
    fields = [
        "checklist",
        "position",
        "subject",
        "kind",
        "unit",
        "expected_value",
        "limit_min",
        "limit_max",
        "measure_unit",
        "required",
        "measured_value",
        "measured_number",
        "result",
        "note",
        "evidence",
        "recorded_by",
        "recorded_at",
        "waived_reason",
        "waived_by",
        "waived_at",
    ]
    readonly_fields = fields
    change_form_template = "admin/procurement/acceptanceitem/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("build"), ordering="checklist__build__slug")
    def build(self, item: AcceptanceItem) -> str:
        return item.checklist.build.slug

    @admin.display(boolean=True, description=gettext_lazy("waived"))
    def waived(self, item: AcceptanceItem) -> bool:
        return item.is_waived

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/record/", view(self.record_view), name="procurement_acceptanceitem_record"
            ),
            path("<int:pk>/waive/", view(self.waive_view), name="procurement_acceptanceitem_waive"),
            *super().get_urls(),
        ]

    def _record(self, request, item: AcceptanceItem, data) -> AcceptanceItem:
        evidence = data.get("evidence")
        upload = data.get("evidence_file")
        with transaction.atomic():
            if upload is not None:
                evidence = services.acceptance_evidence_add(
                    checklist=item.checklist,
                    content=_read_upload(upload, MAX_EVIDENCE_BYTES),
                    name=upload.name,
                    user=request.user,
                )
            return services.acceptance_item_record(
                item=item,
                user=request.user,
                result=data.get("result") or None,
                measured_value=data.get("measured_value", ""),
                measured_number=data.get("measured_number"),
                note=data.get("note") or None,
                evidence=evidence,
            )

    def record_view(self, request, pk: int):
        item = self._object_for(request, pk)
        form = RecordForm(request.POST or None, request.FILES or None, item=item)
        if request.method == "POST" and form.is_valid():
            try:
                item = self._record(request, item, form.cleaned_data)
            except REFUSALS as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(
                    request,
                    _("%(item)s: %(result)s.")
                    % {"item": item, "result": item.get_result_display()},
                )
                return self._back_to(item)
        return self._page(
            request,
            item,
            form,
            _("Record %(item)s") % {"item": item},
            _("Expected: %(expected)s.") % {"expected": item.expected_value},
            pgettext("verb", "Record"),
        )

    def waive_view(self, request, pk: int):
        item = self._object_for(request, pk)
        if not request.user.has_perm(services.SIGN_OFF_PERMISSION):
            raise PermissionDenied
        form = WaiveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.acceptance_item_waive(
                    item=item, user=request.user, reason=form.cleaned_data["reason"]
                )
            except REFUSALS as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(request, _("%(item)s waived.") % {"item": item})
                return self._back_to(item)
        return self._page(
            request,
            item,
            form,
            _("Waive %(item)s") % {"item": item},
            _(
                "Expected: %(expected)s; measured: %(measured)s (%(result)s). A waived item no "
                "longer holds up the sign-off; the reason is printed in the protocol."
            )
            % {
                "expected": item.expected_value,
                "measured": item.measured_value or _("nothing"),
                "result": item.get_result_display(),
            },
            _("Waive"),
        )
