from peewee import SQL, CharField, Database, DateTimeField, IntegerField, TextField
from playhouse.migrate import SchemaMigrator

from illustra_shared.migrations import FrozenModel


class LLMCacheEntry(FrozenModel):
    key = CharField(max_length=64, primary_key=True)
    response = TextField()
    prompt_tokens = IntegerField(constraints=[SQL("DEFAULT 0")])
    completion_tokens = IntegerField(constraints=[SQL("DEFAULT 0")])
    created_at = DateTimeField()

    class Meta:
        table_name = "llm_cache"


def up(migrator: SchemaMigrator, database: Database) -> None:
    with database.bind_ctx([LLMCacheEntry]):
        LLMCacheEntry.create_table(safe=False)
