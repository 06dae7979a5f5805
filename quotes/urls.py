from django.urls import path

from quotes import views

app_name = "quotes"

urlpatterns = [
    path("documents/<slug:token>.pdf", views.revision_document, name="revision_document"),
]
