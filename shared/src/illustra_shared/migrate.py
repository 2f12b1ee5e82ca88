"""Runs the numbered migrations of ``illustra_shared.migrations`` that the database has not seen, each in its
own transaction, recording each in ``schema_migrations``.

The migrations are ``playhouse.migrate`` operations, laid out and found as ``playhouse.migrations`` does (``up(migrator,
database)`` in a numbered module); its runner is not used because it keeps another history table (by name, without
the versions of ``schema_migrations``) and migrates without a lock, where several processes may start at once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from peewee import CharField, Database, DateTimeField, IntegerField, Model, SchemaManager
from playhouse.migrate import SchemaMigrator
from playhouse.migrations import Migration
from psycopg2 import sql

from . import migrations
from .database import is_postgres, pooler_mode
from .models import utcnow

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same in every process that migrates this database.
_ADVISORY_LOCK_KEY = 7_314_159_265


class AppliedMigration(Model):
    version = IntegerField(primary_key=True)
    name = CharField(max_length=128)
    applied_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "schema_migrations"


def available_migrations() -> list[Migration]:
    """Every migration, in version order (the number its name starts with)."""
    return Migration.load_directory(migrations.__path__[0])  # type: ignore[no-any-return]


@contextmanager
def _exclusive(migrator: SchemaMigrator) -> Iterator[None]:
    """A transaction that no other process migrating this database runs alongside."""
    with migrator.migration_context():
        if is_postgres(migrator.database):
            migrator.database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_ADVISORY_LOCK_KEY,))
        yield


def migrate(database: Database) -> list[str]:
    """Apply what is missing; returns the names applied. Safe to run from several processes at once."""
    migrator = SchemaMigrator.from_database(database)
    applied_now = []
    # The history's statements name their database rather than bind the model to it: processes, and threads, may
    # migrate several databases at once.
    with database.connection_context():
        with _exclusive(migrator):
            SchemaManager(AppliedMigration, database).create_all()
        for migration in available_migrations():
            with _exclusive(migrator):
                if (
                    AppliedMigration.select()
                    .where(AppliedMigration.version == migration.idx)
                    .exists(database)
                ):
                    continue
                migration.load().up(migrator, database)
                AppliedMigration.insert(version=migration.idx, name=migration.name).execute(database)
                log.info("applied migration %s", migration.name)
                applied_now.append(migration.name)
    return applied_now


def ensure_postgres_database(url: str) -> bool:
    """Create the database named in a PostgreSQL ``url`` if it does not exist; returns True if it was created."""
    parts = urlsplit(pooler_mode(url)[0])
    if parts.scheme not in ("postgres", "postgresql"):
        return False
    name = parts.path.lstrip("/")
    maintenance_url = urlunsplit(parts._replace(path="/postgres"))
    connection = psycopg2.connect(maintenance_url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone():
                return False
            try:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg2.errors.DuplicateDatabase:
                return False  # created by a concurrent process
            return True
    finally:
        connection.close()
