"""Every value the model returns must be found where it belongs in the OCR text: a basic field at its label
(or, for ages and terms, beside its unit), a table cell in the printed row of its policy year, or follow from the
table's arithmetic. A number printed somewhere else proves nothing: a line of the document that asks for a value
and a decoy number elsewhere cannot ground it. What is not found where it belongs is rejected.

So the text is data by design, whatever it says: no line is singled out for its wording. Matching is on the
folded text (full-width forms, separators, Traditional/Simplified and case folded), so offsets are spans of the
original.

The same places weigh the rules' values: a rules value that is not at its place (an age read from an eligibility
range, an amount from a numbered definition) is weak evidence, whatever confidence the rules gave it."""

from __future__ import annotations

import bisect
import collections
import datetime as dt
import functools
import itertools
import re
from typing import Any

from ..extraction.basic import PARSERS
from ..extraction.dates import find_date, find_validity_days
from ..extraction.labels import LABEL_SYNONYMS, Pair, find_pairs
from ..extraction.normalize import fold
from ..extraction.numbers import AMOUNT_RE, LETTER_DIGITS, find_amounts, parse_amount_token
from ..extraction.types import MISSING, BasicInfo, Field, ValueTable
from .chunking import TAG_RE, line_spans

LITERAL = 0.85  # printed at its place: after its label, in its row
DERIVED = 0.8  # follows from the table's arithmetic, or printed beside its unit (an age before 岁)
VOCABULARY = 0.75  # a closed value (gender, currency…) whose word is printed, not at a label
UNPLACED = 0.6  # printed, but not at its place: fills an empty field, never replaces a value
FROM_MODEL = "read by the model"

