"""Fixtures shared by every test: personas and documents that build on each other."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from safedata.accounts.models import User

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
os.environ.setdefault("HF_HUB_OFFLINE", "1")

_DB_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_setup",
    "client",
    "admin_client",
    "django_user_model",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that touches the database, so it runs on SQLite and PostgreSQL."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("django_db") or fixtures & _DB_FIXTURES:
            item.add_marker(pytest.mark.db_suite)


PASSWORD = "correct-horse-battery-staple"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Debian's Chromium, headless, as root, on a machine with no outside network."""


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Debian Chromium for every browser test (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def make_user(db: None, django_user_model: Any) -> Callable[..., User]:
    def make(username: str, **extra: Any) -> User:
        return django_user_model.objects.create_user(
            username=username, email=f"{username}@example.org", password=PASSWORD, **extra
        )

    return make


@pytest.fixture
def uploader(make_user: Callable[..., User]) -> User:
    """A member who uploads documents."""
    return make_user("uploader")


@pytest.fixture
def member(make_user: Callable[..., User]) -> User:
    """Another member, who did not upload the documents."""
    return make_user("member")


@pytest.fixture
def moderator(make_user: Callable[..., User]) -> User:
    """A staff member."""
    return make_user("moderator", is_staff=True)


@pytest.fixture
def make_document(uploader: User) -> Callable[..., Any]:
    from safedata.documents.services import NewDocument, create_document

    counter = {"n": 0}

    def make(text: str | None = None, owner: User = None, **fields: Any) -> Any:
        counter["n"] += 1
        body = text if text is not None else f"Document number {counter['n']}: some useful text."
        return create_document(NewDocument(text=body, **fields), owner or uploader).document

    return make


@pytest.fixture
def document(make_document: Callable[..., Any]) -> Any:
    return make_document("A clear explanation of how to store passwords safely with a KDF.")


@pytest.fixture
def revoked_token(member: User) -> str:
    """A bearer token of the member's, revoked."""
    from django.utils import timezone

    from safedata.accounts.models import ApiToken

    token, raw = ApiToken.issue(member, "revoked")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return raw


@pytest.fixture
def snapshot_dir(settings: Any, tmp_path: Path) -> Path:
    """This test's own folder for published snapshots."""
    settings.SAFEDATA_SNAPSHOT_DIR = tmp_path / "snapshots"
    return Path(settings.SAFEDATA_SNAPSHOT_DIR)


@pytest.fixture
def database_url(transactional_db: None) -> str:
    """The test database as a ``DATABASE_URL``, for a command run in a subprocess.

    ``transactional_db`` commits, so the subprocess sees the test's rows and the
    test sees the subprocess's.
    """
    from django.db import connection

    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    user, host, port = config["USER"], config["HOST"] or "127.0.0.1", config["PORT"] or 5432
    password = f":{config['PASSWORD']}" if config["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{config['NAME']}"


def redis_test_url(number: int) -> str:
    """Redis database ``number`` on SQLite, the next one on PostgreSQL: ``make test`` runs
    the two database suites side by side, and each test module flushes only its own."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql"))
    return f"redis://127.0.0.1:6379/{number + int(on_postgres)}"


SAFEDATA_SCRIPT = str(Path(sys.executable).with_name("safedata"))
"""The installed ``safedata`` console script."""


def run_script(
    cwd: Path, *args: str, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    """``safedata *args`` in ``cwd`` with no environment but ``PATH``, ``HF_HUB_OFFLINE``
    and ``env``: the database is found only as ``env`` says."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HF_HUB_OFFLINE": "1", **env}
    return subprocess.run(
        [SAFEDATA_SCRIPT, *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """An empty working folder outside the repository."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    assert Path(__file__).resolve().parents[1] not in folder.parents
    return folder


@pytest.fixture(scope="session", autouse=True)
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """This run's own shared file cache: runs side by side never share rate-limit counters."""
    from django.test.utils import override_settings

    from safedata.settings import cache_settings

    directory = tmp_path_factory.mktemp("cache")
    with override_settings(CACHES=cache_settings("", directory)):
        yield directory


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """PBKDF2 at production strength costs ~0.3 s a hash; tests don't need that."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def in_process(db: None, settings: Any) -> Iterator[None]:
    """Requests run through the real WSGI handler inside the test's transaction.

    For schemathesis: as Django's test client does, keep the handler from closing
    the connection (and the test's transaction) after each request. Rate limits
    are raised out of the way of hundreds of generated requests.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    settings.SAFEDATA_VOTE_RATE_LIMIT = "100000/m"
    settings.SAFEDATA_UPLOAD_RATE_LIMIT = "100000/m"
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
