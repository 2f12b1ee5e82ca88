"""Rules and model results merged field by field. Agreement raises the confidence; on disagreement the grounded
value with the higher confidence wins, loses a little confidence for the doubt, and the other reading is kept in
its issues. A rejected model value leaves the rules value in place and says why on it."""

from __future__ import annotations

from typing import Any

from ..extraction.normalize import fold
from ..extraction.types import MISSING, ROW_FIELDS, Field, ValueTable

AGREED = 0.97
DISAGREEMENT_PENALTY = 0.1


def same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= 0.5
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(fold(a).split()) == " ".join(fold(b).split())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _with_issue(found: Field, issue: str, confidence: float | None = None) -> Field:
    return Field(
        found.value,
        found.confidence if confidence is None else confidence,
        found.span,
        (*found.issues, issue),
    )


def reconcile_field(
    where: str, rules: Field, model: Field | None, rejected: str | None, notes: list[str]
) -> Field:
    if rejected is not None:
        notes.append(f"{where}: model value rejected: {rejected}")
        rules = _with_issue(rules, f"model value rejected: {rejected}")
    if model is None:
        return rules
    if rules.value is None:
        return model
    if same(rules.value, model.value):
        return Field(
            rules.value,
            max(AGREED, rules.confidence),
            rules.span or model.span,
            (*rules.issues, "confirmed by the model"),
        )
    if model.confidence > rules.confidence:
        notes.append(f"{where}: kept the model's {model.value!r} over the rules' {rules.value!r}")
        winner, issue = model, f"rules read {rules.value!r}"
    else:
        notes.append(f"{where}: kept the rules' {rules.value!r} over the model's {model.value!r}")
        winner, issue = rules, f"model read {model.value!r}"
    return _with_issue(winner, issue, max(0.0, winner.confidence - DISAGREEMENT_PENALTY))


def reconcile_fields(
    stage: str,
    names: tuple[str, ...],
    rules: dict[str, Field],
    model: dict[str, Field],
    rejected: dict[str, str],
    notes: list[str],
) -> dict[str, Field]:
    return {
        name: reconcile_field(
            f"{stage}.{name}", rules.get(name, MISSING), model.get(name), rejected.get(name), notes
        )
        for name in names
    }


def _year(row: dict[str, Field]) -> int | None:
    return row.get("policy_year", MISSING).value


def reconcile_table(
    rules: ValueTable,
    model_rows: dict[int, dict[str, Field]],
    rejected: dict[int, dict[str, str]],
    notes: list[str],
) -> ValueTable:
    rows: list[dict[str, Field]] = []
    for row in rules.rows:
        year = _year(row)
        if year is None or (year not in model_rows and year not in rejected):
            rows.append(row)
            continue
        rows.append(
            reconcile_fields(
                f"table[{year}]", ROW_FIELDS, row, model_rows.get(year, {}), rejected.get(year, {}), notes
            )
        )
    known = {_year(row) for row in rows}
    for year, row in sorted(model_rows.items()):
        if year in known:
            continue
        # A row the rules did not read: taken only when most of it is printed (a row of another table, say a
        # scenario the rules set aside, is printed too; that is why the bar is not lower).
        printed = sum(1 for found in row.values() if found.span is not None)
        if printed >= 3 and ("total_surrender_value" in row or "guaranteed_cash_value" in row):
            rows.append({name: row.get(name, MISSING) for name in ROW_FIELDS})
            notes.append(f"table[{year}]: row added from the model (the rules did not read it)")
        else:
            notes.append(f"table[{year}]: model row not taken ({printed} printed cells)")
    rows.sort(key=lambda row: _year(row) or 0)
    return ValueTable(rows, rules.issues)
