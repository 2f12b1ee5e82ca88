"""The status service's queries: read only, few and indexed, because every open page polls them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from peewee import ColumnBase, Database, fn
from pydantic import BaseModel

from illustra_shared.contract import (
    BasicInfoData,
    DocumentSummary,
    StageAttemptData,
    StatusData,
    SummaryData,
    ValueRowData,
)
from illustra_shared.database import prepared
from illustra_shared.errors import DocumentNotFound
from illustra_shared.models import (
    BasicInfoResult,
    Document,
    StageAttempt,
    SummaryResult,
    ValueTableResult,
    ValueTableRow,
    owned_document,
)


def _timestamp(value: datetime | str | None) -> str | None:
    if isinstance(value, str):  # SQLite hands plain SQL's timestamps back as text
        value = datetime.fromisoformat(value)
    return None if value is None else value.isoformat(timespec="milliseconds") + "Z"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _fields(record: Any, model: type[BaseModel]) -> dict[str, Any]:
    """The record's values for the contract model's fields, as JSON has them."""
    return {name: _plain(getattr(record, name)) for name in model.model_fields}


_SUMMARY_COLUMNS = tuple(getattr(Document, name) for name in DocumentSummary.model_fields)


class DocumentReader:
    def __init__(self, database: Database) -> None:
        self.database = database
        p = database.param
        status_sql = f"SELECT {', '.join(StatusData.model_fields)} FROM documents WHERE id = {p}"
        self.status_sql = prepared(database, "illustra_status", status_sql)
        self.owned_status_sql = prepared(database, "illustra_owned_status", f"{status_sql} AND user_id = {p}")

    def status(self, document_id: int, *, owner: int | None = None) -> dict[str, Any]:
        # The route every open page polls: plain SQL built once and prepared, one indexed row.
        if owner is None:
            row = self.database.execute_sql(self.status_sql, [document_id]).fetchone()
        else:
            row = self.database.execute_sql(self.owned_status_sql, [document_id, owner]).fetchone()
        if row is None:
            raise DocumentNotFound(f"document {document_id} does not exist")
        data = dict(zip(StatusData.model_fields, row, strict=True))
        data["last_processed_at"] = _timestamp(data["last_processed_at"])
        return data

    def document(
        self, document_id: int, *, owner: int | None = None, include_text: bool = False
    ) -> dict[str, Any]:
        # The text's length is counted by the database: the text itself is read only when asked for.
        columns: list[ColumnBase] = [
            *_SUMMARY_COLUMNS,
            fn.LENGTH(Document.ocr_content).coerce(False).alias("content_length"),
        ]
        if include_text:
            columns.append(Document.ocr_content)
        document = owned_document(Document.select(*columns), document_id, owner).first()
        if document is None:
            raise DocumentNotFound(f"document {document_id} does not exist")
        data = _fields(document, DocumentSummary)
        data["content_length"] = document.content_length
        if include_text:
            data["ocr_content"] = document.ocr_content

        basic = BasicInfoResult.get_or_none(BasicInfoResult.document == document_id)
        table = ValueTableResult.get_or_none(ValueTableResult.document == document_id)
        rows = (
            list(
                ValueTableRow.select()
                .where(ValueTableRow.document == document_id)
                .order_by(ValueTableRow.policy_year)
            )
            if table is not None
            else []
        )
        summary = SummaryResult.get_or_none(SummaryResult.document == document_id)

        data["basic_info"] = None if basic is None else _fields(basic, BasicInfoData)
        data["value_table"] = None if table is None else [_fields(row, ValueRowData) for row in rows]
        data["summary"] = None if summary is None else _fields(summary, SummaryData)
        data["extraction_meta"] = {
            "basic_info": None if basic is None else {"extractor": basic.extractor, "fields": basic.meta},
            "value_table": None
            if table is None
            else {"extractor": table.extractor, "issues": table.issues, "rows": [r.meta for r in rows]},
            "summary": None if summary is None else {"extractor": summary.extractor, "fields": summary.meta},
        }
        data["stage_attempts"] = [
            _fields(attempt, StageAttemptData)
            for attempt in StageAttempt.select()
            .where(StageAttempt.document == document_id)
            .order_by(StageAttempt.started_at, StageAttempt.id)
        ]
        return data

    def list_for_user(self, user_id: int, page: int, page_size: int) -> tuple[list[dict[str, Any]], int]:
        """A page of the user's documents, newest first, and how many they have."""
        query = Document.select(*_SUMMARY_COLUMNS).where(Document.user_id == user_id)
        total = query.count()
        documents = query.order_by(Document.id.desc()).paginate(page, page_size)
        return [_fields(d, DocumentSummary) for d in documents], total
