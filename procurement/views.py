from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from procurement import dashboard, health, selectors
from procurement.calendar_feed import calendar_ics
from procurement.services import calendar_token_hash


@never_cache
@require_GET
def healthz(request):
    """Database and broker reachability, and nothing else."""
    status = {"database": health.database_ok(), "broker": health.broker_ok()}
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


@staff_member_required
def home(request):
    """The start page: money committed, quotes about to lapse, where the parts are."""
    page = dashboard.start_page(timezone.localdate())
    return render(request, "home.html", {"page": page, "title": "Start"})
