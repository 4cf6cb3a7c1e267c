"""A Content-Security-Policy without inline scripts or styles, on every page: the header
on every URL the site routes, templates free of inline code, and Chromium reporting no
violation while it renders and drives the pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

SRC = Path(__file__).resolve().parents[1] / "src" / "safedata"
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def _concrete(route: str, pk: int) -> str | None:
    """A path for a route: ``pk`` for integer parts, a word for the others; regex routes
    (the admin's) are left to the resolver tests of Django itself."""
    if route.startswith("^") or "(?P" in route:
        return None
    return "/" + _CONVERTER.sub(lambda m: str(pk) if m.group(1) == "int" else "x", route)


def _paths(pk: int) -> list[str]:
    found = {_concrete(route, pk) for route in _routes(get_resolver().url_patterns)}
    return sorted(path for path in found if path is not None)


def _assert_strict(policy: str) -> None:
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "member"])
def test_every_routed_page_sends_a_strict_policy(
    signed_in: bool, member: Any, document: Any
) -> None:
    client = Client()
    if signed_in:
        client.force_login(member)
    paths = _paths(document.pk)
    assert len(paths) > 20, paths
    for path in paths:
        response = client.get(path)
        assert response.status_code < 500, path
        assert "Content-Security-Policy" in response, path
        _assert_strict(response["Content-Security-Policy"])


def _templates() -> list[Path]:
    return sorted(SRC.glob("**/templates/**/*.html"))


@pytest.mark.parametrize(
    ("what", "pattern"),
    [
        ("inline <script> (without src)", r"<script(?![^>]*\bsrc=)(?![^>]*application/json)"),
        ("<style> block", r"<style\b"),
        ("style= attribute", r"\sstyle\s*="),
        ("event handler attribute", r"\son[a-z]+\s*="),
        ("javascript: URL", r"javascript:"),
        ("hx-on attribute (needs eval)", r"\shx-on"),
    ],
)
def test_templates_have_no_inline_code(what: str, pattern: str) -> None:
    templates = _templates()
    assert len(templates) > 10
    offenders = [
        str(path.relative_to(SRC))
        for path in templates
        if re.search(pattern, path.read_text(encoding="utf-8"), flags=re.IGNORECASE)
    ]
    assert offenders == [], f"{what} in {offenders}"


def test_htmx_adds_no_style_element() -> None:
    base = (SRC / "templates" / "base.html").read_text(encoding="utf-8")
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in base
    assert ".htmx-indicator" in (SRC / "static" / "css" / "site.css").read_text(encoding="utf-8")


BROWSED = [
    "/",
    "/review/",
    "/documents/",
    "/documents/{pk}/",
    "/dataset/",
    "/dataset/snapshots/",
    "/policy/",
    "/upload/",
    "/upload/bulk/",
    "/accounts/profile/",
    "/accounts/tokens/",
    "/api/docs",
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chromium_reports_no_policy_violation(
    chromium: Any, live_server: Any, member: Any, make_document: Any
) -> None:
    from tests.conftest import PASSWORD

    pk = make_document("A plain document to look at and rate, for the policy test.").pk
    make_document("Another one, so the review page has a next document after a vote.")
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("[name=login]", "member")
    page.fill("[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/profile/$"))
    for path in BROWSED:
        page.goto(live_server.url + path.format(pk=pk))
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/review/")
    page.keyboard.press("3")  # an htmx swap of the review stage
    page.locator("[data-review-stage] .reveal").wait_for()
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    context.close()
    assert violations == []
