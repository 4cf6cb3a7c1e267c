"""Personal data of others: e-mail addresses, phone numbers, payment cards, IDs, IBANs.

Numbers are validated by maintained libraries (``phonenumbers``, ``python-stdnum``),
not by a pattern alone: a pattern only proposes candidates.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import phonenumbers
from stdnum import iban, luhn
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.us import ssn

from safedata.screening.policy.base import (
    PolicyCheck,
    Severity,
    Span,
    in_url,
)

_LOCAL_PART = re.compile(r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}\Z")
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])")
RESERVED_DOMAINS = frozenset({"example.com", "example.net", "example.org"})
"""RFC 2606 documentation domains: addresses there belong to nobody."""
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".local")
PLACEHOLDER_DOMAINS = frozenset({"domain.com", "yourdomain.com", "yourcompany.com"})
FILE_SUFFIXES = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "ico"})
"""``icon@2x.png`` is a file name, not an address."""


def _is_personal_address(domain: str) -> bool:
    domain = domain.lower()
    return not (
        domain in RESERVED_DOMAINS
        or domain in PLACEHOLDER_DOMAINS
        or domain.endswith(RESERVED_SUFFIXES)
        or any(domain.endswith("." + reserved) for reserved in RESERVED_DOMAINS)
        or domain.rsplit(".", 1)[-1] in FILE_SUFFIXES
    )


class EmailAddress(PolicyCheck, identifier="pii.email", severity=Severity.MEDIUM):
    reason = (
        "The text contains an e-mail address. Remove people's contact details before "
        "uploading (addresses at example.com are fine)."
    )

    def spans(self, text: str) -> Iterator[Span]:
        # Start from each "@": a pattern tried at every letter of the text is far slower.
        at = text.find("@")
        while at != -1:
            local = _LOCAL_PART.search(text, max(0, at - 64), at)
            domain = _DOMAIN.match(text, at + 1)
            if (
                local
                and domain
                and _is_personal_address(domain.group())
                # scheme://user:password@host is a login, reported by secret.token.
                and not in_url(text, local.start())
            ):
                yield local.start(), domain.end()
            at = text.find("@", at + 1)


_DIGIT_CLUSTER = re.compile(r"\d(?:(?:\) ?| ?\(|[ .\-/])?\d)+")
"""Digits joined by single separators, as numbers are written: ``(202) 555-0143``,
``4111 1111 1111 1111``, ``1112.22.333``. A double space (table columns) ends a cluster."""
PHONE_MIN_DIGITS = 7
"""Fewest digits in a number the phone matcher is asked about: shorter runs are never
valid numbers, and the matcher is slow, so only clusters of digits are handed to it."""
PHONE_MAX_CLUSTER = 64
"""Longest cluster handed to the phone matcher. A longer run of digits and separators is
a table of numbers, in which a phone number cannot be told apart; skipping it keeps a
document of numbers from taking seconds."""
PHONE_MAX_CANDIDATES = 500
"""Most clusters handed to the matcher per text (about 0.3 ms each); a text with more
numbers than this is a table, and the rest of it is not searched for phone numbers."""


def _may_be_phone(text: str, span: Span, digits: int) -> bool:
    """Could the cluster hold a valid number? International ones follow a ``+``; national
    (US) ones have ten digits or more."""
    start, end = span
    if end - start > PHONE_MAX_CLUSTER or digits < PHONE_MIN_DIGITS:
        return False
    return digits >= 10 or "+" in text[max(0, start - 2) : start]


def digit_clusters(text: str, min_digits: int) -> Iterator[Span]:
    """Runs of digits and separators holding at least ``min_digits`` digits."""
    for span, digits in _clusters(text):
        if digits >= min_digits:
            yield span


@functools.lru_cache(maxsize=8)
def _clusters(text: str) -> tuple[tuple[Span, int], ...]:
    # Cached: the phone, card and identity checks all start from the same clusters.
    return tuple(
        (match.span(), sum(c.isdigit() for c in match.group()))
        for match in _DIGIT_CLUSTER.finditer(text)
    )


PHONE_REGION = "US"
"""Region assumed for numbers written without a country code; ``+``-prefixed numbers
are recognised for every country whatever this is."""


class PhoneNumber(PolicyCheck, identifier="pii.phone", severity=Severity.MEDIUM):
    reason = "The text contains a phone number. Remove people's phone numbers before uploading."

    def spans(self, text: str) -> Iterator[Span]:
        candidates = (span for span in _clusters(text) if _may_be_phone(text, *span))
        for (start, end), _ in itertools.islice(candidates, PHONE_MAX_CANDIDATES):
            window = max(0, start - 4)
            matcher = phonenumbers.PhoneNumberMatcher(
                text[window : end + 4], PHONE_REGION, leniency=phonenumbers.Leniency.VALID
            )
            for match in matcher:
                # Columns of a numeric table ("2.0  4.4   3.05") can parse as a number;
                # nobody writes a phone number with a double space.
                if "  " not in match.raw_string:
                    yield window + match.start, window + match.end


_CARD = re.compile(r"(?<![\w-])\d{4}(?:[ -]?\d{1,7}){1,4}(?![\w-]|[.,]\d)")
_CARD_LAYOUTS = {(4, 6, 5), (4, 6, 4)}
"""Grouped layouts other than fours (American Express, Diners Club)."""
CARD_PREFIXES: tuple[tuple[int, int, frozenset[int]], ...] = (
    (4, 4, frozenset({13, 16, 19})),  # Visa
    (51, 55, frozenset({16})),  # Mastercard
    (2221, 2720, frozenset({16})),  # Mastercard 2-series
    (34, 34, frozenset({15})),  # American Express
    (37, 37, frozenset({15})),
    (300, 305, frozenset({14, 16, 19})),  # Diners Club
    (36, 36, frozenset(range(14, 20))),
    (38, 39, frozenset(range(16, 20))),
    (6011, 6011, frozenset(range(16, 20))),  # Discover
    (644, 649, frozenset(range(16, 20))),
    (65, 65, frozenset(range(16, 20))),
    (3528, 3589, frozenset(range(16, 20))),  # JCB
    (62, 62, frozenset(range(16, 20))),  # UnionPay
)
"""(first prefix, last prefix, allowed lengths) of the card networks issuing IIN ranges."""


def _card_groups_plausible(candidate: str) -> bool:
    groups = tuple(len(group) for group in re.split(r"[ -]", candidate))
    if len(groups) == 1:
        return True
    if len({sep for sep in candidate if not sep.isdigit()}) != 1:
        return False
    return groups in _CARD_LAYOUTS or (all(size == 4 for size in groups[:-1]) and groups[-1] <= 4)


def is_card_number(digits: str) -> bool:
    """True for a number that a card network could issue and that passes Luhn."""
    for low, high, lengths in CARD_PREFIXES:
        prefix = int(digits[: len(str(low))])
        if low <= prefix <= high and len(digits) in lengths:
            return luhn.is_valid(digits)
    return False


class PaymentCard(PolicyCheck, identifier="pii.payment_card", severity=Severity.HIGH):
    reason = (
        "The text contains what looks like a payment card number. Remove card numbers "
        "before uploading."
    )

    def spans(self, text: str) -> Iterator[Span]:
        for start, end in digit_clusters(text, 13):
            yield from _card_spans(text, max(0, start - 1), end + 1)


def _card_spans(text: str, start: int, end: int) -> Iterator[Span]:
    for match in _CARD.finditer(text, start, end):
        candidate = match.group()
        digits = re.sub(r"[ -]", "", candidate)
        plausible = 13 <= len(digits) <= 19 and _card_groups_plausible(candidate)
        if plausible and is_card_number(digits):
            yield match.span()


@dataclass(frozen=True)
class IdFormat:
    """A government identifier: a candidate pattern, its validator, the digits it holds
    at least, and whether the number must be introduced by a keyword (bare digit runs
    pass checksums too often)."""

    name: str
    pattern: re.Pattern[str]
    is_valid: Callable[[str], bool]
    digits: int
    context: re.Pattern[str] | None = None


CONTEXT_CHARS = 40
"""How far before a bare-digit identifier its keyword may stand."""


def _standalone(
    name: str, core: str, is_valid: Callable[[str], bool], digits: int, keyword: str = ""
) -> IdFormat:
    """A format whose candidates match ``core`` with no letter, digit, ``_`` or ``-`` on
    either side; ``keyword`` (any case), when given, must stand before the number."""
    context = re.compile(keyword, re.IGNORECASE) if keyword else None
    return IdFormat(name, re.compile(rf"(?<![\w-]){core}(?![\w-])"), is_valid, digits, context)


ID_FORMATS = (
    _standalone("US SSN", r"\d{3}-\d{2}-\d{4}", ssn.is_valid, 9),
    _standalone("US SSN", r"\d{9}", ssn.is_valid, 9, r"\bSSN\b|social security"),
    _standalone("ES DNI", r"\d{8}-?[A-Z]", dni.is_valid, 8),
    _standalone("ES NIE", r"[XYZ]-?\d{7}-?[A-Z]", nie.is_valid, 7),
    _standalone(
        "FR NIR", r"[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}", nir.is_valid, 13
    ),
    _standalone(
        "DE IdNr",
        r"\d{2} ?\d{3} ?\d{3} ?\d{3}",
        idnr.is_valid,
        11,
        r"steuer|\bIdNr\b|identifikationsnummer|\btax id",
    ),
    _standalone(
        "NL BSN", r"\d{4}\.?\d{2}\.?\d{3}", bsn.is_valid, 9, r"\bBSN\b|burgerservicenummer"
    ),
    _standalone("GB NHS number", r"\d{3}[ -]?\d{3}[ -]?\d{4}", nhs.is_valid, 10, r"\bNHS\b"),
)

CODICE_FISCALE = IdFormat(
    "IT codice fiscale",
    re.compile(
        r"[A-Z](?<!\w.)[A-Z]{5}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z](?!\w)"
    ),
    codicefiscale.is_valid,
    digits=7,
)


def _id_spans(text: str, form: IdFormat, start: int, end: int) -> Iterator[Span]:
    for match in form.pattern.finditer(text, start, end):
        if form.context is not None:
            before = text[max(0, match.start() - CONTEXT_CHARS) : match.start()]
            if not form.context.search(before):
                continue
        if form.is_valid(match.group()):
            yield match.span()


class NationalId(PolicyCheck, identifier="pii.national_id", severity=Severity.HIGH):
    reason = (
        "The text contains what looks like a government identity or social security "
        "number. Remove identity numbers before uploading."
    )

    def spans(self, text: str) -> Iterator[Span]:
        yield from _id_spans(text, CODICE_FISCALE, 0, len(text))
        # The other formats are mostly digits: look only around clusters holding enough.
        for (start, end), digits in _clusters(text):
            for form in ID_FORMATS:
                if form.digits <= digits:
                    yield from _id_spans(text, form, max(0, start - 2), end + 2)


# Groups separated by single spaces, each as long as it goes: a pattern without a
# choice of where a group ends, so a long run of capitals cannot make it backtrack.
_IBAN = re.compile(r"[A-Z](?<![\w-].)[A-Z]\d{2}[A-Z0-9]*(?: [A-Z0-9]+)*")
IBAN_MAX_CHARS = 34
"""The longest IBAN (ISO 13616), without spaces."""


def _iban_end(text: str, start: int, end: int) -> int | None:
    """End of the longest run of groups from ``start`` that is a valid IBAN, if any."""
    ends: list[int] = []
    for group in re.finditer(r"[A-Z0-9]+", text[start:end]):
        if group.end() - group.start() > IBAN_MAX_CHARS or len(ends) > 10:
            break
        ends.append(start + group.end())
    for candidate_end in reversed(ends):
        after = text[candidate_end : candidate_end + 1]
        if not (after.isalnum() or after == "_") and iban.is_valid(text[start:candidate_end]):
            return candidate_end
    return None


class Iban(PolicyCheck, identifier="pii.iban", severity=Severity.HIGH):
    reason = (
        "The text contains a bank account number (IBAN). Remove account numbers before uploading."
    )

    def spans(self, text: str) -> Iterator[Span]:
        for match in _IBAN.finditer(text):
            end = _iban_end(text, match.start(), match.end())
            if end is not None:
                yield match.start(), end
