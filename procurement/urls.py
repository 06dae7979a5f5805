from django.contrib import admin
from django.urls import path

from procurement import views

admin.site.site_header = "Workstation procurement desk"
admin.site.site_title = "Procurement desk"
admin.site.index_title = "Quotes, builds and orders"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("admin/", admin.site.urls),
]
