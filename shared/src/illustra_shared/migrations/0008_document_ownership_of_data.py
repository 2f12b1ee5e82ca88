from peewee import SQL, BigIntegerField, CharField, Database
from playhouse.migrate import SchemaMigrator


# The LLM cache belongs to the documents whose text it answered (by the text's SHA-256, as documents keep it), so
# it goes when they go; the replies cached before, of unknown documents and possibly unmasked, are dropped.
# content_bytes lets a user's stored bytes be summed for the quota without reading the texts; rows stored before
# are counted by their length in characters (SQLite has no octet_length), a lower bound. The index lets the quota
# check on every save read a user's sizes without visiting the documents.
def up(migrator: SchemaMigrator, database: Database) -> None:
    content_sha256 = CharField(max_length=64, constraints=[SQL("DEFAULT ''")])
    content_bytes = BigIntegerField(constraints=[SQL("DEFAULT 0")])
    migrator.migrate(
        migrator.sql("DELETE FROM llm_cache"),
        migrator.add_column("llm_cache", "content_sha256", content_sha256, allow_not_null=True),
        migrator.add_index("llm_cache", ("content_sha256",)),
        migrator.add_column("documents", "content_bytes", content_bytes, allow_not_null=True),
        migrator.sql("UPDATE documents SET content_bytes = length(ocr_content)"),
        migrator.add_index("documents", ("user_id", "content_bytes")),
    )
