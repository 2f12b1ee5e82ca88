"""The grid every layout reader produces: rows of cells that point into the folded text, under column headers.

Whatever the printed layout (a row a line, years across, one value a line, several years stacked in a cell, HTML),
a reader turns it into a `Block` of this form, so that giving columns their roles, checking rows against the
table's arithmetic and repairing them is done once, in `table`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple


class Cell(NamedTuple):
    text: str  # folded
    start: int
    end: int
    x: int = 0  # display column where the cell starts (space-aligned text only)
    x_end: int = 0


def token_cell(token: re.Match[str], x: int = 0, x_end: int = 0) -> Cell:
    """The cell of a token found in the folded text."""
    return Cell(token.group(), token.start(), token.end(), x, x_end)


@dataclass
class Block:
    kind: str  # "text", "html", "pipe" or "transposed" (years across, read as a grid of rows)
    titles: list[str]
    # Text blocks: header words line by line; html/pipe: header cells row by row.
    header_lines: list[list[Cell]]
    rows: list[list[Cell]]  # data rows; for html/pipe already one cell per column
    roles: list[str | None] = field(default_factory=list)  # one per column, filled by assign_columns
    columns: list[list[Cell | None]] = field(default_factory=list)  # rows as one slot per column
    header_texts: list[str] = field(default_factory=list)  # one per column, for notes
    issues: list[str] = field(default_factory=list)
    label_roles: list[str | None] = field(default_factory=list)  # roles as the labels gave them
    uncertain_roles: set[str] = field(default_factory=set)  # roles only the table's arithmetic gave
