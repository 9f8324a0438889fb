"""Tables, engines and migrations for SQLite and PostgreSQL."""

from baton.storage.database import connect, insert_ignoring_duplicates, write_transaction

__all__ = ["connect", "insert_ignoring_duplicates", "write_transaction"]
