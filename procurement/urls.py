from django.contrib import admin
from django.urls import include, path

from procurement import views

admin.site.site_header = "Workstation procurement desk"
admin.site.site_title = "Procurement desk"
admin.site.index_title = "Quotes, builds and orders"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("quotes/", include("quotes.urls")),
]
