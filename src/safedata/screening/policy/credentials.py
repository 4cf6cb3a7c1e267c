"""Secrets: cloud keys, private keys, service tokens and high-entropy strings.

The patterns come from the ``detect-secrets`` plugins, used programmatically:
each plugin's ``denylist`` is run over the whole text (multi-line, so a plugin's
``^``/``$`` anchors still mean a line's ends) to get positions. Its
``analyze_line`` is not used: it returns the secret itself, reads global
settings and may try to verify a key over the network.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterable, Iterator
from typing import cast

from detect_secrets.plugins.artifactory import ArtifactoryDetector
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.cloudant import CloudantDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString
from detect_secrets.plugins.ibm_cloud_iam import IbmCloudIamDetector
from detect_secrets.plugins.ibm_cos_hmac import IbmCosHmacDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.softlayer import SoftlayerDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

from safedata.screening.policy.base import (
    PolicyCheck,
    Severity,
    Span,
    in_url,
    match_spans,
    mixes_case_and_digits,
)
from safedata.screening.policy.prose import BASE64_BLOB_CHARS


def _patterns(*plugins: type[RegexBasedDetector]) -> tuple[re.Pattern[str], ...]:
    # ``denylist`` is a class attribute in every plugin, typed as an abstract property.
    return tuple(
        re.compile(pattern.pattern, pattern.flags | re.MULTILINE)
        for plugin in plugins
        for pattern in cast("Iterable[re.Pattern[str]]", plugin.denylist)
    )


_LONG_RUN = re.compile(r"[A-Za-z0-9+/=_.\-]{20,}")
"""Every key and token these patterns find holds a run this long (the shortest, a
Cloudant password, has 24 characters): lines without one are not searched."""


@functools.lru_cache(maxsize=8)
def candidate_lines(text: str) -> tuple[Span, ...]:
    """The (start, end) of each line of ``text`` that holds a long unbroken run."""
    lines: list[Span] = []
    for match in _LONG_RUN.finditer(text):
        if lines and match.start() < lines[-1][1]:
            continue
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        lines.append((start, len(text) if end == -1 else end))
    return tuple(lines)


_CLOUD_KEYS = _patterns(
    AWSKeyDetector,
    AzureStorageKeyDetector,
    IbmCloudIamDetector,
    IbmCosHmacDetector,
    CloudantDetector,
    SoftlayerDetector,
)


class CloudKey(PolicyCheck, identifier="secret.cloud_key", severity=Severity.HIGH):
    reason = (
        "The text contains what looks like a cloud access key (AWS, Azure, IBM). Remove "
        "keys and revoke any that were real."
    )

    def spans(self, text: str) -> Iterator[Span]:
        return match_spans(_CLOUD_KEYS, text, within=candidate_lines(text))


_PRIVATE_KEYS = _patterns(PrivateKeyDetector)


class PrivateKey(PolicyCheck, identifier="secret.private_key", severity=Severity.HIGH):
    reason = (
        "The text contains a private key (RSA, SSH, PGP and the like). Remove it and "
        "replace the key if it was real."
    )

    def spans(self, text: str) -> Iterator[Span]:
        return match_spans(_PRIVATE_KEYS, text)


_ARTIFACTORY = _patterns(ArtifactoryDetector)
_BASIC_AUTH = _patterns(BasicAuthDetector)
PLACEHOLDER_PASSWORDS = frozenset(
    {"pass", "password", "passwd", "pwd", "secret", "changeme", "xxx", "xxxx", "..."}
)
"""Passwords in a URL that only show where one goes (``postgres://user:pass@host``)."""


def _short_token_spans(text: str) -> Iterator[Span]:
    # These matches can be shorter than a long run, so they search the whole text,
    # but only when their fixed part occurs in it.
    if re.search(r"AKC|AP[0-9A-F]", text):
        yield from match_spans(_ARTIFACTORY, text)
    if "://" in text:
        yield from match_spans(_BASIC_AUTH, text, _real_password)


def _real_password(login: re.Match[str]) -> bool:
    return login.group(1).lower().strip("<>{}") not in PLACEHOLDER_PASSWORDS


_TOKENS = _patterns(
    DiscordBotTokenDetector,
    GitHubTokenDetector,
    GitLabTokenDetector,
    MailchimpDetector,
    NpmDetector,
    OpenAIDetector,
    PypiTokenDetector,
    SendGridDetector,
    SlackDetector,
    SquareOAuthDetector,
    StripeDetector,
    TelegramBotTokenDetector,
    TwilioKeyDetector,
)
_JWTS = _patterns(JwtTokenDetector)


def _valid_jwt(token: re.Match[str]) -> bool:
    return bool(JwtTokenDetector.is_formally_valid(token.group()))


class ServiceToken(PolicyCheck, identifier="secret.token", severity=Severity.HIGH):
    reason = (
        "The text contains what looks like an access token or a password in a URL "
        "(GitHub, GitLab, Slack, Stripe, OpenAI, a JSON Web Token and the like). Remove "
        "it and revoke it if it was real."
    )

    def spans(self, text: str) -> Iterator[Span]:
        yield from match_spans(_TOKENS, text, within=candidate_lines(text))
        yield from _short_token_spans(text)
        yield from match_spans(_JWTS, text, _valid_jwt)


_ENTROPY = Base64HighEntropyString()
ENTROPY_MIN_CHARS = 20
"""Shortest run considered; shorter random strings are too rare to be worth the noise."""
ENTROPY_LIMIT = _ENTROPY.entropy_limit
"""Shannon entropy (bits per character) above which a run counts: detect-secrets' 4.5."""
_RUN = re.compile(rf"[{re.escape(string.ascii_letters + string.digits + '+/_-')}]{{20,}}=*")


def _looks_random(run: str) -> bool:
    return mixes_case_and_digits(run) and _ENTROPY.calculate_shannon_entropy(run) > ENTROPY_LIMIT


def _random_parts(text: str, run: re.Match[str]) -> Iterator[Span]:
    """The run, or in a URL each path segment, when it looks random.

    A URL path as a whole mixes enough characters to look random
    (``owner/repo/blob/<commit>/file``); its segments, a hex commit hash included, do not.
    A query value (after ``=``) is judged whole.
    """
    query_value = run.start() > 0 and text[run.start() - 1] == "="
    if query_value or not in_url(text, run.start()):
        if _looks_random(run.group()):
            yield run.span()
        return
    for part in re.finditer(r"[^/]{20,}", run.group()):
        if _looks_random(part.group()):
            yield run.start() + part.start(), run.start() + part.end()


class HighEntropyString(PolicyCheck, identifier="secret.high_entropy", severity=Severity.MEDIUM):
    reason = (
        "The text contains a long random-looking string, which is often a password, key "
        "or token. Remove it, or replace it with a placeholder."
    )

    def spans(self, text: str) -> Iterator[Span]:
        for start, end in candidate_lines(text):
            for match in _RUN.finditer(text, start, end):
                # A run this long is reported once, as prose.base64_blob.
                if len(match.group()) < BASE64_BLOB_CHARS:
                    yield from _random_parts(text, match)
