"""Every number and name the model returns must be found in the OCR text, or follow from the table's own
arithmetic; what is neither is rejected. Matching is on the folded text (full-width forms, separators,
Traditional/Simplified and case folded, digits read for letters repaired), so offsets are spans of the original.

Lines that read like instructions to a model ("ignore previous instructions …") are left out of the text that
grounds values: a number an injected line asks for is then not in the text as far as grounding goes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..extraction.dates import find_date, find_validity_days
from ..extraction.normalize import fold
from ..extraction.numbers import find_amounts
from ..extraction.types import BasicInfo, Field, ValueTable

LITERAL = 0.85  # printed in the text
DERIVED = 0.8  # follows from the table's arithmetic
VOCABULARY = 0.75  # a closed value (gender, currency…) whose word is printed
GENERATED = 0.7  # written by the model from grounded facts (the overview)
FROM_MODEL = "read by the model"

_INSTRUCTION_RE = re.compile(
    r"ignore\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier|preceding)|disregard\s+(?:all|any|the|previous)|"
    r"system\s+prompt|you\s+are\s+now|new\s+instructions?|(?:respond|reply|answer|output)\s+(?:only\s+)?with|"
    r"忽略|无视|忽视|不要理会|之前的指示|以上指示|新的指示|系统提示"
)
_ZERO_RE = re.compile(r"(?<![\w.,])(?:[-~_]{1,3}|0(?:\.0+)?)(?![\w.,])")
_WAN_RE = re.compile(r"\s*万")
_VOCABULARY: dict[str, dict[Any, re.Pattern[str]]] = {
    "gender": {
        "M": re.compile(r"男|(?<![a-z])male|先生|(?<![a-z])mr(?![a-z])"),
        "F": re.compile(r"女|female|(?<![a-z])(?:ms|mrs|miss)(?![a-z])"),
    },
    "smoker": {
        True: re.compile(r"(?<![非不])吸烟(?:者|人士)|(?<!non-)(?<!non )(?<!non)smoker(?!\s*status)"),
        False: re.compile(r"[非不]吸烟|non[- ]?smok"),
    },
    "currency": {
        "USD": re.compile(r"usd|us\$|美元|美金"),
        "HKD": re.compile(r"hkd|hk\$|港元|港币"),
        "CNY": re.compile(r"cny|rmb|人民币|(?<![美港])元"),
    },
    "payment_mode": {
        "annual": re.compile(r"每年|年缴|年交|annual|yearly|per\s+annum"),
        "monthly": re.compile(r"每月|月缴|月交|monthly"),
        "single": re.compile(r"趸|一次过|一次性|single"),
    },
}
_TEXT_FIELDS = ("insured_name", "insurer", "product_name")
_NUMBER_FIELDS = ("issue_age", "sum_assured", "annual_premium", "premium_term_years", "coverage_to_age")


class Grounder:
    """Looks values up in one document's text."""

    def __init__(self, text: str) -> None:
        folded = fold(text)
        lines = folded.split("\n")
        self.instruction_lines = sum(1 for line in lines if _INSTRUCTION_RE.search(line))
        self.clean = "\n".join(" " * len(line) if _INSTRUCTION_RE.search(line) else line for line in lines)
        self._numbers: list[tuple[float, int, int]] = []
        for amount in find_amounts(self.clean):
            self._numbers.append((amount.value, amount.start, amount.end))
            wan = _WAN_RE.match(self.clean, amount.end)
            if wan:
                self._numbers.append((amount.value * 10000, amount.start, wan.end()))
        self._dates: dict[str, tuple[int, int]] = {}
        position = 0
        while (found := find_date(self.clean, position)) is not None:
            self._dates.setdefault(found.iso, (found.start, found.end))
            position = found.end

    def number(self, value: float) -> tuple[int, int] | None:
        for candidate, start, end in self._numbers:
            if abs(candidate - value) < 0.005:
                return start, end
        return None

    def has_zero(self) -> bool:
        return _ZERO_RE.search(self.clean) is not None

    def text(self, value: str) -> tuple[int, int] | None:
        characters = [char for char in fold(value) if not char.isspace()]
        if not characters:
            return None
        match = re.search(r"\s*".join(re.escape(char) for char in characters), self.clean)
        return match.span() if match else None

    def date(self, iso: str) -> tuple[int, int] | None:
        return self._dates.get(iso)

    def vocabulary(self, name: str, value: Any) -> bool:
        pattern = _VOCABULARY[name].get(value)
        return pattern is not None and pattern.search(self.clean) is not None

    def validity_days(self) -> int | None:
        found = find_validity_days(self.clean)
        return found[0] if found else None


def _literal(value: Any, span: tuple[int, int] | None, confidence: float = LITERAL) -> Field:
    return Field(value, confidence, span, (FROM_MODEL,))


