"""Recovering the grid of value tables that are not printed one policy year a line.

- Years across (transposed): a line of policy years, then one line per measure (`已繳保費總額  1,000  2,000 …`);
  a label may be split over two lines, and a heading line (身故賠償) may head a section of measures.
- Several years stacked in a cell: `1 / 2 / 3   8 / 9 / 10   1,000 / 2,000 / 3,000`.
- One value a line: a table extracted cell by cell, each group of rows coming out column by column.

Each reader returns plain rows of cells (and, years across, one label per column) for `layout` to make into a
`Block`, so that roles, checks and repairs are shared with every other layout. Nothing here backtracks: lines are
split once into tokens, and every pattern is anchored to one token.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import reduce
from itertools import pairwise

from .columns import AGE, DEATH, YEAR, column_role
from .grid import Cell, token_cell
from .normalize import display_width, lines
from .numbers import DASH_RE, parse_amount_token

_TOKEN_RE = re.compile(r"\d{1,3}\s?岁|age\s?\d{1,3}|[^\s|]+")
_YEAR_TOKEN_RE = re.compile(r"\d{1,3}|\d{1,3}\s?岁|age\s?\d{1,3}")
_AGE_LABEL_RE = re.compile(r"\d{1,3}\s?岁|age\s?\d{1,3}")
_STACK_TOKEN_RE = re.compile(r"\d{1,3}\s?岁|age\s?\d{1,3}|[^\s|/]+|/")

MAX_GROUP_ROWS = 60  # rows a page can hold: bounds the group sizes tried, keeping the work linear
MIN_YEARS_ACROSS = 4  # fewer numbers after a label that does not say "year" are a row of text


def is_value(token: str) -> bool:
    """A cell of a value table: an amount, a dash for zero, a policy year or an age label."""
    return bool(
        DASH_RE.fullmatch(token) or _AGE_LABEL_RE.fullmatch(token) or parse_amount_token(token)[0] is not None
    )


def _plain_years(texts: Iterable[str]) -> list[int]:
    """The policy years of year cells printed as plain numbers (age labels left out)."""
    return [int(text) for text in texts if text.isdigit()]


def _rising(years: list[int]) -> bool:
    """Policy years from 1 on, each after the one before."""
    return years[0] >= 1 and all(b > a for a, b in pairwise(years))


def _split_label(folded: str, start: int, end: int) -> tuple[str, list[re.Match[str]]] | None:
    """A line as (label, value tokens): the words before the first value, then only values."""
    tokens = list(_TOKEN_RE.finditer(folded, start, end))
    first = next((index for index, token in enumerate(tokens) if is_value(token.group())), len(tokens))
    values = tokens[first:]
    if not all(is_value(token.group()) for token in values):
        return None
    return " ".join(token.group() for token in tokens[:first]), values


def years_across(folded: str, start: int, end: int) -> tuple[str, list[re.Match[str]]] | None:
    """A line of policy years printed across (`保單年度終結  1  2  3  4  5  10  65歲`): its label and year tokens."""
    line = folded[start:end].rstrip()
    if not line or not (line[-1].isdigit() or line[-1] == "岁") or ":" in line:
        return None  # most lines of a document, cheaply
    split = _split_label(folded, start, end)
    if split is None:
        return None
    label, values = split
    if not label or len(values) < (1 if column_role(label) in (YEAR, AGE) else MIN_YEARS_ACROSS):
        return None
    if not all(_YEAR_TOKEN_RE.fullmatch(token.group()) for token in values):
        return None
    years = _plain_years(token.group() for token in values)
    if years and not (_rising(years) and years[-1] <= 150):
        return None
    return label, values


def join_label(first: str, second: str) -> str:
    """Two parts of a label split over lines: Chinese joins without a space, words with one."""
    if not first or not second:
        return first or second
    if not first[-1].isascii() and not second[0].isascii():
        return first + second
    return f"{first} {second}"


def transposed_grid(
    folded: str, start: int, line_end: int, years_line: tuple[str, list[re.Match[str]]]
) -> tuple[list[str], list[list[Cell]], int] | None:
    """Read a years-across table from its line of years at folded[start:line_end].

    Returns one label per column (the years' first), the rows (one per policy year) and where reading stopped:
    at the first line that is neither a measure, a label part nor blank, or at the next line of years. None
    when fewer than two measures follow the years.
    """
    years_label, year_tokens = years_line
    width = len(year_tokens)
    series: list[tuple[str, list[re.Match[str]]]] = []
    pending: list[str] = []  # text lines waiting for the measure they label
    section = ""  # a death-benefit heading labels every measure after it
    stop = line_end + 1
    for line_start, end in lines(folded, line_end + 1):
        text = folded[line_start:end].strip()
        if not text:
            continue
        more_years = years_across(folded, line_start, end)
        if more_years is not None and (more_years[0] == years_label or column_role(more_years[0]) == YEAR):
            break  # the next group of a table wrapped into groups
        split = _split_label(folded, line_start, end)
        if split is not None and len(split[1]) == width:
            label, values = split
            above = reduce(join_label, pending, "")
            if above and column_role(above) is not None and column_role(label) is not None:
                # A heading over a section of measures, not the first half of this label: a death-benefit
                # heading makes every measure under it a part of the death benefit.
                section = above if column_role(above) == DEATH else ""
                above = ""
            series.append((join_label(section, join_label(above, label)), values))
            pending = []
            stop = end + 1
            continue
        if (
            split is not None
            and not split[1]
            and len(pending) < 2
            and display_width(text) <= 40
            and ":" not in text
        ):
            pending.append(text)
            continue
        break
    if len(series) < 2:
        return None
    labels = [years_label] + [label for label, _ in series]
    rows = [
        [token_cell(year)] + [token_cell(values[index]) for _, values in series]
        for index, year in enumerate(year_tokens)
    ]
    return labels, rows, stop


def stacked_rows(folded: str, start: int, end: int) -> list[list[Cell]] | None:
    """A line whose cells each hold several years (`1 / 2 / 3   8 / 9 / 10   …`) as one row per year.

    A cell is values joined by slashes; two values side by side with no slash between them start a new cell,
    however little space a crowded line leaves between the cells.
    """
    stacks: list[list[re.Match[str]]] = []
    joined = False
    for token in _STACK_TOKEN_RE.finditer(folded, start, end):
        if token.group() == "/":
            if not stacks or joined:
                return None
            joined = True
            continue
        if not is_value(token.group()):
            return None
        if joined:
            stacks[-1].append(token)
        else:
            stacks.append([token])
        joined = False
    if joined or len(stacks) < 3 or len({len(stack) for stack in stacks}) != 1 or len(stacks[0]) < 2:
        return None
    years = _plain_years(token.group() for token in stacks[0])
    if not years or not _rising(years):
        return None
    line_is_ascii = folded[start:end].isascii()
    columns = []
    for stack in stacks:
        first, last = stack[0].start(), stack[-1].end()
        x = first - start if line_is_ascii else display_width(folded[start:first])
        x_end = x + display_width(folded[first:last])
        columns.append([token_cell(token, x, x_end) for token in stack])
    return [list(row) for row in zip(*columns, strict=True)]


def single_value(folded: str, start: int, end: int) -> re.Match[str] | None:
    """The one value on a line that holds nothing else (a table extracted cell by cell)."""
    tokens = list(_TOKEN_RE.finditer(folded, start, end))
    if len(tokens) == 1 and is_value(tokens[0].group()):
        return tokens[0]
    return None


def cell_by_cell(folded: str, start: int, width: int) -> tuple[list[list[Cell]], int] | None:
    """Rows of a table extracted one value a line under a header of `width` columns.

    Each group of rows comes out column by column (years, then ages, then premiums, …). Blank lines between the
    columns, where there are any, give the group's size; otherwise it is the size that makes the years rise and
    every column run smoothly. Returns the rows and where reading stopped, None when the values do not make a
    table of that width.
    """
    runs: list[list[re.Match[str]]] = [[]]
    stop = start
    for line_start, end in lines(folded, start):
        if not folded[line_start:end].strip():
            runs.append([])  # the empty runs of several blank lines are dropped below
            continue
        value = single_value(folded, line_start, end)
        if value is None:
            break
        runs[-1].append(value)
        stop = end + 1
    runs = [run for run in runs if run]
    values = [value for run in runs for value in run]
    if width < 3 or not values or len(values) % width:
        return None
    sizes: list[list[int]] = []
    if len(runs) > 1 and len(runs) % width == 0:
        grouped = [runs[index : index + width] for index in range(0, len(runs), width)]
        if all(len({len(run) for run in group}) == 1 for group in grouped):
            sizes.append([len(group[0]) for group in grouped])
    row_count = len(values) // width
    sizes += [
        [size] * (row_count // size) + ([row_count % size] if row_count % size else [])
        for size in range(min(2, row_count), min(row_count, MAX_GROUP_ROWS) + 1)
    ]
    grids = [rows for group_sizes in sizes if (rows := _regroup(values, width, group_sizes)) is not None]
    if not grids:
        return None
    return max(grids, key=_smoothness), stop  # of grids as smooth, the first


def _regroup(values: list[re.Match[str]], width: int, group_sizes: list[int]) -> list[list[Cell]] | None:
    rows: list[list[Cell]] = []
    offset = 0
    for size in group_sizes:
        for row in range(size):
            rows.append([token_cell(values[offset + column * size + row]) for column in range(width)])
        offset += size * width
    years = _plain_years(row[0].text for row in rows)
    if len(years) < len(rows) / 2 or not _rising(years):
        return None
    return rows


def _smoothness(rows: list[list[Cell]]) -> int:
    """Pairs of neighbouring rows whose values in the same column are within a factor of ten of each other."""
    numbers = [[parse_amount_token(cell.text)[0] for cell in row] for row in rows]
    smooth = 0
    for above, below in pairwise(numbers):
        for a, b in zip(above, below, strict=True):
            if a and b and abs(math.log10(a) - math.log10(b)) < 1:
                smooth += 1
    return smooth
