"""Nothing answers an anonymous user but the login page, the password reset and /healthz;
logins are throttled, by the client's address behind proxies."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = {
    "/admin/login/",
    "/healthz",
    # Password reset by e-mail: the form, "sent", the link's page (here an invalid link), done.
    "/admin/password_reset/",
    "/admin/password_reset/done/",
    "/reset/x/x/",
    "/reset/done/",
}
SAMPLE = {"int": "1", "slug": "x", "str": "x", "path": "x/y", "uuid": str(uuid.uuid4())}
CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _sample_path(route: str) -> str:
    return CONVERTER.sub(lambda match: SAMPLE[match["converter"] or "str"], route)


def _regex_sample(pattern: str) -> str:
    """A path for a regex route: named groups filled with a sample, anchors dropped."""
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", pattern)
    return path.replace("^", "").replace("$", "").replace("\\", "")


def every_url(patterns=None, prefix: str = "/") -> list[str]:
    urls = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        piece = _sample_path(route) if "<" in route or "^" not in route else _regex_sample(route)
        if isinstance(entry, URLResolver):
            urls += every_url(entry.url_patterns, prefix + piece)
        elif isinstance(entry, URLPattern):
            urls.append(prefix + piece)
    return sorted(set(urls))


def test_the_walk_finds_the_admin_and_our_pages():
    urls = every_url()
    assert "/admin/login/" in urls
    assert "/healthz" in urls
    assert any(url.startswith("/admin/quotes/quote/") for url in urls)


@pytest.mark.parametrize("url", every_url())
def test_no_page_but_login_and_healthz_answers_an_anonymous_user(client, url):
    response = client.get(url)
    if url in PUBLIC:
        assert response.status_code in (200, 503)
        return
    # A redirect to the login page, or a refusal that reveals nothing.
    if response.status_code == 302:
        # The admin sends an anonymous logout to its index, which sends it to the login.
        target = (
            reverse("admin:index") if url == reverse("admin:logout") else reverse("admin:login")
        )
        assert response.url.startswith(target), response.url
    else:
        assert response.status_code in (401, 403, 404, 405), (url, response.status_code)


def _attempt(client, password: str):
    return client.post(
        reverse("admin:login"),
        {"username": "buyer", "password": password, "next": "/admin/"},
        REMOTE_ADDR="203.0.113.7",
    )


def test_login_is_locked_after_five_failures_even_with_the_right_password(client):
    UserFactory(username="buyer", is_staff=True, password="the-right-password-1")
    for _ in range(5):
        assert _attempt(client, "wrong-password").status_code in (200, 429)
    locked = _attempt(client, "the-right-password-1")
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    assert "_auth_user_id" not in client.session


def test_the_locked_out_page_reads_in_french(client):
    UserFactory(username="buyer", is_staff=True, password="the-right-password-1")
    for _ in range(5):
        _attempt(client, "wrong-password")

    locked = client.post(
        reverse("admin:login"),
        {"username": "buyer", "password": "the-right-password-1", "next": "/admin/"},
        REMOTE_ADDR="203.0.113.7",
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    page = locked.content.decode()
    assert locked.status_code == 429
    assert "<h1>Trop de connexions échouées</h1>" in page
    assert "Ce compte est bloqué pendant une heure" in page
    assert "Too many failed logins" not in page


def test_a_successful_login_resets_the_failure_count(client):
    UserFactory(username="buyer", is_staff=True, password="the-right-password-1")
    for _ in range(4):
        _attempt(client, "wrong-password")
    assert _attempt(client, "the-right-password-1").status_code == 302
    client.logout()
    for _ in range(4):
        _attempt(client, "wrong-password")
    assert _attempt(client, "the-right-password-1").status_code == 302


# Behind a reverse proxy ----------------------------------------------------------------------

PROXY = "10.0.0.1"


def _through_proxy(client, forwarded_for: str, password: str):
    """A login attempt as the proxy passes it on: from its own address, the client's appended."""
    return client.post(
        reverse("admin:login"),
        {"username": "buyer", "password": password, "next": "/admin/"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_a_proxy_five_failures_of_one_client_do_not_lock_another(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="buyer", is_staff=True, password="the-right-password-1")
    for _ in range(5):
        _through_proxy(client, "198.51.100.1", "wrong-password")

    locked = _through_proxy(client, "198.51.100.1", "the-right-password-1")
    other = _through_proxy(client, "198.51.100.2", "the-right-password-1")

    assert locked.status_code == 429
    assert other.status_code == 302
    assert other.url == "/admin/"


def test_behind_a_proxy_an_address_the_client_writes_itself_is_not_believed(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="buyer", is_staff=True, password="the-right-password-1")
    # Each attempt claims another address; the proxy appends the one it really came from.
    for n in range(5):
        _through_proxy(client, f"192.0.2.{n}, 198.51.100.1", "wrong-password")

    assert _through_proxy(client, "198.51.100.1", "the-right-password-1").status_code == 429


def test_behind_two_proxies_the_client_is_second_from_the_right(client, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    UserFactory(username="buyer", is_staff=True, password="the-right-password-1")
    for _ in range(5):
        _through_proxy(client, "198.51.100.1, 10.0.0.2", "wrong-password")

    assert _through_proxy(client, "198.51.100.1, 10.0.0.2", "x").status_code == 429
    assert (
        _through_proxy(client, "198.51.100.2, 10.0.0.2", "the-right-password-1").status_code == 302
    )


def test_without_trusted_proxies_the_forwarded_header_is_ignored(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    UserFactory(username="buyer", is_staff=True, password="the-right-password-1")
    for n in range(5):
        _through_proxy(client, f"198.51.100.{n}", "wrong-password")

    # Every attempt came from the proxy's address: that is what was counted.
    assert _through_proxy(client, "198.51.100.9", "the-right-password-1").status_code == 429


# Password reset by e-mail ------------------------------------------------------------------


def test_the_login_page_offers_the_password_reset(client):
    page = client.get(reverse("admin:login")).content.decode()

    assert f'<a href="{reverse("admin_password_reset")}">' in page


def test_a_user_resets_the_password_through_the_link_in_the_e_mail(client, settings, mailoutbox):
    settings.SITE_URL = "https://desk.example.ch"
    user = UserFactory(username="buyer", email="buyer@example.ch", is_staff=True)

    sent = client.post(reverse("admin_password_reset"), {"email": "buyer@example.ch"})

    assert sent.status_code == 302
    (message,) = mailoutbox
    assert message.to == ["buyer@example.ch"]
    assert message.subject == "Password reset on Procurement desk"
    link = re.search(r"https://desk\.example\.ch(/reset/\S+/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new_password = "a-new-long-password-7"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_an_unknown_address_gets_no_e_mail_and_learns_nothing(client, mailoutbox):
    UserFactory(username="buyer", email="buyer@example.ch")

    response = client.post(reverse("admin_password_reset"), {"email": "nobody@example.ch"})

    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert mailoutbox == []


def test_two_factor_login_asks_for_a_code_when_switched_on(tmp_path):
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "print(Client(HTTP_HOST='localhost').get('/admin/login/').content.decode())"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "procurement.settings",
        "PROCUREMENT_VAR_DIR": str(tmp_path),
    }
    with_otp = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_ADMIN_OTP": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    without = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert 'name="otp_token"' in with_otp.stdout, with_otp.stderr
    assert 'name="otp_token"' not in without.stdout