_SPACED_DECIMAL_RE = re.compile(r"(?<=\d)\. (\d{1,2})(?!\d)")  # "1111. 89" as conversions print 1111.89
_ZERO_RE = re.compile(r"(?<![\w.,])(?:[-~_]{1,3}|0(?:\.0+)?)(?![\w.,])")
_WAN_RE = re.compile(r"\s*万")
_PLAIN_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
# What may stand between a label and its value on its line: blanks, separators, markup, a currency, 为 / 是.
_CONNECTOR_RE = re.compile(
    r"(?:[^\S\n]|[:=|()\[\]*#/]|为|是|约|元|人民币|美元|港元|usd|hkd|rmb|cny|us\$|hk\$)*$"
)
_WINDOW = 40
_LABEL_TRIM = " *#|\t"
# Ages and terms are also placed by their unit: 30周岁, to age 100, 10年交费, 5 years.
_UNITS_AFTER = {
    "issue_age": re.compile(r"\s*(?:周岁|岁)"),
    "coverage_to_age": re.compile(r"\s*(?:周岁|岁)"),
    "premium_term_years": re.compile(r"\s*(?:年|years?(?![a-z])|yrs?(?![a-z]))"),
}
_CUES_BEFORE = {"coverage_to_age": ("to age", "until age", "至", "到", "至受保人", "至被保险人")}
_LABEL_END_RE = {
    name: re.compile(
        "(?:"
        + "|".join(
            re.escape(s) for s in sorted((*synonyms, *_CUES_BEFORE.get(name, ())), key=len, reverse=True)
        )
        + r")$"
    )
    for name, synonyms in LABEL_SYNONYMS.items()
}
_VOCABULARY: dict[str, dict[Any, re.Pattern[str]]] = {
    "gender": {
        "M": re.compile(r"男|(?<![a-z])male|先生|(?<![a-z])mr(?![a-z])"),
        "F": re.compile(r"女|female|(?<![a-z])(?:ms|mrs|miss)(?![a-z])"),
    },
    "smoker": {
        True: re.compile(r"(?<![非不])吸烟(?![状习与])|(?<!non-)(?<!non )(?<!non)smoker(?!\s*status)"),
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
_YES_NO = {True: ("y", "yes", "是"), False: ("n", "no", "否")}  # a yes/no field answered by a letter or word
_NUMBER_FIELDS = ("issue_age", "sum_assured", "annual_premium", "premium_term_years", "coverage_to_age")
# A person's name is short and is no sentence.
_NOT_A_NAME_RE = re.compile(r"[。.,;!?，；！？\d]")
_MAX_NAME = 40
_LETTER_RE = re.compile(r"[^\W\d_]")  # a name has letters (a number read as a product name has none)
_MAX_ROW_LABEL = 150
_MIN_TABLE_ROW = 5  # numbers of a printed row of a value table: year, age and amounts
_MIN_UNLABELLED = 3  # values of a row found together in one printed row whose label is not legible
_FUZZY_LABEL = "label matched with one misread character"  # the rules' note on a label read through a repair
_BREAKEVEN_LINE_RE = re.compile(r"回本|收回|超过|达到|reach|exceed|break[- ]?even|保费|premium")


class Grounder:
    """Looks values up at their places in one document's text."""

    def __init__(self, text: str) -> None:
        self.original = text
        self.folded = fold(text)

    # What follows is read from the text when first needed: each stage needs only some of it (the table its
    # rows, the summary its dates), and reading all of it took most of a stage's CPU besides the rules.

    @functools.cached_property
    def _pairs(self) -> dict[str, list[Pair]]:
        pairs: dict[str, list[Pair]] = {}
        for pair in find_pairs(self.folded):
            pairs.setdefault(pair.field, []).append(pair)
        return pairs

    @functools.cached_property
    def clean(self) -> str:
        """The folded text with HTML tags blanked out (a colspan is no cell), as numbers are read from it."""
        return _SPACED_DECIMAL_RE.sub(r".\1 ", TAG_RE.sub(lambda tag: " " * len(tag.group()), self.folded))

    @functools.cached_property
    def _numbers(self) -> list[tuple[float, int, int]]:
        numbers: list[tuple[float, int, int]] = []
        for amount in find_amounts(self.clean):
            numbers.append((amount.value, amount.start, amount.end))
            wan = _WAN_RE.match(self.clean, amount.end)
            if wan:
                numbers.append((amount.value * 10000, amount.start, wan.end()))
        # Tokens the rules would not read as numbers because more of their characters are letters than digits
        # ("4o,0oo"): a value the model reads in one of them is still printed there.
        for token in AMOUNT_RE.finditer(self.clean):
            if parse_amount_token(token.group())[0] is None:
                repaired = token.group().strip(",.").translate(LETTER_DIGITS).replace(",", "")
                if _PLAIN_NUMBER_RE.fullmatch(repaired):
                    numbers.append((float(repaired), token.start(), token.end()))
        numbers.sort(key=lambda number: number[1])
        return numbers

    @functools.cached_property
    def _rows(self) -> list[list[tuple[float, int, int]]]:
        """The numbers of each printed row: each line, and each HTML row (a whole table may be one line). A line
        led by an amount rather than a year or an age goes on the row of the line above it: a row broken over
        two lines."""
        rows: list[list[tuple[float, int, int]]] = []
        numbers = self._numbers
        index, continued = 0, False
        for _start, end in line_spans(self.folded, 0, len(self.folded)):
            cells = []
            while index < len(numbers) and numbers[index][1] < end:
                cells.append(numbers[index])
                index += 1
            if cells and continued and not _row_label(cells[0][0]):
                rows[-1] += cells
            elif cells:
                rows.append(cells)
            continued = bool(cells)
        return rows

    @functools.cached_property
    def dates(self) -> dict[str, tuple[int, int]]:
        """Where each date the text prints first stands, by its ISO form."""
        dates: dict[str, tuple[int, int]] = {}
        position = 0
        while (found := find_date(self.folded, position)) is not None:
            dates.setdefault(found.iso, (found.start, found.end))
            position = found.end
        return dates

    # Basic information

    def _labelled(self, name: str, start: int, end: int) -> bool:
        """Whether the number at folded[start:end] is where field `name` puts it: right after one of its labels
        (across blanks, separators, a currency), at the start of the value of a `label: value` pair of it."""
        if self.folded[start - 1 : start] == "(" and self.folded[end : end + 1] == ")":
            return False  # "(1)": the number of a clause, not a value
        window = self.folded[max(0, start - _WINDOW) : start]
        before = _CONNECTOR_RE.sub("", window)  # _CONNECTOR_RE ends in $: only the run before the number goes
        if _LABEL_END_RE[name].search(before) or self._slash_labelled(name, start):
            return True
        return any(
            pair.value_start <= start < pair.value_end
            and _CONNECTOR_RE.fullmatch(self.folded, pair.value_start, start) is not None
            for pair in self._pairs.get(name, ())
        )

    def _slash_labelled(self, name: str, start: int) -> bool:
        """`性別 / 年齡 / 收費標準: 男 / 35 / 標準`: the value in the same position as a label of the field."""
        line_start = self.folded.rfind("\n", 0, start) + 1
        colon = self.folded.find(":", line_start, start)
        if colon < 0:
            return False
        labels = self.folded[line_start:colon].split("/")
        values_before = self.folded[colon + 1 : start].count("/")
        if len(labels) < 2 or values_before >= len(labels):
            return False
        return _LABEL_END_RE[name].search(labels[values_before].strip(_LABEL_TRIM)) is not None

    def place_number(self, name: str, value: float) -> Field | None:
        """The model's number for a basic field at its best place: its label, else its unit (or, for the
        premium, year 1 of the table); None when it is printed nowhere it belongs."""
        best: Field | None = None
        for candidate, start, end in self._numbers:
            if abs(candidate - value) >= 0.005:
                continue
            if self._labelled(name, start, end):
                return _literal(value, (start, end))
            if (unit := _UNITS_AFTER.get(name)) is not None and unit.match(self.folded, end):
                best = _literal(value, (start, end), DERIVED, "printed beside its unit")
            elif name == "annual_premium" and self.paid_in_year_one(value):
                best = _literal(value, (start, end), DERIVED, "paid in year 1 of the table")
        if best is None and name == "coverage_to_age" and self._last_row_age() == value:
            best = _literal(value, None, DERIVED, "the age in the table's last row")
        return best

    def _last_row_age(self) -> float | None:
        """The age of the last printed table row (year, age, amounts…): where a fixed term ends."""
        for cells in reversed(self._rows):
            if len(cells) >= _MIN_TABLE_ROW and cells[1][0] > cells[0][0]:
                return cells[1][0]
        return None

    def rules_value_placed(self, name: str, found: Field) -> bool:
        """Whether a rules value sits where the field puts it; False is weak evidence."""
        if found.value is None:
            return True
        if _FUZZY_LABEL in found.issues:
            return False
        if name in _NUMBER_FIELDS and found.span is not None:
            start, end = found.span
            return self._labelled(name, start, end)
        if name == "insured_name":
            return not _NOT_A_NAME_RE.search(found.value) and len(found.value) <= _MAX_NAME
        if name in ("insurer", "product_name"):
            return _LETTER_RE.search(found.value) is not None
        if name in _VOCABULARY and found.span is not None:
            # Read from a value that names several options ("single or annual"): the rules picked one.
            return len(self._options_at(name, found.span)) <= 1
        return True

    def paid_in_year_one(self, premium: Any) -> bool:
        """The table's check on the premium: a printed row of year 1 holds it (as the premiums paid)."""
        return isinstance(premium, int | float) and any(
            cells[0][0] == 1 and len(cells) >= 3 and any(abs(v - premium) <= 1 for v, _, _ in cells[1:])
            for cells in self._rows
        )

    def _options_at(self, name: str, span: tuple[int, int]) -> set[Any]:
        pair = next((p for p in self._pairs.get(name, ()) if p.value_start <= span[0] < p.value_end), None)
        start, end = (pair.value_start, pair.value_end) if pair else span
        return {
            value for value, pattern in _VOCABULARY[name].items() if pattern.search(self.folded, start, end)
        }

    def place_choice(self, name: str, value: Any) -> Field | None:
        """A closed value (gender, smoker, currency, payment mode): at a label of its field whose value reads
        as it (as the rules would read it), else its word anywhere."""
        for pair in self._pairs.get(name, ()):
            if name == "smoker" and self.folded[pair.value_start : pair.value_end].strip() in _YES_NO[value]:
                return _literal(value, (pair.value_start, pair.value_end))
            parsed = PARSERS[name](self.original, self.folded, pair.value_start, pair.value_end)
            if (
                parsed is not None
                and parsed.value == value
                and len(self._options_at(name, (pair.value_start, pair.value_end))) <= 1
            ):
                return _literal(value, (parsed.start, parsed.end))
        found = _VOCABULARY[name][value].search(self.folded)  # the reply schema allows no other value
        return _literal(value, found.span(), VOCABULARY) if found else None

    def text(self, value: str) -> tuple[int, int] | None:
        characters = [char for char in fold(value) if not char.isspace()]
        if not characters:
            return None
        match = re.search(r"\s*+".join(re.escape(char) for char in characters), self.folded)
        return match.span() if match else None

    def place_name(self, value: str) -> Field | None:
        """The insured's name: in the value of an insured label, else printed somewhere."""
        span = self.text(value)
        if span is None or _NOT_A_NAME_RE.search(value) or len(value) > _MAX_NAME:
            return None
        for pair in self._pairs.get("insured_name", ()):
            if pair.value_start <= span[0] < pair.value_end:
                return _literal(value, span)
        return _literal(value, span, UNPLACED, "printed, but not at its label")

    # Table

    def row_cells(self, values: dict[str, Any]) -> tuple[list[tuple[float, int, int]], bool] | None:
        """The numbers of the printed row of the model's row, and whether its label was read: the line (or HTML
        row) holding most of its values, led by its policy year, or by its age where rows are labelled by age;
        or, holding at least three and more than any other, led by neither (an OCR slip can make the label
        illegible: 70歲 read as 106%). None when no such row is printed."""
        year, age = values["policy_year"], values.get("age")
        wanted = {
            value for key, value in values.items() if isinstance(value, int | float) and key != "policy_year"
        }
        holding = self._rows_holding(wanted)
        led: tuple[int, list[tuple[float, int, int]] | None] = (-1, None)
        unled: tuple[int, list[tuple[float, int, int]] | None] = (_MIN_UNLABELLED - 1, None)
        tied = False
        for index, cells in enumerate(self._rows):
            found = holding[index]
            leading = [cell[0] for cell in cells[:2]]
            if leading[0] == year or (age is not None and age in leading):
                if found > led[0]:
                    led = (found, cells)
            elif found > unled[0]:
                unled, tied = (found, cells), False
            elif found == unled[0]:
                tied = True
        if unled[1] is not None and not tied and unled[0] > led[0]:
            return unled[1], False
        return (led[1], True) if led[1] is not None else None

    @functools.cached_property
    def _row_numbers(self) -> tuple[list[float], list[int]]:
        """The numbers of the printed rows in order of value, and the index of the row of each."""
        ordered = sorted((value, index) for index, cells in enumerate(self._rows) for value, _, _ in cells)
        return [value for value, _ in ordered], [index for _, index in ordered]

    def _rows_holding(self, wanted: set[float]) -> collections.Counter[int]:
        """How many of the values each printed row holds (a cell within half a cent), by row index: looked up
        by value, since a table's model rows would otherwise each compare every cell of every printed row."""
        numbers, rows = self._row_numbers
        holding: collections.Counter[int] = collections.Counter()
        for value in wanted:
            near = range(
                bisect.bisect_left(numbers, value - 0.01), bisect.bisect_right(numbers, value + 0.01)
            )
            holding.update({rows[i] for i in near if abs(numbers[i] - value) < 0.005})
        return holding

    def years_printed(self, age_less_year: int) -> set[int]:
        """The policy years of the printed rows led by a year and the age `age_less_year` above it."""
        return {
            int(cells[0][0])
            for cells in self._rows
            if len(cells) >= 3 and _row_label(cells[0][0]) and cells[1][0] - cells[0][0] == age_less_year
        }

    # Summary

    def stated_breakeven(self, year: int) -> tuple[int, int] | None:
        """The year printed in a line about the surrender value reaching the premiums."""
        for candidate, start, end in self._numbers:
            if candidate != year:
                continue
            line_start = self.folded.rfind("\n", 0, start) + 1
            line_end = self.folded.find("\n", end)
            line = self.folded[line_start : len(self.folded) if line_end < 0 else line_end]
            if _BREAKEVEN_LINE_RE.search(line):
                return start, end
        return None


def _row_label(value: float) -> bool:
    """Whether a number can lead a table row: a policy year or an age."""
    return value == int(value) and 0 <= value <= _MAX_ROW_LABEL


def _literal(value: Any, span: tuple[int, int] | None, confidence: float = LITERAL, *issues: str) -> Field:
    return Field(value, confidence, span, (FROM_MODEL, *issues))


def ground_basic(grounder: Grounder, values: dict[str, Any]) -> tuple[dict[str, Field], dict[str, str]]:
    """The model's basic information as Fields, and why each rejected value was rejected."""
    fields: dict[str, Field] = {}
    rejected: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name == "premium_term_years" and value == 1 and values.get("payment_mode") == "single":
            fields[name] = _literal(value, None, DERIVED, "a single premium is paid in one year")
            continue
        if name == "insured_name":
            found = grounder.place_name(value)
        elif name in ("insurer", "product_name"):
            span = grounder.text(value)
            found = _literal(value, span) if span else None
        elif name in _NUMBER_FIELDS:
            found = grounder.place_number(name, value)
        else:
            found = grounder.place_choice(name, value)
        if found is None:
            rejected[name] = f"{value!r} not found where the document gives its {name}"
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
    year, total, guaranteed, other = (
        row.get(name, MISSING).value
        for name in ("policy_year", "total_surrender_value", "guaranteed_cash_value", "non_guaranteed_value")
    )
    return {
        "age": (_plus(basic.get("issue_age"), year), "issue age + policy year"),
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


def _combined(value: float, printed: list[float]) -> str | None:
    """How `value` is a sum of two or three printed cells of its row, or a difference of two (several
    non-guaranteed columns added up; an illustrated value less a guaranteed one)."""
    for a, b in itertools.permutations(printed, 2):
        if abs(a + b - value) <= 1:
            return "a sum of printed cells of the row"
        if abs(a - b - value) <= 1:
            return "a difference of printed cells of the row"
    for a, b, c in itertools.combinations(printed, 3):
        if abs(a + b + c - value) <= 1:
            return "a sum of printed cells of the row"
    return None


_COMBINED_CELLS = ("non_guaranteed_value", "total_surrender_value", "guaranteed_cash_value")
_MAX_COMBINED = 16  # cells of a row tried as parts of a sum; more would be a row of another kind


def ground_row(
    grounder: Grounder, values: dict[str, Any], basic: BasicInfo
) -> tuple[dict[str, Field], dict[str, str]]:
    """The model's row as Fields, each cell found in the printed row of its policy year; an empty dict when
    the text prints no such row."""
    year = values["policy_year"]
    found = grounder.row_cells(values)
    if found is None:
        return {}, {}
    cells, labelled = found
    row_span = (cells[0][1], cells[-1][2])
    row: dict[str, Field] = {
        "policy_year": _literal(year, (cells[0][1], cells[0][2]))
        if labelled
        else _literal(year, None, DERIVED, "row found by its values; its label is not legible")
    }
    pending: dict[str, Any] = {}
    for name, value in values.items():
        if value is None or name == "policy_year":
            continue
        span = next(((s, e) for v, s, e in cells if abs(v - value) < 0.005), None)
        if span is not None:
            row[name] = _literal(value, span)
        elif value == 0 and _ZERO_RE.search(grounder.clean, *row_span):
            row[name] = _literal(value, None)
        else:
            pending[name] = value
    printed = [value for value, _, _ in cells[1:_MAX_COMBINED]]
    # Twice: a cell derived in the first round can ground another in the second (year -> age -> ...).
    for _ in range(2):
        for name, (expected, reason) in _derivations(row, basic).items():
            if name in pending and expected is not None and abs(pending[name] - expected) <= 1:
                row[name] = _literal(pending.pop(name), None, DERIVED, f"grounded as {reason}")
        for name in _COMBINED_CELLS:
            if name in pending and (combined := _combined(pending[name], printed)) is not None:
                row[name] = _literal(pending.pop(name), None, DERIVED, f"grounded as {combined}")
    rejected = {name: f"{value!r} not in the row nor derivable" for name, value in pending.items()}
    return row, rejected


def _breakeven_from(table: ValueTable) -> int | None:
    for row in table.values():
        total, paid = row.get("total_surrender_value"), row.get("total_premiums_paid")
        if total is None and row.get("guaranteed_cash_value") is not None:
            total = row["guaranteed_cash_value"] + (row.get("non_guaranteed_value") or 0)
        if total is not None and paid is not None and paid > 0 and total >= paid:
            return row.get("policy_year")
    return None


def ground_summary(
    grounder: Grounder, values: dict[str, Any], table: ValueTable
) -> tuple[dict[str, Field], dict[str, str]]:
    fields: dict[str, Field] = {}
    rejected: dict[str, str] = {}
    proposal = values.get("proposal_date")
    validity = find_validity_days(grounder.folded)
    days = validity[0] if validity else None
    for name in ("proposal_date", "valid_until"):
        value = values.get(name)
        if value is None:
            continue
        span = grounder.dates.get(value)
        if span is not None:
            fields[name] = _literal(value, span)
        elif (
            name == "valid_until"
            and proposal is not None
            and days is not None
            and dt.date.fromisoformat(proposal) + dt.timedelta(days=days) == dt.date.fromisoformat(value)
        ):
            fields[name] = _literal(value, None, DERIVED, f"proposal date + {days} days")
        else:
            rejected[name] = f"{value!r} not found in the text"
    breakeven = values.get("breakeven_year")
    if breakeven is not None:
        span = grounder.stated_breakeven(breakeven)
        if span is not None:
            fields["breakeven_year"] = _literal(breakeven, span)
        elif breakeven == _breakeven_from(table):
            fields["breakeven_year"] = _literal(
                breakeven, None, DERIVED, "the first year the table breaks even"
            )
        else:
            rejected["breakeven_year"] = f"{breakeven!r} not stated in the text nor the table's"
    if values.get("key_points"):
        kept = [point for point in values["key_points"] if grounder.text(point) is not None]
        strays = [point for point in values["key_points"] if point not in kept]
        if strays:
            rejected["key_points"] = f"{len(strays)} not printed in the document, e.g. {strays[0][:60]!r}"
        if kept:
            fields["key_points"] = _literal(kept, grounder.text(kept[0]))
    return fields, rejected
