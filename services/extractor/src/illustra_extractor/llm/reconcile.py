"""Rules and model results merged field by field, each value weighed by its evidence. Agreement raises the
confidence. On disagreement the value with the stronger evidence wins, loses a little confidence for the doubt,
and the other reading is kept in its issues. A rules value's evidence is its confidence, but no more than the
place it was read from supports: a value that is not where its field belongs (an age from an eligibility range,
a name that is a sentence) is weak, and a table cell is no better placed than the model's reading of the same
printed row. The model's "no such value" clears a rules value with weak evidence; its "no such row" removes a
rules row. A rejected model value leaves the rules value in place and says why on it."""

from __future__ import annotations

from typing import Any

from ..extraction.normalize import fold
from ..extraction.types import MISSING, ROW_FIELDS, Field, ValueTable

AGREED = 0.97
DISAGREEMENT_PENALTY = 0.1
CONFIDENT = 0.8  # what hybrid trusts without asking
DOUBTFUL = 0.7  # below it a rules value failed a check or is off its place: "no such value" clears it
WEAK = 0.6  # the most a rules value that is not at its field's place weighs
CELL = 0.75  # the most a rules cell weighs against the model's reading of the same printed row


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


def reconcile_field(
    where: str,
    rules: Field,
    model: Field | None,
    rejected: str | None,
    notes: list[str],
    *,
    weak: bool = False,
    cap: float = 1.0,
    model_null: bool = False,
) -> Field:
    """`weak`: the rules value is not at its field's place; `cap`: the most it weighs against a model value
    read at the same place; `model_null`: the model answered that the document gives no such value, which
    clears a rules value only when that failed a check or is weak."""
    if rejected is not None:
        notes.append(f"{where}: model value rejected: {rejected}")
        rules = rules.doubted(1.0, f"model value rejected: {rejected}")
    own = min(rules.confidence, WEAK) if weak else rules.confidence
    evidence = min(own, cap)
    if model is None:
        if model_null and rules.value is not None and own < DOUBTFUL:
            notes.append(f"{where}: the model found no such value; cleared the rules' {rules.value!r}")
            return Field(
                None, CONFIDENT, None, (*rules.issues, f"rules read {rules.value!r}; the model: none")
            )
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
    if model.confidence > evidence:
        notes.append(f"{where}: kept the model's {model.value!r} over the rules' {rules.value!r}")
        winner, issue = model, f"rules read {rules.value!r}"
    else:
        notes.append(f"{where}: kept the rules' {rules.value!r} over the model's {model.value!r}")
        winner, issue = rules, f"model read {model.value!r}"
    return winner.doubted(max(0.0, min(winner.confidence, 1.0) - DISAGREEMENT_PENALTY), issue)


def reconcile_fields(
    stage: str,
    names: tuple[str, ...],
    rules: dict[str, Field],
    model: dict[str, Field],
    rejected: dict[str, str],
    notes: list[str],
    *,
    weak: frozenset[str] | set[str] = frozenset(),
    nulls: frozenset[str] | set[str] = frozenset(),
    cap: float = 1.0,
) -> dict[str, Field]:
    """`weak`: fields whose rules value is not at its place; `nulls`: fields the model says the document does
    not give; `cap`: the most any rules value weighs."""
    return {
        name: reconcile_field(
            f"{stage}.{name}",
            rules.get(name, MISSING),
            model.get(name),
            rejected.get(name),
            notes,
            weak=name in weak,
            cap=cap,
            model_null=name in nulls,
        )
        for name in names
    }


def reconcile_table(
    rules: ValueTable,
    model_rows: dict[int, dict[str, Field]],
    rejected: dict[int, dict[str, str]],
    notes: list[str],
    nulls: dict[int, set[str]],
    no_such_rows: set[int],
) -> ValueTable:
    """`model_rows` are grounded in the printed row of their year, `rejected` the cells of theirs that are not;
    `nulls`: the cells the model says a row does not have; `no_such_rows`: years of rules rows the model,
    having answered the whole table (or these years), does not have."""
    rows: list[dict[str, Field]] = []
    for row in rules.rows:
        year = row["policy_year"].value
        if year in no_such_rows:
            notes.append(f"table[{year}]: rules row removed: the model found no such row")
            continue
        if year not in model_rows:
            rows.append(row)
            continue
        rows.append(
            reconcile_fields(
                f"table[{year}]",
                ROW_FIELDS,
                row,
                model_rows[year],
                rejected[year],
                notes,
                nulls=nulls[year],
                cap=CELL,
            )
        )
    known = {row["policy_year"].value for row in rows}
    for year, row in sorted(model_rows.items()):
        if year in known:
            continue
        # A row the rules did not read; its year was found leading a printed row.
        rows.append({name: row.get(name, MISSING) for name in ROW_FIELDS})
        notes.append(f"table[{year}]: row added from the model (the rules did not read it)")
    rows.sort(key=lambda row: row["policy_year"].value or 0)
    return ValueTable(rows, rules.issues)
