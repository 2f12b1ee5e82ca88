"""Scoring of extraction results against a corpus answer, exactly as the corpus README and its reference scorer
(`score.py` beside the corpus) define it, plus the silent error rate: wrong values returned with a confidence
that hybrid mode trusts, over all values returned.

A result is one line as `illustra extract --corpus` writes it: `basic_info`, `value_table`, `summary` and
`extraction_meta` (the same object `GET /api/ocr/documents/{id}/` returns).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from illustra_shared.contract import BASIC_FIELDS, ROW_FIELDS

CELL_FIELDS = ROW_FIELDS[1:]  # a row is found by its policy year; its other cells are scored
SCORED_SUMMARY_FIELDS = ("proposal_date", "valid_until", "breakeven_year")
TRUSTED_CONFIDENCE = 0.8  # what hybrid mode takes without asking the model

# A space beside a CJK character or a bracket is layout, not content: 终身寿险 (分红型) == 终身寿险（分红型）.
_LAYOUT_SPACE_RE = re.compile(
    r" (?=[^\x00-\x7f()\[\]])|(?<=[^\x00-\x7f()\[\]]) | (?=[()\[\]])|(?<=[()\[\]]) "
)


def _normalise(value: Any) -> Any:
    if isinstance(value, str):
        text = " ".join(unicodedata.normalize("NFKC", value).casefold().split())
        return _LAYOUT_SPACE_RE.sub("", text)
    return value


def returned(value: Any) -> bool:
    """Whether the extractor gave a value at all (an empty one is no answer)."""
    return value not in (None, "", [])


def same(expected: Any, got: Any) -> bool:
    """Null matches no answer; booleans exactly (or yes/no words); numbers within 1 (or a millionth); strings
    after NFKC, case folding and dropping layout white space."""
    if expected is None:
        return not returned(got)
    if isinstance(expected, bool) or isinstance(got, bool):
        words = ("true", "yes", "y") if expected else ("false", "no", "n")
        return expected is got or (isinstance(got, str) and _normalise(got) in words)
    if isinstance(expected, (int, float)):
        try:
            number = float(str(got).replace(",", "")) if got is not None else None
        except ValueError:
            return False
        return number is not None and abs(number - expected) <= max(1.0, abs(expected) * 1e-6)
    return _normalise(expected) == _normalise(got)


@dataclass
class Mismatch:
    doc_id: str
    field: str
    expected: Any
    got: Any


@dataclass
class DocumentScore:
    basic_right: int = 0
    basic_total: int = 0
    cells_right: int = 0
    cells_total: int = 0
    rows_found: int = 0
    rows_expected: int = 0
    spurious_rows: int = 0
    summary_right: int = 0
    summary_total: int = 0
    values_returned: int = 0
    silent_errors: int = 0  # wrong values returned with confidence >= TRUSTED_CONFIDENCE
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def fully_correct(self) -> bool:
        return (
            self.basic_right == self.basic_total
            and self.cells_right == self.cells_total
            and self.summary_right == self.summary_total
        )

    def count_returned(self, value: Any, right: bool, meta: dict | None) -> None:
        if not returned(value):
            return
        self.values_returned += 1
        if not right and (meta or {}).get("confidence", 0.0) >= TRUSTED_CONFIDENCE:
            self.silent_errors += 1


def _policy_year(row: dict) -> int | None:
    try:
        return int(row.get("policy_year"))
    except (TypeError, ValueError):
        return None


def _meta(got: dict, stage: str) -> dict:
    return (got.get("extraction_meta") or {}).get(stage) or {}


def score_document(doc_id: str, expected: dict, got: dict) -> DocumentScore:
    score = DocumentScore()
    score.basic_total = len(BASIC_FIELDS)
    score.basic_right = _score_fields(doc_id, expected, got, "basic_info", BASIC_FIELDS, score)
    _score_table(doc_id, expected, got, score)
    score.summary_total = len(SCORED_SUMMARY_FIELDS)
    score.summary_right = _score_fields(doc_id, expected, got, "summary", SCORED_SUMMARY_FIELDS, score)
    return score


def _score_fields(
    doc_id: str, expected: dict, got: dict, stage: str, names: tuple[str, ...], score: DocumentScore
) -> int:
    """How many of a stage's fields are right; counts what was returned and records mismatches."""
    values, meta = got.get(stage) or {}, _meta(got, stage).get("fields") or {}
    right_count = 0
    for name in names:
        want, value = expected[stage].get(name), values.get(name)
        right = same(want, value)
        right_count += right
        score.count_returned(value, right, meta.get(name))
        if not right:
            prefix = "basic" if stage == "basic_info" else stage
            score.mismatches.append(Mismatch(doc_id, f"{prefix}.{name}", want, value))
    return right_count


