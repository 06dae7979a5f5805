"""Every HTML page carries a Content-Security-Policy that lets the admin's own scripts and
styles run and nothing else; nothing inline is left for it to block."""

import contextlib
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}
INLINE = [
    re.compile(r"<style\b", re.I),
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),
    re.compile(r"javascript:", re.I),
]
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.I | re.S)


@pytest.fixture
def demo(db):
    call_command("loaddata", "seed", "demo", verbosity=0)


def admin_pages() -> list[str]:
    """The index, and for every model its list, its add form and the page of its first row."""
    pages = [reverse("home"), reverse("admin:index")]
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        with contextlib.suppress(NoReverseMatch):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
            pages.append(reverse("admin:{}_{}_history".format(*info), args=[first.pk]))
    return pages


def policy(response) -> dict[str, str]:
    """The response's policy as {directive: sources} (the header lists them in any order)."""
    directives = (
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    return {name: sources for name, sources in directives}


def inline_code(page: str) -> list[str]:
    """Inline styles, event handlers and scripts a strict policy would block."""
    found = [pattern.pattern for pattern in INLINE if pattern.search(page)]
    for attributes, body in SCRIPT.findall(page):
        executable = "application/json" not in attributes
        if executable and (body.strip() or "src=" not in attributes):
            found.append(f"<script{attributes}>{body[:60]}")
        source = re.search(r'src="([^"]+)"', attributes)
        if source and not source.group(1).startswith("/"):
            found.append(f"script from elsewhere: {source.group(1)}")
    return found


def test_every_admin_page_carries_the_policy_and_needs_nothing_inline(admin_client, demo):
    TOTPDevice.objects.create(user=UserFactory(), name="phone")
    checked = 0
    for url in admin_pages():
        response = admin_client.get(url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        checked += 1
        assert policy(response) == POLICY, url
        assert inline_code(response.content.decode()) == [], url
    assert checked > 60


@pytest.mark.parametrize("url", ["/admin/login/", "/admin/password_reset/"])
def test_pages_for_anonymous_visitors_carry_the_policy(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert policy(response) == POLICY
    assert inline_code(response.content.decode()) == []


def test_the_policy_lets_the_admins_own_scripts_and_styles_load(admin_client):
    page = admin_client.get(reverse("admin:quotes_quoterevision_add")).content.decode()

    scripts = re.findall(r'<script[^>]* src="([^"]+)"', page)
    styles = re.findall(r'<link rel="stylesheet"[^>]* href="([^"]+)"', page)
    assert "/static/admin/js/vendor/jquery/jquery.min.js" in scripts
    assert "/static/admin/js/autocomplete.js" in scripts
    assert "/static/admin/css/base.css" in styles
    assert "/static/desk/admin.css" in styles
    # 'self' covers every one of them: all are paths on this site.
    assert all(url.startswith("/") and not url.startswith("//") for url in scripts + styles)


# Two-factor devices ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["config", "qrcode"])
def test_an_unknown_device_answers_404(admin_client, page):
    response = admin_client.get(f"/admin/otp_totp/totpdevice/99999/{page}/")

    assert response.status_code == 404


@pytest.mark.parametrize("page", ["config", "qrcode"])
def test_a_devices_key_is_never_shown_again(admin_client, page):
    device = TOTPDevice.objects.create(user=UserFactory(), name="phone")

    response = admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/{page}/")
    change = admin_client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))

    assert response.status_code == 403
    assert device.key not in change.content.decode()
    assert device.config_url not in change.content.decode()
