"""Cutting a document into value-table blocks and giving every cell of every row its column.

A block is a run of data rows under one set of column headers: space-aligned text, an HTML `<table>` or a
Markdown pipe table. Each block keeps the text lines that came before it (its title context), which later
decides whether it continues the previous block's table, starts a new one, or is a distractor (another
scenario, withdrawals).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from functools import cached_property
from itertools import pairwise
from statistics import median

from . import regrid
from .columns import HEADER_WORD_RE, column_roles
from .grid import Block, Cell
from .normalize import display_width, end_of_line, lines
from .numbers import DASH_RE

_LINE_RE = re.compile(r"[^\n]*")
# A dash or underscore glued to the front of a number is a column rule OCR read, its own (noise) token.
_TOKEN_RE = re.compile(r"\d{1,3}\s?岁|age\s?\d{1,3}|[-_]+(?=\d)|[^\s|\]})。]+")
_NOISE_TOKEN_RE = re.compile(r"[.'`\",;:|*]+")
# An age row's label as OCR garbles it (`了(歲`, `了75歲`, `108%` for `70歲`): its age comes from the sequence.
_GARBLED_AGE_LABEL = r"[^\s\d]{0,2}\d{0,3}[^\s\d]?岁|\d{1,3}%"
_DATA_START_RE = re.compile(r"[\s|'`\"]*(?:[0-9olisbz-]|age\s?\d|[^\s\d]{1,2}\d{0,3}岁)")
_CLEAN_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[-~_]{1,3}"
_CLEAN_NUMERIC_RE = re.compile(_CLEAN_NUMBER + r"|\d{1,3}\s?岁")
# A line of nothing but clean numbers (no 岁 or age labels) between blanks and stray column rules: most rows
# of a table.
_PLAIN_ROW_RE = re.compile(rf"[\s|]*(?:{_CLEAN_NUMBER})(?:[\s|]+(?:{_CLEAN_NUMBER}))+[\s|]*")
_NUMERIC_LOOKING_RE = re.compile(
    r"[-~_]{1,3}|n/a|nil|[olisbzdg.,]*[0-9][0-9olisbzdg.,]*(?:\s?岁)?|age\s?\d{1,3}"
)
_YEAR_LABEL_RE = re.compile(r"(?:\d{1,3}|[0-9oli]{1,3})(?:\s?岁)?|age\s?\d{1,3}|" + _GARBLED_AGE_LABEL)
_PAGE_NOISE_RE = re.compile(
    r"\s*(?:page\s*\d+(?:\s*of\s*\d+)?|-\s*\d+\s*-|第\s*\d+\s*页.*|\d+\s*/\s*\d+|p\.\s*\d+|-{3,}|\*{3,}|_{3,}|=+)\s*"
)
_COMPANY_LINE_RE = re.compile(r"[^:\d]*(?:有限公司|公司|limited|ltd\.?|company|corporation|berhad)[^:\d]*")
_CHUNK_RE = re.compile(r"\S+(?: \S+)*")
_WORD_RE = re.compile(r"[^\s|]+")
_HTML_TABLE_RE = re.compile(r"<table[^>]*>(.*?)</table\s*>", re.S)
_HTML_ROW_RE = re.compile(r"<tr[^>]*>(.*?)</tr\s*>", re.S)
_HTML_CELL_RE = re.compile(r"<t([hd])([^>]*)>(.*?)</t[hd]\s*>", re.S)
_COLSPAN_RE = re.compile(r"colspan\s*=\s*[\"']?(\d{1,9})")
_ROWSPAN_RE = re.compile(r"rowspan\s*=\s*[\"']?(\d{1,9})")
# A space OCR put beside a decimal point inside a number (`1111. 89`).
_SPACED_DECIMAL_RE = re.compile(r"(?<=\d\.) (?=\d)|(?<=\d) (?=\.\d)")
_MAX_COLSPAN = 16  # columns a group header may span beyond the widest row's cell count
_TAG_RE = re.compile(r"<[^>]+>")
_MAX_GARBLED_LABEL = 6  # characters of an age label (`100歲`) as OCR may garble it
_STACKED_NUMBER_RE = re.compile(r"\d\s{0,3}<br")  # a number with another under it in the same cell
_BR_PIECE_RE = re.compile(r"(?:<br\s*/?>)?((?:[^<]|<(?!br))*)")  # a cell's text from one <br> to the next
_PIPE_RULE_RE = re.compile(r"[\s|:-]+")
# Bounded: unbounded, each "(" of a long run without ")" was scanned to the end of the line.
_PARENTHESES_RE = re.compile(r"\([^)]{0,200}\)")


def is_numeric_token(token: str) -> bool:
    """A value (`regrid.is_value`), or a policy year or age label as OCR may misread it."""
    return regrid.is_value(token) or bool(_YEAR_LABEL_RE.fullmatch(token))


def _is_noise(folded: str, token: re.Match[str]) -> bool:
    """Punctuation OCR read from column rules, or a dash or underscore glued to the number after it."""
    text = token.group()
    return bool(_NOISE_TOKEN_RE.fullmatch(text)) or (
        text[-1] in "-_" and folded[token.end() : token.end() + 1].isdigit()
    )


def _row_with_garbled_label(folded: str, start: int, end: int, block: Block) -> list[Cell] | None:
    """A row of `block` whose label OCR turned into a word or two (`os be` for `95歲`), then as many numbers as
    the block's rows hold after their label; the label one cell, for the sequence of age rows to read."""
    width = Counter(len(row) for row in block.rows).most_common(1)[0][0]
    tokens = [token for token in _TOKEN_RE.finditer(folded, start, end) if not _is_noise(folded, token)]
    label = next((index for index, token in enumerate(tokens) if is_numeric_token(token.group())), 0)
    if (
        not 1 <= label <= 2
        or len(tokens) - label != width - 1
        or tokens[label - 1].end() - tokens[0].start() > _MAX_GARBLED_LABEL
        or HEADER_WORD_RE.search(folded, tokens[0].start(), tokens[label - 1].end())
        or not all(is_numeric_token(token.group()) for token in tokens[label:])
    ):
        return None
    cells = _placed_cells(folded, start, tokens)
    first, last = cells[0], cells[label - 1]
    joined = Cell(folded[first.start : last.end], first.start, last.end, first.x, last.x_end)
    return [joined, *cells[label:]]


