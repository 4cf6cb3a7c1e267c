"""Django's SQLite backend, creating the database's folder only when it connects."""
