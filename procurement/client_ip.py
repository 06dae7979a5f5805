"""The address a request came from, as the login lockout (django-axes) counts failures.

Behind reverse proxies every request arrives from the nearest proxy; each proxy appends the
address it received the request from to `X-Forwarded-For`. With `TRUSTED_PROXY_COUNT` proxies
in front (`DJANGO_TRUSTED_PROXY_COUNT`), the client is the entry that many places from the
right: what stands further left was written by the client itself and is not believed. With
none (the default), the header is ignored and the connection's own address is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if proxies <= 0 or not forwarded:
        return remote
    candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