def _data_tokens(folded: str, start: int, end: int) -> list[re.Match[str]] | None:
    """The tokens of a line of table data (a row or a piece of one), None for any other line."""
    if not _DATA_START_RE.match(folded, start, end):
        return None
    if _PLAIN_ROW_RE.fullmatch(folded, start, end):
        # Its words are its tokens and all of them numbers: none of the checks below can fail.
        return list(_WORD_RE.finditer(folded, start, end))
    tokens = []
    numeric = 0
    for match in _TOKEN_RE.finditer(folded, start, end):
        token = match.group()
        if _is_noise(folded, match):
            continue
        tokens.append(match)
        if _CLEAN_NUMERIC_RE.fullmatch(token) or (
            _NUMERIC_LOOKING_RE.fullmatch(token) and is_numeric_token(token)
        ):
            numeric += 1
        elif len(tokens) - numeric > 1:
            return None  # two tokens that are not numbers: text, however many numbers follow
    if len(tokens) < 2:
        return None
    first = tokens[0].group()
    if (
        numeric < 2
        or numeric < len(tokens) - 1
        or not (_CLEAN_NUMERIC_RE.fullmatch(first) or is_numeric_token(first))
    ):
        return None
    return tokens


def _is_header_line(folded_line: str) -> bool:
    if len(_CHUNK_RE.findall(folded_line)) < 2 or ":" in _PARENTHESES_RE.sub("", folded_line):
        return False
    return len(HEADER_WORD_RE.findall(folded_line)) >= 2


def _placed_cells(folded: str, start: int, tokens: list[re.Match[str]]) -> list[Cell]:
    """The tokens of the line starting at `start` as cells at their display columns, counting wide characters
    twice as printed output does."""
    line_end = tokens[-1].end() if tokens else start
    if folded[start:line_end].isascii():  # every character one column wide
        # Not token_cell: on the hottest path an extra call per token is measurable.
        return [
            Cell(token.group(), token.start(), token.end(), token.start() - start, token.end() - start)
            for token in tokens
        ]
    placed = []
    x_end = 0
    previous_end = start
    for token in tokens:
        token_start, token_end = token.span()
        # Widths add up, so measuring from the previous cell is measuring from the line start.
        x = x_end + display_width(folded[previous_end:token_start])
        x_end = x + display_width(token.group())
        placed.append(Cell(token.group(), token_start, token_end, x, x_end))
        previous_end = token_end
    return placed


