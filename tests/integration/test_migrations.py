"""The migrations against the models, on PostgreSQL and on the SQLite of the demo: migrating an empty database
yields exactly the schema that the models create themselves, and several processes can migrate at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from peewee import Database, TextField

from illustra_shared import migrate as migrate_module
from illustra_shared.database import open_database
from illustra_shared.migrate import AppliedMigration, available_migrations, migrate
from illustra_shared.models import BaseModel, Document

from ..support import ThrowawayDatabase

pytestmark = pytest.mark.integration

MODELS = [*BaseModel.__subclasses__(), AppliedMigration]


def schema(database: Database) -> dict[str, Any]:
    """Every table's columns (type, nullability, primary key, default), its indexes by their columns and
    uniqueness (PostgreSQL names a UNIQUE written in a column otherwise than peewee names its unique index), and
    its foreign keys with their ON DELETE."""
    tables: dict[str, Any] = {}
    for table in database.get_tables():
        if table == "sqlite_sequence":  # SQLite's own
            continue
        columns = {
            column.name: (
                column.full_type or column.data_type,
                column.null,
                column.primary_key,
                column.default,
            )
            for column in database.get_columns(table)
        }
        indexes = sorted(
            (tuple(index.columns), bool(index.unique))
            for index in database.get_indexes(table)
            if not index.name.endswith("_pkey")
        )
        foreign_keys = sorted(
            (key.column, key.dest_table, key.dest_column, key.on_delete)
            for key in database.get_foreign_keys(table)
        )
        tables[table] = {"columns": columns, "indexes": indexes, "foreign_keys": foreign_keys}
    return tables


@pytest.fixture(params=["postgres", "sqlite"])
def empty_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """Two empty databases of the same kind."""
    if request.param == "sqlite":
        yield (
            open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}"),
            open_database(f"sqlite:///{tmp_path / 'b.sqlite3'}"),
        )
        return
    throwaways = [ThrowawayDatabase().create(), ThrowawayDatabase().create()]
    opened = [open_database(throwaway.url) for throwaway in throwaways]
    try:
        yield opened[0], opened[1]
    finally:
        for database, throwaway in zip(opened, throwaways, strict=True):
            database.close_all()
            throwaway.drop()


def models_schema(database: Database) -> dict[str, Any]:
    with database.connection_context(), database.bind_ctx(MODELS):
        database.create_tables(MODELS)
        return schema(database)


def migrated_schema(database: Database) -> dict[str, Any]:
    migrate(database)
    with database.connection_context():
        return schema(database)


def test_migrating_an_empty_database_yields_the_models_schema(
    empty_databases: tuple[Database, Database],
) -> None:
    migrated, created = empty_databases
    expected = models_schema(created)
    assert set(expected) == {model._meta.table_name for model in MODELS}
    assert migrated_schema(migrated) == expected


def test_a_column_that_no_migration_adds_is_seen(empty_databases: tuple[Database, Database]) -> None:
    migrated, created = empty_databases
    Document._meta.add_field("nickname", TextField(null=True))
    try:
        expected = models_schema(created)
    finally:
        Document._meta.remove_field("nickname")
    assert "nickname" in expected["documents"]["columns"]
    assert migrated_schema(migrated) != expected


@pytest.fixture
def postgres_database() -> Iterator[Database]:
    throwaway = ThrowawayDatabase().create()
    database = open_database(throwaway.url)
    try:
        yield database
    finally:
        database.close_all()
        throwaway.drop()


def test_several_migrators_at_once_run_each_migration_once(postgres_database: Database) -> None:
    # Threads, each with its own connection, as the services' processes each migrate when they start; PostgreSQL's
    # advisory lock orders them (SQLite, the demo's, has one process and its write lock).
    database = postgres_database
    applied: list[list[str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def run() -> None:
        start.wait()
        try:
            applied.append(migrate(database))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(name for names in applied for name in names) == sorted(
        migration.name for migration in available_migrations()
    )
    assert migrate(database) == []


def test_attempts_of_the_table_step_are_renamed_value_table(
    empty_databases: tuple[Database, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    database = empty_databases[0]
    before_0009 = [migration for migration in available_migrations() if migration.idx < 9]
    monkeypatch.setattr(migrate_module, "available_migrations", lambda: before_0009)
    migrate(database)
    with database.connection_context():
        database.execute_sql(
            "INSERT INTO documents (id, user_id, file_name, ocr_content, content_sha256, created_at,"
            " last_processed_at) VALUES (1, 1, 'a.txt', 'text', 'sha', '2026-01-01', '2026-01-01')"
        )
        for stage in ("basic_info", "table"):
            database.execute_sql(
                "INSERT INTO stage_attempts (document_id, stage, attempt, started_at)"
                f" VALUES (1, '{stage}', 1, '2026-01-01')"
            )
    monkeypatch.undo()
    assert migrate(database) == ["0009_value_table_stage_and_dead_columns"]
    with database.connection_context():
        stages = database.execute_sql("SELECT stage FROM stage_attempts ORDER BY id").fetchall()
    assert stages == [("basic_info",), ("value_table",)]
