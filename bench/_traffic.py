"""Logged-in users walking through pages of a running server, one thread a user.

Each user opens the pages in turn (from a page of their own to start), waits for each
answer, and pauses between pages when told to, as a person reading; such a user also pauses
before the first page, so that twenty people do not all click in the same millisecond.
Every request is bounded (REQUEST_TIMEOUT) and no request starts after the given seconds,
so a run always ends. Only addresses on this machine are ever asked.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from dataclasses import dataclass, field

import httpx

REQUEST_TIMEOUT = 60.0
# A connection a request, as the TLS proxy in front of the production stack passes them on
# (nginx speaks HTTP/1.0 to its upstream unless told otherwise).
ONE_REQUEST_A_CONNECTION = {"Connection": "close"}
LOGIN_FORM = 'id="login-form"'


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    is_pdf: bool = False


@dataclass(frozen=True)
class Sample:
    page: str
    ms: float
    error: str | None


@dataclass
class Traffic:
    """What a run saw: every answer's time, and the run's wall time."""

    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors(self) -> list[Sample]:
        return [sample for sample in self.samples if sample.error]

    @property
    def requests_per_second(self) -> float:
        return len(self.samples) / self.seconds if self.seconds else 0.0

    def times(self, page: str) -> list[float]:
        return [s.ms for s in self.samples if s.page == page and not s.error]

    def p50(self, page: str) -> float:
        times = self.times(page)
        return statistics.median(times) if times else float("nan")

    def p95(self, page: str) -> float:
        times = self.times(page)
        if len(times) < 2:
            return times[0] if times else float("nan")
        return statistics.quantiles(times, n=20, method="inclusive")[-1]


def walk(
    base_url: str,
    pages: list[Page],
    sessions: list[str],
    *,
    seconds: float,
    pause: tuple[float, float] | None,
    headers: dict[str, str] | None = None,
    seed: int = 16,
) -> Traffic:
    """`len(sessions)` users, each logged in by a session cookie, for `seconds`."""
    traffic = Traffic()
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + seconds

    def user(index: int, session: str) -> None:
        chance = random.Random(seed + index)
        position = chance.randrange(len(pages))
        sent = {"Cookie": f"sessionid={session}", **ONE_REQUEST_A_CONNECTION, **(headers or {})}
        with httpx.Client(base_url=base_url, headers=sent, timeout=REQUEST_TIMEOUT) as client:
            if pause:
                # People reading do not all click at the same moment, the first time either.
                time.sleep(chance.uniform(*pause))
            while time.monotonic() < deadline:
                page = pages[position % len(pages)]
                position += 1
                sample = _open(client, page)
                with lock:
                    traffic.samples.append(sample)
                if pause and time.monotonic() < deadline:
                    time.sleep(chance.uniform(*pause))

    threads = [
        threading.Thread(target=user, args=(index, session), daemon=True)
        for index, session in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT + 10)
    traffic.seconds = time.monotonic() - started
    return traffic


def _open(client: httpx.Client, page: Page) -> Sample:
    started = time.perf_counter()
    try:
        response = client.get(page.path)
        body = response.content
    except httpx.HTTPError as error:
        return Sample(page.name, (time.perf_counter() - started) * 1000, type(error).__name__)
    ms = (time.perf_counter() - started) * 1000
    return Sample(page.name, ms, _problem(response, body, page))


def _problem(response: httpx.Response, body: bytes, page: Page) -> str | None:
    """Why the answer is not the page a logged-in user asked for, or None."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    if page.is_pdf:
        return None if body.startswith(b"%PDF") else "not a PDF"
    return "login page" if LOGIN_FORM.encode() in body else None
