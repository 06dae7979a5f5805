from django.urls import path

from quotes import views

app_name = "quotes"

urlpatterns = [
    path("compare.pdf", views.comparison_sheet, name="comparison_pdf"),
]
