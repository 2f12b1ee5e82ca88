"""The database helpers the per-message SQL relies on, against a real PostgreSQL: statements prepared once per
connection, one failing alone, and several sent as one transaction in one round trip."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from peewee import Database, ProgrammingError

from illustra_shared.database import execute_together, open_database, prepared

from ..support import ThrowawayDatabase

pytestmark = pytest.mark.integration


@pytest.fixture
def database() -> Iterator[Database]:
    throwaway = ThrowawayDatabase().create()
    throwaway.execute("CREATE TABLE numbers (n integer PRIMARY KEY)")
    opened = open_database(throwaway.url)
    try:
        with opened.connection_context():
            yield opened
    finally:
        opened.close_all()
        throwaway.drop()


def server_prepared(database: Database) -> set[str]:
    return {name for (name,) in database.execute_sql("SELECT name FROM pg_prepared_statements").fetchall()}


def test_a_statement_is_prepared_once_per_connection_and_runs_as_written(database: Database) -> None:
    insert = prepared(database, "test_insert_number", "INSERT INTO numbers (n) VALUES (%s) RETURNING n")
    assert insert.startswith("EXECUTE test_insert_number(")
    assert server_prepared(database) == set()
    assert database.execute_sql(insert, [1]).fetchall() == [(1,)]
    assert database.execute_sql(insert, [2]).fetchall() == [(2,)]
    assert server_prepared(database) == {"test_insert_number"}


def test_a_statement_that_cannot_be_prepared_fails_alone(database: Database) -> None:
    insert = prepared(database, "test_insert_number", "INSERT INTO numbers (n) VALUES (%s) RETURNING n")
    gone = prepared(database, "test_select_gone", "SELECT n FROM gone WHERE n = %s")
    with pytest.raises(ProgrammingError, match="gone"):
        database.execute_sql(gone, [1])
    assert database.execute_sql(insert, [3]).fetchall() == [(3,)]
    assert server_prepared(database) == {"test_insert_number"}


def test_statements_sent_together_are_one_transaction(database: Database) -> None:
    insert = prepared(database, "test_insert_number", "INSERT INTO numbers (n) VALUES (%s) RETURNING n")
    assert execute_together(database, [(insert, [4]), (insert, [5])]) == [(5,)]
    # The second insert breaks the key: neither stays.
    with pytest.raises(Exception, match="duplicate key"):
        execute_together(database, [(insert, [6]), (insert, [4])])
    rows = database.execute_sql("SELECT n FROM numbers ORDER BY n").fetchall()
    assert rows == [(4,), (5,)]
