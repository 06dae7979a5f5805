import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation


def pytest_configure(config):
    """The German and French catalogues compiled as `make` compiles them, for a run of pytest
    started without make."""
    if shutil.which("msgfmt") is None:
        return
    for catalogue in Path(__file__).resolve().parent.parent.glob("locale/*/LC_MESSAGES/*.po"):
        compiled = catalogue.with_suffix(".mo")
        if not compiled.exists() or compiled.stat().st_mtime < catalogue.stat().st_mtime:
            subprocess.run(["msgfmt", "-o", str(compiled), str(catalogue)], check=True)


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a request in German or French leaves its
    language active in the thread (LocaleMiddleware), as would a test that activates one."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _broker_as_configured():
    """A test that points the Celery app at another broker puts it back: a later test that
    queues a task would otherwise publish to a broker that is not there."""
    from procurement.celery import app

    # The configured value itself: `conf.broker_url` would read CELERY_BROKER_URL from the
    # environment first, which monkeypatch restores on its own.
    before = app.conf.get("broker_url")
    yield
    after = app.conf.get("broker_url")
    assert after == before, f"the test left the broker at {after}"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _layouts_at_the_tests_priority(settings):
    """The suite runs beside other work on shared machines, where a PDF laid out at a lower
    priority could be starved past its time budget; the test of the priority sets its own."""
    settings.PDF_LAYOUT_NICENESS = 0


@pytest.fixture(autouse=True)
def _pdfs_kept_by_the_test_alone(settings, tmp_path):
    """Each test keeps its laid-out PDFs in a folder of its own: a sheet laid out by an
    earlier test (or run) is never the answer to this one's."""
    settings.CACHES = {
        **settings.CACHES,
        "pdfs": {**settings.CACHES["pdfs"], "LOCATION": str(tmp_path / "pdf-cache")},
    }


@pytest.fixture
def seed(db):
    """The buyer's research note, as `make run` loads it."""
    call_command("loaddata", "seed", verbosity=0)


@pytest.fixture
def staff_user(db):
    from tests.factories import UserFactory

    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def swiss_rules(db):
    """Swiss VAT 8.1% and duty 0% from 2024: enough for a Swiss revision's landed cost."""
    from tests.factories import DutyRateFactory, VatRateFactory

    return VatRateFactory(), DutyRateFactory()


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