def find_blocks(folded: str) -> list[Block]:
    blocks: list[Block] = []
    titles: list[str] = []
    pending_headers: list[list[Cell]] = []
    current: Block | None = None
    html_tables = list(_HTML_TABLE_RE.finditer(folded)) if "<table" in folded else []
    html_index = 0
    position = 0
    while position <= len(folded):
        line_end = folded.find("\n", position)  # not end_of_line: an extra call per line is measurable
        if line_end < 0:
            line_end = len(folded)
        if html_index < len(html_tables) and html_tables[html_index].start() < line_end:
            table = html_tables[html_index]
            before = folded[position : table.start()].strip()
            if before:
                titles.append(before)
            blocks.append(
                _stacked_html_block(folded, table, titles)
                or Block("html", titles, *_split_rows(_html_grid(folded, table)))
            )
            html_index += 1
            titles, pending_headers, current = [], [], None
            position = end_of_line(folded, table.end()) + 1
            continue
        line = folded[position:line_end]
        stripped = line.strip()
        if stripped.startswith("|") and stripped.count("|") >= 3:
            pipe_end = _pipe_run_end(folded, position)
            block = _pipe_block(folded, position, pipe_end, titles)
            if block is not None:
                blocks.append(block)
                titles, pending_headers, current = [], [], None
            position = pipe_end + 1
            continue
        if (
            not stripped
            or _PAGE_NOISE_RE.fullmatch(line)
            or (_COMPANY_LINE_RE.fullmatch(line) and not HEADER_WORD_RE.search(line))
        ):
            position = line_end + 1
            continue
        rows = regrid.stacked_rows(folded, position, line_end) if "/" in line else None
        if rows is None and (tokens := _data_tokens(folded, position, line_end)) is not None:
            rows = [_placed_cells(folded, position, tokens)]
        if rows is not None:
            if current is None or titles or pending_headers:
                current = Block("text", titles, pending_headers, [])
                blocks.append(current)
                titles, pending_headers = [], []
            current.rows.extend(rows)
        elif (
            current is not None
            and not titles
            and not pending_headers
            and (garbled := _row_with_garbled_label(folded, position, line_end, current)) is not None
        ):
            current.rows.append(garbled)
        elif (years := regrid.years_across(folded, position, line_end)) is not None and (
            grid := regrid.transposed_grid(folded, position, line_end, years)
        ) is not None:
            labels, rows, stop = grid
            header = [[Cell(label, position, position) for label in labels]]
            blocks.append(Block("transposed", titles, header, rows))
            titles, pending_headers, current = [], [], None
            position = stop
            continue
        elif pending_headers and regrid.single_value(folded, position, line_end) is not None:
            found = _cell_by_cell_block(folded, position, pending_headers, titles)
            if found is None:
                titles.append(stripped)
                pending_headers = []
            else:
                block, stop = found
                blocks.append(block)
                titles, pending_headers, current = [], [], None
                position = stop
                continue
        elif _is_header_line(line):
            words = list(_WORD_RE.finditer(folded, position, line_end))
            pending_headers.append(_placed_cells(folded, position, words))
        else:
            # Headers sit right above their rows; text after them means they headed nothing.
            titles.append(stripped)
            pending_headers = []
        position = line_end + 1
    return blocks


def _cell_by_cell_block(
    folded: str, position: int, header_lines: list[list[Cell]], titles: list[str]
) -> tuple[Block, int] | None:
    """A table extracted one value a line under `header_lines`; its cells placed under the header's phrases, so
    that columns are found as for any space-aligned block."""
    columns = max((_chunks(line) for line in header_lines), key=len)
    found = regrid.cell_by_cell(folded, position, len(columns))
    if found is None:
        return None
    rows, stop = found
    placed = [
        [cell._replace(x=x, x_end=x_end) for cell, (_, x, x_end) in zip(row, columns, strict=True)]
        for row in rows
    ]
    return Block("text", titles, header_lines, placed), stop


