from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from procurement import views

if settings.ADMIN_REQUIRE_OTP:
    # Same registry, but the login form asks for the one-time code too.
    admin.site.__class__ = OTPAdminSite

admin.site.site_header = "Workstation procurement desk"
admin.site.site_title = "Procurement desk"
admin.site.index_title = "Quotes, builds and orders"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("builds/<slug:slug>/acceptance.pdf", views.acceptance_pdf, name="acceptance_pdf"),
    path("acceptance/evidence/<str:token>", views.acceptance_evidence, name="acceptance_evidence"),
    path("admin/", admin.site.urls),
    path("quotes/", include("quotes.urls")),
]