def ground_basic(grounder: Grounder, values: dict[str, Any]) -> tuple[dict[str, Field], dict[str, str]]:
    """The model's basic information as Fields, and why each rejected value was rejected."""
    fields: dict[str, Field] = {}
    rejected: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name in _TEXT_FIELDS:
            span = grounder.text(value)
            found = _literal(value, span) if span else None
        elif name in _NUMBER_FIELDS:
            span = grounder.number(value)
            found = _literal(value, span) if span else None
        else:
            found = _literal(value, None, VOCABULARY) if grounder.vocabulary(name, value) else None
        if found is None:
            rejected[name] = f"{value!r} not found in the text"
        else:
            fields[name] = found
    return fields, rejected


def _premiums_due(year: int, basic: BasicInfo) -> float | None:
    premium, term = basic.get("annual_premium"), basic.get("premium_term_years")
    if premium is None:
        return None
    if basic.get("payment_mode") == "single" or term == 1:
        return float(premium)
    return float(premium) * min(year, int(term)) if term else None


def _derivations(row: dict[str, Field], basic: BasicInfo) -> dict[str, tuple[float | None, str]]:
    """What each cell must be according to the other, already grounded cells: value and reason."""

    def known(name: str) -> Any:
        return row[name].value if name in row else None

    year, age, issue_age = known("policy_year"), known("age"), basic.get("issue_age")
    total, guaranteed, other = (
        known("total_surrender_value"),
        known("guaranteed_cash_value"),
        known("non_guaranteed_value"),
    )
    return {
        "policy_year": (_minus(age, issue_age), "age - issue age"),
        "age": (_plus(issue_age, year), "issue age + policy year"),
        "total_premiums_paid": (
            _premiums_due(year, basic) if year is not None else None,
            "annual premium x min(year, term)",
        ),
        "total_surrender_value": (_plus(guaranteed, other), "guaranteed + non-guaranteed"),
        "non_guaranteed_value": (_minus(total, guaranteed), "total - guaranteed"),
        "guaranteed_cash_value": (_minus(total, other), "total - non-guaranteed"),
        "death_benefit": (total, "equal to the total surrender value"),
    }


def _plus(a: float | None, b: float | None) -> float | None:
    return a + b if a is not None and b is not None else None


def _minus(a: float | None, b: float | None) -> float | None:
    return a - b if a is not None and b is not None else None


def ground_row(
    grounder: Grounder, values: dict[str, Any], basic: BasicInfo
) -> tuple[dict[str, Field], dict[str, str]]:
    row: dict[str, Field] = {}
    pending: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        span = grounder.number(value)
        if span is not None:
            row[name] = _literal(value, span)
        elif value == 0 and grounder.has_zero():
            row[name] = _literal(value, None)
        else:
            pending[name] = value
    # Twice: a cell derived in the first round can ground another in the second (year -> age -> ...).
    for _ in range(2):
        for name, (expected, reason) in _derivations(row, basic).items():
            if name in pending and expected is not None and abs(pending[name] - expected) <= 1:
                row[name] = Field(pending.pop(name), DERIVED, None, (FROM_MODEL, f"grounded as {reason}"))
    rejected = {name: f"{value!r} not in the text nor derivable" for name, value in pending.items()}
    return row, rejected


def _breakeven_from(table: ValueTable) -> int | None:
    for row in table.values():
        total, paid = row.get("total_surrender_value"), row.get("total_premiums_paid")
        if total is not None and paid is not None and paid > 0 and total >= paid:
            return row.get("policy_year")
    return None


def ground_summary(
    grounder: Grounder, values: dict[str, Any], table: ValueTable
) -> tuple[dict[str, Field], dict[str, str]]:
    fields: dict[str, Field] = {}
    rejected: dict[str, str] = {}
    proposal = values.get("proposal_date")
    for name in ("proposal_date", "valid_until"):
        value = values.get(name)
        if value is None:
            continue
        span = grounder.date(value)
        days = grounder.validity_days()
        if span is not None:
            fields[name] = _literal(value, span)
        elif (
            name == "valid_until"
            and proposal is not None
            and days is not None
            and dt.date.fromisoformat(proposal) + dt.timedelta(days=days) == dt.date.fromisoformat(value)
        ):
            fields[name] = Field(value, DERIVED, None, (FROM_MODEL, f"proposal date + {days} days"))
        else:
            rejected[name] = f"{value!r} not found in the text"
    breakeven = values.get("breakeven_year")
    if breakeven is not None:
        span = grounder.number(breakeven)
        if span is not None or breakeven == _breakeven_from(table):
            fields["breakeven_year"] = _literal(breakeven, span, LITERAL if span else DERIVED)
        else:
            rejected["breakeven_year"] = f"{breakeven!r} not in the text nor the table"
    if values.get("key_points"):
        kept = [point for point in values["key_points"] if grounder.text(point) is not None]
        strays = [point for point in values["key_points"] if point not in kept]
        if strays:
            rejected["key_points"] = f"{len(strays)} not printed in the document, e.g. {strays[0][:60]!r}"
        if kept:
            fields["key_points"] = _literal(kept, grounder.text(kept[0]))
    overview = values.get("overview")
    if overview:
        unknown = [a.value for a in find_amounts(fold(overview)) if grounder.number(a.value) is None]
        if unknown:
            rejected["overview"] = f"numbers {unknown[:5]} are not in the document"
        else:
            fields["overview"] = Field(overview, GENERATED, None, ("written by the model",))
    return fields, rejected
