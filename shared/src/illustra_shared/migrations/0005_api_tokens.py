from peewee import BigIntegerField, CharField, Database, DateTimeField
from playhouse.migrate import SchemaMigrator

from illustra_shared.migrations import UNIQUE, FrozenModel


class ApiToken(FrozenModel):
    user_id = BigIntegerField(index=True)
    token_sha256 = CharField(max_length=64, constraints=UNIQUE)
    label = CharField(max_length=100, null=True)
    created_at = DateTimeField()
    revoked_at = DateTimeField(null=True)

    class Meta:
        table_name = "api_tokens"


def up(migrator: SchemaMigrator, database: Database) -> None:
    with database.bind_ctx([ApiToken]):
        ApiToken.create_table(safe=False)
