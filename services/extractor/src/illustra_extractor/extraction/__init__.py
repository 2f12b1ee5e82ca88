"""Offline, deterministic extraction of proposal data from OCR text (no LLM)."""

from __future__ import annotations

from .basic import basic_info_from, extract_basic_info
from .labels import find_pairs
from .normalize import fold
from .summary import extract_summary, summary_from
from .table import extract_value_table, value_table_from
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
    """The three stages in order; same results as calling them one by one, folding the text only once."""
    folded = fold(text)
    pairs = find_pairs(folded)
    basic = basic_info_from(text, folded, pairs)
    table = value_table_from(folded, basic)
    return basic, table, summary_from(text, folded, pairs, basic, table)