def _pipe_run_end(folded: str, position: int) -> int:
    """End offset of the run of consecutive pipe-table lines starting at `position`."""
    line_end = end_of_line(folded, position)
    for start, end in lines(folded, line_end + 1):
        line = folded[start:end].strip()
        if not (line.startswith("|") and line.count("|") >= 3):
            break
        line_end = end
    return line_end


def _split_rows(rows: list[list[Cell]]) -> tuple[list[list[Cell]], list[list[Cell]]]:
    header_rows: list[list[Cell]] = []
    data_rows: list[list[Cell]] = []
    for cells in rows:
        texts = [cell.text for cell in cells if cell.text]
        # At least two numbers, the first cell one of them (so it is texts[0]).
        if texts and is_numeric_token(cells[0].text) and any(is_numeric_token(t) for t in texts[1:]):
            data_rows.append(cells)
        elif not data_rows:
            header_rows.append(cells)
    return header_rows, data_rows


def _pipe_block(folded: str, start: int, end: int, titles: list[str]) -> Block | None:
    rows: list[list[Cell]] = []
    for line in _LINE_RE.finditer(folded, start, end):
        if not line.group().strip() or _PIPE_RULE_RE.fullmatch(line.group()):
            continue
        bars = [index for index, char in enumerate(line.group()) if char == "|"]
        cells = []
        for left, right in pairwise(bars):
            cell_start, cell_end = line.start() + left + 1, line.start() + right
            text = folded[cell_start:cell_end]
            stripped = text.strip(" *")
            offset = text.find(stripped) if stripped else 0
            cells.append(Cell(stripped, cell_start + offset, cell_start + offset + len(stripped)))
        rows.append(cells)
    header_rows, data_rows = _split_rows(rows)
    return Block("pipe", titles, header_rows, data_rows) if data_rows else None


def _span(attributes: str, pattern: re.Pattern[str], limit: int) -> int:
    found = pattern.search(attributes) if attributes else None
    return max(1, min(int(found.group(1)), limit)) if found else 1


def _carry_down(cells: list[Cell], carried: dict[int, tuple[Cell, int]]) -> None:
    """Fill the next columns of a row with the cells spanning down into them from rows above."""
    while len(cells) in carried:  # at most one entry per column of the widest row
        cell, remaining = carried.pop(len(cells))
        if remaining > 1:
            carried[len(cells)] = (cell, remaining - 1)
        cells.append(cell)


def _html_grid(folded: str, table: re.Match[str]) -> list[list[Cell]]:
    """The table's rows with every cell repeated over the columns it spans and carried down the rows it
    spans, so that a group header sits above each of its sub-columns and a tall header beside the short
    ones."""
    raw_rows = [
        list(_HTML_CELL_RE.finditer(folded, row.start(1), row.end(1)))
        for row in _HTML_ROW_RE.finditer(folded, table.start(1), table.end(1))
    ]
    # Spans are capped by what the table can hold: no row is wider than the most cells a row has (and a few
    # more for a group header), no cell taller than the rows below it.
    widest = max((len(cells) for cells in raw_rows), default=0) + _MAX_COLSPAN
    rows: list[list[Cell]] = []
    carried: dict[int, tuple[Cell, int]] = {}  # column -> (cell spanning down, rows it still covers)
    for number, raw_cells in enumerate(raw_rows):
        cells: list[Cell] = []
        for cell in raw_cells:
            _carry_down(cells, carried)
            if len(cells) >= widest:
                break
            raw = cell.group(3)
            text = " ".join((_TAG_RE.sub(" ", raw) if "<" in raw else raw).split())
            if ". " in text or " ." in text:
                text = _SPACED_DECIMAL_RE.sub("", text)
            inner = raw.strip()
            offset = cell.start(3) + raw.find(inner) if inner else cell.start(3)
            placed = Cell(text, offset, offset + len(inner))
            attributes = cell.group(2)
            width = _span(attributes, _COLSPAN_RE, max(1, widest - len(cells)))
            height = _span(attributes, _ROWSPAN_RE, len(raw_rows) - number)
            for _ in range(width):
                if height > 1:
                    carried[len(cells)] = (placed, height - 1)
                cells.append(placed)
        _carry_down(cells, carried)
        rows.append(cells[:widest])
    return rows


