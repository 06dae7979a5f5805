from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from quotes.documents import document_name
from quotes.models import QuoteRevision


@login_required
@require_GET
def revision_document(request, token: str):
    """The vendor's PDF of a revision, for users who may read revisions."""
    if not request.user.has_perm("quotes.view_quoterevision"):
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
