from peewee import SQL, CharField, Database, Field, IntegerField, TextField
from playhouse.migrate import SchemaMigrator


def up(migrator: SchemaMigrator, database: Database) -> None:
    not_null: dict[str, Field] = {
        "llm_calls": IntegerField(constraints=[SQL("DEFAULT 0")]),
        "prompt_tokens": IntegerField(constraints=[SQL("DEFAULT 0")]),
        "completion_tokens": IntegerField(constraints=[SQL("DEFAULT 0")]),
        "notes": TextField(constraints=[SQL("DEFAULT '[]'")]),
    }
    migrator.migrate(
        migrator.add_column("stage_attempts", "extractor", CharField(max_length=16, null=True)),
        *(
            migrator.add_column("stage_attempts", name, field, allow_not_null=True)
            for name, field in not_null.items()
        ),
    )
