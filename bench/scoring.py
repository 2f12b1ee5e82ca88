"""Scoring of extraction results against a corpus answer, exactly as the corpus README defines it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from illustra_shared.schema import BASIC_FIELDS

CELL_FIELDS = (
    "age",
    "total_premiums_paid",
    "guaranteed_cash_value",
    "non_guaranteed_value",
    "total_surrender_value",
    "death_benefit",
)
SCORED_SUMMARY_FIELDS = ("proposal_date", "valid_until", "breakeven_year")


def _normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def same(expected: Any, got: Any) -> bool:
    """Strings after NFKC + case folding + white space collapse, numbers within 1, booleans and None
    exactly."""
    if expected is None or got is None or isinstance(expected, bool) or isinstance(got, bool):
        return expected is got or (isinstance(expected, bool) and isinstance(got, bool) and expected == got)
    if isinstance(expected, (int, float)):
        return isinstance(got, (int, float)) and abs(float(expected) - float(got)) <= 1
    if isinstance(expected, str):
        return isinstance(got, str) and _normalise(expected) == _normalise(got)
    return expected == got


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
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def fully_correct(self) -> bool:
        return (
            self.basic_right == self.basic_total
            and self.cells_right == self.cells_total
            and self.summary_right == self.summary_total
        )


def score_document(doc_id: str, expected: dict, got: dict) -> DocumentScore:
    score = DocumentScore()
    got_basic = got.get("basic_info") or {}
    for name in BASIC_FIELDS:
        want = expected["basic_info"].get(name)
        score.basic_total += 1
        if same(want, got_basic.get(name)):
            score.basic_right += 1
        else:
            score.mismatches.append(Mismatch(doc_id, f"basic.{name}", want, got_basic.get(name)))
    expected_rows = {row["policy_year"]: row for row in expected["value_table"]}
    got_rows: dict[Any, dict] = {}
    for row in got.get("value_table") or []:
        got_rows.setdefault(row.get("policy_year"), row)
    for year, want_row in expected_rows.items():
        score.rows_expected += 1
        got_row = got_rows.get(year)
        if got_row is not None:
            score.rows_found += 1
        for name in CELL_FIELDS:
            score.cells_total += 1
            value = got_row.get(name) if got_row is not None else None
            if got_row is not None and same(want_row.get(name), value):
                score.cells_right += 1
            else:
                score.mismatches.append(Mismatch(doc_id, f"row[{year}].{name}", want_row.get(name), value))
    extra_rows = len(got.get("value_table") or []) - sum(1 for year in got_rows if year in expected_rows)
    score.spurious_rows = extra_rows
    score.cells_total += 6 * extra_rows
    for year in got_rows:
        if year not in expected_rows:
            score.mismatches.append(Mismatch(doc_id, f"row[{year}]", None, "spurious row"))
    got_summary = got.get("summary") or {}
    for name in SCORED_SUMMARY_FIELDS:
        want = expected["summary"].get(name)
        score.summary_total += 1
        if same(want, got_summary.get(name)):
            score.summary_right += 1
        else:
            score.mismatches.append(Mismatch(doc_id, f"summary.{name}", want, got_summary.get(name)))
    return score


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
        }
