"""WSGI entry point for gunicorn: ``gunicorn safedata.wsgi``.

Each worker warms up before it accepts a connection (``_warm_up``): Django imports
the URLconf, compiles templates and the upload screening loads its language model
only when a request first needs them, which made the first requests of every
worker (at start, and after each ``max_requests`` recycling) wait 0.5 to 2 s each
(``docs/performance.md``, "Load").
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safedata.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Do once, before serving, the work a worker's first requests would otherwise wait for."""
    import pyarrow as pa  # type: ignore[import-untyped]
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template
    from django.urls import get_resolver

    from safedata.documents.language import detect

    get_resolver().url_patterns  # noqa: B018 - imports every view module and builds the API
    templates = Path(__file__).resolve().parent / "templates"
    for path in sorted(templates.rglob("*.html")):
        try:
            get_template(path.relative_to(templates).as_posix())
        except (TemplateDoesNotExist, TemplateSyntaxError):  # a fragment of a third party's
            continue
    detect("A sentence in English, long enough for the language model to load and answer.")
    pa.array([datetime.now(UTC)], type=pa.timestamp("us", tz="UTC"))  # the time zone data


try:
    _warm_up()
except Exception:  # a warm-up failure must never keep the site from serving
    logging.getLogger(__name__).exception("warm-up failed; serving cold")
