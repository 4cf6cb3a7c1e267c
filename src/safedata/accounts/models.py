"""Users and their personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import AbstractUser
from django.db import connection, models
from django.utils import timezone

TOKEN_PREFIX = "sdt_"  # noqa: S105 - a public marker, not a secret
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def member_key(user_id: int) -> str:
    """How votes, rate limits and audit entries name a member: ``u:<user id>``.

    Anonymous visitors are ``a:<random id>`` (``safedata.voting.identity``).
    """
    return f"u:{user_id}"


class User(AbstractUser):
    """A contributor. Custom from the first migration so it can grow."""

    suspended_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set by moderation (safedata.moderation): a suspended member cannot "
        "upload, vote or report.",
    )

    @property
    def voter_key(self) -> str:
        return member_key(self.pk)

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None


def hash_token(raw: str) -> str:
    """The stored form of a token: its SHA-256 (tokens are random, so no salt is needed)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """A personal API token; only its hash is stored, the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """Create a token for ``user``; returns it with the raw value to show once."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, token_hash=hash_token(raw), prefix=raw[:10]
        )
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> User | None:
        """The active token's user, or ``None`` for an unknown or revoked token.

        Runs on every token request, so it is one plain SQL statement: through the
        ORM (a join and two model instances) it cost ten times as much CPU. The
        user's other fields load when something reads them.
        """
        stale_before = connection.ops.adapt_datetimefield_value(
            timezone.now() - _LAST_USED_RESOLUTION
        )
        with connection.cursor() as cursor:
            cursor.execute(_AUTHENTICATE_SQL, [stale_before, hash_token(raw)])
            row = cursor.fetchone()
        if row is None:
            return None
        token_id, stale, *user_values = row
        if stale:
            # One write a minute at most: a busy client must not double the write load.
            cls.objects.filter(pk=token_id).update(last_used_at=timezone.now())
        flags = {"is_active", "is_staff", "is_superuser"}
        values = [
            bool(value) if column in flags else _aware(value)
            for column, value in zip(_USER_COLUMNS, user_values, strict=True)
        ]
        return User.from_db(connection.alias, list(_USER_COLUMNS), values)


def _aware(value: object) -> object:
    """SQLite hands a timestamp column back naive (in UTC); the ORM would make it aware."""
    if isinstance(value, datetime) and timezone.is_naive(value):
        return value.replace(tzinfo=UTC)
    return value


# In the model's field order: ``from_db`` with some fields deferred assigns the values
# in that order, whatever order the names are given in.
_USER_COLUMNS = tuple(
    field.attname
    for field in User._meta.concrete_fields
    if field.attname
    in {"id", "username", "email", "is_active", "is_staff", "is_superuser", "suspended_at"}
)
_AUTHENTICATE_SQL = (
    "SELECT t.id, (t.last_used_at IS NULL OR t.last_used_at < %s), "  # noqa: S608 - constants
    + ", ".join(f"u.{column}" for column in _USER_COLUMNS)
    + f" FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id"
    " WHERE t.token_hash = %s AND t.revoked_at IS NULL AND u.is_active"
)
