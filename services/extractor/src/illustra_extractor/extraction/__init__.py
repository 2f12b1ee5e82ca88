"""Offline, deterministic extraction of proposal data from OCR text (no LLM)."""

from __future__ import annotations

from .basic import extract_basic_info
from .summary import extract_summary
from .table import extract_value_table
from .types import BASIC_FIELDS, ROW_FIELDS, SUMMARY_FIELDS, BasicInfo, Field, Summary, ValueTable

__all__ = [
    "BASIC_FIELDS",
    "ROW_FIELDS",
    "SUMMARY_FIELDS",
    "BasicInfo",
    "Field",
    "Summary",
    "ValueTable",
    "extract_basic_info",
    "extract_document",
    "extract_summary",
    "extract_value_table",
]


def extract_document(text: str) -> tuple[BasicInfo, ValueTable, Summary]:
    """The three stages in order; they fold the text and cut it into label pairs once (both are remembered)."""
    basic = extract_basic_info(text)
    table = extract_value_table(text, basic)
    return basic, table, extract_summary(text, basic, table)
