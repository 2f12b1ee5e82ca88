"""Reading and writing the stages' results. Every write replaces what an earlier run of the same stage wrote; the
writes run inside the transaction that completes the stage (``StageProgress.complete``), so a stage that runs twice
leaves one copy, and a stage's results and its completion are stored together or not at all."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from peewee import JOIN, Database

from illustra_shared.errors import DocumentNotFound
from illustra_shared.models import BasicInfoResult, Document, ValueTableResult, ValueTableRow, utcnow

from .extraction.types import BASIC_FIELDS, ROW_FIELDS, BasicInfo, Summary, ValueTable


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _upsert(table: str, columns: list[str], param: str) -> str:
    """Insert, or replace all but the key and the creation time of the row already there."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:] if c != "created_at")
    placeholders = ", ".join([param] * len(columns))
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
        f" ON CONFLICT (document_id) DO UPDATE SET {updates}"
    )


class _Statements:
    """The stage writes as plain SQL, built once (the same on PostgreSQL and SQLite but for the parameter mark):
    building them with peewee for every message cost more CPU than the extraction itself."""

    def __init__(self, param: str) -> None:
        self.param = param
        self.upsert_basic = _upsert(
            "basic_info_results", ["document_id", *BASIC_FIELDS, "meta", "extractor", "created_at"], param
        )
        self.delete_rows = f"DELETE FROM value_table_rows WHERE document_id = {param}"
        self.row_columns = ["document_id", *ROW_FIELDS, "meta"]
        self.upsert_table = _upsert(
            "value_table_results", ["document_id", "row_count", "issues", "extractor", "created_at"], param
        )
        self.upsert_summary = _upsert(
            "summary_results",
            [
                "document_id",
                "proposal_date",
                "valid_until",
                "breakeven_year",
                "key_points",
                "overview",
                "meta",
                "extractor",
                "created_at",
            ],
            param,
        )

    def insert_rows(self, count: int) -> str:
        row = "(" + ", ".join([self.param] * len(self.row_columns)) + ")"
        return (
            f"INSERT INTO value_table_rows ({', '.join(self.row_columns)}) VALUES {', '.join([row] * count)}"
        )


@dataclass(frozen=True)
class StageInputs:
    text: str
    basic: BasicInfo | None


class ResultStore:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.sql = _Statements(database.param)

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
        values = [data["values"].get(name) for name in BASIC_FIELDS]
        self.database.execute_sql(
            self.sql.upsert_basic, [document_id, *values, _json(data["meta"]), extractor, utcnow()]
        )

    def save_value_table(self, document_id: int, table: ValueTable, *, extractor: str) -> None:
        data = table.to_json()
        self.database.execute_sql(self.sql.delete_rows, [document_id])
        if data["rows"]:
            params: list[Any] = []
            for row in data["rows"]:
                params += [document_id, *(row["values"].get(name) for name in ROW_FIELDS), _json(row["meta"])]
            self.database.execute_sql(self.sql.insert_rows(len(data["rows"])), params)
        issues = _json(list(data.get("issues", [])))
        self.database.execute_sql(
            self.sql.upsert_table, [document_id, len(data["rows"]), issues, extractor, utcnow()]
        )

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
        self.database.execute_sql(
            self.sql.upsert_summary,
            [
                document_id,
                values.get("proposal_date"),
                values.get("valid_until"),
                values.get("breakeven_year"),
                _json(list(values.get("key_points") or [])),
                values.get("overview"),
                _json(data["meta"]),
                extractor,
                utcnow(),
            ],
        )
