"""Start-up reads its settings from the environment and stops clearly on a wrong value."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASE_ENV = {
    key: value
    for key, value in os.environ.items()
    if not key.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "PORT", "PROCUREMENT_"))
}


def manage(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**BASE_ENV, "PROCUREMENT_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PORT": "eighty"}, "PORT must be a whole number"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL must be a URL starting"),
        ({"DATABASE_URL": "postgres://user@host:notaport/db"}, "DATABASE_URL"),
        ({"CELERY_BROKER_URL": "amqp//nowhere"}, "CELERY_BROKER_URL must be a URL"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be one of"),
        ({"DJANGO_EMAIL_BACKEND": "pigeon"}, "DJANGO_EMAIL_BACKEND must be one of"),
        ({"QUOTE_REMINDER_DAYS": "7,two"}, "QUOTE_REMINDER_DAYS must be whole numbers"),
        ({"QUOTE_REMINDER_DAYS": "7,-2"}, "QUOTE_REMINDER_DAYS must be days before"),
        ({"QUOTE_REMINDER_HOUR": "25"}, "QUOTE_REMINDER_HOUR must be an hour from 0 to 23"),
        ({"DJANGO_EMAIL_PORT": "twenty-five"}, "DJANGO_EMAIL_PORT must be a whole number"),
        ({"DJANGO_TRUSTED_PROXY_COUNT": "-1"}, "DJANGO_TRUSTED_PROXY_COUNT must be 0 or more"),
        (
            {"DATABASE_URL": "postgres://u@h/db", "DATABASE_CONNECT_TIMEOUT": "0"},
            "DATABASE_CONNECT_TIMEOUT must be 1 second or more",
        ),
        ({"DATABASE_STATEMENT_TIMEOUT": "-30"}, "DATABASE_STATEMENT_TIMEOUT must be 0"),
        ({"MAX_REQUEST_BYTES": "25MB"}, "MAX_REQUEST_BYTES must be a whole number"),
    ],
)
def test_wrong_environment_value_stops_startup_naming_the_variable(tmp_path, env, named):
    result = manage("check", tmp_path=tmp_path, **env)
    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_off_without_a_secret_key_stops_with_a_clear_message(tmp_path):
    result = manage("check", tmp_path=tmp_path, DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="x.ch")
    assert result.returncode == 2
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_on_generates_a_secret_key_once_into_the_var_folder(tmp_path):
    assert manage("check", tmp_path=tmp_path).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert manage("check", tmp_path=tmp_path).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key


SITE_URL_SCRIPT = "from django.conf import settings; print(settings.SITE_URL)"


@pytest.mark.parametrize(
    ("env", "site_url"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8791"}, "http://127.0.0.1:8791"),
        ({"PORT": "8791", "SITE_URL": "https://desk.example.ch/"}, "https://desk.example.ch"),
    ],
)
def test_links_in_emails_follow_the_port_unless_site_url_is_set(tmp_path, env, site_url):
    environment = {key: value for key, value in BASE_ENV.items() if key != "SITE_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", SITE_URL_SCRIPT],
        cwd=ROOT,
        env={**environment, "PROCUREMENT_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == site_url


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k3y-" + "x7Qp9vL2mN8rT4wZ6yB1cD5fG0hJ3kS" * 2,
        DJANGO_ALLOWED_HOSTS="procurement.example.ch",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


HEALTH_SCRIPT = """
import django, json
django.setup()
from django.test import Client
response = Client(HTTP_HOST="localhost").get("/healthz")
print(response.status_code, json.dumps(json.loads(response.content), sort_keys=True))
"""


def python_script(script: str, var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    """`script` run by a fresh interpreter with the project's settings and `env`."""
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **BASE_ENV,
            "DJANGO_SETTINGS_MODULE": "procurement.settings",
            "PROCUREMENT_VAR_DIR": str(var_dir),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    result = python_script(
        HEALTH_SCRIPT, tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere"
    )
    assert result.stdout.strip() == '503 {"broker": "ok", "database": "unreachable"}', result.stderr


def test_a_postgresql_connection_gives_up_connecting_after_the_connect_timeout(tmp_path):
    show = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    default = manage("shell", "-c", show, tmp_path=tmp_path, DATABASE_URL="postgres://u@h/db")
    chosen = manage(
        "shell",
        "-c",
        show,
        tmp_path=tmp_path,
        DATABASE_URL="postgres://u@h/db",
        DATABASE_CONNECT_TIMEOUT="3",
    )

    assert default.stdout.strip().splitlines()[-1] == "{'connect_timeout': 5}"
    assert chosen.stdout.strip().splitlines()[-1] == "{'connect_timeout': 3}"


@pytest.mark.parametrize("hosts", [None, "", " , "])
def test_debug_off_without_allowed_hosts_stops_naming_the_variable(tmp_path, hosts):
    env = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k3y-" + "x7Qp9vL2mN8rT4wZ6yB1cD5fG0hJ3kS" * 2}
    if hosts is not None:
        env["DJANGO_ALLOWED_HOSTS"] = hosts

    result = manage("check", tmp_path=tmp_path, **env)

    assert result.returncode == 2
    assert "DJANGO_ALLOWED_HOSTS is not set" in result.stderr
    assert "Traceback" not in result.stderr


def gunicorn_config(**env: str) -> dict[str, str]:
    """The settings gunicorn reads from procurement/gunicorn_conf.py, as it prints them."""
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "python:procurement.gunicorn_conf",
            "--print-config",
        ],
        cwd=ROOT,
        env={**BASE_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    pairs = (line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def test_gunicorn_binds_to_host_and_port_with_web_concurrency_workers():
    config = gunicorn_config(HOST="0.0.0.0", PORT="8123", WEB_CONCURRENCY="3")

    assert config["bind"] == "['0.0.0.0:8123']"
    assert config["workers"] == "3"
    assert config["wsgi_app"] == "procurement.wsgi:application"


def test_gunicorn_defaults_to_the_loopback_and_two_workers_a_core_and_one():
    config = gunicorn_config()

    assert config["bind"] == "['127.0.0.1:8000']"
    assert config["workers"] == str(2 * os.cpu_count() + 1)


def test_deploy_example_environment_passes_the_deployment_checks(tmp_path):
    lines = (ROOT / "deploy" / "procurement.env.example").read_text().splitlines()
    example = dict(
        line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")
    )
    example["PROCUREMENT_VAR_DIR"] = str(tmp_path)

    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        **{**example, "DJANGO_SECRET_KEY": "k3y-" + "x7Qp9vL2mN8rT4wZ6yB1cD5fG0hJ3kS" * 2},
    )

    assert result.returncode == 0, result.stderr
    assert example["DJANGO_DEBUG"] == "0"
    assert example["DJANGO_SECURE_PROXY_SSL_HEADER"] == "1"


@pytest.mark.parametrize(
    ("unit", "command"),
    [
        ("web", "gunicorn --config python:procurement.gunicorn_conf"),
        ("worker", "celery -A procurement worker --loglevel=INFO"),
        ("beat", "celery -A procurement beat --loglevel=INFO"),
    ],
)
def test_each_systemd_unit_runs_its_process_with_the_environment_file(unit, command):
    text = (ROOT / "deploy" / f"procurement-{unit}.service").read_text()

    assert "EnvironmentFile=/etc/procurement/procurement.env" in text
    assert f"ExecStart=/srv/procurement/.venv/bin/{command}\n" in text
