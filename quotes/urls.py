from django.urls import path

from quotes import views

app_name = "quotes"

urlpatterns = [
    path("compare.pdf", views.comparison_sheet, name="comparison_pdf"),
    path("compare.xlsx", views.comparison_workbook, name="comparison_xlsx"),
    path("documents/<slug:token>.pdf", views.revision_document, name="revision_document"),
]
