"""Numbered schema migrations. Each module ``NNNN_name.py`` defines ``up(migrator, database)``, which changes the
schema through ``playhouse.migrate`` (``migrator`` is its ``SchemaMigrator`` for the database). Migrations are
history, written once and never edited after they ship: the models may move on, so a migration that creates
tables declares its own frozen copy of them rather than importing the models.
"""

from peewee import SQL, BigAutoField, Model, Node

# A column's UNIQUE written in the column, as the first migrations wrote it (PostgreSQL names it <table>_<column>_key).
UNIQUE: list[Node] = [SQL("UNIQUE")]


class FrozenModel(Model):
    """The base of a migration's frozen tables: BIGSERIAL keys, and indexes named after the table, <table>_<columns>."""

    id = BigAutoField()

    class Meta:
        legacy_table_names = False
