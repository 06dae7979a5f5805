"""Requests for quotation in the admin: read as sent, declined with the vendor's reason,
answered by linking a received quote. Thin: quotes.requests.services decides and writes."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from procurement.models import Vendor
from procurement.permissions import refusal_text
from quotes.models import QuoteRequest, QuoteRevision
from quotes.requests import rules
from quotes.requests.services import (
    ADD_REQUEST,
    ANSWERING_STATUSES,
    MAX_VENDORS,
    quote_request_answer,
    quote_request_decline,
    quote_requests_send_again,
    request_quotes,
)

DEFAULT_ANSWER_DAYS = 14


def _message(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, PermissionDenied):
        return refusal_text(error)
    return " ".join(error.messages)


class QuoteRequestForm(forms.ModelForm):
    """The one thing a person sets by hand: the received quote revision that answers."""

    class Meta:
        model = QuoteRequest
        fields = ["answer"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.instance
        if "answer" not in self.fields:  # read only: answered, or a reader's page
            return
        self.fields["answer"].queryset = (
            QuoteRevision.objects.filter(
                quote__vendor_id=request.vendor_id, status__in=ANSWERING_STATUSES
            )
            .select_related("quote__vendor")
            .order_by("-pk")
        )


@admin.register(QuoteRequest)
class QuoteRequestAdmin(admin.ModelAdmin):
    form = QuoteRequestForm
    list_display = [
        "build",
        "vendor",
        "status",
        "sent_at",
        "answer_by",
        "answer",
        "requested_by",
        "emailed_at",
    ]
    list_filter = ["status", "vendor", "build"]
    list_select_related = ["build", "vendor", "requested_by", "answer__quote__vendor"]
    search_fields = ["vendor__name", "build__slug", "email_subject"]
    date_hierarchy = "sent_at"
    actions = ["link_received_quotes", "decline_requests", "send_again"]
    readonly_fields = [
        "build",
        "vendor",
        "status",
        "requested_by",
        "sent_at",
        "answer_by",
        "answered_at",
        "decline_reason",
        "closed_at",
        "language",
        "address",
        "emailed_at",
        "email_subject",
        "email_body",
    ]

    def get_fields(self, request, obj=None):
        if obj is not None and obj.status in rules.AWAITING:
            return ["answer", *self.readonly_fields]
        return [*self.readonly_fields[:7], "answer", *self.readonly_fields[7:]]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status in rules.AWAITING:
            return self.readonly_fields
        return ["answer", *self.readonly_fields]

    def has_add_permission(self, request):
        # Requests are sent from a build (its admin action) or by the request_quotes command.
        return False

    def has_delete_permission(self, request, obj=None):
        # What was asked of whom is kept.
        return False

    def save_form(self, request, form, change):
        # Saved by the service in save_model, which checks who may link an answer.
        return form.save(commit=False)

    def save_model(self, request, obj, form, change):
        revision = form.cleaned_data.get("answer")
        if revision is None or "answer" not in form.changed_data:
            return
        try:
            quote_request_answer(
                request=QuoteRequest.objects.get(pk=obj.pk), revision=revision, user=request.user
            )
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, _message(error), messages.ERROR)

    @admin.action(
        description=gettext_lazy("Link the vendor's received quote for the build"),
        permissions=["change"],
    )
    def link_received_quotes(self, request, queryset):
        linked = 0
        for quote_request in queryset.select_related("vendor", "build"):
            revision = (
                QuoteRevision.objects.filter(
                    quote__vendor_id=quote_request.vendor_id,
                    quote__build_id=quote_request.build_id,
                    status__in=ANSWERING_STATUSES,
                )
                .order_by("-received_at", "-pk")
                .first()
            )
            if revision is None:
                self.message_user(
                    request,
                    _("No received quote from %(vendor)s for %(build)s yet.")
                    % {"vendor": quote_request.vendor.name, "build": quote_request.build.slug},
                    messages.WARNING,
                )
                continue
            try:
                quote_request_answer(request=quote_request, revision=revision, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, _message(error), messages.ERROR)
            else:
                linked += 1
        if linked:
            self.message_user(
                request,
                ngettext(
                    "%(count)d request is answered.", "%(count)d requests are answered.", linked
                )
                % {"count": linked},
                messages.SUCCESS,
            )

    @admin.action(
        description=gettext_lazy("E-mail again those the mail server did not take"),
        permissions=["change"],
    )
    def send_again(self, request, queryset):
        waiting = list(queryset.filter(emailed_at__isnull=True))
        if not waiting:
            self.message_user(
                request, _("The mail server took every selected request."), messages.WARNING
            )
            return
        try:
            taken = quote_requests_send_again(requests=waiting, user=request.user)
        except PermissionDenied as error:
            self.message_user(request, _message(error), messages.ERROR)
            return
        level = messages.SUCCESS if taken == len(waiting) else messages.ERROR
        self.message_user(
            request,
            _("%(taken)d of %(count)d requests sent; see the log for those refused.")
            % {"taken": taken, "count": len(waiting)},
            level,
        )

    @admin.action(
        description=gettext_lazy("Declined by the vendor (with the reason)"),
        permissions=["change"],
    )
    def decline_requests(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        requests = list(queryset.select_related("vendor", "build"))
        if request.POST.get("_confirm") and reason:
            for quote_request in requests:
                try:
                    quote_request_decline(request=quote_request, reason=reason, user=request.user)
                except (ValidationError, PermissionDenied) as error:
                    self.message_user(
                        request, f"{quote_request}: {_message(error)}", messages.ERROR
                    )
                else:
                    self.message_user(
                        request, _("%(request)s: declined.") % {"request": quote_request}
                    )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Requests declined by the vendor"),
            "requests": requests,
            "reason_missing": bool(request.POST.get("_confirm")),
            "reason_length": rules.REASON_LENGTH,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/quotes/quoterequest/decline_requests.html", context)


class RequestQuotesForm(forms.Form):
    vendors = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Vendors to ask"),
        queryset=Vendor.objects.filter(ships_to_switzerland=True)
        .exclude(contact_email="")
        .exclude(status=Vendor.Status.DISCONTINUED)
        .order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Vendors to ask: choose at least one.")},
    )
    answer_by = forms.DateField(
        label=gettext_lazy("Answer wanted by"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Answer wanted by: give a date."),
            "invalid": gettext_lazy("Answer wanted by: give a date as YYYY-MM-DD."),
        },
    )

    def clean_vendors(self):
        vendors = self.cleaned_data["vendors"]
        if len(vendors) > MAX_VENDORS:
            raise ValidationError(
                _("Vendors to ask: at most %(count)d at once.") % {"count": MAX_VENDORS}
            )
        return vendors


def has_request_quotes_permission(modeladmin, request) -> bool:
    return request.user.has_perm(ADD_REQUEST)


@admin.action(
    description=gettext_lazy("Request quotes for the selected builds"),
    permissions=["request_quotes"],
)
def request_quotes_for_builds(modeladmin, request, queryset):
    """A page to choose the vendors and the answer-by date; confirmed, each selected build is
    asked of each vendor."""
    builds = list(queryset.order_by("slug"))
    confirmed = bool(request.POST.get("_confirm"))
    form = RequestQuotesForm(
        request.POST if confirmed else None,
        initial={"answer_by": timezone.localdate() + timedelta(days=DEFAULT_ANSWER_DAYS)},
    )
    if confirmed and form.is_valid():
        for build in builds:
            try:
                sent = request_quotes(
                    build=build,
                    vendors=list(form.cleaned_data["vendors"]),
                    answer_by=form.cleaned_data["answer_by"],
                    user=request.user,
                )
            except (ValidationError, PermissionDenied) as error:
                modeladmin.message_user(request, f"{build.slug}: {_message(error)}", messages.ERROR)
            else:
                modeladmin.message_user(
                    request,
                    _("%(build)s: quotes requested from %(vendors)s.")
                    % {"build": build.slug, "vendors": ", ".join(r.vendor.name for r in sent)},
                    messages.SUCCESS,
                )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "title": _("Request quotes"),
        "builds": builds,
        "form": form,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/procurement/build/request_quotes.html", context)
