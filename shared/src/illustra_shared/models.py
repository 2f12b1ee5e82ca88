"""The peewee models: documents, one row per stage attempt, and the extraction results of the three stages.

Field names of the results are the corpus's (basic_info, value_table rows, summary); each result row also keeps
``meta``: per field its confidence, its source span in ``ocr_content`` and any issue found while checking it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from peewee import (
    SQL,
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    Model,
    Node,
    SmallIntegerField,
    TextField,
)

from .database import database_proxy


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class JSONField(TextField):
    """JSON kept as text: the same on PostgreSQL and on the SQLite of the demo."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


def server_default(value: str | int) -> list[Node]:
    """The default kept in the table as well, as the migrations create it: the statements written by hand insert
    without the columns they leave at their default."""
    return [SQL(f"DEFAULT '{value}'" if isinstance(value, str) else f"DEFAULT {value}")]


class BaseModel(Model):
    # peewee's implicit key, spelled out for its type (the migrations' BIGSERIAL) and so that type checkers see it.
    id = BigAutoField()

    class Meta:
        database = database_proxy
        legacy_table_names = False  # indexes named <table>_<columns>, as the migrations name them


class Document(BaseModel):
    user_id = BigIntegerField()
    file_name = CharField(max_length=255)
    ocr_content = TextField()
    content_sha256 = CharField(max_length=64, index=True)
    # The text's size in UTF-8, summed for the user's quota (migration 0008).
    content_bytes = BigIntegerField(default=0, constraints=server_default(0))
    processing_stage = CharField(
        max_length=32, default="pending", constraints=server_default("pending"), index=True
    )
    progress_percentage = SmallIntegerField(default=0, constraints=server_default(0))
    status = CharField(max_length=16, default="pending", constraints=server_default("pending"))
    error_message = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    last_processed_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "documents"
        indexes = ((("user_id", "id"), False), (("user_id", "content_bytes"), False))


def owned_document(query: Any, document_id: int, owner: int | None) -> Any:
    """``query`` of documents narrowed to the one, when it is ``owner``'s (anyone's when None): another user's
    document is treated exactly like one that does not exist."""
    query = query.where(Document.id == document_id)
    return query if owner is None else query.where(Document.user_id == owner)


class StageAttempt(BaseModel):
    # Indexed with its stage and outcome (migration 0004).
    document = ForeignKeyField(Document, backref="attempts", on_delete="CASCADE", index=False)
    stage = CharField(max_length=32)
    attempt = SmallIntegerField()
    message_id = CharField(max_length=64, null=True)
    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
    # Renewed while the stage runs; a running attempt whose heartbeat is older than the lease lost its worker.
    heartbeat_at = DateTimeField(null=True)
    # running, success, retry (failed, will run again), failure (failed for good), abandoned (its worker died)
    outcome = CharField(max_length=16, default="running", constraints=server_default("running"))
    error = TextField(null=True)
    # What the stage reported: the extractor that produced its result, LLM calls and tokens, notes.
    extractor = CharField(max_length=16, null=True)
    llm_calls = IntegerField(default=0, constraints=server_default(0))
    prompt_tokens = IntegerField(default=0, constraints=server_default(0))
    completion_tokens = IntegerField(default=0, constraints=server_default(0))
    notes = JSONField(default=list, constraints=server_default("[]"))

    class Meta:
        table_name = "stage_attempts"
        indexes = ((("document", "stage", "outcome"), False),)


class BasicInfoResult(BaseModel):
    document = ForeignKeyField(Document, backref="basic_info", on_delete="CASCADE", unique=True)
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
    meta = JSONField(default=dict)
    extractor = CharField(max_length=16, default="rules", constraints=server_default("rules"))

    class Meta:
        table_name = "basic_info_results"


class ValueTableRow(BaseModel):
    # Indexed with its policy year.
    document = ForeignKeyField(Document, backref="value_rows", on_delete="CASCADE", index=False)
    policy_year = IntegerField()
    age = IntegerField(null=True)
    total_premiums_paid = DoubleField(null=True)
    guaranteed_cash_value = DoubleField(null=True)
    non_guaranteed_value = DoubleField(null=True)
    total_surrender_value = DoubleField(null=True)
    death_benefit = DoubleField(null=True)
    meta = JSONField(default=dict)

    class Meta:
        table_name = "value_table_rows"
        indexes = ((("document", "policy_year"), True),)


class SummaryResult(BaseModel):
    document = ForeignKeyField(Document, backref="summary", on_delete="CASCADE", unique=True)
    proposal_date = DateField(null=True)
    valid_until = DateField(null=True)
    breakeven_year = IntegerField(null=True)
    key_points = JSONField(default=list)
    overview = TextField(null=True)
    meta = JSONField(default=dict)
    extractor = CharField(max_length=16, default="rules", constraints=server_default("rules"))

    class Meta:
        table_name = "summary_results"


class ValueTableResult(BaseModel):
    """The value table stage's own record: that it ran, with what, and its table-level notes (which table was read,
    what was skipped); the rows are ValueTableRow."""

    document = ForeignKeyField(Document, backref="value_table", on_delete="CASCADE", unique=True)
    issues = JSONField(default=list)
    extractor = CharField(max_length=16, default="rules", constraints=server_default("rules"))

    class Meta:
        table_name = "value_table_results"


class LLMCacheEntry(BaseModel):
    """A validated LLM reply, keyed by what produced it: the document's content, the stage, the model, the prompt
    version and the part asked (see illustra_extractor.llm.cache). It belongs to the documents with that content
    (``content_sha256``, as ``Document`` keeps it) and is deleted with them (migration 0008)."""

    key = CharField(max_length=64, primary_key=True)
    content_sha256 = CharField(max_length=64, index=True, default="", constraints=server_default(""))
    response = TextField()
    prompt_tokens = IntegerField(default=0, constraints=server_default(0))
    completion_tokens = IntegerField(default=0, constraints=server_default(0))
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "llm_cache"


class ApiToken(BaseModel):
    """A bearer token of one user. Only its SHA-256 is kept: the token itself is shown once, when issued."""

    user_id = BigIntegerField(index=True)
    token_sha256 = CharField(max_length=64, unique=True)
    label = CharField(max_length=100, null=True)
    created_at = DateTimeField(default=utcnow)
    revoked_at = DateTimeField(null=True)

    class Meta:
        table_name = "api_tokens"
