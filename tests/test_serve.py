"""`make serve`'s stack started for real: gunicorn with WhiteNoise, a Celery worker and a
separate beat, with debug off, on a free port of this machine; stopped all together.

Each stack runs on a database and a broker of its own in a temporary folder (SQLite, the
filesystem broker), so it never touches the database of the tests or a shared queue.
"""

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVE = ROOT / "bin" / "serve-production"
RUN = ROOT / "bin" / "serve"
STARTED = re.compile(r"web pid (\d+), worker pid (\d+), beat pid (\d+)")
START_TIMEOUT = 240
STOP_TIMEOUT = 60
# The TLS proxy in front says the request came over HTTPS (DJANGO_SECURE_PROXY_SSL_HEADER=1).
PROXIED = {"X-Forwarded-Proto": "https"}

pytestmark = pytest.mark.serve


def environment(var_dir: Path, port: int, **extra: str) -> dict[str, str]:
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "PORT", "PROCUREMENT_"))
        and key not in {"HOST", "WEB_CONCURRENCY"}
    }
    return {
        **kept,
        "PROCUREMENT_VAR_DIR": str(var_dir),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "serve-test-" + "q8Vw3nZr5Tb7Ky2Lp4Hd6Mf9Xc1Js0Ga" * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
        "DJANGO_EMAIL_BACKEND": "locmem",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs (one that has ended, not yet reaped by
    its new parent, does not)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            return True
    return False


def answers(url: str) -> bool:
    try:
        return httpx.get(url, headers=PROXIED, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


class Stack:
    """bin/serve-production in a process group of its own, its output in a file."""

    def __init__(self, var_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = var_dir / f"serve-{self.port}.log"
        with self.log.open("w") as output:
            self.process = subprocess.Popen(
                [str(SERVE)],
                cwd=ROOT,
                env=environment(var_dir, self.port),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.web, self.worker, self.beat = self._wait_until_serving()

    def _wait_until_serving(self) -> tuple[int, int, int]:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            started = STARTED.search(self.output())
            if started:
                try:
                    httpx.get(f"{self.url}/healthz", timeout=2)
                except httpx.TransportError:
                    pass
                else:
                    web, worker, beat = (int(pid) for pid in started.groups())
                    return web, worker, beat
            time.sleep(0.5)
        raise AssertionError(f"not serving after {START_TIMEOUT} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text()

    def get(self, path: str, **headers: str) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", headers={**PROXIED, **headers}, timeout=20)

    def wait_for_exit(self) -> int:
        return self.process.wait(timeout=STOP_TIMEOUT)

    def kill(self) -> None:
        """Whatever is left of the stack, if a test failed half-way."""
        if group_alive(self.process.pid):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    """One folder for the module's stacks: the second start finds its database ready."""
    return tmp_path_factory.mktemp("serve")


@pytest.fixture
def stack(var_dir):
    started = Stack(var_dir)
    yield started
    started.kill()


def test_serves_the_admin_and_hashed_static_files_then_stops_all_three(stack):
    login = stack.get("/admin/login/")
    assert login.status_code == 200
    assert login.headers["server"] == "gunicorn"
    assert "<title>Log in | Procurement desk</title>" in login.text
    stylesheet = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login.text)
    assert stylesheet, "the login page names the admin's stylesheet by its hashed name"

    css = stack.get(stylesheet.group(1), **{"Accept-Encoding": "gzip"})
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers["cache-control"] == "max-age=315360000, public, immutable"
    assert css.headers["content-encoding"] == "gzip"
    assert "--body-fg" in css.text  # the admin's colour variables, unpacked by httpx

    assert "worker" in command_line(stack.worker)
    assert "--beat" not in command_line(stack.worker)
    assert "beat" in command_line(stack.beat)
    assert all(alive(pid) for pid in (stack.web, stack.worker, stack.beat))

    os.kill(stack.process.pid, signal.SIGTERM)

    assert stack.wait_for_exit() == 0
    assert [alive(pid) for pid in (stack.web, stack.worker, stack.beat)] == [False] * 3
    assert not group_alive(stack.process.pid), "a process of the stack outlived it"
    assert "Shutting down: Master" in stack.output()


def test_one_process_ending_stops_the_others(stack):
    assert stack.get("/admin/login/").status_code == 200

    os.kill(stack.beat, signal.SIGTERM)

    assert stack.wait_for_exit() != 0
    assert [alive(pid) for pid in (stack.web, stack.worker)] == [False, False]
    assert not group_alive(stack.process.pid)
    assert "A process of the stack ended" in stack.output()


def test_make_run_stops_its_server_and_worker_on_a_termination_signal(var_dir):
    port = free_port()
    log = var_dir / f"run-{port}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(RUN)],
            cwd=ROOT,
            env={**environment(var_dir, port), "DJANGO_DEBUG": "1"},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not answers(f"http://127.0.0.1:{port}/healthz"):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)

        os.kill(process.pid, signal.SIGTERM)

        assert process.wait(timeout=STOP_TIMEOUT) == 0
        assert not group_alive(process.pid), "the development server or its worker outlived it"
    finally:
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS is not set"),
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY is not set"),
    ],
)
def test_refuses_to_start_with_debug_off_without(tmp_path, variable, message):
    env = environment(tmp_path, free_port())
    del env[variable]

    result = subprocess.run(
        [str(SERVE)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 2
    assert message in result.stderr
    assert "Serving on" not in result.stdout
    assert not (tmp_path / "procurement.sqlite3").exists()
