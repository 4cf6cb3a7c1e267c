"""SQLite's full-text index of documents: an FTS5 table kept in step by triggers.

The table holds no copy of the text (``content='documents_document'``); the
triggers add, remove and replace a document's entry when its row is inserted,
deleted, or its title or text changes (a vote's tally update does not touch
it). Django rebuilds a SQLite table to alter it, which drops its triggers, so
``ensure_sqlite_index`` runs after every ``migrate`` and restores them,
rebuilding the index when any was missing.
"""

from __future__ import annotations

from typing import Any

# Table names are spelled out (not formatted in) so that every statement is a constant.
_TRIGGERS = {
    "documents_document_fts_insert": (
        "AFTER INSERT ON documents_document BEGIN "
        "INSERT INTO documents_document_fts(rowid, title, text) "
        "VALUES (new.id, new.title, new.text); END"
    ),
    "documents_document_fts_delete": (
        "AFTER DELETE ON documents_document BEGIN "
        "INSERT INTO documents_document_fts(documents_document_fts, rowid, title, text) "
        "VALUES ('delete', old.id, old.title, old.text); END"
    ),
    "documents_document_fts_update": (
        "AFTER UPDATE OF title, text ON documents_document BEGIN "
        "INSERT INTO documents_document_fts(documents_document_fts, rowid, title, text) "
        "VALUES ('delete', old.id, old.title, old.text); "
        "INSERT INTO documents_document_fts(rowid, title, text) "
        "VALUES (new.id, new.title, new.text); END"
    ),
}
_CREATE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS documents_document_fts USING fts5("
    "title, text, content='documents_document', content_rowid='id', tokenize='unicode61')"
)
_REBUILD = "INSERT INTO documents_document_fts(documents_document_fts) VALUES ('rebuild')"


def _missing_triggers(cursor: Any) -> list[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    present = {row[0] for row in cursor.fetchall()}
    return [name for name in _TRIGGERS if name not in present]


def create_sqlite_index(connection: Any) -> bool:
    """Create the FTS5 table and any missing trigger; rebuild the index if one was missing.

    Returns whether it rebuilt the index.
    """
    with connection.cursor() as cursor:
        cursor.execute(_CREATE_TABLE)
        missing = _missing_triggers(cursor)
        for name in missing:
            cursor.execute("CREATE TRIGGER " + name + " " + _TRIGGERS[name])
        if missing:
            cursor.execute(_REBUILD)
    return bool(missing)


def drop_sqlite_index(connection: Any) -> None:
    with connection.cursor() as cursor:
        for name in _TRIGGERS:
            cursor.execute("DROP TRIGGER IF EXISTS " + name)
        cursor.execute("DROP TABLE IF EXISTS documents_document_fts")


def ensure_sqlite_index(using: str = "default", **_: Any) -> None:
    """``post_migrate`` receiver: put back the triggers a table rebuild dropped."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    applied = MigrationRecorder(connection).applied_migrations()
    if ("documents", "0003_document_search") in applied:
        create_sqlite_index(connection)
