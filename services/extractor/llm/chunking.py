"""Cutting a document into parts the model can read and answer in full: at page breaks first, then by line
ranges. No part is ever dropped: the parts cover the whole text, in order. A table part that starts without
its column headers carries the headers of the part before it, so the model knows what the columns are."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from ..extraction.normalize import fold
from ..extraction.numbers import find_amounts

# Page breaks as OCR services print them: a Markdown rule, a form feed, "第 2 頁，共 3 頁", "Page 2 of 3", "- 2 -".
_PAGE_BREAK_RE = re.compile(
    r"^[ \t]*(?:-{3,}|\f|第\s*\d+\s*[页頁](?:\s*(?:[,，]\s*)?共\s*\d+\s*[页頁])?"
    r"|page\s+\d+(?:\s+of\s+\d+)?|-\s*\d+\s*-)"
    r"[ \t]*$|\f",
    re.I | re.M,
)
_HEADER_LINES = 4


@dataclass(frozen=True)
class Chunk:
    start: int  # offsets of the part in the document
    end: int
    context: str = ""  # column headers carried over from an earlier part (not part of [start, end))

    def text(self, document: str) -> str:
        body = document[self.start : self.end]
        return f"{self.context}\n{body}" if self.context else body


def is_row(line: str) -> bool:
    """A line that looks like a table row: three numbers or more."""
    return len(find_amounts(fold(line))) >= 3


def count_rows(text: str) -> int:
    return sum(1 for line in text.splitlines() if is_row(line))


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    position = start
    while position < end:
        newline = text.find("\n", position, end)
        stop = end if newline < 0 else newline + 1
        spans.append((position, stop))
        position = stop
    return spans


def _pages(text: str) -> list[tuple[int, int]]:
    cuts = [match.start() for match in _PAGE_BREAK_RE.finditer(text) if match.start() > 0]
    bounds = [0, *cuts, len(text)]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def _fits(text: str, start: int, end: int, max_chars: int, max_rows: int) -> bool:
    return end - start <= max_chars and count_rows(text[start:end]) <= max_rows


def _split_page(text: str, start: int, end: int, max_chars: int, max_rows: int) -> list[tuple[int, int]]:
    parts: list[tuple[int, int]] = []
    part_start = start
    rows = 0
    for line_start, line_end in _lines(text, start, end):
        row = is_row(text[line_start:line_end])
        too_long = line_end - part_start > max_chars or rows + row > max_rows
        if too_long and line_start > part_start:
            parts.append((part_start, line_start))
            part_start, rows = line_start, 0
        rows += row
    parts.append((part_start, end))
    return parts


def _header(text: str, start: int, end: int) -> str | None:
    """The lines just above the first row of text[start:end], if any come before it."""
    lines = _lines(text, start, end)
    for index, (line_start, line_end) in enumerate(lines):
        if is_row(text[line_start:line_end]):
            above = [text[a:b].rstrip("\n") for a, b in lines[max(0, index - _HEADER_LINES) : index]]
            above = [line for line in above if line.strip()]
            return "\n".join(above) if above else None
    return None


def with_headers(text: str, spans: list[tuple[int, int]]) -> list[Chunk]:
    chunks: list[Chunk] = []
    header = ""
    for start, end in spans:
        own = _header(text, start, end)
        chunks.append(Chunk(start, end, "" if own else header))
        header = own or header
    return chunks


def chunk(text: str, *, max_chars: int, max_rows: int) -> list[Chunk]:
    """Whole pages packed together while they fit; a page too big on its own is cut between lines."""
    spans: list[tuple[int, int]] = []
    for page_start, page_end in _pages(text):
        if spans and _fits(text, spans[-1][0], page_end, max_chars, max_rows):
            spans[-1] = (spans[-1][0], page_end)
        elif _fits(text, page_start, page_end, max_chars, max_rows):
            spans.append((page_start, page_end))
        else:
            spans.extend(_split_page(text, page_start, page_end, max_chars, max_rows))
    return with_headers(text, spans or [(0, len(text))])


def halve(text: str, part: Chunk) -> tuple[Chunk, Chunk] | None:
    """The part cut in two at a line break near its middle (for a reply cut off by max_tokens); None when it is
    a single line."""
    lines = _lines(text, part.start, part.end)
    if len(lines) < 2:
        return None
    middle = lines[len(lines) // 2][0]
    left = Chunk(part.start, middle, part.context)
    header = _header(text, part.start, middle) or part.context
    right_own = _header(text, middle, part.end)
    return left, Chunk(middle, part.end, "" if right_own else header)
