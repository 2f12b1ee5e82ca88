"""Cutting a document into parts the model can read and answer in full: at page breaks first, then between
rows. A row is a line, or an HTML table row: PDF conversions print a whole table on one line, and its size is
its rows, not its lines. No part is ever dropped: the parts cover the whole text, in order. A table part that
starts without its column headers carries the headers of the part before it, so the model knows what the
columns are."""

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
_ROW_END_RE = re.compile(r"\n|</tr\s*>", re.I)
TAG_RE = re.compile(r"<[^<>]*>")  # [^<>]: an unclosed "<" costs one scan, not one per "<"


@dataclass(frozen=True)
class Chunk:
    start: int  # offsets of the part in the document
    end: int
    context: str = ""  # column headers carried over from an earlier part (not part of [start, end))

    def text(self, document: str) -> str:
        body = document[self.start : self.end]
        return f"{self.context}\n{body}" if self.context else body


def count_rows(text: str) -> int:
    return _Rows(text).count(0, len(text))


def line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The lines of text[start:end], a line holding HTML rows cut after each row."""
    spans = []
    position = start
    for match in _ROW_END_RE.finditer(text, start, end):
        spans.append((position, match.end()))
        position = match.end()
    if position < end:
        spans.append((position, end))
    return spans


class _Rows:
    """Which lines of one text are table rows. Packing pages into parts and finding their headers asks about
    the same lines many times over (each page packed counts the rows of the part so far); each is read once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._read: dict[tuple[int, int], bool] = {}

    def is_row(self, start: int, end: int) -> bool:
        """Whether text[start:end] looks like a table row: three numbers or more (in its text, not its tags)."""
        found = self._read.get((start, end))
        if found is None:
            line = TAG_RE.sub(" ", fold(self.text[start:end]))
            found = self._read[start, end] = len(find_amounts(line)) >= 3
        return found

    def count(self, start: int, end: int) -> int:
        return sum(self.is_row(a, b) for a, b in line_spans(self.text, start, end))


def _pages(text: str) -> list[tuple[int, int]]:
    cuts = [match.start() for match in _PAGE_BREAK_RE.finditer(text) if match.start() > 0]
    bounds = [0, *cuts, len(text)]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def _split_page(rows: _Rows, start: int, end: int, max_chars: int, max_rows: int) -> list[tuple[int, int]]:
    """The page cut between lines into parts that fit (a page that fits is one part)."""
    parts: list[tuple[int, int]] = []
    part_start = start
    count = 0
    for line_start, line_end in line_spans(rows.text, start, end):
        row = rows.is_row(line_start, line_end)
        too_long = line_end - part_start > max_chars or count + row > max_rows
        if too_long and line_start > part_start:
            parts.append((part_start, line_start))
            part_start, count = line_start, 0
        count += row
    parts.append((part_start, end))
    return parts


def _headers(rows: _Rows, start: int, end: int) -> tuple[str | None, str | None]:
    """The lines just above the first row of text[start:end], and those above the first row of its last run of
    rows (the header to carry into the next part), each None when no line comes before the rows."""
    text = rows.text
    lines = line_spans(text, start, end)
    found: list[str | None] = []
    previous_row = False
    for index, (line_start, line_end) in enumerate(lines):
        row = rows.is_row(line_start, line_end)
        if row and not previous_row:
            above = [
                text[a:b].rstrip("\n")
                for a, b in lines[max(0, index - _HEADER_LINES) : index]
                if text[a:b].strip() and not rows.is_row(a, b)
            ]
            found.append("\n".join(above) if above else None)
        previous_row = row or (previous_row and not text[line_start:line_end].strip())
    return (found[0], found[-1]) if found else (None, None)


def _with_headers(rows: _Rows, spans: list[tuple[int, int]], header: str = "") -> list[Chunk]:
    """The parts of `spans`, each starting without its column headers carrying the last ones before it
    (`header` before the first)."""
    chunks: list[Chunk] = []
    for start, end in spans:
        own, last = _headers(rows, start, end)
        chunks.append(Chunk(start, end, "" if own else header))
        header = last or header
    return chunks


def chunk(text: str, *, max_chars: int, max_rows: int) -> list[Chunk]:
    """Whole pages packed together while they fit; a page too big on its own is cut between lines."""
    rows = _Rows(text)
    spans: list[tuple[int, int]] = []
    for page_start, page_end in _pages(text):
        if spans and page_end - spans[-1][0] <= max_chars and rows.count(spans[-1][0], page_end) <= max_rows:
            spans[-1] = (spans[-1][0], page_end)
        else:
            spans.extend(_split_page(rows, page_start, page_end, max_chars, max_rows))
    return _with_headers(rows, spans or [(0, len(text))])


def halve(text: str, part: Chunk) -> tuple[Chunk, Chunk] | None:
    """The part cut in two between rows near its middle (for a reply cut off by max_tokens); None when it is
    a single row."""
    lines = line_spans(text, part.start, part.end)
    if len(lines) < 2:
        return None
    middle = lines[len(lines) // 2][0]
    left, right = _with_headers(_Rows(text), [(part.start, middle), (middle, part.end)], part.context)
    return left, right
