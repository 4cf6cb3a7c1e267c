"""The full-text search index of documents, in each database's own engine.

PostgreSQL: a GIN index on ``to_tsvector('simple', title || ' ' || text)``,
the expression ``documents.search`` queries (so the planner can use it).
SQLite: an FTS5 table with the documents as external content, kept in step by
triggers (``safedata.documents.search_index`` recreates them after any later
migration that rebuilds the documents table).
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

from safedata.documents import search_index

INDEX = GinIndex(SearchVector("title", "text", config="simple"), name="document_search")


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("documents", "Document"), INDEX)
    elif schema_editor.connection.vendor == "sqlite":
        search_index.create_sqlite_index(schema_editor.connection)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("documents", "Document"), INDEX)
    elif schema_editor.connection.vendor == "sqlite":
        search_index.drop_sqlite_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_document_label_status_valid")]

    operations = [migrations.RunPython(forward, backward)]
