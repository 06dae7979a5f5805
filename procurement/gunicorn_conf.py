"""Gunicorn's settings for the production web server (`make serve`, deploy/procurement-web.service).

    gunicorn -c python:procurement.gunicorn_conf procurement.wsgi

Bound to HOST:PORT (127.0.0.1:8000 by default: a TLS proxy in front answers the world), with
WEB_CONCURRENCY worker processes (by default two a core and one more).
"""

import os

from procurement.env import env_int, env_str

bind = f"{env_str('HOST', '127.0.0.1')}:{env_int('PORT', 8000)}"
workers = env_int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1)
if workers < 1:
    raise SystemExit(f"WEB_CONCURRENCY must be 1 or more; got {workers}.")
wsgi_app = "procurement.wsgi:application"
# Threads: a request waiting (for the database, or for its turn to lay out a PDF) leaves the
# processor to the others of its process.
worker_class = "gthread"
threads = 4
# A process takes no more connections than it has threads: the next one is left to a
# process with a thread free, instead of queueing behind a PDF waiting for its turn. The TLS
# proxy in front keeps the browsers' connections alive; here each request has its own.
worker_connections = threads
keepalive = 0
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
