"""Login lockouts in the admin: django-axes's own pages, with its "clean up expired attempts"
action made safe to run from the list (it counts the cool-off from now) and kept to those
who may delete attempts."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.utils.translation import gettext_lazy


class AttemptAdmin(AccessAttemptAdmin):
    @admin.action(description=gettext_lazy("Clean up expired attempts"), permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        # Outside a login there is no attempt time: the cool-off is counted from now.
        request.axes_attempt_time = None
        return super().cleanup_expired_attempts(request, queryset)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AttemptAdmin)