def _score_table(doc_id: str, expected: dict, got: dict, score: DocumentScore) -> None:
    got_table = got.get("value_table") or []
    rows_meta = _meta(got, "value_table").get("rows") or []
    expected_rows = {row["policy_year"]: row for row in expected["value_table"]}
    # The first row returned for a year is scored; a repeated year or one that is no number is not a row of
    # the table, so its values count as wrong ones returned.
    got_rows: dict[int, dict] = {}
    got_rows_meta: dict[int, dict] = {}
    for index, row in enumerate(got_table):
        year = _policy_year(row)
        cells_meta = rows_meta[index] if index < len(rows_meta) else {}
        if year is None or year in got_rows:
            for name in CELL_FIELDS:
                score.count_returned(row.get(name), False, cells_meta.get(name))
            continue
        got_rows[year], got_rows_meta[year] = row, cells_meta
    for year, want_row in expected_rows.items():
        score.rows_expected += 1
        got_row = got_rows.get(year, {})
        score.rows_found += year in got_rows
        for name in CELL_FIELDS:
            want, value = want_row[name], got_row.get(name)
            if want is None and name == "death_benefit" and value in (None, ""):
                continue
            right = same(want, value)
            if not right and name == "total_surrender_value" and want is None:
                parts = want_row["guaranteed_cash_value"], want_row["non_guaranteed_value"]
                # a total the table does not print may be given as guaranteed + non-guaranteed
                right = None not in parts and same(parts[0] + parts[1], value)
            score.cells_total += 1
            score.cells_right += right
            score.count_returned(value, right, got_rows_meta.get(year, {}).get(name))
            if not right:
                score.mismatches.append(Mismatch(doc_id, f"row[{year}].{name}", want, value))
    for year, row in got_rows.items():
        if year not in expected_rows:
            score.spurious_rows += 1
            score.cells_total += len(CELL_FIELDS)
            score.mismatches.append(Mismatch(doc_id, f"row[{year}]", None, "spurious row"))
            for name in CELL_FIELDS:
                score.count_returned(row.get(name), False, got_rows_meta[year].get(name))


@dataclass
class Totals:
    documents: int = 0
    fully_correct: int = 0
    parts: DocumentScore = field(default_factory=DocumentScore)

    def add(self, score: DocumentScore) -> None:
        self.documents += 1
        self.fully_correct += score.fully_correct
        for name in (
            "basic_right",
            "basic_total",
            "cells_right",
            "cells_total",
            "rows_found",
            "rows_expected",
            "spurious_rows",
            "summary_right",
            "summary_total",
            "values_returned",
            "silent_errors",
        ):
            setattr(self.parts, name, getattr(self.parts, name) + getattr(score, name))

    def figures(self) -> dict[str, float]:
        parts = self.parts

        def ratio(right: int, total: int) -> float:
            return right / total if total else 0.0

        return {
            "basic": ratio(parts.basic_right, parts.basic_total),
            "cells": ratio(parts.cells_right, parts.cells_total),
            "row_recall": ratio(parts.rows_found, parts.rows_expected),
            "spurious_rows": float(parts.spurious_rows),
            "summary": ratio(parts.summary_right, parts.summary_total),
            "fully_correct": ratio(self.fully_correct, self.documents),
            "silent_error_rate": ratio(parts.silent_errors, parts.values_returned),
        }
