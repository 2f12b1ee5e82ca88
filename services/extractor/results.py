"""Reading and writing the stages' results. Every write replaces what an earlier run of the same stage wrote; the
writes run inside the transaction that completes the stage (``StageProgress.complete``), so a stage that runs twice
leaves one copy, and a stage's results and its completion are stored together or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from peewee import JOIN, Database

from illustra_shared.errors import DocumentNotFound
from illustra_shared.models import BasicInfoResult, Document, SummaryResult, ValueTableResult, ValueTableRow

from .extraction.types import BASIC_FIELDS, ROW_FIELDS, BasicInfo, Summary, ValueTable


def _date_or_none(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


@dataclass(frozen=True)
class StageInputs:
    text: str
    basic: BasicInfo | None


class ResultStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def inputs(self, document_id: int, *, with_basic_info: bool) -> StageInputs:
        """The OCR text, and the basic information when asked, in one query."""
        if not with_basic_info:
            row = Document.select(Document.ocr_content).where(Document.id == document_id).tuples().first()
            if row is None:
                raise DocumentNotFound(f"document {document_id} does not exist")
            return StageInputs(row[0], None)
        columns = [getattr(BasicInfoResult, name) for name in BASIC_FIELDS]
        row = (
            Document.select(Document.ocr_content, BasicInfoResult.id, BasicInfoResult.meta, *columns)
            .join(BasicInfoResult, JOIN.LEFT_OUTER, on=BasicInfoResult.document == Document.id)
            .where(Document.id == document_id)
            .tuples()
            .first()
        )
        if row is None:
            raise DocumentNotFound(f"document {document_id} does not exist")
        text, basic_id, meta, *values = row
        if basic_id is None:
            raise DocumentNotFound(f"document {document_id} has no basic information yet")
        return StageInputs(
            text, BasicInfo.from_json({"values": dict(zip(BASIC_FIELDS, values, strict=True)), "meta": meta})
        )

    def save_basic_info(self, document_id: int, basic: BasicInfo, *, extractor: str) -> None:
        data = basic.to_json()
        columns: dict[str, Any] = {name: data["values"].get(name) for name in BASIC_FIELDS}
        columns.update(meta=data["meta"], extractor=extractor)
        BasicInfoResult.insert(document=document_id, **columns).on_conflict(
            conflict_target=[BasicInfoResult.document],
            update={getattr(BasicInfoResult, name): value for name, value in columns.items()},
        ).execute()

    def save_value_table(self, document_id: int, table: ValueTable, *, extractor: str) -> None:
        data = table.to_json()
        rows = [
            {
                "document": document_id,
                **{name: row["values"].get(name) for name in ROW_FIELDS},
                "meta": row["meta"],
            }
            for row in data["rows"]
        ]
        ValueTableRow.delete().where(ValueTableRow.document == document_id).execute()
        if rows:
            ValueTableRow.insert_many(rows).execute()
        columns = {
            "row_count": len(rows),
            "issues": list(data.get("issues", [])),
            "extractor": extractor,
        }
        ValueTableResult.insert(document=document_id, **columns).on_conflict(
            conflict_target=[ValueTableResult.document],
            update={getattr(ValueTableResult, name): value for name, value in columns.items()},
        ).execute()

    def load_value_table(self, document_id: int) -> ValueTable:
        result = ValueTableResult.get_or_none(ValueTableResult.document == document_id)
        if result is None:
            raise DocumentNotFound(f"document {document_id} has no value table yet")
        rows = (
            ValueTableRow.select()
            .where(ValueTableRow.document == document_id)
            .order_by(ValueTableRow.policy_year)
        )
        return ValueTable.from_json(
            {
                "rows": [
                    {"values": {name: getattr(r, name) for name in ROW_FIELDS}, "meta": r.meta} for r in rows
                ],
                "issues": result.issues,
            }
        )

    def save_summary(self, document_id: int, summary: Summary, *, extractor: str) -> None:
        data = summary.to_json()
        values = data["values"]
        columns = {
            "proposal_date": _date_or_none(values.get("proposal_date")),
            "valid_until": _date_or_none(values.get("valid_until")),
            "breakeven_year": values.get("breakeven_year"),
            "key_points": list(values.get("key_points") or []),
            "overview": values.get("overview"),
            "meta": data["meta"],
            "extractor": extractor,
        }
        SummaryResult.insert(document=document_id, **columns).on_conflict(
            conflict_target=[SummaryResult.document],
            update={getattr(SummaryResult, name): value for name, value in columns.items()},
        ).execute()
