"""The database handle: one DatabaseProxy that models bind to, initialised late from DATABASE_URL."""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from peewee import Database, DatabaseError, DatabaseProxy, InterfaceError, OperationalError, SqliteDatabase
from playhouse.db_url import connect as connect_url
from playhouse.db_url import register_database
from playhouse.pool import PooledDatabase, PooledPostgresqlDatabase

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


class PooledPostgres(PooledPostgresqlDatabase):  # type: ignore[misc]  # playhouse has no types
    """A pool that hands out a connection without a round trip to check it first (peewee's does a ``SELECT 1``
    under the pool's lock on every checkout: a third of the status service's time). A connection that did break
    fails its one request or message, which then drops it and the idle ones (``release_connection``).

    It also keeps the server-side prepared statements of ``prepared``: a connection prepares one the first time it
    runs it, so a statement that cannot be prepared (its table is gone) fails alone, like any statement would."""

    def __init__(self, *args: Any, prepares: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # False behind a pooler in transaction mode, whose server connections change from one transaction to
        # the next: a statement prepared on one is unknown on the others.
        self.prepares = prepares
        self._prepare_by_execute: dict[str, tuple[str, str]] = {}  # EXECUTE … -> (name, PREPARE …)
        self._prepared_on: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()

    def _is_closed(self, conn: Any) -> bool:
        return bool(conn.closed)

    def prepare(self, name: str, sql: str, types: Sequence[str] = ()) -> str:
        pieces = sql.split("%s")
        numbered = pieces[0] + "".join(f"${n}{piece}" for n, piece in enumerate(pieces[1:], start=1))
        declared = [*types, *["unknown"] * (len(pieces) - 1 - len(types))]
        execute = f"EXECUTE {name}{_arguments(['%s'] * (len(pieces) - 1))}"
        self._prepare_by_execute[execute] = (name, f"PREPARE {name}{_arguments(declared)} AS {numbered}")
        return execute

    def make_ready(self, statements: Sequence[str]) -> None:
        """Prepare on this thread's connection those of ``statements`` that are ``EXECUTE``s it has not yet."""
        for sql in statements:
            found = self._prepare_by_execute.get(sql)
            if found is None:
                continue
            name, prepare = found
            conn = self.connection()
            done = self._prepared_on.get(conn)
            if done is None:
                # New, or unsure what the server has (see below): start afresh.
                super().execute_sql("DEALLOCATE ALL")
                done = self._prepared_on[conn] = set()
            if name not in done:
                try:
                    super().execute_sql(prepare)
                    done.add(name)
                except (DatabaseError, InterfaceError):
                    raise  # refused (its table is gone…): not prepared, as after any statement that failed
                except BaseException:
                    # A stage's time limit struck in this thread as the call returned: whether the server has it
                    # is unknown, so the connection's next use starts afresh.
                    self._prepared_on.pop(conn, None)
                    raise

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        self.make_ready((sql,))
        return super().execute_sql(sql, params)


def _arguments(items: Sequence[str]) -> str:
    return f"({', '.join(items)})" if items else ""


def prepared(database: Database, name: str, sql: str, types: Sequence[str] = ()) -> str:
    """What to send for ``sql`` (written with the database's parameter marks), which runs for every message or
    request: on pooled PostgreSQL ``EXECUTE name(…)`` of a statement each connection prepares once, so the server
    does not parse and plan it again each time (planning was a third of the server's time per document); as it is
    elsewhere. ``types`` are the SQL types of the leading parameters, for those PostgreSQL cannot infer (such as
    the values of an ``INSERT … SELECT``)."""
    if isinstance(database, PooledPostgres) and database.prepares:
        return database.prepare(name, sql, types)
    return sql


register_database(PooledPostgres, "postgres+pool", "postgresql+pool")


# ``?pooler=transaction`` on a PostgreSQL URL: the server is reached through a pooler in transaction mode
# (PgBouncer's pool_mode = transaction), which gives each transaction whichever server connection is free.
_POOLER_PARAMETER = "pooler"


def pooler_mode(url: str) -> tuple[str, str]:
    """The URL without the pooler parameter, and the pooler's mode (``session`` when none is named)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    mode = next((value for name, value in query if name == _POOLER_PARAMETER), "session")
    if mode not in ("session", "transaction"):
        raise ValueError(f"{_POOLER_PARAMETER} in DATABASE_URL must be session or transaction, not {mode!r}")
    rest = urlencode([(name, value) for name, value in query if name != _POOLER_PARAMETER])
    return urlunsplit(parts._replace(query=rest)), mode


def open_database(
    url: str, *, pooled: bool = True, durable_commits: bool = True, max_connections: int = 32
) -> Database:
    """Create the Database for ``url`` and bind the models to it; no connection is made yet. Without
    ``durable_commits`` a PostgreSQL commit does not wait for its WAL to reach the disk; ``durable`` makes one
    transaction wait, and with it everything committed before it. A pooled database holds at most
    ``max_connections`` at once; a thread that wants one more waits for one to come back (up to 10 s).

    Behind a pooler in transaction mode (``?pooler=transaction``) nothing may outlive a transaction on the
    server connection: no statement is prepared and no setting is sent when connecting, so every commit waits
    for the disk and a query whose client died runs to its end."""
    scheme = urlsplit(url).scheme
    database: Database
    if scheme in _POOLED_SCHEMES and pooled:
        url, pooler = pooler_mode(url)
        url = _POOLED_SCHEMES[scheme] + url[len(scheme) :]
        startup = {}
        if pooler == "session":
            # The server checks every second that the client of a running query is still there and ends the
            # query if not: a process killed while its statements wait for a lock must not have them committed
            # later.
            options = "-c client_connection_check_interval=1000"
            if not durable_commits:
                options += " -c synchronous_commit=off"
            startup["options"] = options
        database = connect_url(
            url,
            max_connections=max_connections,
            stale_timeout=300,
            timeout=10,
            prepares=pooler == "session",
            **startup,
        )
    elif scheme in _POOLED_SCHEMES:
        database = connect_url(pooler_mode(url)[0])
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


@contextmanager
def connection(database: Database) -> Iterator[None]:
    """This thread's connection for the block only: taken from the pool when the block starts and given back
    when it ends (out of the pool, with the idle ones, if it broke), so that a thread waiting on something else,
    such as a model's answer, holds none. Inside a block that already holds one, that one is used. Takes the
    models' DatabaseProxy too."""
    if isinstance(database, DatabaseProxy):
        database = database.obj
    if not database.is_closed():
        yield
        return
    database.connect()
    broken = False
    try:
        yield
    except CONNECTION_ERRORS:
        broken = True
        raise
    finally:
        release_connection(database, broken=broken)


# Inside a transaction: its commit waits until it, and all committed before it, is on disk.
DURABLE_COMMIT = "SET LOCAL synchronous_commit TO on"

# One SQL statement and its parameters (in the database's parameter style).
Statement = tuple[str, Sequence[Any]]


def durable(database: Database) -> None:
    """Make the transaction this runs in wait for the disk when it commits (PostgreSQL; SQLite always does)."""
    if is_postgres(database):
        database.execute_sql(DURABLE_COMMIT)


def execute_together(
    database: Database, statements: Sequence[Statement], *, wait_for_disk: bool = False
) -> list[tuple[Any, ...]]:
    """Run ``statements`` as one transaction; the rows the last one returns (none if it returns no rows).

    On PostgreSQL they go as one multi-statement query: one round trip, which the server runs as one implicit
    transaction (outside a peewee transaction) or as part of the enclosing one. Each round trip saved is about
    0.1 ms of CPU on the client and the server together, a large part of a stage's cost. SQLite, in process, runs
    them one by one in a transaction. With ``wait_for_disk`` the commit waits for the disk, as in ``durable``."""
    if is_postgres(database):
        if isinstance(database, PooledPostgres) and database.prepares:
            database.make_ready([sql for sql, _ in statements])
        if wait_for_disk:
            statements = [(DURABLE_COMMIT, ()), *statements]
        cursor = database.execute_sql(
            "; ".join(sql for sql, _ in statements), [value for _, params in statements for value in params]
        )
        return cursor.fetchall() if cursor.description is not None else []
    with database.atomic():
        for sql, params in statements:
            cursor = database.execute_sql(sql, params)
        # Fetched inside the transaction: SQLite cannot commit while a statement still has rows to give.
        return cursor.fetchall() if cursor.description is not None else []


def is_postgres(database: Database) -> bool:
    return not isinstance(database, SqliteDatabase)


def redact(url: str) -> str:
    """The URL with its password hidden, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))
