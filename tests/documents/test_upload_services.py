"""Upload services: deduplication, AUP in the audit entry, rate limit, bulk reruns."""

from __future__ import annotations

import json
from typing import Any

import pytest

from safedata.audit.models import AuditEntry
from safedata.documents import services
from safedata.documents.models import Document, Visibility
from safedata.documents.services import (
    NewDocument,
    UploadError,
    bulk_upload,
    create_document,
    upload_document,
)
from safedata.ratelimit import RateLimited
from safedata.screening.bulk import LineStatus

ENGLISH = "A careful guide to choosing strong passphrases and storing them in a manager."


def test_create_document_normalises_and_hashes(uploader: Any) -> None:
    result = create_document(NewDocument(text="  Cafe\u0301\r\nline\r\n"), uploader)
    assert result.created
    document = result.document
    assert document.text == "Caf\u00e9\nline"
    assert document.char_count == len("Caf\u00e9\nline")
    assert len(document.content_sha256) == 64


def test_same_text_from_another_member_is_never_stored_twice(uploader: Any, member: Any) -> None:
    first = create_document(NewDocument(text=ENGLISH), uploader)
    again = create_document(NewDocument(text=f"\n{ENGLISH}  \r\n", title="Mine"), member)
    assert not again.created
    assert again.document.pk == first.document.pk
    assert again.document.uploader == uploader
    assert Document.objects.count() == 1


def test_upload_records_the_accepted_policy_and_detects_the_language(member: Any) -> None:
    result = upload_document(
        NewDocument(text=ENGLISH), member, aup_accepted=True, detect_language=True
    )
    assert result.document.language == "en"
    entry = AuditEntry.objects.get(action="document.uploaded")
    assert entry.actor == member
    assert entry.target_id == str(result.document.pk)
    assert entry.data == {"aup_accepted": True, "via": "form"}


def test_upload_keeps_a_corrected_language(member: Any) -> None:
    result = upload_document(
        NewDocument(text=ENGLISH, language="fr"), member, aup_accepted=True, detect_language=False
    )
    assert result.document.language == "fr"


def test_upload_without_the_policy_stores_nothing(member: Any) -> None:
    with pytest.raises(UploadError) as caught:
        upload_document(NewDocument(text=ENGLISH), member, aup_accepted=False, detect_language=True)
    assert caught.value.code == "aup_required"
    assert not Document.objects.exists()
    assert not AuditEntry.objects.exists()


def test_upload_rate_limit_counts_per_member(member: Any, uploader: Any, settings: Any) -> None:
    settings.SAFEDATA_UPLOAD_RATE_LIMIT = "2/m"
    for n in range(2):
        upload_document(
            NewDocument(text=f"{ENGLISH} {n}"), member, aup_accepted=True, detect_language=False
        )
    with pytest.raises(RateLimited):
        upload_document(
            NewDocument(text=f"{ENGLISH} 3"), member, aup_accepted=True, detect_language=False
        )
    upload_document(
        NewDocument(text=f"{ENGLISH} other"), uploader, aup_accepted=True, detect_language=False
    )
    assert Document.objects.count() == 3


def _jsonl(*objects: dict[str, Any]) -> bytes:
    return "\n".join(json.dumps(o) for o in objects).encode()


def test_bulk_twice_creates_nothing_new(member: Any) -> None:
    data = _jsonl(
        {"text": ENGLISH, "license": "CC0-1.0"},
        {"text": "Second useful text here."},
        {"text": ENGLISH},
        {"text": ""},
    )
    first = bulk_upload(data, member, aup_accepted=True)
    assert [row.status for row in first.rows] == [
        LineStatus.ACCEPTED,
        LineStatus.ACCEPTED,
        LineStatus.DUPLICATE,
        LineStatus.REJECTED,
    ]
    assert first.rows[2].document == first.rows[0].document
    assert Document.objects.count() == 2
    assert AuditEntry.objects.filter(action="document.uploaded").count() == 2
    entry = AuditEntry.objects.get(target_id=str(first.rows[0].document.pk))  # type: ignore[union-attr]
    assert entry.data == {"aup_accepted": True, "via": "bulk", "line": 1}

    second = bulk_upload(data, member, aup_accepted=True)
    assert (second.accepted, second.duplicates, second.rejected) == (0, 3, 1)
    assert second.rows[0].reason == "Already in the dataset."
    assert Document.objects.count() == 2
    assert AuditEntry.objects.filter(action="document.uploaded").count() == 2


def test_bulk_detects_missing_languages(member: Any) -> None:
    report = bulk_upload(
        _jsonl({"text": ENGLISH}, {"text": "Short one.", "language": "de"}),
        member,
        aup_accepted=True,
    )
    assert [row.document.language for row in report.rows] == ["en", "de"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("visibility", "reason"),
    [
        (Visibility.HIDDEN, "Uploaded before and withdrawn from the dataset."),
        (Visibility.REMOVED, services.REMOVED_TEXT_MESSAGE),
    ],
)
def test_bulk_never_links_a_withdrawn_document(
    member: Any, make_document: Any, visibility: str, reason: str
) -> None:
    withdrawn = make_document(ENGLISH)
    withdrawn.visibility = visibility
    withdrawn.save(update_fields=["visibility"])
    report = bulk_upload(_jsonl({"text": ENGLISH}), member, aup_accepted=True)
    row = report.rows[0]
    assert (row.status, row.document) == (LineStatus.DUPLICATE, None)
    assert row.reason == reason


def test_bulk_file_problems_store_nothing(member: Any, settings: Any) -> None:
    settings.SAFEDATA_MAX_BULK_LINES = 1
    with pytest.raises(UploadError) as caught:
        bulk_upload(_jsonl({"text": "one line"}, {"text": "two lines"}), member, aup_accepted=True)
    assert caught.value.too_large
    assert not Document.objects.exists()


def test_bulk_across_several_transactions(
    member: Any, make_document: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "BULK_CHUNK", 2)
    stored = make_document("Text number 3, uploaded earlier by someone else.")
    lines = [{"text": f"Text number {n}, uploaded earlier by someone else."} for n in range(6)]
    report = bulk_upload(_jsonl(*lines, lines[0]), member, aup_accepted=True)
    assert [row.status for row in report.rows] == [LineStatus.ACCEPTED] * 3 + [
        LineStatus.DUPLICATE,
        LineStatus.ACCEPTED,
        LineStatus.ACCEPTED,
        LineStatus.DUPLICATE,
    ]
    assert report.rows[3].document == stored
    assert report.rows[6].document == report.rows[0].document
    assert Document.objects.filter(uploader=member).count() == 5
    lines_logged = AuditEntry.objects.filter(actor=member).values_list("data__line", flat=True)
    assert sorted(lines_logged) == [1, 2, 3, 5, 6]
