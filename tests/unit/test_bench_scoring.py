"""bench/scoring.py scores as the corpus' reference scorer does, and counts silent errors."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

# Loaded by path: putting bench/ on sys.path would shadow the standard library's http with bench/http.py.
_SPEC = importlib.util.spec_from_file_location(
    "bench_scoring", Path(__file__).resolve().parents[2] / "bench" / "scoring.py"
)
scoring = sys.modules["bench_scoring"] = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(scoring)
score_document = scoring.score_document

EXPECTED = {
    "basic_info": {
        "insured_name": None,
        "gender": "M",
        "issue_age": 30,
        "smoker": None,
        "insurer": "示例人寿保险股份有限公司",
        "product_name": "示例终身寿险（分红型）",
        "currency": "CNY",
        "sum_assured": 500000,
        "annual_premium": 20000,
        "premium_term_years": 10,
        "payment_mode": "annual",
        "coverage_to_age": None,
    },
    "value_table": [
        {
            "policy_year": year,
            "age": 30 + year,
            "total_premiums_paid": 20000 * year,
            "guaranteed_cash_value": 1000 * year,
            "non_guaranteed_value": None,
            "total_surrender_value": None,
            "death_benefit": None,
        }
        for year in (1, 2)
    ],
    "summary": {"proposal_date": None, "valid_until": None, "breakeven_year": None},
}


def _confident(values: dict) -> dict:
    return {name: {"confidence": 0.95, "span": None, "issues": []} for name in values}


def _result(rows: list[dict], basic: dict | None = None) -> dict:
    basic = {**EXPECTED["basic_info"], **(basic or {})}
    summary = dict(EXPECTED["summary"])
    return {
        "basic_info": basic,
        "value_table": rows,
        "summary": summary,
        "extraction_meta": {
            "basic_info": {"extractor": "rules", "fields": _confident(basic)},
            "value_table": {"extractor": "rules", "issues": [], "rows": [_confident(row) for row in rows]},
            "summary": {"extractor": "rules", "fields": _confident(summary)},
        },
    }


def test_layout_spaces_and_absent_death_benefit_are_scored_as_the_reference_scorer_does() -> None:
    rows = [dict(row) for row in EXPECTED["value_table"]]
    score = score_document("d", EXPECTED, _result(rows, {"product_name": "示例终身寿险 (分红型)"}))
    assert score.fully_correct
    # no death-benefit column expected and none returned: those cells are not counted
    assert score.cells_total == 2 * 5
    assert score.silent_errors == 0


def test_a_total_the_table_does_not_print_may_be_guaranteed_plus_non_guaranteed() -> None:
    expected = {
        **EXPECTED,
        "value_table": [{**row, "non_guaranteed_value": 500.0} for row in EXPECTED["value_table"]],
    }
    rows = [
        {**row, "total_surrender_value": row["guaranteed_cash_value"] + 500}
        for row in expected["value_table"]
    ]
    assert score_document("d", expected, _result(rows)).cells_right == 2 * 5


def test_repeated_and_spurious_years_and_confident_wrong_values_are_silent_errors() -> None:
    rows = [dict(row) for row in EXPECTED["value_table"]]
    repeated = {**rows[1], "age": 99}
    spurious = {**rows[1], "policy_year": 0}
    score = score_document("d", EXPECTED, _result([*rows, repeated, spurious], {"issue_age": 28}))
    assert score.spurious_rows == 1  # a repeated year is ignored, as score.py ignores it
    assert score.cells_total == 2 * 5 + 6
    # issue_age and the three values of the repeated row and of the spurious row, all returned at 0.95
    assert score.silent_errors == 1 + 3 + 3
    assert score.values_returned == 9 + 2 * 3 + 3 + 3
