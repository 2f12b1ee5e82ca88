from peewee import Database, DateTimeField
from playhouse.migrate import SchemaMigrator


def up(migrator: SchemaMigrator, database: Database) -> None:
    migrator.migrate(
        migrator.add_column("stage_attempts", "heartbeat_at", DateTimeField(null=True)),
        migrator.add_index("stage_attempts", ("document_id", "stage", "outcome")),
    )
