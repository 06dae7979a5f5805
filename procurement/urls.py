from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.i18n import set_language

from procurement import views
from procurement.admin_site import ProcurementOTPAdminSite

if settings.ADMIN_REQUIRE_OTP:
    # Same registry, but the login form asks for the one-time code too.
    admin.site.__class__ = ProcurementOTPAdminSite

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The language chosen on the start page (Django's set_language view, for those logged in).
    path("i18n/setlang/", login_required(set_language), name="set_language"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("builds/<slug:slug>/acceptance.pdf", views.acceptance_pdf, name="acceptance_pdf"),
    path("acceptance/evidence/<str:token>", views.acceptance_evidence, name="acceptance_evidence"),
    # Password reset by e-mail, offered on the admin's login page.
    path("admin/password_reset/", views.PasswordResetView.as_view(), name="admin_password_reset"),
    path(
        "admin/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("quotes/", include("quotes.urls")),
]
