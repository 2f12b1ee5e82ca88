"""The database handle: one DatabaseProxy that models bind to, initialised late from DATABASE_URL."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from peewee import Database, DatabaseProxy, InterfaceError, OperationalError, SqliteDatabase
from playhouse.db_url import connect as connect_url
from playhouse.db_url import register_database
from playhouse.pool import PooledDatabase

database_proxy = DatabaseProxy()

# A pooled PostgreSQL connection is returned to the pool on close(), so "connect and close per request/message"
# costs no TCP and authentication round trip.
_POOLED_SCHEMES = {"postgres": "postgres+pool", "postgresql": "postgresql+pool"}


class ImmediateSqliteDatabase(SqliteDatabase):
    """SQLite whose transactions take the write lock when they begin: a deferred transaction that later writes
    fails at once with "database is locked" when another thread writes too, whatever the busy timeout."""

    def begin(self, lock_type: str | None = "IMMEDIATE") -> None:
        super().begin(lock_type)


register_database(ImmediateSqliteDatabase, "sqlite")


def open_database(url: str, *, pooled: bool = True) -> Database:
    """Create the Database for ``url`` and bind the models to it; no connection is made yet."""
    scheme = urlsplit(url).scheme
    if scheme in _POOLED_SCHEMES and pooled:
        url = _POOLED_SCHEMES[scheme] + url[len(scheme) :]
        database = connect_url(url, max_connections=32, stale_timeout=300, timeout=10, autorollback=True)
    elif scheme.startswith("sqlite"):
        database = connect_url(
            url,
            pragmas={
                "journal_mode": "wal",
                "foreign_keys": 1,
                "busy_timeout": 10000,
                "synchronous": "normal",
            },
        )
    else:
        database = connect_url(url)
    database_proxy.initialize(database)
    return database


CONNECTION_ERRORS = (OperationalError, InterfaceError)


def release_connection(database: Database, *, broken: bool = False) -> None:
    """Close this thread's connection: back to the pool, or, when it failed (the server restarted, the network
    dropped), out of the pool together with the idle ones, which are most likely dead too."""
    if database.is_closed():
        return
    if broken and isinstance(database, PooledDatabase):
        database.manual_close()
        database.close_idle()
    else:
        database.close()


def is_postgres(database: Database) -> bool:
    return not isinstance(database, SqliteDatabase)


def redact(url: str) -> str:
    """The URL with its password hidden, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))
