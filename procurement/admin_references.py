"""Deleting in the admin what other records refer to: the page says what refers to it and
what to do instead, and nothing is deleted."""

from __future__ import annotations

import functools

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from procurement.references import references_text, references_to


class KeptWhenReferencedAdmin(admin.ModelAdmin):
    """A record that others refer to is kept: its delete page and the bulk delete list what
    refers to it and suggest `keep_instead`."""

    # Reverse relations that are part of the record itself and go with it.
    own_parts: frozenset[str] = frozenset()
    # What to do instead of deleting, in a sentence.
    keep_instead = ""
    delete_confirmation_template = "admin/kept_delete_confirmation.html"
    delete_selected_confirmation_template = "admin/kept_delete_selected_confirmation.html"

    def get_deleted_objects(self, objs, request):
        kept = [
            references_text(record, references)
            for record in objs
            if (references := references_to(record, own_parts=self.own_parts))
        ]
        if kept:
            # Shown as what protects the records: no permission is lacking, nothing is deleted.
            return [], {}, set(), kept
        return super().get_deleted_objects(objs, request)

    def delete_view(self, request, object_id, extra_context=None):
        extra = {"keep_instead": self.keep_instead, **(extra_context or {})}
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra)
        except (ProtectedError, RestrictedError):
            # Referred to since the page was shown: say so on the record's page.
            messages.error(request, self._refused_meanwhile())
            info = (self.opts.app_label, self.opts.model_name)
            return HttpResponseRedirect(
                reverse("admin:{}_{}_change".format(*info), args=[object_id])
            )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            delete_selected, name, description = actions["delete_selected"]
            actions["delete_selected"] = (self._kept(delete_selected), name, description)
        return actions

    def _kept(self, delete_selected):
        # Django's own bulk delete, which needs the delete permission; said here as on every
        # other action rather than left to the attributes `wraps` copies.
        @admin.action(permissions=["delete"])
        @functools.wraps(delete_selected)
        def action(modeladmin, request, queryset):
            try:
                with transaction.atomic():
                    response = delete_selected(modeladmin, request, queryset)
            except (ProtectedError, RestrictedError):
                messages.error(request, self._refused_meanwhile())
                return None
            if isinstance(response, TemplateResponse):
                response.context_data["keep_instead"] = self.keep_instead
            return response

        return action

    def _refused_meanwhile(self) -> str:
        return _("Nothing was deleted: other records refer to it now. %(instead)s") % {
            "instead": self.keep_instead
        }
