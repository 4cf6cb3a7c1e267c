"""PostgreSQL: keep each document's tsvector in a stored generated column.

The expression index of 0003 finds matches, but ranking (``ts_rank``) and the
index's recheck then parse every matching text again; a stored column is
parsed once, when the row is written, and the GIN index is built on it. The
column is not a model field: ``documents.search`` names it, and only on
PostgreSQL. Nothing changes on SQLite (FTS5, migration 0003). PostgreSQL refuses
to change the type of ``title`` or ``text`` while the column uses them: a
migration that does must drop ``search_vector`` first and add it back after.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS document_search",
    "ALTER TABLE documents_document ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, COALESCE(title, '') || ' ' || COALESCE(text, ''))) STORED",
    "CREATE INDEX document_search_vector ON documents_document USING gin (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS document_search_vector",
    "ALTER TABLE documents_document DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX document_search ON documents_document USING gin "
    "(to_tsvector('simple'::regconfig, COALESCE(title, '') || ' ' || COALESCE(text, '')))",
]


def _run(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("documents", "0004_consensus_v2")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
