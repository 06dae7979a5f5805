from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from procurement import health


@never_cache
@require_GET
def healthz(request):
    """Database and broker reachability, and nothing else."""
    status = {"database": health.database_ok(), "broker": health.broker_ok()}
    body = {name: "ok" if ok else "unreachable" for name, ok in status.items()}
    return JsonResponse(body, status=200 if all(status.values()) else 503)
