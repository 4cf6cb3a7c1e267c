"""The upload pipeline's pure part: normalise, screen, validate the metadata.

The web form, the JSON API and each line of a bulk file call ``screen_upload``
exactly once per upload. It returns a ``ScreenedUpload`` ready to store, or
raises ``ScreeningError`` naming the field at fault and a message for the
uploader. Storing (deduplication, the audit entry) is the web app's part.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from safedata.records import text_sha256
from safedata.screening.base import Limits, ScreeningError, screen_bytes, screen_text
from safedata.screening.policy import Finding, PolicySettings, find_policy_issues

MAX_TITLE_CHARS = 300
"""Longest accepted title, in characters after trimming."""
MAX_URL_CHARS = 2000
"""Longest accepted source URL."""
_LANGUAGE = re.compile(r"[a-z]{2}")


@dataclass(frozen=True)
class UploadRules:
    """What an upload must respect: the size limits and the accepted licence codes."""

    limits: Limits
    """Size limits of the content."""
    licenses: Collection[str]
    """Accepted licence codes; the empty string accepts an unknown licence."""
    policy: PolicySettings = field(default_factory=PolicySettings)
    """Which policy checks run (``SCREEN_*`` settings); their findings hold an upload."""


@dataclass(frozen=True)
class Metadata:
    """An upload's optional fields, as the uploader gave them."""

    title: str = ""
    source_url: str = ""
    license: str = ""
    language: str = ""
    """An ISO 639-1 code, or empty for "detect it" or unknown."""


@dataclass(frozen=True, kw_only=True)
class ScreenedUpload(Metadata):
    """An upload that passed every check: normalised text and validated fields."""

    text: str
    sha256: str
    """The content identifier: ``records.text_sha256`` of ``text``."""
    findings: tuple[Finding, ...] = ()
    """What policy checks noticed; empty means the upload can publish at once."""


def screen_upload(content: str | bytes, metadata: Metadata, rules: UploadRules) -> ScreenedUpload:
    """Normalise and screen ``content``, then validate ``metadata``.

    ``content`` is pasted text, or a file's raw bytes (then the byte checks run
    first). Raises ``ScreeningError`` with ``field`` set (``text`` or ``file``
    for the content) for the first problem found.
    """
    text = _screened_content(content, rules.limits)
    return ScreenedUpload(
        text=text,
        sha256=text_sha256(text),
        title=validate_title(metadata.title),
        source_url=validate_source_url(metadata.source_url),
        license=validate_license(metadata.license, rules.licenses),
        language=validate_language(metadata.language),
        findings=policy_findings(text, rules.policy),
    )


def policy_findings(text: str, policy: PolicySettings) -> tuple[Finding, ...]:
    """What the enabled policy checks found in an accepted text, most severe first.

    The one place where checks that hold an upload back, rather than reject it,
    plug into the pipeline: an upload with findings is stored held for a moderator.
    """
    return tuple(find_policy_issues(text, policy.disabled))


def _screened_content(content: str | bytes, limits: Limits) -> str:
    field = "file" if isinstance(content, bytes) else "text"
    try:
        if isinstance(content, bytes):
            return screen_bytes(content, limits)
        return screen_text(content, limits)
    except ScreeningError as exc:
        raise ScreeningError(exc.identifier, exc.message, field=field) from exc


def validate_title(value: str) -> str:
    """The trimmed title, or ``ScreeningError`` when it is too long (never cut short)."""
    title = value.strip()
    if len(title) > MAX_TITLE_CHARS:
        raise ScreeningError(
            "title-too-long",
            f'"title" is longer than {MAX_TITLE_CHARS} characters. Shorten it: a title may '
            f"have at most {MAX_TITLE_CHARS} characters (it has {len(title):,}).",
            field="title",
        )
    return title


def validate_source_url(value: str) -> str:
    """The trimmed http(s) URL (or empty), or ``ScreeningError``."""
    url = value.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname or any(c.isspace() for c in url):
        raise _bad_url(f'Enter a valid URL. "source_url" must be an http(s) URL, not {url[:80]!r}.')
    if parts.scheme not in ("http", "https"):
        raise _bad_url(
            f'"source_url" must be an http(s) URL, not {url[:80]!r}. '
            "Use an http:// or https:// address."
        )
    if len(url) > MAX_URL_CHARS:
        raise _bad_url(f'"source_url" is longer than {MAX_URL_CHARS} characters.')
    return url


def _bad_url(message: str) -> ScreeningError:
    return ScreeningError("bad-source-url", message, field="source_url")


def validate_license(value: str, licenses: Collection[str]) -> str:
    """``value`` when it is an accepted licence code, else ``ScreeningError``."""
    if value in licenses:
        return value
    allowed = ", ".join(sorted(code for code in licenses if code))
    raise ScreeningError(
        "unknown-license",
        f"Unknown licence {value[:40]!r}; use one of: {allowed}.",
        field="license",
    )


def validate_language(value: str) -> str:
    """The lower-case ISO 639-1 code (or empty), or ``ScreeningError``."""
    code = value.strip().lower()
    if code and not _LANGUAGE.fullmatch(code):
        raise ScreeningError(
            "bad-language",
            f'"language" must be a two-letter ISO 639-1 code such as "en", not {value[:20]!r}.',
            field="language",
        )
    return code