def _stacked_html_block(folded: str, table: re.Match[str], titles: list[str]) -> Block | None:
    """An HTML table whose cells hold several years each, one per `<br>` (`<td>1<br>2<br>3</td>`); None for
    any other table."""
    if _STACKED_NUMBER_RE.search(folded, table.start(1), table.end(1)) is None:
        return None
    header_rows: list[list[Cell]] = []
    data_rows: list[list[Cell]] = []
    stacked = False
    for row in _HTML_ROW_RE.finditer(folded, table.start(1), table.end(1)):
        stacks: list[list[Cell]] = []
        for cell in _HTML_CELL_RE.finditer(folded, row.start(1), row.end(1)):
            stacks += [_br_pieces(folded, cell.start(3), cell.end(3))] * _span(
                cell.group(2), _COLSPAN_RE, _MAX_COLSPAN
            )
        heights = {len(pieces) for pieces in stacks}
        if len(stacks) >= 3 and len(heights) == 1 and all(regrid.is_value(c.text) for p in stacks for c in p):
            data_rows += [list(cells) for cells in zip(*stacks, strict=True)]
            stacked = stacked or heights != {1}
        elif not data_rows:
            header_rows.append([_joined(pieces) for pieces in stacks])
    return Block("html", titles, header_rows, data_rows) if stacked else None


def _br_pieces(folded: str, start: int, end: int) -> list[Cell]:
    """The pieces of an HTML cell's content between its `<br>` tags, tags inside them dropped."""
    pieces = []
    for match in _BR_PIECE_RE.finditer(folded, start, end):
        text = match.group(1).strip()
        if text:
            offset = match.start(1) + match.group(1).find(text)
            pieces.append(Cell(" ".join(_TAG_RE.sub(" ", text).split()), offset, offset + len(text)))
    return pieces


def _joined(pieces: list[Cell]) -> Cell:
    if not pieces:
        return Cell("", 0, 0)
    return Cell(" ".join(piece.text for piece in pieces), pieces[0].start, pieces[-1].end)


# Column assignment
# ---------------------------------------------------------------------------------------------


def _without_column_rules(row: list[Cell], width: int) -> list[Cell]:
    """A row one or more cells wider than its table: a dash printed right before a number is a column rule OCR
    read (`1,309,229 | __ 2,382,655`), not a cell of its own."""
    if len(row) <= width:
        return row
    kept = [
        cell
        for cell, following in pairwise(row)
        if not (DASH_RE.fullmatch(cell.text) and following.x - cell.x_end <= 2)
    ] + row[-1:]
    return kept if len(kept) == width else row


def merge_broken_rows(rows: list[list[Cell]], width: int) -> tuple[list[list[Cell]], int]:
    """Join a row OCR broke over two lines: two short lines whose cells add up to a full row."""
    merged: list[list[Cell]] = []
    index = 0
    while index < len(rows):
        row = rows[index]
        if len(row) < width and index + 1 < len(rows) and len(row) + len(rows[index + 1]) == width:
            index += 1
            row = row + rows[index]
        merged.append(row)
        index += 1
    return merged, len(rows) - len(merged)  # each join makes one row of two


class ColumnGeometry:
    """Where each column sits on the page, learnt from the rows that have every cell.

    Learnt only when first asked: most blocks, whose rows have every cell and whose header lines have a phrase
    per column, never ask.
    """

    def __init__(self, full_rows: list[list[Cell]], width: int) -> None:
        self.full_rows = full_rows
        self.width = width

    @cached_property
    def starts(self) -> list[float]:
        return [median([row[i].x for row in self.full_rows]) for i in range(self.width)]

    @cached_property
    def ends(self) -> list[float]:
        return [median([row[i].x_end for row in self.full_rows]) for i in range(self.width)]

    @cached_property
    def left_aligned(self) -> bool:
        # Left-aligned columns keep their starts steady while their ends move with the number's length; a few
        # drifting rows must not decide it, hence the median deviation.
        start_spread = sum(
            median([abs(row[i].x - self.starts[i]) for row in self.full_rows]) for i in range(self.width)
        )
        end_spread = sum(
            median([abs(row[i].x_end - self.ends[i]) for row in self.full_rows]) for i in range(self.width)
        )
        return start_spread <= end_spread

    def column_of(self, cell: Cell, tolerance: int = 2) -> int:
        # Starts and ends are in column order (medians of positions that are in that order in every row), so a
        # binary search finds the column: a scan made a row of thousands of cells quadratic.
        if self.left_aligned:
            return max(bisect_right(self.starts, cell.x + tolerance) - 1, 0)
        return min(bisect_left(self.ends, cell.x_end - tolerance), len(self.ends) - 1)


