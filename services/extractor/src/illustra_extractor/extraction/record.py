"""One document's extraction as a corpus line: the values, and the `extraction_meta` object (same shape as
`GET /api/ocr/documents/{id}/` returns it), so that anyone can score values and their confidence offline."""

from __future__ import annotations

from dataclasses import dataclass

from .types import BasicInfo, Summary, ValueTable


@dataclass(frozen=True, slots=True)
class Extracted:
    basic: BasicInfo
    table: ValueTable
    summary: Summary
    extractors: tuple[str, str, str]  # which extractor produced each stage, as the worker records it


def corpus_record(document_id: object, extracted: Extracted) -> dict:
    """One corpus result: the values, and `extraction_meta` shaped as `GET /api/ocr/documents/{id}/` gives it."""
    basic, table, summary = extracted.basic.to_json(), extracted.table.to_json(), extracted.summary.to_json()
    basic_by, table_by, summary_by = extracted.extractors
    return {
        "id": document_id,
        "basic_info": extracted.basic.values(),
        "value_table": extracted.table.values(),
        "summary": extracted.summary.values(),
        "extraction_meta": {
            "basic_info": {"extractor": basic_by, "fields": basic["meta"]},
            "value_table": {
                "extractor": table_by,
                "issues": table["issues"],
                "rows": [row["meta"] for row in table["rows"]],
            },
            "summary": {"extractor": summary_by, "fields": summary["meta"]},
        },
    }
