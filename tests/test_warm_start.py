"""The production server's main process makes, before its workers fork, what every request
needs (URL patterns, compiled templates, catalogues), without a database connection, and
freezes it for the garbage collector; its workers serve one request at a time."""

import gc
import os
import textwrap

import pytest

from procurement import gunicorn_conf
from tests.test_settings_env import gunicorn_config, python_script

# A fresh interpreter with production settings: the tests' own process has compiled and
# read everything long ago, and runs with debug settings.
WARM_UP_IN_A_NEW_PROCESS = textwrap.dedent(
    """
    import django
    django.setup()
    from django.db import connection
    from django.template import engines
    from django.utils.translation import trans_real
    from procurement.warm import warm_up

    engine = engines["django"].engine
    loader = engine.template_loaders[0]
    assert type(loader).__name__ == "Loader" and loader.__module__.endswith("cached")
    before = len(loader.get_template_cache)
    made = warm_up()
    print("made", made)
    print("templates before", before, "after", len(loader.get_template_cache))
    print("change list compiled", "admin/change_list.html" in loader.get_template_cache)
    print("start page compiled", "home.html" in loader.get_template_cache)
    print("catalogues", sorted(trans_real._translations))
    print("database connected", connection.connection is not None)
    """
)


@pytest.fixture(scope="module")
def warmed(tmp_path_factory) -> str:
    result = python_script(
        WARM_UP_IN_A_NEW_PROCESS,
        tmp_path_factory.mktemp("var"),
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k" * 60,
        DJANGO_ALLOWED_HOSTS="procurement.example.ch",
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_every_template_is_compiled_before_the_first_request(warmed):
    assert "templates before 0 after" in warmed
    compiled = int(warmed.split("templates before 0 after ")[1].split()[0])
    assert compiled >= 100  # the admin's, ours, and the packages'
    assert "change list compiled True" in warmed
    assert "start page compiled True" in warmed


def test_the_catalogues_of_german_and_french_are_read(warmed):
    assert "catalogues ['de', 'en', 'fr']" in warmed


def test_no_database_connection_is_left_for_the_workers_to_share(warmed):
    assert "database connected False" in warmed


def test_the_warm_up_says_what_it_made(warmed):
    assert "'languages': 3" in warmed
    assert "'url patterns':" in warmed


def test_the_main_process_warms_up_then_freezes_what_it_made(monkeypatch, settings):
    from django.core.cache import caches

    caches["pdfs"].set("pdf:kept-before", b"%PDF-1.7 laid out before the restart")
    calls = []
    monkeypatch.setattr("procurement.warm.warm_up", lambda: calls.append("warm") or {})
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))

    class Server:
        class log:
            @staticmethod
            def info(*args):
                calls.append("log")

    gunicorn_conf.when_ready(Server())
    gunicorn_conf.pre_fork(Server(), worker=None)

    assert calls == ["warm", "log", "freeze", "freeze"]
    assert caches["pdfs"].get("pdf:kept-before") is None


def test_workers_serve_one_request_at_a_time():
    config = gunicorn_config()

    assert config["worker_class"] == "sync"
    assert config["preload_app"] == "True"
    assert config["workers"] == str(2 * os.cpu_count() + 1)
