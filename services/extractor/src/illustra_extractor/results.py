"""Reading and writing the stages' results, as plain SQL built once (building queries with peewee for every message
cost more CPU than the extraction itself). Every write replaces what an earlier run of the same stage wrote; the
writes run in the transaction that completes the stage (``Lifecycle.complete_stage``), so a stage that runs twice
leaves one copy, and a stage's results are never stored without its completion. (A stage that the hard time limit
failed while it was stuck still stores its results if it ever ends; its document stays in error and a retry
replaces them.)"""

from __future__ import annotations

from typing import Any

import orjson
from peewee import Database

from illustra_shared.database import Statement, connection, prepared
from illustra_shared.errors import DocumentNotFound
from illustra_shared.models import BasicInfoResult

from .extraction.types import BASIC_FIELDS, ROW_FIELDS, SUMMARY_FIELDS, BasicInfo, Summary, ValueTable


def _json(value: Any) -> str:
    # orjson: the per-cell metadata of a value table is most of a stage's JSON, at a fifth of json's cost.
    return orjson.dumps(value).decode()


# No amount in a proposal comes near this; past it a number is an OCR or model accident (a 400-digit run reads as
# inf, which JSON cannot carry and the page cannot show): it is stored as unknown.
MAX_STORED_NUMBER = 1e15


def _storable(value: Any) -> Any:
    if isinstance(value, float) and not -MAX_STORED_NUMBER < value < MAX_STORED_NUMBER:  # also inf and nan
        return None
    return value


def _upsert(table: str, columns: list[str], param: str) -> str:
    """Insert, or replace all but the key of the row already there."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    placeholders = ", ".join([param] * len(columns))
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
        f" ON CONFLICT (document_id) DO UPDATE SET {updates}"
    )


class _Statements:
    """The stage reads and writes (the same on PostgreSQL and SQLite but for the parameter mark), prepared once
    per connection on PostgreSQL but for the insert of a table's rows, whose number varies."""

    def __init__(self, database: Database) -> None:
        param = self.param = database.param
        self.upsert_basic = prepared(
            database,
            "illustra_upsert_basic_info",
            _upsert("basic_info_results", ["document_id", *BASIC_FIELDS, "meta", "extractor"], param),
        )
        self.delete_rows = prepared(
            database, "illustra_delete_rows", f"DELETE FROM value_table_rows WHERE document_id = {param}"
        )
        self.row_columns = ["document_id", *ROW_FIELDS, "meta"]
        self.upsert_table = prepared(
            database,
            "illustra_upsert_value_table",
            _upsert("value_table_results", ["document_id", "issues", "extractor"], param),
        )
        summary_columns = ["document_id", *SUMMARY_FIELDS, "meta", "extractor"]
        self.upsert_summary = prepared(
            database, "illustra_upsert_summary", _upsert("summary_results", summary_columns, param)
        )
        self.select_text = prepared(
            database, "illustra_select_text", f"SELECT ocr_content FROM documents WHERE id = {param}"
        )
        basic_columns = ", ".join(f"b.{name}" for name in BASIC_FIELDS)
        self.select_text_and_basic = prepared(
            database,
            "illustra_select_text_and_basic_info",
            f"SELECT d.ocr_content, b.id, b.meta, {basic_columns} FROM documents d"
            f" LEFT JOIN basic_info_results b ON b.document_id = d.id WHERE d.id = {param}",
        )
        # The table's issues on every row, and one row of NULLs when it has no rows.
        self.select_table = prepared(
            database,
            "illustra_select_value_table",
            f"SELECT t.issues, r.{', r.'.join(ROW_FIELDS)}, r.meta FROM value_table_results t"
            f" LEFT JOIN value_table_rows r ON r.document_id = t.document_id"
            f" WHERE t.document_id = {param} ORDER BY r.policy_year",
        )

    def insert_rows(self, count: int) -> str:
        row = "(" + ", ".join([self.param] * len(self.row_columns)) + ")"
        return (
            f"INSERT INTO value_table_rows ({', '.join(self.row_columns)}) VALUES {', '.join([row] * count)}"
        )


class ResultStore:
    """Reads a stage's inputs, and gives the statements that store its results, which
    ``Lifecycle.complete_stage`` sends together with the stage's completion."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.sql = _Statements(database)
        # The drivers' own types but for SQLite's booleans (stored as 0/1): peewee's conversions, looked up once.
        self.basic_converters = [BasicInfoResult._meta.fields[name].python_value for name in BASIC_FIELDS]

    def _fetch(self, sql: str, document_id: int, missing: str = "does not exist") -> list[tuple]:
        """The rows ``sql`` reads for the document; DocumentNotFound, saying it ``missing``, when there are none."""
        # A connection only for the query: the stage that reads may then wait minutes on the model.
        with connection(self.database):
            rows = self.database.execute_sql(sql, [document_id]).fetchall()
        if not rows:
            raise DocumentNotFound(f"document {document_id} {missing}")
        return rows

    def text(self, document_id: int) -> str:
        return self._fetch(self.sql.select_text, document_id)[0][0]

    def text_and_basic_info(self, document_id: int) -> tuple[str, BasicInfo]:
        """The OCR text and the basic information, in one query."""
        text, basic_id, meta, *values = self._fetch(self.sql.select_text_and_basic, document_id)[0]
        if basic_id is None:
            raise DocumentNotFound(f"document {document_id} has no basic information yet")
        values = [convert(value) for convert, value in zip(self.basic_converters, values, strict=True)]
        return text, BasicInfo.from_json(
            {"values": dict(zip(BASIC_FIELDS, values, strict=True)), "meta": orjson.loads(meta)}
        )

    def basic_info_writes(self, document_id: int, basic: BasicInfo, *, extractor: str) -> list[Statement]:
        data = basic.to_json()
        values = [_storable(data["values"].get(name)) for name in BASIC_FIELDS]
        return [(self.sql.upsert_basic, [document_id, *values, _json(data["meta"]), extractor])]

    def value_table_writes(self, document_id: int, table: ValueTable, *, extractor: str) -> list[Statement]:
        data = table.to_json()
        writes: list[Statement] = [(self.sql.delete_rows, [document_id])]
        if data["rows"]:
            params: list[Any] = []
            for row in data["rows"]:
                values = (_storable(row["values"].get(name)) for name in ROW_FIELDS)
                params += [document_id, *values, _json(row["meta"])]
            writes.append((self.sql.insert_rows(len(data["rows"])), params))
        issues = _json(list(data.get("issues", [])))
        writes.append((self.sql.upsert_table, [document_id, issues, extractor]))
        return writes

    def load_value_table(self, document_id: int) -> ValueTable:
        rows = self._fetch(self.sql.select_table, document_id, "has no value table yet")
        (issues, *_), table_rows = rows[0], [row for row in rows if row[1] is not None]
        return ValueTable.from_json(
            {
                "rows": [
                    {"values": dict(zip(ROW_FIELDS, values, strict=True)), "meta": orjson.loads(meta)}
                    for _, *values, meta in table_rows
                ],
                "issues": orjson.loads(issues),
            }
        )

    def summary_writes(self, document_id: int, summary: Summary, *, extractor: str) -> list[Statement]:
        data = summary.to_json()
        values = {**data["values"], "key_points": _json(list(data["values"].get("key_points") or []))}
        return [
            (
                self.sql.upsert_summary,
                [document_id, *(values.get(name) for name in SUMMARY_FIELDS), _json(data["meta"]), extractor],
            )
        ]
