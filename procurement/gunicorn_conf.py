"""Gunicorn's settings for the production web server (`make serve`, deploy/procurement-web.service).

    gunicorn -c python:procurement.gunicorn_conf procurement.wsgi

Bound to HOST:PORT (127.0.0.1:8000 by default: a TLS proxy in front answers the world), with
WEB_CONCURRENCY worker processes (by default two a core and one more).
"""

import gc
import os

from procurement.env import env_int, env_str

bind = f"{env_str('HOST', '127.0.0.1')}:{env_int('PORT', 8000)}"
workers = env_int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1)
if workers < 1:
    raise SystemExit(f"WEB_CONCURRENCY must be 1 or more; got {workers}.")
wsgi_app = "procurement.wsgi:application"
# One request at a time a process: a page is work for the processor (the database answers in
# a few milliseconds), and two requests in one process would take turns on its interpreter
# lock while another process sat idle. A process with a request in hand takes no other
# connection, so the next one goes to a free process. A sheet's layout runs in a child
# process of its own (procurement/pdf.py), which the worker only waits for.
worker_class = "sync"
# The application is loaded once before the workers fork: they share its memory, and an
# error in the settings stops the server at once instead of each worker in turn.
preload_app = True
# A sheet's PDF takes about a second; a worker silent for this long is stuck and replaced.
timeout = 60
graceful_timeout = 20
# Workers are renewed now and then, so that memory a long life of PDFs leaves behind returns.
max_requests = 2000
max_requests_jitter = 200
# Nothing steers a running server but signals (HUP reloads, TERM stops): no control socket,
# which would be one per user and shared by every server that user starts.
control_socket_disable = True
accesslog = "-"
errorlog = "-"


def when_ready(server) -> None:
    """In the server's main process, the application loaded, before the first worker starts:
    what every request needs is made now (procurement/warm.py), and it lives as long as the
    workers do; the kept PDFs are let go. Frozen, the garbage collector of each worker never
    walks it again (a full collection of the loaded application takes a tenth of a second,
    in the middle of somebody's page) and never writes to the memory the workers share with
    this process."""
    from django.core.cache import caches

    from procurement.pdf import CACHE_ALIAS
    from procurement.warm import warm_up

    made = warm_up()
    server.log.info("Made before the workers start: %s", made)
    # The PDFs kept before depend on fonts and libraries of the machine that may have
    # changed since (an upgrade is followed by a restart): laid out anew when asked for.
    caches[CACHE_ALIAS].clear()
    gc.collect()
    gc.freeze()


def pre_fork(server, worker) -> None:
    """Whatever the main process made since is frozen too, before each worker is forked
    (also the workers that replace old ones)."""
    gc.freeze()