def header_signature(block: Block) -> str:
    return " / ".join(" ".join(word.text for word in line) for line in block.header_lines)


def assign_text_columns(
    block: Block, inherited: list[str | None] | None, known: list[str | None] | None
) -> None:
    """Cells to columns and columns to meanings for a space-aligned block.

    `known` are the roles of an identical header seen before (a header repeated on a new page),
    `inherited` those of the table this block may continue when it has no header of its own.
    """
    width = _usual_width(block)
    rows, joins = merge_broken_rows([_without_column_rules(row, width) for row in block.rows], width)
    if joins:
        block.issues.append(f"joined {joins} row(s) broken over two lines")
    header_chunks = [_chunks(line) for line in block.header_lines]
    full_header = next((chunks for chunks in header_chunks if len(chunks) == width), None)
    full_rows = [row for row in rows if len(row) == width]
    if full_header is not None and len(full_rows) < 3:
        # Too few rows to learn the layout from; a header line with a phrase per column says where columns
        # are.
        full_rows = [[Cell(text, 0, 0, x, x_end) for text, x, x_end in full_header]]
    geometry = ColumnGeometry(full_rows, width)
    block.columns = []
    for row in rows:
        if len(row) == width:
            block.columns.append(list(row))
            continue
        slots: list[Cell | None] = [None] * width
        for cell in row:
            column = geometry.column_of(cell)
            held = slots[column]
            # A column rule OCR read as `_` or `-` lands in the column of the number beside it.
            if held is None or (DASH_RE.fullmatch(held.text) and not DASH_RE.fullmatch(cell.text)):
                slots[column] = cell
        block.columns.append(slots)
    if known is not None and len(known) == width:
        block.roles = list(known)
        return
    headers = [""] * width
    for line, chunks in zip(block.header_lines, header_chunks, strict=True):
        if len(chunks) == width:
            for index, (text, _x, _x_end) in enumerate(chunks):
                headers[index] = regrid.join_label(headers[index], text)
        else:
            for word in line:
                column = geometry.column_of(word)
                headers[column] = regrid.join_label(headers[column], word.text)
    _name_columns(block, headers, inherited)


def _chunks(words: list[Cell]) -> list[tuple[str, int, int]]:
    """Header words grouped into phrases (text, x, x_end): words closer than two spaces belong together."""
    chunks: list[tuple[str, int, int]] = []
    for word in words:
        if word.text == "|":
            continue
        if chunks and word.x - chunks[-1][2] < 2:
            text, x, _ = chunks[-1]
            chunks[-1] = (f"{text} {word.text}", x, word.x_end)
        else:
            chunks.append((word.text, word.x, word.x_end))
    return chunks


def assign_cell_columns(block: Block, inherited: list[str | None] | None) -> None:
    """Cells to columns and columns to meanings for an HTML or pipe block (cells are already separated)."""
    width = _usual_width(block)
    block.columns = [list(row[:width]) + [None] * (width - len(row)) for row in block.rows]
    headers = [""] * width
    above: list[Cell | None] = [None] * width
    for row in block.header_lines:
        for index, cell in enumerate(row[:width]):
            if cell != above[index]:  # a header spanning rows is read once
                headers[index] += " " + cell.text
            above[index] = cell
    _name_columns(block, headers, inherited)


def _usual_width(block: Block) -> int:
    """The commonest number of cells in a row (of two as common, the larger)."""
    counts = Counter(len(row) for row in block.rows)
    return max(counts.items(), key=lambda item: (item[1], item[0]))[0]


def _name_columns(block: Block, headers: list[str], inherited: list[str | None] | None) -> None:
    """Roles from the header of each column, or for a block without one, those of the table it continues."""
    if block.header_lines:
        block.roles = column_roles(headers)
        block.header_texts = [header.strip() for header in headers]
    elif inherited is not None and len(inherited) == len(headers):
        block.roles = list(inherited)
    else:
        block.roles = []
