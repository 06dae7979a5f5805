from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.views.decorators.http import require_GET

from quotes.comparison import (
    ComparisonError,
    UnknownOption,
    comparison_filename,
    comparison_pdf,
)


def comparison_pdf_response(*, build_slugs, quote_references) -> HttpResponse:
    """The sheet as an inline PDF; ComparisonError propagates for the caller to report."""
    sheet, pdf = comparison_pdf(build_slugs=build_slugs, quote_references=quote_references)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{comparison_filename(sheet)}"'
    return response


@login_required
@require_GET
def comparison_sheet(request):
    """/quotes/compare.pdf?build=SLUG&quote=REFERENCE...: the comparison sheet."""
    try:
        return comparison_pdf_response(
            build_slugs=request.GET.getlist("build"),
            quote_references=request.GET.getlist("quote"),
        )
    except UnknownOption as error:
        return HttpResponseNotFound(str(error), content_type="text/plain; charset=utf-8")
    except ComparisonError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


def comparison_for_admin(model_admin, request, *, build_slugs=(), quote_references=()):
    """An admin action's answer: the PDF, or back to the list with the reason it failed."""
    try:
        return comparison_pdf_response(build_slugs=build_slugs, quote_references=quote_references)
    except ComparisonError as error:
        model_admin.message_user(request, str(error), level=messages.ERROR)
        return None
