"""SQLite that makes the folder of its database file on the first connection.

Settings used to create ``SAFEDATA_DATA_DIR`` on import, so any command run in
the wrong folder left a ``./var`` behind. Making the folder here ties it to
the moment SQLite creates the file: ``migrate``, the server and the tests
still start on a fresh machine, and a command that checks for the database
first (``safedata.cli.setup_django``) creates nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: Any) -> Any:
        if not self.is_in_memory_db():
            Path(conn_params["database"]).parent.mkdir(parents=True, exist_ok=True)
        return super().get_new_connection(conn_params)
