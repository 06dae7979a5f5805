from urllib.parse import urlparse

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from procurement import dashboard, health, selectors
from procurement.acceptance.evidence import CONTENT_TYPE, SUFFIX, evidence_name_prefix
from procurement.acceptance.models import AcceptanceEvidence
from procurement.acceptance.protocol import (
    NoChecklist,
    protocol_filename,
    protocol_for,
    protocol_pdf,
)
from procurement.calendar_feed import calendar_ics
from procurement.models import Build
from procurement.pdf import PdfError
from procurement.services import calendar_token_hash
from quotes.permissions import may_read_prices

READ_ACCEPTANCE = "procurement.view_acceptancechecklist"


@never_cache
@require_GET
def healthz(request):
    """Database and broker reachability, and nothing else."""
    status = health.checks_within({"database": health.database_ok, "broker": health.broker_ok})
    body = {name: "ok" if ok else "unreachable" for name, ok in status.items()}
    return JsonResponse(body, status=200 if all(status.values()) else 503)


@never_cache
@require_GET
def calendar_feed(request, token: str):
    """A user's quote expiry dates and expected deliveries as iCalendar.

    The one page without a login: a calendar application cannot log in, so the secret in the
    address is the credential. An unknown or revoked secret answers 404, like a page that
    does not exist.
    """
    feed = selectors.calendar_feed_for_token_hash(calendar_token_hash(token))
    if feed is None:
        raise Http404("No such calendar.")
    body = calendar_ics(
        name=f"Procurement desk ({feed.user.get_username()})",
        revisions=selectors.open_revisions_followed_by(feed.user),
        order_lines=selectors.expected_deliveries_for(feed.user),
        now=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="procurement.ics"'
    return response


@login_required
@require_GET
def acceptance_pdf(request, slug: str):
    """/builds/SLUG/acceptance.pdf: the build's acceptance protocol (a draft while open)."""
    if not request.user.has_perm(READ_ACCEPTANCE):
        raise PermissionDenied
    build = get_object_or_404(Build.objects.select_related("requirements"), slug=slug)
    try:
        protocol = protocol_for(build)
    except NoChecklist as error:
        raise Http404(str(error)) from None
    try:
        document = protocol_pdf(protocol)
    except PdfError as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{protocol_filename(protocol)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def acceptance_evidence(request, token: str):
    """An evidence file of an acceptance, for users who may read acceptances. Text is served
    as plain text and nothing is allowed to run in the browser."""
    if not request.user.has_perm(READ_ACCEPTANCE):
        raise PermissionDenied
    prefix = evidence_name_prefix(token)
    evidence = (
        AcceptanceEvidence.objects.filter(file__startswith=prefix).first() if prefix else None
    )
    if evidence is None:
        raise Http404("There is no such evidence file.")
    try:
        content = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("The evidence file is missing.") from None
    response = FileResponse(content, content_type=CONTENT_TYPE[evidence.kind])
    filename = f"evidence-{evidence.pk}{SUFFIX[evidence.kind]}"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_member_required
@require_GET
def home(request):
    """The start page: where the purchase stands, the candidates ranked, what to do next.
    `?stage=NAME` opens another stage than the current one."""
    page = dashboard.start_page(timezone.localdate())
    shown = next(
        (line for line in page.stages if line.key == request.GET.get("stage", "")),
        page.current_stage,
    )
    user = request.user
    readable = may_read_prices(user)
    context = {
        **admin.site.each_context(request),
        "page": page,
        "shown": shown,
        "others": [line for line in page.stages if line is not shown],
        "next_steps": [
            (step, not step.permission or user.has_perm(step.permission))
            for step in page.next_steps
            if readable or not step.shows_prices
        ],
        "title": _("Start"),
        "may_read_prices": readable,
        "may_request_quotes": user.has_perm("quotes.add_quoterequest"),
        "may_view_requests": user.has_perm("quotes.view_quoterequest"),
        "may_add_brief": user.has_perm("procurement.add_requirements"),
    }
    return render(request, "home.html", context)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset by e-mail; its link starts with SITE_URL, like every e-mail's."""

    def form_valid(self, form):
        site = urlparse(settings.SITE_URL)
        self.extra_email_context = {
            "protocol": site.scheme,
            "domain": site.netloc,
            "site_name": admin.site.site_title,
        }
        return super().form_valid(form)
