"""Stage 2: the annual value table (policy year, age, premiums paid, guaranteed / non-guaranteed / total,
death).

Blocks found by `layout` are grouped into tables (a block continues the previous table unless a new title
starts another), distractor tables (other scenarios, withdrawals, death benefit only) are set aside, the best
remaining table is read row by row, and every row is checked against the table's own arithmetic before it is
trusted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from . import columns as col
from .layout import Block, Cell, assign_cell_columns, assign_text_columns, find_blocks, header_signature
from .normalize import fold_document
from .numbers import DASH_RE, parse_amount_token
from .roles import check_roles, check_roles_together, continues
from .types import MISSING, ROW_FIELDS, BasicInfo, Field, ValueTable

CLEAN = 0.95
PLAUSIBLE = 0.7
REPAIRED_CONFIRMED = 0.8
REPAIRED_UNCONFIRMED = 0.6
DERIVED = 0.6
FAILED_CHECK = 0.3
ROLE_FROM_ARITHMETIC = 0.75

_CONTINUATION_RE = re.compile(r"续|cont(?:inued|'d|\.)|接上页")
_TITLE_RE = re.compile(
    r"说明|摘要|演示|illustration|summary|table|利益|情景|scenario|提取|withdraw|身故|现金价值|退保价值|"
    r"benefit|附表|详细|权益|projection|values?(?![a-z])"
)
_SCENARIO_TITLE_RE = re.compile(
    r"悲观|乐观|pessimistic|optimistic|不同投资回报|较低回报|较高回报|lower\s+return|higher\s+return|"
    r"investment\s+return\s+scenario"
)
_WITHDRAWAL_TITLE_RE = re.compile(r"提取|withdraw|提款|入息|income")
_DEATH_TITLE_RE = re.compile(
    r"身故赔偿之|身故赔偿说明|身故利益说明|death\s+benefit\s+(?:illustration|summary)"
)
_AGE_LABEL_RE = re.compile(r"(\d{1,3})\s?岁|age\s?(\d{1,3})")
_LETTER_ALTERNATIVES = {"s": "8", "b": "6", "z": "7", "g": "6", "l": "7", "o": "8"}

_ROLE_WEIGHTS = {
    col.TOTAL: 2.0,
    col.GUARANTEED: 1.0,
    col.PREMIUMS: 1.0,
    col.YEAR: 1.0,
    col.AGE: 0.5,
    col.NON_GUARANTEED: 0.5,
    col.DEATH: 0.25,
}


Row = dict[str, Field]  # a row of the value table: field name -> reading
Neighbours = tuple[Row | None, Row | None]  # the rows before and after a row, None past either end


@dataclass
class Candidate:
    blocks: list[Block]
    title: str
    distractor: str | None

    @property
    def roles(self) -> set[str]:
        return {role for block in self.blocks for role in block.roles if role}

    @property
    def row_count(self) -> int:
        return sum(len(block.columns) for block in self.blocks)

    def score(self) -> float:
        roles = self.roles
        if not roles & {col.YEAR, col.AGE} or not roles & {col.TOTAL, col.GUARANTEED}:
            return 0.0
        return sum(_ROLE_WEIGHTS.get(role, 0.0) for role in roles)


def _distractor(title: str, roles: set[str | None]) -> str | None:
    if _SCENARIO_TITLE_RE.search(title):
        return "another investment-return scenario"
    if _WITHDRAWAL_TITLE_RE.search(title):
        return "withdrawal illustration"
    if _DEATH_TITLE_RE.search(title) or (col.DEATH in roles and not roles & {col.TOTAL, col.GUARANTEED}):
        return "death benefit only"
    return None


def group_tables(folded: str) -> list[Candidate]:
    tables: list[Candidate] = []
    roles_by_width: dict[int, list[str | None]] = {}
    blocks_by_header: dict[str, Block] = {}
    for block in find_blocks(folded):
        if not block.rows:
            continue
        title = " ".join(block.titles[-2:])
        continuation = bool(_CONTINUATION_RE.search(title))
        new_title = bool(_TITLE_RE.search(title)) and not continuation
        previous = tables[-1] if tables else None
        last = previous.blocks[-1] if previous is not None else None
        inherited = last.roles if last is not None and not new_title else None
        width = Counter(len(row) for row in block.rows).most_common(1)[0][0]
        if inherited is None or (block.kind == "text" and len(inherited) != width):
            inherited = roles_by_width.get(width)
        signature = header_signature(block)
        known = blocks_by_header.get(signature) if signature else None
        if block.kind == "text":
            assign_text_columns(block, inherited, known.roles if known is not None else None)
        else:
            assign_cell_columns(block, inherited)
        if known is not None and len(known.roles) == len(block.roles):
            # A header seen before (a table wrapped into groups) means what it meant then, however few rows
            # this group has to check it by.
            block.roles, block.uncertain_roles = list(known.roles), set(known.uncertain_roles)
            block.label_roles = list(known.label_roles)
        else:
            check_roles(block)
        if (
            previous is not None
            and last is not None
            # A page's footnote OCR moved above the next page's rows reads as a new title (`保證身故賠償…`)
            and (last.roles != block.roles or new_title)
            and _distractor(title, set()) is None
            and continues(last, block)
        ):
            block.roles, block.uncertain_roles = list(last.roles), set(last.uncertain_roles)
            block.issues.append(
                "columns as on the page before: its policy years carry on and its sums add up"
            )
            previous.blocks.append(block)
            continue
        if block.roles:
            roles_by_width[len(block.roles)] = block.roles
            if signature:
                blocks_by_header.setdefault(signature, block)
        # A block continues a table whose columns mean the same, by its header or by its numbers (the arithmetic
        # of each page may name a column a little differently, and a header may leave one unnamed).
        same_roles = last is not None and (last.label_roles == block.label_roles or last.roles == block.roles)
        if previous is not None and not new_title and (same_roles or not block.header_lines):
            if continuation and previous.distractor is None:
                previous.distractor = _distractor(title, set())
            previous.blocks.append(block)
            continue
        tables.append(Candidate([block], title, _distractor(title, set(block.roles))))
    for table in tables:
        # A header heads its own block and the headerless blocks after it (pages that do not repeat it).
        under_header: dict[str, list[Block]] = {}
        signature = ""
        for block in table.blocks:
            signature = header_signature(block) if block.header_lines else signature
            if signature:
                under_header.setdefault(signature, []).append(block)
        for blocks in under_header.values():
            if len(blocks) > 1 and len({len(block.columns[0]) for block in blocks}) == 1:
                check_roles_together(blocks)
    return tables


# Reading rows
# ---------------------------------------------------------------------------------------------------


@dataclass
class RawRow:
    year: Field = MISSING
    age_label: int | None = None  # the row was labelled by age (65歲) instead of policy year
    unreadable_label: str = ""  # an age label OCR garbled (`了(歲`, `108%` for `70歲`, `10088` for `100歲`)
    age: Field = MISSING
    amounts: dict[str, Field] = field(default_factory=dict)
    non_guaranteed_parts: list[Field] = field(default_factory=list)
    alternatives: dict[str, list[float]] = field(default_factory=dict)


def _read_amount(cell: Cell) -> tuple[Field, list[float]]:
    value, repairs = parse_amount_token(cell.text)  # None for a dash: a dash holds no digit
    if value is None:
        if DASH_RE.fullmatch(cell.text):
            return Field(0.0, CLEAN, (cell.start, cell.end), ("dash read as zero",)), []
        return Field(None, 0.0, (cell.start, cell.end), (f"unreadable amount {cell.text!r}",)), []
    alternatives: list[float] = []
    if repairs:
        for letter, digit in _LETTER_ALTERNATIVES.items():
            if letter in cell.text:
                other, _ = parse_amount_token(cell.text.replace(letter, digit))
                if other is not None and other != value:
                    alternatives.append(other)
    confidence = REPAIRED_UNCONFIRMED if repairs else CLEAN
    return Field(value, confidence, (cell.start, cell.end), repairs), alternatives


def _read_small_int(cell: Cell) -> Field:
    value, repairs = parse_amount_token(cell.text)
    if value is None or not 0 <= value < 200 or value != int(value):
        return Field(None, 0.0, (cell.start, cell.end), (f"unreadable number {cell.text!r}",))
    return Field(int(value), REPAIRED_UNCONFIRMED if repairs else CLEAN, (cell.start, cell.end), repairs)


def _garbled_age_label(text: str) -> bool:
    """An unreadable year cell that may be what OCR left of an age label: the age with 歲 read as more digits
    (`10088`), or letters alone (`os be`)."""
    if text.isdigit():
        return len(text) >= 4
    return not any(char.isdigit() for char in text) and not DASH_RE.fullmatch(text)


def _read_row(roles: list[str | None], slots: list[Cell | None]) -> RawRow:
    row = RawRow()
    for role, cell in zip(roles, slots, strict=False):
        if cell is None or role is None or role == col.IGNORED:
            continue
        label = _AGE_LABEL_RE.fullmatch(cell.text) if role in (col.YEAR, col.AGE) else None
        age = int(label.group(1) or label.group(2)) if label else None  # an age label: `65歲`, `age 65`
        if role == col.YEAR:
            if age is not None:
                row.age_label = age
                row.year = Field(None, 0.0, (cell.start, cell.end))
            elif "岁" in cell.text or cell.text.endswith("%"):
                row.unreadable_label = cell.text
                row.year = Field(None, 0.0, (cell.start, cell.end), (f"unreadable age label {cell.text!r}",))
            else:
                row.year = _read_small_int(cell)
                if row.year.value is None and _garbled_age_label(cell.text):
                    row.unreadable_label = cell.text
        elif role == col.AGE:
            row.age = _read_small_int(cell) if age is None else Field(age, CLEAN, (cell.start, cell.end))
        else:
            amount, alternatives = _read_amount(cell)
            if role == col.NON_GUARANTEED:
                row.non_guaranteed_parts.append(amount)
            elif role not in row.amounts:
                row.amounts[role] = amount
            elif row.amounts[role].value != amount.value:
                # Two columns mean the same and read differently: nothing says which one is the value.
                row.amounts[role] = row.amounts[role].doubted(
                    PLAUSIBLE, f"another column of the same meaning reads {cell.text!r}"
                )
            if alternatives:
                row.alternatives[role] = alternatives
    return row


# Checks and repairs
# ---------------------------------------------------------------------------------------------


def _with(
    found: Field, value: object = None, confidence: float | None = None, issue: str | None = None
) -> Field:
    return Field(
        found.value if value is None else value,
        found.confidence if confidence is None else confidence,
        found.span,
        found.issues + ((issue,) if issue else ()),
    )


def _combine_parts(parts: list[Field]) -> Field:
    if not parts:
        return MISSING
    if len(parts) == 1:
        return parts[0]  # _read_amount gives a float, or None at confidence 0: already its own sum
    issues = tuple(issue for part in parts for issue in part.issues)
    if any(part.value is None for part in parts):
        return Field(None, 0.0, parts[0].span, issues)
    spans = [part.span for part in parts if part.span is not None]
    span = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
    issues = (*issues, f"sum of {len(parts)} non-guaranteed columns")
    return Field(
        float(sum(part.value for part in parts)), min(part.confidence for part in parts), span, issues
    )


_SUM = (col.GUARANTEED, col.NON_GUARANTEED, col.TOTAL)  # guaranteed + non-guaranteed = total
_DERIVATIONS = {
    col.TOTAL: "derived as guaranteed + non-guaranteed",
    col.GUARANTEED: "derived as total - non-guaranteed",
    col.NON_GUARANTEED: "derived as total - guaranteed",
}


def _implied(values: dict[str, float], name: str) -> float:
    """What the other two terms of guaranteed + non-guaranteed = total make `name`."""
    if name == col.TOTAL:
        return values[col.GUARANTEED] + values[col.NON_GUARANTEED]
    return values[col.TOTAL] - values[col.NON_GUARANTEED if name == col.GUARANTEED else col.GUARANTEED]


def _check_total(row: Row, parts: int, alternatives: dict[str, list[float]], neighbours: Neighbours) -> None:
    """total surrender value = guaranteed + non-guaranteed; repair one bad cell when the evidence says
    which."""
    values = {name: row[name].value for name in _SUM}
    tolerance = max(1.0, float(parts))
    if None not in values.values() and abs(_implied(values, col.TOTAL) - values[col.TOTAL]) <= tolerance:
        for name in _SUM:
            if row[name].confidence < CLEAN and row[name].issues:
                row[name] = _with(row[name], confidence=REPAIRED_CONFIRMED)
        return
    # A non-guaranteed value summed from several columns is not repaired as one cell.
    repairable = [name for name in _SUM if name != col.NON_GUARANTEED or parts <= 1]
    unread = [name for name in _SUM if values[name] is None]
    if unread:
        name = unread[0]
        if len(unread) == 1 and name in repairable and row[name] is not MISSING:
            row[name] = _with(row[name], _implied(values, name), DERIVED, _DERIVATIONS[name])
        return
    # Another reading of a letter OCR put in place of a digit.
    for name, options in alternatives.items():
        if name not in repairable:
            continue  # nor could another reading of a premium or death benefit make the sum add up
        for option in options:
            trial = {**values, name: option}
            if abs(_implied(trial, col.TOTAL) - trial[col.TOTAL]) <= tolerance:
                row[name] = _with(
                    row[name], option, REPAIRED_CONFIRMED, "letter re-read so the total adds up"
                )
                return
    implied = {name: _implied(values, name) for name in _SUM}
    # The death benefit often repeats the total; when it equals guaranteed + non-guaranteed, the total is
    # the odd one.
    death = row.get(col.DEATH, MISSING)
    if death.value is not None and abs(death.value - implied[col.TOTAL]) <= tolerance:
        row[col.TOTAL] = _with(
            row[col.TOTAL], implied[col.TOTAL], DERIVED, "total repaired: guaranteed + non-guaranteed"
        )
        return
    # Otherwise the one cell whose implied value fits between the neighbouring rows and whose printed value
    # does not.
    fitting = [
        name
        for name in repairable
        if _fits(implied[name], name, neighbours) and not _fits(row[name].value, name, neighbours)
    ]
    if len(fitting) == 1:
        name = fitting[0]
        row[name] = _with(
            row[name], implied[name], DERIVED, "repaired so that total = guaranteed + non-guaranteed"
        )
        return
    note = "total != guaranteed + non-guaranteed"
    for name in _SUM:
        row[name] = row[name].doubted(FAILED_CHECK, note)


def _fits(value: float, name: str, neighbours: Neighbours) -> bool:
    """Guaranteed and total values grow with the policy year; the value must sit between its neighbours."""
    if value < 0:
        return False
    before, after = neighbours
    low = before[name].value if before is not None and name in before else None
    high = after[name].value if after is not None and name in after else None
    if name == col.NON_GUARANTEED:
        return low is None or high is None or value <= max(low, high) * 1.5 + 1
    if low is not None and value < low - 1:
        return False
    return not (high is not None and value > high + 1)


def _same(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= 1


def _check_death_benefits(rows: list[Row]) -> None:
    """No equation gives the death benefit, but it repeats the total or its neighbours, and it does not jump
    about."""
    paid_later = [False] * len(rows)  # whether a later row pays a death benefit
    for index in range(len(rows) - 2, -1, -1):
        paid_later[index] = paid_later[index + 1] or bool(rows[index + 1][col.DEATH].value)
    for index, row in enumerate(rows):
        death = row[col.DEATH]
        if death.value is None:
            continue
        paid = row[col.PREMIUMS].value
        if paid is not None and death.value < paid - 1 and (death.value > 0 or paid_later[index]):
            # A death benefit pays at least the premiums paid, or nothing once an annuity's guaranteed years
            # are over: less, or nothing before later years pay, is most likely another column's numbers under
            # a misplaced label.
            row[col.DEATH] = death.doubted(PLAUSIBLE, "death benefit below the premiums paid")
            continue
        before = rows[index - 1] if index else None
        after = rows[index + 1] if index + 1 < len(rows) else None
        neighbours = [n for n in (before, after) if n is not None and n[col.DEATH].value is not None]
        if _same(death.value, row[col.TOTAL].value) or any(
            _same(death.value, n[col.DEATH].value) for n in neighbours
        ):
            continue
        if _fits(death.value, col.DEATH, (before, after)):  # an amount read is never below zero
            # Plausible but confirmed by nothing: a misread digit could still be in it.
            row[col.DEATH] = death.doubted(PLAUSIBLE)
            continue
        neighbours_repeat_total = all(_same(n[col.DEATH].value, n[col.TOTAL].value) for n in neighbours)
        if neighbours and neighbours_repeat_total and row[col.TOTAL].value is not None:
            row[col.DEATH] = _with(
                death,
                row[col.TOTAL].value,
                DERIVED,
                "death benefit out of line; neighbours repeat the total, so does this row",
            )
            continue
        row[col.DEATH] = death.doubted(FAILED_CHECK, "death benefit out of line with neighbouring rows")


def _premium_expected(year: int, basic: BasicInfo) -> float | None:
    premium = basic.get("annual_premium")
    if premium is None:
        return None
    mode = basic.get("payment_mode")
    term = basic.get("premium_term_years")
    if mode == "single" or term == 1:
        return float(premium)
    if term is None:
        return None
    return float(premium) * min(year, int(term))


def _check_premiums(rows: list[Row], basic: BasicInfo, alternatives: list[dict[str, list[float]]]) -> None:
    expected = [_premium_expected(row[col.YEAR].value, basic) for row in rows]  # every row has its year
    comparable = [
        (row, want, options)
        for row, want, options in zip(rows, expected, alternatives, strict=True)
        if want is not None and row[col.PREMIUMS] is not MISSING
    ]
    if sum(_same(row[col.PREMIUMS].value, want) for row, want, _ in comparable) < 0.6 * len(comparable):
        return
    for row, want, options in comparable:
        paid = row[col.PREMIUMS]
        if paid.value is not None and abs(paid.value - want) <= 1:
            if paid.confidence < CLEAN:
                row[col.PREMIUMS] = _with(paid, confidence=REPAIRED_CONFIRMED)
            continue
        if any(abs(option - want) <= 1 for option in options.get(col.PREMIUMS, ())):
            row[col.PREMIUMS] = _with(
                paid, want, REPAIRED_CONFIRMED, "letter re-read to match premium x years"
            )
        else:
            row[col.PREMIUMS] = _with(paid, want, DERIVED, "repaired to annual premium x min(year, term)")


def _issue_age(basic: BasicInfo, raw_rows: list[RawRow]) -> tuple[int | None, float]:
    """The issue age the table prints (age - policy year in most rows), else the one basic information
    read (the table is the example itself, while prose may state an eligibility range); with how sure."""
    differences = Counter(
        row.age.value - row.year.value
        for row in raw_rows
        if row.age.value is not None and row.year.value is not None
    )
    if differences:
        difference, count = differences.most_common(1)[0]
        if count >= 0.6 * sum(differences.values()):
            return difference, CLEAN
    found = basic.fields.get("issue_age", MISSING)
    return (found.value, found.confidence) if isinstance(found.value, int) else (None, 0.0)


def _following_known(values: list[int | None]) -> list[int | None]:
    """For each position, the index of the next position holding a value (one pass from the end)."""
    following: list[int | None] = [None] * len(values)
    known = None
    for index in range(len(values) - 1, -1, -1):
        following[index] = known
        if values[index] is not None:
            known = index
    return following


def _restore_age_labels(raw_rows: list[RawRow]) -> None:
    """Age rows come in steps (65, 70, 75 歲): an unreadable label, or a bare number that continues them
    (`115` for `115歲`), takes its age from the labels around it."""
    labels = [row.age_label for row in raw_rows]
    labelled = [index for index, label in enumerate(labels) if label is not None]
    steps = Counter(
        (labels[b] - labels[a]) // (b - a)  # type: ignore[operator]
        for a, b in pairwise(labelled)
        if (labels[b] - labels[a]) % (b - a) == 0  # type: ignore[operator]
    )
    if not steps:
        return
    step, seen = steps.most_common(1)[0]
    if step <= 0:
        return
    following_label = _following_known(labels)
    previous = None
    for index, row in enumerate(raw_rows):
        if row.age_label is not None:
            previous = index
            continue
        if previous is None:
            continue
        expected = labels[previous] + step * (index - previous)  # type: ignore[operator]
        following = following_label[index]
        if following is None and seen < 2:
            continue  # past the last label only a step seen twice says where the sequence goes
        if following is not None and labels[following] != expected + step * (following - index):
            continue
        garbled = row.unreadable_label
        # A label of digits alone is the age with 歲 read as more digits: it starts with the age.
        if (garbled and not (garbled.isdigit() and not garbled.startswith(str(expected)))) or (
            row.year.value == expected
        ):
            row.age_label = expected
            row.unreadable_label = ""
            row.year = Field(None, 0.0, row.year.span, ("age label taken from the sequence of age rows",))


def _repair_years_from_sequence(raw_rows: list[RawRow]) -> None:
    """OCR drops a digit of a policy year (`1` for `11`) or the whole year: a year out of order whose digits,
    in order, belong to the one year that fits between its neighbours takes that year, and a row without
    one between two years one apart from it takes the year between."""
    years = [row.year.value for row in raw_rows]
    following_year = _following_known(years)
    previous = None
    for index, row in enumerate(raw_rows):
        year = row.year.value
        following_index = following_year[index]
        following = years[following_index] if following_index is not None else None
        if row.age_label is not None or row.unreadable_label or previous is None or following is None:
            previous = year if year is not None else previous
            continue
        if year is None:
            if following - previous == 2 and row.amounts:
                year = previous + 1
                row.year = _with(row.year, year, DERIVED, "policy year restored from the table's sequence")
        elif not previous < year < following:
            fitting = [c for c in range(previous + 1, following) if _digits_within(str(year), str(c))]
            if len(fitting) == 1:
                year = fitting[0]
                row.year = _with(row.year, year, DERIVED, "policy year restored from the table's sequence")
        previous = year if year is not None else previous


def _digits_within(read: str, candidate: str) -> bool:
    remaining = iter(candidate)
    return len(read) < len(candidate) and all(digit in remaining for digit in read)


def _resolve_years(raw_rows: list[RawRow], issue_age: int | None, issue_age_confidence: float) -> None:
    """Policy year from an age label or the age column; ages from the year where the table has none."""
    _restore_age_labels(raw_rows)
    _repair_years_from_sequence(raw_rows)
    for row in raw_rows:
        if row.age_label is not None and issue_age is not None:
            restored = row.year.issues
            confidence = DERIVED if restored else min(0.9, issue_age_confidence)
            row.year = Field(
                row.age_label - issue_age,
                confidence,
                row.year.span,
                (*restored, "policy year = age label - issue age"),
            )
            if row.age is MISSING:
                row.age = Field(row.age_label, 0.9, row.year.span)
        elif row.year.value is None and row.age.value is not None and issue_age is not None:
            row.year = Field(
                row.age.value - issue_age, DERIVED, row.age.span, ("policy year = age - issue age",)
            )
    if issue_age is None:
        return
    years = [row.year.value for row in raw_rows]
    for index, row in enumerate(raw_rows):
        year, age = row.year.value, row.age.value
        if year is None:
            continue
        if age is None:
            row.age = Field(
                issue_age + year,
                DERIVED if row.age is MISSING else 0.5,
                row.age.span,
                ("age = issue age + policy year",),
            )
            continue
        if age == issue_age + year:
            continue
        previous = next((y for y in reversed(years[:index]) if y is not None), None)
        following = next((y for y in years[index + 1 :] if y is not None), None)
        from_age = age - issue_age
        year_out_of_order = (previous is not None and year <= previous) or (
            following is not None and year >= following
        )
        age_year_in_order = (previous is None or from_age > previous) and (
            following is None or from_age < following
        )
        if year_out_of_order and age_year_in_order:
            row.year = _with(row.year, from_age, DERIVED, "policy year repaired from age - issue age")
            years[index] = from_age
        else:
            row.age = _with(row.age, issue_age + year, DERIVED, "age repaired to issue age + policy year")


def _amount_values(row: RawRow) -> list[object]:
    return [row.amounts[name].value for name in sorted(row.amounts)] + [
        p.value for p in row.non_guaranteed_parts
    ]


def build_rows(candidate: Candidate, basic: BasicInfo) -> tuple[list[Row], list[str]]:
    raw_rows = [_read_row(block.roles, slots) for block in candidate.blocks for slots in block.columns]
    issues = [issue for block in candidate.blocks for issue in block.issues]
    _resolve_years(raw_rows, *_issue_age(basic, raw_rows))
    has_non_guaranteed = col.NON_GUARANTEED in candidate.roles
    parts = max((len(row.non_guaranteed_parts) for row in raw_rows), default=0)
    rows: list[Row] = []
    alternatives: list[dict[str, list[float]]] = []
    seen_years: dict[int, tuple[RawRow, int]] = {}  # policy year -> its first row and where that went
    for raw in raw_rows:
        if raw.year.value is None:
            issues.append("skipped a row without a readable policy year")
            continue
        if raw.year.value < 1:
            issues.append(f"skipped a row whose policy year reads {raw.year.value}: policy years start at 1")
            continue
        if raw.year.value in seen_years:
            issues.append(f"skipped a repeated row for policy year {raw.year.value}")
            first, position = seen_years[raw.year.value]
            if _amount_values(first) != _amount_values(raw):
                # Two different rows claim the year: nothing says which one holds it.
                kept = rows[position]
                kept.update({name: f.doubted(PLAUSIBLE) for name, f in kept.items()})
            continue
        seen_years[raw.year.value] = (raw, len(rows))
        row = {name: raw.amounts.get(name, MISSING) for name in ROW_FIELDS}
        row |= {
            col.YEAR: raw.year,
            col.AGE: raw.age,
            col.NON_GUARANTEED: _combine_parts(raw.non_guaranteed_parts),
        }
        if (
            not has_non_guaranteed
            and row[col.TOTAL].value is not None
            and row[col.GUARANTEED].value is not None
        ):
            row[col.NON_GUARANTEED] = Field(
                round(row[col.TOTAL].value - row[col.GUARANTEED].value, 2),  # no float noise: cents
                DERIVED,
                None,
                ("no non-guaranteed column: total - guaranteed",),
            )
        rows.append(row)
        alternatives.append(raw.alternatives)
    order = sorted(range(len(rows)), key=lambda index: rows[index][col.YEAR].value)
    if order != list(range(len(rows))):
        # Policy years increase down a table: a row out of that order has a year nothing confirms.
        issues.append("rows reordered by policy year")
        for position, index in enumerate(order):
            if index != position:
                rows[index] = {name: f.doubted(PLAUSIBLE) for name, f in rows[index].items()}
        rows = [rows[index] for index in order]
        alternatives = [alternatives[index] for index in order]
    for index, row in enumerate(rows):
        neighbours = (rows[index - 1] if index else None, rows[index + 1] if index + 1 < len(rows) else None)
        _check_total(row, parts, alternatives[index], neighbours)
    _check_premiums(rows, basic, alternatives)
    _check_death_benefits(rows)
    return rows, issues


def extract_value_table(text: str, basic: BasicInfo) -> ValueTable:
    candidates = group_tables(fold_document(text))
    usable = [c for c in candidates if c.distractor is None and c.score() > 0]
    notes = [
        f"set aside table {c.title[:40]!r} ({c.row_count} rows): {c.distractor}"
        for c in candidates
        if c.distractor
    ]
    fallback = [c for c in candidates if c.score() > 0]
    if not fallback:
        return ValueTable([], (*notes, "no value table found"))
    chosen = max(usable or fallback, key=Candidate.score)  # the first of the best
    rows, issues = build_rows(chosen, basic)
    if not usable:
        notes.append("only distractor-like tables found; using the best with low confidence")
        rows = [{name: f.doubted(FAILED_CHECK) for name, f in row.items()} for row in rows]
    uncertain = {role for block in chosen.blocks for role in block.uncertain_roles}
    if uncertain:
        # The column was named by its numbers alone: right as far as the arithmetic goes, yet worth a look.
        rows = [
            {name: f.doubted(ROLE_FROM_ARITHMETIC) if name in uncertain else f for name, f in row.items()}
            for row in rows
        ]
    columns = ", ".join(text for text in chosen.blocks[0].header_texts if text)
    notes.insert(
        0, f"chose table {chosen.title[:40]!r} ({len(rows)} rows; columns: {columns or 'inherited'})"
    )
    return ValueTable(rows, tuple(notes + issues))
