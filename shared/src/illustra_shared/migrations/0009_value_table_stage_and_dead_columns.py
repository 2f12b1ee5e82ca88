from peewee import Database
from playhouse.migrate import SchemaMigrator


# The table stage's step is named value_table, as its actor and its tables are; its attempts are renamed with it.
# Nothing read the results' created_at (a document has its own) nor value_table_results.row_count (its rows are
# value_table_rows): written on every stage, they are dropped.
def up(migrator: SchemaMigrator, database: Database) -> None:
    migrator.migrate(
        migrator.sql("UPDATE stage_attempts SET stage = 'value_table' WHERE stage = 'table'"),
        migrator.drop_column("basic_info_results", "created_at"),
        migrator.drop_column("value_table_results", "row_count"),
        migrator.drop_column("value_table_results", "created_at"),
        migrator.drop_column("summary_results", "created_at"),
    )
