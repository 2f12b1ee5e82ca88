"""Reading and writing the stages' results. Every write replaces what an earlier run of the same stage wrote, in
one transaction, so a stage that runs twice leaves one copy."""

from __future__ import annotations

from datetime import date
from typing import Any

from peewee import Database

from illustra_shared.errors import DocumentNotFound
from illustra_shared.models import BasicInfoResult, Document, SummaryResult, ValueTableResult, ValueTableRow

from .extraction.types import BASIC_FIELDS, ROW_FIELDS, BasicInfo, Summary, ValueTable


def _date_or_none(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


class ResultStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def ocr_content(self, document_id: int) -> str:
        row = Document.select(Document.ocr_content).where(Document.id == document_id).tuples().first()
        if row is None:
            raise DocumentNotFound(f"document {document_id} does not exist")
        return row[0]

    def save_basic_info(self, document_id: int, basic: BasicInfo, *, extractor: str) -> None:
        data = basic.to_json()
        columns: dict[str, Any] = {name: data["values"].get(name) for name in BASIC_FIELDS}
        columns.update(meta=data["meta"], extractor=extractor)
        BasicInfoResult.insert(document=document_id, **columns).on_conflict(
            conflict_target=[BasicInfoResult.document],
            update={getattr(BasicInfoResult, name): value for name, value in columns.items()},
        ).execute()

    def load_basic_info(self, document_id: int) -> BasicInfo:
        row = BasicInfoResult.get_or_none(BasicInfoResult.document == document_id)
        if row is None:
            raise DocumentNotFound(f"document {document_id} has no basic information yet")
        return BasicInfo.from_json(
            {"values": {name: getattr(row, name) for name in BASIC_FIELDS}, "meta": row.meta}
        )

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
        with self.database.atomic():
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
