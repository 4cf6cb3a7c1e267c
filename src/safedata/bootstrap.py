"""Django set-up for command-line commands that use the database.

Below both the ``safedata`` entry point (``safedata.cli``) and the apps' own
commands (``datasets.commands``, ``demo.commands``), so neither imports the other.
"""

from __future__ import annotations

import os

import click


def setup_django(*, require_database: bool = True) -> None:
    """Configure Django for commands that use the database.

    First, unless ``require_database`` is false, check that the database the
    settings name exists and is migrated, and stop with a one-line
    ``ClickException`` when it is not. The check creates nothing: an SQLite
    file that is not there is never opened (opening it would create it).
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safedata.settings")
    import django

    if require_database:
        _require_sqlite_file()
    django.setup()
    if require_database:
        _require_migrated()


_HOW_TO_FIX = (
    "set SAFEDATA_DATA_DIR to the folder holding safedata.sqlite3 or DATABASE_URL "
    "to the server's database, or create one with `safedata manage migrate`"
)


def _database_name() -> str:
    from django.conf import settings

    config = settings.DATABASES["default"]
    if "sqlite" in config["ENGINE"]:
        return str(config["NAME"])
    host = config.get("HOST") or "localhost"
    return f"{config['NAME']} on {host}"


def _require_sqlite_file() -> None:
    from django.conf import settings

    config = settings.DATABASES["default"]
    name = str(config["NAME"])
    in_memory = name == ":memory:" or "mode=memory" in name
    if "sqlite" in config["ENGINE"] and not in_memory and not os.path.isfile(name):
        raise click.ClickException(f"No database at {name}: {_HOW_TO_FIX}.")


def _require_migrated() -> None:
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise click.ClickException(
            f"Cannot open the database {_database_name()} ({reason}): {_HOW_TO_FIX}."
        ) from None
    if pending:
        raise click.ClickException(
            f"The database {_database_name()} is not migrated "
            f"({len(pending)} migrations pending): {_HOW_TO_FIX}."
        )
