"""docs/dataset-format.md stays in step with the code."""

from __future__ import annotations

from pathlib import Path

from safedata.records import SCHEMA, formats

DOC = Path(__file__).resolve().parents[2] / "docs" / "dataset-format.md"


def test_doc_shows_the_exact_schema() -> None:
    schema = SCHEMA.to_string(show_field_metadata=False, show_schema_metadata=False)
    assert f"```\n{schema}\n```" in DOC.read_text(encoding="utf-8")


def test_doc_describes_every_field_and_format() -> None:
    text = DOC.read_text(encoding="utf-8")
    for field in SCHEMA:
        assert f"| `{field.name}` | `{field.type}`" in text
        assert field.metadata[b"description"].decode() in text
    for fmt in formats():
        assert f"| `{fmt}` |" in text
