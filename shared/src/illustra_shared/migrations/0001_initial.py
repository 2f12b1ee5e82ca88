import peewee as pw
from playhouse.migrate import SchemaMigrator

from illustra_shared.migrations import UNIQUE, FrozenModel


class Document(FrozenModel):
    user_id = pw.BigIntegerField()
    file_name = pw.CharField(max_length=255)
    ocr_content = pw.TextField()
    content_sha256 = pw.CharField(max_length=64, index=True)
    processing_stage = pw.CharField(max_length=32, index=True, constraints=[pw.SQL("DEFAULT 'pending'")])
    progress_percentage = pw.SmallIntegerField(constraints=[pw.SQL("DEFAULT 0")])
    status = pw.CharField(max_length=16, constraints=[pw.SQL("DEFAULT 'pending'")])
    error_message = pw.TextField(null=True)
    created_at = pw.DateTimeField()
    last_processed_at = pw.DateTimeField()

    class Meta:
        table_name = "documents"
        indexes = ((("user_id", "id"), False),)


class StageAttempt(FrozenModel):
    document = pw.ForeignKeyField(Document, on_delete="CASCADE")
    stage = pw.CharField(max_length=32)
    attempt = pw.SmallIntegerField()
    message_id = pw.CharField(max_length=64, null=True)
    started_at = pw.DateTimeField()
    finished_at = pw.DateTimeField(null=True)
    outcome = pw.CharField(max_length=16, constraints=[pw.SQL("DEFAULT 'running'")])
    error = pw.TextField(null=True)

    class Meta:
        table_name = "stage_attempts"


class BasicInfoResult(FrozenModel):
    document = pw.ForeignKeyField(Document, on_delete="CASCADE", index=False, constraints=UNIQUE)
    insured_name = pw.TextField(null=True)
    gender = pw.CharField(max_length=1, null=True)
    issue_age = pw.SmallIntegerField(null=True)
    smoker = pw.BooleanField(null=True)
    insurer = pw.TextField(null=True)
    product_name = pw.TextField(null=True)
    currency = pw.CharField(max_length=3, null=True)
    sum_assured = pw.DoubleField(null=True)
    annual_premium = pw.DoubleField(null=True)
    premium_term_years = pw.SmallIntegerField(null=True)
    payment_mode = pw.CharField(max_length=16, null=True)
    coverage_to_age = pw.SmallIntegerField(null=True)
    meta = pw.TextField()
    extractor = pw.CharField(max_length=16, constraints=[pw.SQL("DEFAULT 'rules'")])
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "basic_info_results"


class ValueTableResult(FrozenModel):
    document = pw.ForeignKeyField(Document, on_delete="CASCADE", index=False, constraints=UNIQUE)
    row_count = pw.IntegerField(constraints=[pw.SQL("DEFAULT 0")])
    issues = pw.TextField()
    extractor = pw.CharField(max_length=16, constraints=[pw.SQL("DEFAULT 'rules'")])
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "value_table_results"


class ValueTableRow(FrozenModel):
    document = pw.ForeignKeyField(Document, on_delete="CASCADE", index=False)
    policy_year = pw.IntegerField()
    age = pw.IntegerField(null=True)
    total_premiums_paid = pw.DoubleField(null=True)
    guaranteed_cash_value = pw.DoubleField(null=True)
    non_guaranteed_value = pw.DoubleField(null=True)
    total_surrender_value = pw.DoubleField(null=True)
    death_benefit = pw.DoubleField(null=True)
    meta = pw.TextField()

    class Meta:
        table_name = "value_table_rows"
        indexes = ((("document", "policy_year"), True),)


class SummaryResult(FrozenModel):
    document = pw.ForeignKeyField(Document, on_delete="CASCADE", index=False, constraints=UNIQUE)
    proposal_date = pw.DateField(null=True)
    valid_until = pw.DateField(null=True)
    breakeven_year = pw.IntegerField(null=True)
    key_points = pw.TextField()
    overview = pw.TextField(null=True)
    meta = pw.TextField()
    extractor = pw.CharField(max_length=16, constraints=[pw.SQL("DEFAULT 'rules'")])
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "summary_results"


TABLES = [Document, StageAttempt, BasicInfoResult, ValueTableResult, ValueTableRow, SummaryResult]


def up(migrator: SchemaMigrator, database: pw.Database) -> None:
    with database.bind_ctx(TABLES):
        database.create_tables(TABLES, safe=False)
