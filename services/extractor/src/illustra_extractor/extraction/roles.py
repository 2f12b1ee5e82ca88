"""Giving every column of a recovered grid its role from its label *and* from how its numbers behave.

Labels come first (`columns.column_role`). Where they leave a column unknown, name two columns alike, or name a
guaranteed + non-guaranteed = total that does not add up, the table's own arithmetic decides: the total is the
column that is the sum of two or three others (and a sum with a death-benefit column in it is the death-benefit
section's), the premiums paid never fall and stop growing after the payment term (premium x min(year, term)), the
age is the policy year plus a constant, an unnamed column never below the total is the death benefit. A role that
only the arithmetic gave is recorded on the block, so that its values are reported below the confidence that is
trusted without asking.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations, pairwise

from . import columns as col
from .grid import Block, Cell
from .numbers import DASH_RE, parse_amount_token

MAX_SUM_COLUMNS = 16  # more columns than a value table prints are not searched for sums (the search is cubic)
AGREEMENT = 0.8  # share of rows an equation must hold in to say what the columns are
_SUM_ROLES = (col.GUARANTEED, col.NON_GUARANTEED, col.TOTAL)
_UNIQUE = (col.YEAR, col.AGE, col.PREMIUMS, col.GUARANTEED, col.TOTAL, col.DEATH)


def _cell_number(cell: Cell | None) -> float | None:
    if cell is None:
        return None
    if DASH_RE.fullmatch(cell.text):
        return 0.0
    return parse_amount_token(cell.text)[0]


def check_roles(block: Block) -> None:
    """Confirm `block.roles` (from labels) against the arithmetic of `block.columns`, and mend them where the
    labels are missing, repeated or contradicted by the numbers."""
    width = len(block.columns[0]) if block.columns else 0
    block.label_roles = list(block.roles)
    if len(block.columns) < 3 or width < 3:
        return
    labels = list(block.roles) + [None] * (width - len(block.roles))
    if _labels_hold(labels, block.columns):
        return
    numbers = [_numbers(block.columns, index) for index in range(width)]
    if col.YEAR in labels and not _years(numbers[labels.index(col.YEAR)]) and _years(numbers[0]):
        # The labels sit a column off the numbers (OCR drops a line's leading blanks, so a header line that
        # starts under the third column is placed under the first): none of them can be trusted.
        labels = [None] * width
    roles, inferred = _roles_from_arithmetic(labels, numbers)
    if col.TOTAL not in roles and any(labels):
        # The labels keep the numbers from making a sum (OCR put a header's words under other columns):
        # where the numbers alone make one, they decide.
        bare, bare_inferred = _roles_from_arithmetic([None] * width, numbers)
        if col.TOTAL in bare and {col.YEAR, col.AGE} & set(bare):
            roles, inferred = bare, bare_inferred
    if roles == labels:
        return
    if not {col.YEAR, col.AGE} & set(roles) or not {col.TOTAL, col.GUARANTEED} & set(roles):
        return  # the numbers say no more than the labels did
    block.roles = roles
    block.uncertain_roles |= inferred
    named = ", ".join(sorted(inferred)) or "none"
    block.issues.append(f"column roles set by the table's arithmetic (from the numbers alone: {named})")


def check_roles_together(blocks: list[Block]) -> None:
    """Check the blocks of one table under one header (a table wrapped over pages or into groups) as one grid:
    a measure that says nothing in the first group (a bonus still zero) may in the next."""
    whole = Block(blocks[0].kind, [], [], [], roles=list(blocks[0].label_roles))
    whole.columns = [row for block in blocks for row in block.columns]
    check_roles(whole)
    if whole.roles == whole.label_roles and any(block.roles != block.label_roles for block in blocks):
        return  # the whole says nothing (a garbled row spoils its sequence of years) where a group did
    if whole.roles == blocks[0].roles and whole.uncertain_roles == blocks[0].uncertain_roles:
        return
    for block in blocks:
        block.roles, block.uncertain_roles = list(whole.roles), set(whole.uncertain_roles)
    blocks[0].issues += [f"{issue}, over {len(blocks)} groups under one header" for issue in whole.issues]


def continues(previous: Block, block: Block) -> bool:
    """`block` is the next page of `previous`'s table, whatever its garbled header says: as wide, its policy
    years carry on where `previous` stopped (or turn to age rows), and the sum `previous`'s roles name adds up
    in its rows too."""
    roles = previous.roles
    if (
        not block.columns
        or not previous.columns
        or len(block.columns[0]) != len(roles)
        or not {col.YEAR, col.GUARANTEED, col.TOTAL} <= set(roles)
    ):
        return False
    year = roles.index(col.YEAR)
    last, first = _cell_number(previous.columns[-1][year]), block.columns[0][year]
    if first is None or last is None:
        return False
    first_year = _cell_number(first)
    if not (first.text.endswith("岁") or (first_year is not None and last < first_year <= last + 10)):
        return False
    parts = [index for index, role in enumerate(roles) if role in (col.GUARANTEED, col.NON_GUARANTEED)]
    total = roles.index(col.TOTAL)
    numbers = {index: _numbers(block.columns, index) for index in (*parts, total)}
    if len(block.columns) >= 3:
        return _adds_up(numbers, parts, total)
    sums = [
        (sum(values), whole)
        for whole, *values in zip(numbers[total], *(numbers[part] for part in parts), strict=True)
        if whole is not None and None not in values
    ]
    return bool(sums) and all(abs(value - whole) <= len(parts) for value, whole in sums)


def _numbers(rows: list[list[Cell | None]], index: int) -> list[float | None]:
    return [_cell_number(row[index]) for row in rows]


def _labels_hold(labels: list[str | None], rows: list[list[Cell | None]]) -> bool:
    """The labels name each column once, leave no filled column unnamed, name the guaranteed part of a total,
    and add up where they can."""
    named = [role for role in labels if role in _UNIQUE]
    if len(named) != len(set(named)):
        return False
    for index, role in enumerate(labels):
        if role is None and sum(row[index] is not None for row in rows) >= len(rows) / 2:
            return False
    if col.TOTAL in labels and col.NON_GUARANTEED in labels and col.GUARANTEED not in labels:
        return False  # a total of non-guaranteed parts alone: OCR garbled the guaranteed value's label
    if col.TOTAL in labels and col.NON_GUARANTEED in labels and col.GUARANTEED in labels:
        sums = [index for index, role in enumerate(labels) if role in _SUM_ROLES]
        numbers = {index: _numbers(rows, index) for index in sums}
        parts = [index for index in sums if labels[index] != col.TOTAL]
        return _adds_up(numbers, parts, labels.index(col.TOTAL))
    return True


def _adds_up(
    numbers: Sequence[list[float | None]] | dict[int, list[float | None]],
    parts: Iterable[int],
    total: int,
    labelled: bool = True,
) -> bool:
    """The parts add up to the total in most rows, and do so in rows where no part is zero: a part that is
    mostly zero would make any column equal to another look like a sum. Labels that say these columns make a
    sum need one such row, numbers alone a quarter of the rows."""
    parts = list(parts)
    checked = agreeing = telling = 0
    totals = numbers[total]
    # Rows that disagree can only be this many while the sum still holds in AGREEMENT of the checked rows (at
    # most all of them): past it the answer is no. The search tries thousands of column combinations, nearly
    # all of which fail within their first rows.
    most_disagreeing = (1 - AGREEMENT) * len(totals)
    for row, whole in enumerate(totals):
        values = [numbers[part][row] for part in parts]
        if whole is None or None in values:
            continue
        checked += 1
        if abs(sum(values) - whole) <= len(parts):  # type: ignore[arg-type]
            agreeing += 1
            telling += 0 not in values
        elif checked - agreeing > most_disagreeing:
            return False
    needed = 1 if labelled else max(2, checked / 4)
    return checked >= 3 and agreeing >= AGREEMENT * checked and telling >= needed


def _years(values: list[float | None]) -> bool:
    whole = [value for value in values if value is not None]
    return (
        len(whole) >= len(values) / 2
        and all(1 <= value <= 150 and value == int(value) for value in whole)
        and all(b > a for a, b in pairwise(whole))
    )


def _premium_like(values: list[float | None], years: list[float | None]) -> bool:
    """premium x min(year, term) for some premium and term: never falls, then stays flat."""
    pairs = [(y, v) for y, v in zip(years, values, strict=True) if y is not None and v is not None and y >= 1]
    if len(pairs) < 3 or pairs[-1][1] <= 0 or any(b[1] < a[1] for a, b in pairwise(pairs)):
        return False
    top = pairs[-1][1]
    for unit in {pairs[0][1] / pairs[0][0], pairs[0][1]}:
        term = round(top / unit) if unit > 0 else 0
        if term >= 1 and all(abs(unit * min(y, term) - v) <= 1 + v / 1000 for y, v in pairs):
            return True
    return False


def _roles_from_arithmetic(
    labels: list[str | None], numbers: list[list[float | None]]
) -> tuple[list[str | None], set[str]]:
    width = len(labels)
    roles: list[str | None] = [None] * width
    inferred: set[str] = set()
    free = set(range(width))

    def give(index: int, role: str, from_label: bool) -> None:
        roles[index] = role
        free.discard(index)
        if not from_label:
            inferred.add(role)

    for index, label in enumerate(labels):
        if label == col.IGNORED:
            give(index, col.IGNORED, True)
    year = next((i for i in free if labels[i] == col.YEAR and _years(numbers[i])), None)
    if year is None and 0 in free and (_years(numbers[0]) or labels[0] in (col.YEAR, col.AGE)):
        year = 0
    if year is not None:
        give(year, col.AGE if labels[year] == col.AGE else col.YEAR, labels[year] in (col.YEAR, col.AGE))
    years: list[float | None] = numbers[year] if year is not None else [None] * len(numbers[0])
    for index in sorted(free, key=lambda i: labels[i] != col.AGE):
        offsets = {
            a - y for a, y in zip(numbers[index], years, strict=True) if a is not None and y is not None
        }
        if len(offsets) == 1 and 0 < next(iter(offsets)) < 100:
            give(index, col.AGE, labels[index] == col.AGE)
            break
    _sums(labels, numbers, free, give)
    premiums = [i for i in free if labels[i] == col.PREMIUMS]
    fitting = [i for i in sorted(free) if _premium_like(numbers[i], years)]
    if premiums and (premiums[0] in fitting or not fitting):
        give(premiums[0], col.PREMIUMS, True)
    elif fitting:
        give(fitting[0], col.PREMIUMS, labels[fitting[0]] == col.PREMIUMS)
    deaths = [i for i in free if labels[i] == col.DEATH and not _below_total(numbers[i], numbers, roles)]
    if deaths:
        # A death-benefit section prints guaranteed, non-guaranteed and total: the total is the largest, and
        # the last where the non-guaranteed part is still nothing.
        give(max(deaths, key=lambda i: (sum(v or 0 for v in numbers[i]), i)), col.DEATH, True)
    if col.DEATH not in roles and col.TOTAL in roles:
        # An unnamed column never below the total (and, the total growing, equal to it in later years).
        total = numbers[roles.index(col.TOTAL)]
        for index in sorted(i for i in free if labels[i] is None):
            pairs = [
                (d, t) for d, t in zip(numbers[index], total, strict=True) if d is not None and t is not None
            ]
            if len(pairs) >= 3 and sum(d >= t - 1 for d, t in pairs) >= AGREEMENT * len(pairs):
                give(index, col.DEATH, False)
                break
    summed = col.TOTAL in roles
    # Labels the numbers neither confirm nor contradict. Two amount columns labelled alike that nothing tells
    # apart both keep the label: the rows then say the value is unsure wherever they read differently.
    unconfirmed: set[str] = set()
    for index in sorted(free):
        label = labels[index]
        if (label in _UNIQUE and (label not in roles or label in unconfirmed - {col.YEAR, col.AGE})) or (
            label == col.NON_GUARANTEED and not summed
        ):
            give(index, label, True)
            unconfirmed.add(label)
    for index in list(free):
        roles[index] = col.IGNORED if labels[index] is not None else None
    return roles, inferred


def _below_total(
    values: list[float | None], numbers: list[list[float | None]], roles: list[str | None]
) -> bool:
    """A column labelled death benefit that pays something less than the surrender value in many rows is
    another column under a misplaced label (a death benefit is never below what a surrender pays, though an
    annuity's may be nothing)."""
    if col.TOTAL not in roles:
        return False
    pairs = [
        (d, t) for d, t in zip(values, numbers[roles.index(col.TOTAL)], strict=True) if d and t is not None
    ]
    return len(pairs) >= 3 and sum(d < t - 1 for d, t in pairs) > (1 - AGREEMENT) * len(pairs)


def _gaps(columns: tuple[int, ...]) -> int:
    """Other columns printed between those of a sum. Tables print a sum's parts side by side with the total
    beside them: columns between them make the sum a coincidence more likely than a table's arithmetic."""
    return max(columns) - min(columns) + 1 - len(columns)


def _sums(labels: list[str | None], numbers: list[list[float | None]], free: set[int], give) -> None:
    """Find guaranteed + non-guaranteed (in one or two parts) = total among the free columns, preferring the
    columns whose labels say so. A sum with a death-benefit column among it is the death-benefit section's
    (guaranteed death benefit + bonuses = total death benefit): its total is the death benefit. The death
    section's bonus columns may have been set aside by their labels (`columns.column_roles`); they still count
    there, never in the surrender values' sum."""
    set_aside = {i for i, label in enumerate(labels) if label == col.IGNORED and any(numbers[i])}
    candidates = sorted(i for i in free | set_aside if any(numbers[i]))
    if len(candidates) > MAX_SUM_COLUMNS:
        return
    surrender: tuple[float, int, tuple[int, ...]] | None = None
    deaths: list[tuple[int, tuple[int, ...], int]] = []
    for size in (2, 3):
        for parts in combinations(candidates, size):
            for total in candidates:
                if total in parts:
                    continue
                columns = (*parts, total)
                in_death_section = any(labels[i] == col.DEATH for i in columns)
                # Labels say these columns make a sum: a death section's, or guaranteed and non-guaranteed
                # parts with a total that is not another measure.
                named = all(labels[i] == col.DEATH for i in columns) or (
                    labels[total] in (col.TOTAL, col.GUARANTEED, None)
                    and all(labels[i] in (col.GUARANTEED, col.NON_GUARANTEED) for i in parts)
                    and col.NON_GUARANTEED in (labels[i] for i in parts)
                )
                if not _adds_up(numbers, parts, total, named):
                    continue
                if in_death_section:
                    deaths.append((total, parts, _gaps(columns)))
                    continue
                if set_aside.intersection(columns):
                    continue
                score: float = (labels[total] == col.TOTAL) + sum(
                    labels[i] in (col.GUARANTEED, col.NON_GUARANTEED) for i in parts
                )
                score -= sum(labels[i] in (col.PREMIUMS, col.AGE) for i in columns)
                score -= 0.5 * _gaps(columns)
                if surrender is None or score > surrender[0]:
                    surrender = (score, total, parts)
    taken = {surrender[1], *surrender[2]} if surrender is not None else set()
    deaths = [found for found in deaths if not taken & {found[0], *found[1]}]
    if deaths:
        # The largest total; of sums giving it, the one printed side by side (the premiums paid may equal the
        # guaranteed death benefit and make a sum with the section's bonuses too).
        total, parts, _ = max(deaths, key=lambda found: (sum(v or 0 for v in numbers[found[0]]), -found[2]))
        give(total, col.DEATH, labels[total] == col.DEATH)
        for part in parts:
            give(part, col.IGNORED, True)
    if surrender is None:
        return
    _, total, parts = surrender
    give(total, col.TOTAL, labels[total] == col.TOTAL)
    guaranteed = next((i for i in parts if labels[i] == col.GUARANTEED), None)
    if guaranteed is None:
        # Tables print the guaranteed value before the non-guaranteed ones.
        guaranteed = next((i for i in parts if labels[i] != col.NON_GUARANTEED), parts[0])
    give(guaranteed, col.GUARANTEED, labels[guaranteed] == col.GUARANTEED)
    for part in parts:
        if part != guaranteed:
            give(part, col.NON_GUARANTEED, labels[part] == col.NON_GUARANTEED)
