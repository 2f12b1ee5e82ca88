from peewee import Database
from playhouse.migrate import SchemaMigrator


# Every lookup of a document's attempts is served by stage_attempts_document_id_stage_outcome (0004), whose first
# column is document_id: the single-column index only cost a write on every attempt opened and closed.
def up(migrator: SchemaMigrator, database: Database) -> None:
    migrator.migrate(migrator.drop_index("stage_attempts", "stage_attempts_document_id"))
