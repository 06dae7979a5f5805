"""The Notices page (every e-mail of the outbox, failed ones sent again) and each person's
notification settings. Thin: the services decide and write."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from procurement.notices import services
from procurement.notices.models import Notice, NotificationSettings
from procurement.notices.registry import kind_choices, kind_named
from procurement.notices.selectors import notices_for_admin, notification_settings_of


class KindFilter(admin.SimpleListFilter):
    title = gettext_lazy("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return kind_choices()

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Read only: the scans write these rows, the senders mark them."""

    list_display = [
        "kind_label",
        "subject",
        "step_label",
        "address",
        "status",
        "due_on",
        "sent_at",
        "attempts",
        "last_error",
    ]
    list_filter = [KindFilter, "status", "due_on", ("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["recipient"]
    search_fields = ["subject", "address", "recipient__username"]
    date_hierarchy = "due_on"
    actions = ["retry"]
    readonly_fields = [
        "kind_label",
        "subject",
        "step_label",
        "recipient",
        "address",
        "status",
        "due_on",
        "send_by",
        "created_at",
        "leased_until",
        "attempts",
        "last_error",
        "sent_at",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        return notices_for_admin()

    @admin.display(description=gettext_lazy("kind"), ordering="kind")
    def kind_label(self, notice: Notice) -> str:
        kind = kind_named(notice.kind)
        return str(kind.label) if kind else notice.kind

    @admin.display(description=gettext_lazy("step"), ordering="step")
    def step_label(self, notice: Notice) -> str:
        return notice.step_label

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("procurement.change_notice")

    @admin.action(
        description=gettext_lazy("Send the selected failed notices again"),
        permissions=["retry"],
    )
    def retry(self, request, queryset):
        try:
            count = services.notices_retry(notices=queryset, user=request.user)
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        if not count:
            self.message_user(
                request, _("None of the selected notices has failed."), messages.WARNING
            )
            return
        self.message_user(
            request,
            ngettext(
                "%(count)d notice is queued to be sent again.",
                "%(count)d notices are queued to be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


class NotificationSettingsForm(forms.ModelForm):
    muted_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Send me no e-mails of these kinds"),
        choices=kind_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = NotificationSettings
        fields = ["user", "muted_kinds", "language"]


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    """Every person with a login to the admin keeps their own; a superuser keeps anyone's."""

    form = NotificationSettingsForm
    list_display = ["user", "turned_off", "language", "updated_at"]
    list_select_related = ["user"]

    @admin.display(description=gettext_lazy("turned off"))
    def turned_off(self, row: NotificationSettings) -> str:
        labels = [str(kind.label) for name in row.muted_kinds if (kind := kind_named(name))]
        return ", ".join(labels) or _("nothing: every kind is sent")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def get_fields(self, request, obj=None):
        own = ["muted_kinds", "language"]
        return ["user", *own] if request.user.is_superuser else own

    def _own(self, request, obj) -> bool:
        return (
            request.user.is_active
            and request.user.is_staff
            and (obj is None or request.user.is_superuser or obj.user_id == request.user.pk)
        )

    def has_module_permission(self, request):
        return self._own(request, None)

    def has_view_permission(self, request, obj=None):
        return self._own(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._own(request, obj)

    def has_add_permission(self, request):
        return self._own(request, None)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def add_view(self, request, form_url="", extra_context=None):
        own = None if request.user.is_superuser else notification_settings_of(request.user)
        if own is not None:
            return HttpResponseRedirect(
                reverse("admin:procurement_notificationsettings_change", args=[own.pk])
            )
        return super().add_view(request, form_url, extra_context)

    def save_form(self, request, form, change):
        # Saved by the service in save_model, which checks who may change whose settings.
        return form.save(commit=False)

    def save_model(self, request, obj, form, change):
        if request.user.is_superuser:
            person = form.cleaned_data["user"]
        else:
            person = obj.user if change else request.user
        saved = services.notification_settings_update(
            person=person,
            muted_kinds=form.cleaned_data["muted_kinds"],
            language=form.cleaned_data["language"],
            user=request.user,
        )
        obj.pk, obj.user, obj.muted_kinds = saved.pk, saved.user, saved.muted_kinds
        obj.language = saved.language
