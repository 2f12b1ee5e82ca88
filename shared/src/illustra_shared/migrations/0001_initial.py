from peewee import (
    SQL,
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    Database,
    DateField,
    DateTimeField,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    SmallIntegerField,
    TextField,
)
from playhouse.migrate import SchemaMigrator

from . import UNIQUE, FrozenModel


class Document(FrozenModel):
    id = BigAutoField()
    user_id = BigIntegerField()
    file_name = CharField(max_length=255)
    ocr_content = TextField()
    content_sha256 = CharField(max_length=64, index=True)
    processing_stage = CharField(max_length=32, index=True, constraints=[SQL("DEFAULT 'pending'")])
    progress_percentage = SmallIntegerField(constraints=[SQL("DEFAULT 0")])
    status = CharField(max_length=16, constraints=[SQL("DEFAULT 'pending'")])
    error_message = TextField(null=True)
    created_at = DateTimeField()
    last_processed_at = DateTimeField()

    class Meta:
        table_name = "documents"
        indexes = ((("user_id", "id"), False),)


class StageAttempt(FrozenModel):
    id = BigAutoField()
    document = ForeignKeyField(Document, on_delete="CASCADE")
    stage = CharField(max_length=32)
    attempt = SmallIntegerField()
    message_id = CharField(max_length=64, null=True)
    started_at = DateTimeField()
    finished_at = DateTimeField(null=True)
    outcome = CharField(max_length=16, constraints=[SQL("DEFAULT 'running'")])
    error = TextField(null=True)

    class Meta:
        table_name = "stage_attempts"


class BasicInfoResult(FrozenModel):
    id = BigAutoField()
    document = ForeignKeyField(Document, on_delete="CASCADE", index=False, constraints=UNIQUE)
    insured_name = TextField(null=True)
    gender = CharField(max_length=1, null=True)
    issue_age = SmallIntegerField(null=True)
    smoker = BooleanField(null=True)
    insurer = TextField(null=True)
    product_name = TextField(null=True)
    currency = CharField(max_length=3, null=True)
    sum_assured = DoubleField(null=True)
    annual_premium = DoubleField(null=True)
    premium_term_years = SmallIntegerField(null=True)
    payment_mode = CharField(max_length=16, null=True)
    coverage_to_age = SmallIntegerField(null=True)
    meta = TextField()
    extractor = CharField(max_length=16, constraints=[SQL("DEFAULT 'rules'")])
    created_at = DateTimeField()

    class Meta:
        table_name = "basic_info_results"


class ValueTableResult(FrozenModel):
    id = BigAutoField()
    document = ForeignKeyField(Document, on_delete="CASCADE", index=False, constraints=UNIQUE)
    row_count = IntegerField(constraints=[SQL("DEFAULT 0")])
    issues = TextField()
    extractor = CharField(max_length=16, constraints=[SQL("DEFAULT 'rules'")])
    created_at = DateTimeField()

    class Meta:
        table_name = "value_table_results"


class ValueTableRow(FrozenModel):
    id = BigAutoField()
    document = ForeignKeyField(Document, on_delete="CASCADE", index=False)
    policy_year = IntegerField()
    age = IntegerField(null=True)
    total_premiums_paid = DoubleField(null=True)
    guaranteed_cash_value = DoubleField(null=True)
    non_guaranteed_value = DoubleField(null=True)
    total_surrender_value = DoubleField(null=True)
    death_benefit = DoubleField(null=True)
    meta = TextField()

    class Meta:
        table_name = "value_table_rows"
        indexes = ((("document", "policy_year"), True),)


class SummaryResult(FrozenModel):
    id = BigAutoField()
    document = ForeignKeyField(Document, on_delete="CASCADE", index=False, constraints=UNIQUE)
    proposal_date = DateField(null=True)
    valid_until = DateField(null=True)
    breakeven_year = IntegerField(null=True)
    key_points = TextField()
    overview = TextField(null=True)
    meta = TextField()
    extractor = CharField(max_length=16, constraints=[SQL("DEFAULT 'rules'")])
    created_at = DateTimeField()

    class Meta:
        table_name = "summary_results"


TABLES = [Document, StageAttempt, BasicInfoResult, ValueTableResult, ValueTableRow, SummaryResult]


def up(migrator: SchemaMigrator, database: Database) -> None:
    with database.bind_ctx(TABLES):
        database.create_tables(TABLES, safe=False)
