"""Django settings, read from environment variables only.

Every variable is documented in ``docs/settings.md``; ``tests/test_settings_docs.py``
fails when one is not. SQLite under ``./var/`` is the default; ``DATABASE_URL``
switches to PostgreSQL. With ``SECURE_COOKIES_AND_HTTPS=true`` (production) the
server refuses to start on a development or short secret.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF

from safedata.consensus import ConsensusParams
from safedata.env import (
    SettingError,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_str,
)
from safedata.logs import logging_config
from safedata.ratelimit import Rate
from safedata.screening.policy import PolicySettings, policy_checks
from safedata.thresholds import Defences

django_stubs_ext.monkeypatch()


def _rate(name: str, default: str) -> str:
    """A ``COUNT/PERIOD`` rate, checked now so a typo stops the server at start-up."""
    text = env_str(name, default)
    try:
        Rate.parse(text)
    except ValueError as exc:
        raise SettingError(f"{name}: {exc}") from exc
    return text


_ALLAUTH_RATE = re.compile(r"^\d+/\d*[smhd](/(ip|key|user))?$")


def _allauth_rate(name: str, default: str) -> str:
    """allauth's ``COUNT/PERIOD/KEY`` list (``10/m/ip,5/5m/key``), checked at start-up."""
    text = env_str(name, default)
    if not all(_ALLAUTH_RATE.match(part.strip()) for part in text.split(",")):
        raise SettingError(f"{name}={text!r}: use COUNT/PERIOD/KEY items such as 10/m/ip,5/5m/key")
    return text


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("SAFEDATA_DATA_DIR", str(Path.cwd() / "var")))

DEBUG = env_bool("DEBUG", False)
SECURE = env_bool("SECURE_COOKIES_AND_HTTPS", False)
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789"  # noqa: S105
DEVELOPMENT_IP_HASH_SALT = "dev-only-ip-hash-salt"


def _production_secret(name: str, value: str, development_value: str, minimum: int) -> str:
    """In production a secret must be set, not the development value, and long enough."""
    if SECURE and (value == development_value or len(value) < minimum):
        raise SettingError(
            f"{name} must be a random value of at least {minimum} characters in production "
            f"(SECURE_COOKIES_AND_HTTPS=true), not the development default; "
            "make one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
        )
    return value


SECRET_KEY = _production_secret(
    "SECRET_KEY", env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY), DEVELOPMENT_SECRET_KEY, 50
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "ninja",
    "safedata.audit",
    "safedata.accounts",
    "safedata.pages",
    "safedata.documents",
    "safedata.voting",
    "safedata.moderation",
    "safedata.datasets",
]

MIDDLEWARE = [
    "safedata.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "safedata.failures.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "safedata.urls"
WSGI_APPLICATION = "safedata.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]


_SQLITE_ENGINES = {"django.db.backends.sqlite3", "safedata.sqlite_backend"}


def _database() -> dict[str, Any]:
    url = env_str("DATABASE_URL", "")
    timeout = env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 20, minimum=1)
    if url:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
        config["CONN_HEALTH_CHECKS"] = True
    else:
        config = {"ENGINE": "safedata.sqlite_backend", "NAME": DATA_DIR / "safedata.sqlite3"}
    if config["ENGINE"] in _SQLITE_ENGINES:
        _sqlite_options(config, timeout)
    return config


def _sqlite_options(config: dict[str, Any], timeout: int) -> None:
    """WAL, IMMEDIATE transactions and a busy timeout, however the database is named:
    without them concurrent votes fail with "database is locked"."""
    config["ENGINE"] = "safedata.sqlite_backend"  # makes the file's folder when it first connects
    config["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": timeout,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        **config.get("OPTIONS", {}),
    }
    name = Path(str(config["NAME"]))
    if str(name) != ":memory:":
        # A file beside it, not Django's shared in-memory default: threads need WAL.
        config.setdefault("TEST", {"NAME": name.with_name(f"test-{name.name}")})


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"


def cache_settings(redis_url: str, directory: Path | None = None) -> dict[str, Any]:
    """``CACHES``: Redis when a URL is given (short timeouts: an outage is a quick 503),
    otherwise files in ``directory`` that every process of this machine shares (rate
    limits must hold across workers and survive their restarts: never per-process memory)."""
    if not redis_url:
        return {
            "default": {
                "BACKEND": "safedata.filecache.SharedFileCache",
                "LOCATION": str(directory or DATA_DIR / "cache"),
                "OPTIONS": {"MAX_ENTRIES": 100_000},
            }
        }
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }


CACHES = cache_settings(
    env_str("REDIS_URL", ""), Path(env_str("CACHE_DIR", str(DATA_DIR / "cache")))
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_ADAPTER = "safedata.accounts.adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login_failed": _allauth_rate("LOGIN_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "signup": _allauth_rate("SIGNUP_RATE_LIMIT", "5/h/ip,20/d/ip"),
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
LOGIN_REDIRECT_URL = "/accounts/profile/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Safe Training Data <noreply@localhost>")

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
if STATIC_ROOT.parent.is_dir():  # whitenoise warns about a missing root; never create ./var
    STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 720, minimum=5) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age counts from the last request: idle expiry
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # load balancers probe over HTTP

# No inline scripts or styles anywhere: every page's JS and CSS are static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Product settings, read by the apps through ``django.conf.settings``.
SAFEDATA_MAX_DOCUMENT_CHARS = env_int("MAX_DOCUMENT_CHARS", 200_000, minimum=100)
SAFEDATA_MAX_UPLOAD_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
SAFEDATA_MAX_BULK_LINES = env_int("MAX_BULK_LINES", 10_000, minimum=1)
SAFEDATA_VOTE_RATE_LIMIT = _rate("VOTE_RATE_LIMIT", "120/m")
SAFEDATA_VOTE_ADDRESS_RATE_LIMIT = _rate("VOTE_ADDRESS_RATE_LIMIT", "300/m")
SAFEDATA_IDENTITY_RATE_LIMIT = _rate("IDENTITY_RATE_LIMIT", "30/h")
SAFEDATA_UPLOAD_RATE_LIMIT = _rate("UPLOAD_RATE_LIMIT", "60/m")
SAFEDATA_VOTER_COOKIE_DAYS = env_int("VOTER_COOKIE_DAYS", 730, minimum=1)
SAFEDATA_CONSENSUS_METHOD = env_str("CONSENSUS_METHOD", "dirichlet-v1")
SAFEDATA_CONSENSUS = ConsensusParams(
    prior=env_float("CONSENSUS_PRIOR", 1.0, low=0.01, high=100.0),
    min_votes=env_int("CONSENSUS_MIN_VOTES", 3, minimum=1),
    threshold=env_float("CONSENSUS_THRESHOLD", 0.75, low=0.34, high=1.0),
    contested_share=env_float("CONSENSUS_CONTESTED_SHARE", 0.25, low=0.01, high=1.0),
)
SAFEDATA_IP_HASH_SALT = _production_secret(
    "IP_HASH_SALT", env_str("IP_HASH_SALT", DEVELOPMENT_IP_HASH_SALT), DEVELOPMENT_IP_HASH_SALT, 32
)
if SECURE and SAFEDATA_IP_HASH_SALT == SECRET_KEY:
    raise SettingError("IP_HASH_SALT must differ from SECRET_KEY: it is a secret of its own")
SAFEDATA_TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", "")
SAFEDATA_SNAPSHOT_DIR = Path(env_str("SNAPSHOT_DIR", str(DATA_DIR / "snapshots")))
SAFEDATA_MODEL_DIR = env_str("CLASSIFIER_MODEL_DIR", "")
SAFEDATA_ACTIVE_LEARNING = env_bool("ACTIVE_LEARNING", False)
SAFEDATA_POLICY = PolicySettings.from_switches(
    {check.setting: env_bool(check.setting, True) for check in policy_checks().values()}
)
"""Which policy checks hold uploads for a moderator: each ``SCREEN_*`` switch, on by default."""
SAFEDATA_REPORTS_TO_HOLD = env_int("REPORTS_TO_HOLD", 3, minimum=1)
SAFEDATA_REPORT_RATE_LIMIT = _rate("REPORT_RATE_LIMIT", "10/h")
SAFEDATA_ACCOUNT_ESTABLISHED_DAYS = env_int("ACCOUNT_ESTABLISHED_DAYS", 7, minimum=0)
SAFEDATA_ACCOUNT_ESTABLISHED_BY_EMAIL = env_bool("ACCOUNT_ESTABLISHED_BY_EMAIL", True)
SAFEDATA_DEFENCES = Defences(
    young_identity_hours=env_int("YOUNG_IDENTITY_HOURS", 72, minimum=0),
    burst_window_minutes=env_int("BURST_WINDOW_MINUTES", 30, minimum=1),
    burst_min_votes=env_int("BURST_MIN_VOTES", 5, minimum=2),
    burst_share=env_float("BURST_SHARE", 0.8, low=0.0, high=1.0),
    serial_window_minutes=env_int("SERIAL_WINDOW_MINUTES", 60, minimum=1),
    serial_min_votes=env_int("SERIAL_MIN_VOTES", 10, minimum=2),
    serial_share=env_float("SERIAL_SHARE", 0.9, low=0.0, high=1.0),
    age_in_days=env_int("QUARANTINE_AGE_IN_DAYS", 14, minimum=1),
)
"""Thresholds of the burst and serial-voting checks (``safedata.thresholds``)."""

LOGGING = logging_config(
    level=env_str("LOG_LEVEL", "WARNING"), json_lines=env_bool("LOG_JSON", True)
)
