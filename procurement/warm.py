"""What every request of a web server's process needs, made once before its workers fork.

Django builds much of it on a process's first requests: the URL patterns, each template
compiled, each language's catalogue read, the static files' manifest. In a worker that is
somebody's page taking a few tenths of a second longer, on each worker in turn, and under
load exactly when all the workers are busy. Made in the server's main process, every worker
starts with it (gunicorn's `when_ready`, procurement/gunicorn_conf.py). Nothing here touches
the database: a connection opened before the fork would be shared by every worker.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import connections
from django.template import TemplateSyntaxError, engines
from django.template.backends.base import BaseEngine
from django.urls import get_resolver
from django.utils import translation

logger = logging.getLogger(__name__)


def warm_up() -> dict[str, int]:
    """Load the URL patterns, compile every template, read every language's catalogue and
    the static manifest: how many of each."""
    resolver = get_resolver()
    resolver._populate()  # imports every view and the admin's URLs
    templates = _compile_templates()
    languages = _read_catalogues()
    _read_static_manifest()
    connections.close_all()
    return {"url patterns": len(resolver.reverse_dict), "templates": templates, **languages}


def template_names(engine: BaseEngine) -> list[str]:
    """Every .html and .txt template `engine` can find (project and apps)."""
    names: set[str] = set()
    for folder in engine.template_dirs:
        root = Path(folder)
        names.update(
            str(path.relative_to(root))
            for path in root.rglob("*")
            if path.suffix in (".html", ".txt") and path.is_file()
        )
    return sorted(names)


def _compile_templates() -> int:
    """With the cached loader (debug off) each compiled template is kept for the process."""
    compiled = 0
    for engine in engines.all():
        for name in template_names(engine):
            try:
                engine.get_template(name)
            except TemplateSyntaxError as error:
                # A template of an app not meant to be used here (a library it loads is not
                # installed): it is compiled, and fails, only if a page ever asks for it.
                logger.debug("not compiled ahead: %s (%s)", name, error)
            else:
                compiled += 1
    return compiled


def _read_catalogues() -> dict[str, int]:
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Home")
    return {"languages": len(settings.LANGUAGES)}


def _read_static_manifest() -> None:
    try:
        staticfiles_storage.url("admin/css/base.css")
    except ValueError:
        # No manifest yet (static files not collected): each worker reads it when it exists.
        logger.debug("no static files manifest to read ahead")
