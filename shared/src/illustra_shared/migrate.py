"""Runs the numbered migrations of ``illustra_shared.migrations`` that the database has not seen, each in its
own transaction, recording each in ``schema_migrations``."""

from __future__ import annotations

import importlib
import logging
import pkgutil
import re
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from peewee import Database
from psycopg2 import sql

from . import migrations
from .database import is_postgres, pooler_mode
from .models import utcnow

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_\w+$")
# Any constant works; it only has to be the same in every process that migrates this database.
_ADVISORY_LOCK_KEY = 7_314_159_265


def available_migrations() -> list[tuple[int, str, str]]:
    """(version, name, SQL) of every migration module, in version order."""
    found = []
    for module_info in pkgutil.iter_modules(migrations.__path__):
        match = _MIGRATION_NAME.match(module_info.name)
        if match:
            module = importlib.import_module(f"{migrations.__name__}.{module_info.name}")
            found.append((int(match.group(1)), module_info.name, module.SQL))
    return sorted(found)


def _statements(script: str, database: Database) -> list[str]:
    pk = "BIGSERIAL PRIMARY KEY" if is_postgres(database) else "INTEGER PRIMARY KEY AUTOINCREMENT"
    return [statement.strip() for statement in script.format(pk=pk).split(";") if statement.strip()]


def migrate(database: Database) -> list[str]:
    """Apply what is missing; returns the names applied. Safe to run from several processes at once."""
    applied_now = []
    with database.connection_context():
        database.execute_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR(128) NOT NULL,"
            " applied_at TIMESTAMP NOT NULL)"
        )
        for version, name, script in available_migrations():
            with database.atomic():
                if is_postgres(database):
                    database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_ADVISORY_LOCK_KEY,))
                done = database.execute_sql(
                    f"SELECT 1 FROM schema_migrations WHERE version = {database.param}", (version,)
                ).fetchone()
                if done:
                    continue
                for statement in _statements(script, database):
                    database.execute_sql(statement)
                database.execute_sql(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES"
                    f" ({database.param}, {database.param}, {database.param})",
                    (version, name, utcnow()),
                )
                log.info("applied migration %s", name)
                applied_now.append(name)
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
