from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotFound,
)
from django.views.decorators.http import require_GET

from procurement.pdf import PdfError
from quotes.comparison import (
    BEST_BY_LANDED,
    ComparisonError,
    UnknownOption,
    comparison_filename,
    comparison_pdf,
)
from quotes.comparison import (
    comparison_sheet as sheet_for,
)
from quotes.comparison.workbook import CONTENT_TYPE, comparison_xlsx, comparison_xlsx_filename
from quotes.documents import document_name
from quotes.models import QuoteRevision
from quotes.permissions import READ_PRICES, may_read_prices


def comparison_pdf_response(
    *, build_slugs, quote_references, best_by: str = BEST_BY_LANDED
) -> HttpResponse:
    """The sheet as an inline PDF; ComparisonError propagates for the caller to report."""
    sheet, pdf = comparison_pdf(
        build_slugs=build_slugs, quote_references=quote_references, best_by=best_by
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{comparison_filename(sheet)}"'
    return response


@login_required
@require_GET
def comparison_sheet(request):
    """/quotes/compare.pdf?build=SLUG&quote=REFERENCE...[&best_by=tco]: the comparison
    sheet."""
    if not may_read_prices(request.user):
        raise PermissionDenied
    try:
        return comparison_pdf_response(
            build_slugs=request.GET.getlist("build"),
            quote_references=request.GET.getlist("quote"),
            best_by=request.GET.get("best_by", BEST_BY_LANDED)[:10],
        )
    except UnknownOption as error:
        return HttpResponseNotFound(str(error), content_type="text/plain; charset=utf-8")
    except ComparisonError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    except PdfError as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")


@login_required
@require_GET
def comparison_workbook(request):
    """/quotes/compare.xlsx?build=SLUG&quote=REFERENCE...: the comparison sheet as XLSX."""
    if not may_read_prices(request.user):
        raise PermissionDenied
    try:
        sheet = sheet_for(
            build_slugs=request.GET.getlist("build"),
            quote_references=request.GET.getlist("quote"),
        )
    except UnknownOption as error:
        return HttpResponseNotFound(str(error), content_type="text/plain; charset=utf-8")
    except ComparisonError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    response = HttpResponse(comparison_xlsx(sheet), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{comparison_xlsx_filename(sheet)}"'
    return response


def comparison_for_admin(model_admin, request, *, build_slugs=(), quote_references=()):
    """An admin action's answer: the PDF, or back to the list with the reason it failed."""
    if not may_read_prices(request.user):
        raise PermissionDenied
    try:
        return comparison_pdf_response(build_slugs=build_slugs, quote_references=quote_references)
    except (ComparisonError, PdfError) as error:
        model_admin.message_user(request, str(error), level=messages.ERROR)
        return None


@login_required
@require_GET
def revision_document(request, token: str):
    """The vendor's PDF of a revision, for users who may read revisions."""
    if not request.user.has_perm(READ_PRICES):
        raise PermissionDenied
    name = document_name(token)
    revision = (
        QuoteRevision.objects.select_related("quote").filter(attachment=name).first()
        if name
        else None
    )
    if revision is None:
        raise Http404("There is no such document.")
    try:
        document = revision.attachment.open("rb")
    except FileNotFoundError:
        raise Http404("The document's file is missing.") from None
    filename = f"{revision.quote.reference}-revision-{revision.number}.pdf"
    response = FileResponse(document, content_type="application/pdf", filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response
