from peewee import SQL, CharField, Database, IntegerField, Node, TextField
from playhouse.migrate import SchemaMigrator


def up(migrator: SchemaMigrator, database: Database) -> None:
    zero: list[Node] = [SQL("DEFAULT 0")]
    migrator.migrate(
        migrator.add_column("stage_attempts", "extractor", CharField(max_length=16, null=True)),
        migrator.add_column(
            "stage_attempts", "llm_calls", IntegerField(constraints=zero), allow_not_null=True
        ),
        migrator.add_column(
            "stage_attempts", "prompt_tokens", IntegerField(constraints=zero), allow_not_null=True
        ),
        migrator.add_column(
            "stage_attempts", "completion_tokens", IntegerField(constraints=zero), allow_not_null=True
        ),
        migrator.add_column(
            "stage_attempts", "notes", TextField(constraints=[SQL("DEFAULT '[]'")]), allow_not_null=True
        ),
    )
