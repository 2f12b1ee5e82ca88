"""Re-lay-out a labelled corpus's value tables into the layouts of issue 12, keeping every expected answer.

python bench/relayout.py CORPUS.jsonl --layout NAME --out OUT.jsonl

Layouts, each modelled on what pdftotext, OCR or DeepSeek-OCR return for such tables:
  transposed    years across, one line per measure, wrapped into groups of 6-10 years that repeat their line of
                years, with a page footer, the insurer's name and a (續) title between groups; sometimes a label
                split over two lines, the non-guaranteed value in two parts, a second section for the death
                benefit (guaranteed / non-guaranteed / total) and ages printed as 65歲 in the line of years
  one_per_line  the table extracted cell by cell: under the header, each group of five rows comes out column by
                column, one value a line, with or without blank lines between the columns
  stacked       five (or two) years stacked in each cell: `1 / 2 / 3 / 4 / 5   8 / 9 / 10 / 11 / 12   …`, or
                HTML cells holding `1<br>2<br>3` for documents whose tables are HTML
  deepseek      the whole document as DeepSeek-OCR's grounding output: every block preceded by
                `<|ref|>KIND<|/ref|><|det|>[[x1, y1, x2, y2]]<|/det|>`, its content on the same line or the next

Amounts in the re-laid-out tables get light OCR noise (one in a hundred has a digit read as a look-alike letter).
Then: `illustra extract --corpus OUT.jsonl --out PRED.jsonl` and `python3 score.py OUT.jsonl PRED.jsonl --by-family`.
Each output document's family is `LAYOUT/FAMILY`. The layout of every document is drawn from a generator seeded
by its id, so a run is reproducible.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

_NUMBER_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_AMOUNTS = ("total_premiums_paid", "guaranteed_cash_value", "non_guaranteed_value", "total_surrender_value")

# Column labels per language: (year, age, premiums, guaranteed, non-guaranteed, total, death).
_LABELS = {
    "hant": (
        (
            "保單年度終結",
            "受保人年齡",
            "已繳保費總額",
            "保證現金價值",
            "非保證終期紅利",
            "退保價值總額",
            "身故賠償總額",
        ),
        ("保單年度", "年齡", "繳付保費總額", "保證金額 (A)", "終期紅利 (B)", "總額 (A)+(B)", "身故賠償"),
    ),
    "hans": (
        ("保单年度", "年龄", "累计保费", "现金价值", "红利（非保证）", "退保总额", "身故保险金"),
        (
            "保单年度末",
            "被保险人年龄",
            "累计已交保费",
            "保证现金价值",
            "非保证利益",
            "现金价值合计",
            "身故保险金",
        ),
    ),
    "en": (
        (
            "End of Policy Year",
            "Age",
            "Total Premiums Paid",
            "Guaranteed Cash Value",
            "Non-guaranteed Terminal Bonus",
            "Total Surrender Value",
            "Death Benefit",
        ),
        (
            "Policy Year",
            "Age",
            "Premiums Paid",
            "Guaranteed",
            "Terminal Dividend",
            "Total",
            "Death Benefit",
        ),
    ),
}
_PARTS = {  # the non-guaranteed value printed in two parts, and the total's label then
    "hant": ("復歸紅利 (B)", "終期紅利 (C)", "總額 (A)+(B)+(C)"),
    "hans": ("累积红利 (B)", "终了红利 (C)", "合计 (A)+(B)+(C)"),
    "en": ("Reversionary Bonus (B)", "Terminal Bonus (C)", "Total (A)+(B)+(C)"),
}
_DEATH_SECTION = {
    "hant": ("身故賠償", "保證金額", "非保證金額", "總額"),
    "hans": ("身故保险金", "保证金额", "非保证金额", "合计"),
    "en": ("Death Benefit", "Guaranteed", "Non-guaranteed", "Total"),
}
_CONTINUED = {
    "hant": "說明摘要（續）",
    "hans": "利益演示表（续）",
    "en": "Illustration of Benefits (continued)",
}
_AGE_SUFFIX = {"hant": "歲", "hans": "岁", "en": ""}


def _language(family: str) -> str:
    return {"cn_simp": "hans", "en_hk": "en"}.get(family, "hant")


def _numbers(line: str) -> set[float]:
    return {float(token.replace(",", "")) for token in _NUMBER_RE.findall(line)}


def _table_region(lines: list[str], rows: list[dict]) -> tuple[int, int]:
    """First and last line of the document's value table: its header lines down to its last row."""

    def holds(line: str, row: dict) -> bool:
        found = _numbers(line)
        return sum(1 for name in _AMOUNTS if row[name] and row[name] in found) >= 2

    first = next(index for index, line in enumerate(lines) if holds(line, rows[0]))
    last = max(index for index, line in enumerate(lines) if holds(line, rows[-1]))
    while first > 0:
        above = lines[first - 1].strip()
        if not above or not (above[0] in "<|" or len(re.split(r"\s{2,}", above)) >= 3):
            break
        first -= 1
    while last + 1 < len(lines) and lines[last + 1].strip().startswith("</"):
        last += 1
    return first, last


_LOOK_ALIKES = {"0": "O", "1": "l", "5": "S", "8": "B", "2": "Z"}
_MISREAD_RATE = 0.01  # share of amounts with one digit read as a letter, as light OCR noise goes


def _misread(lines: list[str], rng: random.Random) -> list[str]:
    """Light OCR noise on the table: now and then one digit of an amount read as the letter it looks like."""

    def noisy(match: re.Match[str]) -> str:
        token = match.group()
        digits = [index for index, char in enumerate(token) if char in _LOOK_ALIKES]
        if len(token) < 5 or not digits or rng.random() >= _MISREAD_RATE:
            return token
        index = rng.choice(digits)
        return token[:index] + _LOOK_ALIKES[token[index]] + token[index + 1 :]

    return [_NUMBER_RE.sub(noisy, line) for line in lines]


def _amount(value: float, cents: bool) -> str:
    if value == 0:
        return "-"
    return f"{value:,.2f}" if cents else f"{value:,.0f}"


def _year_label(row: dict, language: str, rng: random.Random) -> str:
    age = row["age"]
    if age in (65, 100) and rng.random() < 0.7 and language != "en":
        return f"{age}{_AGE_SUFFIX[language]}"
    return str(row["policy_year"])


def _insurer(text: str) -> str:
    return text.splitlines()[0].lstrip("# ").strip()


def _transposed(doc: dict, rows: list[dict], language: str, rng: random.Random) -> list[str]:
    labels = rng.choice(_LABELS[language])
    cents = rng.random() < 0.3
    split_parts = rng.random() < 0.4
    death_section = rng.random() < 0.4
    with_age = rng.random() < 0.5
    series: list[tuple[str, list[str]]] = []
    if with_age:
        series.append((labels[1], [str(row["age"]) for row in rows]))
    series.append((labels[2], [_amount(row["total_premiums_paid"], cents) for row in rows]))
    guaranteed = labels[3]
    if split_parts:
        reversionary = [round(row["non_guaranteed_value"] * 0.4) for row in rows]
        guaranteed = labels[3] if "(A)" in labels[3] else f"{labels[3]} (A)"
        series.append((guaranteed, [_amount(row["guaranteed_cash_value"], cents) for row in rows]))
        series.append((_PARTS[language][0], [_amount(value, cents) for value in reversionary]))
        terminal = [
            row["non_guaranteed_value"] - value for row, value in zip(rows, reversionary, strict=True)
        ]
        series.append((_PARTS[language][1], [_amount(value, cents) for value in terminal]))
        series.append((_PARTS[language][2], [_amount(row["total_surrender_value"], cents) for row in rows]))
    else:
        series.append((guaranteed, [_amount(row["guaranteed_cash_value"], cents) for row in rows]))
        series.append((labels[4], [_amount(row["non_guaranteed_value"], cents) for row in rows]))
        series.append((labels[5], [_amount(row["total_surrender_value"], cents) for row in rows]))
    death_lines: list[tuple[str, list[str]]] = []
    if death_section:
        section, gtd, non_gtd, total = _DEATH_SECTION[language]
        floor = [min(row["death_benefit"], rows[0]["death_benefit"]) for row in rows]
        death_lines = [
            (section, []),
            (gtd, [_amount(value, cents) for value in floor]),
            (
                non_gtd,
                [
                    _amount(row["death_benefit"] - value, cents)
                    for row, value in zip(rows, floor, strict=True)
                ],
            ),
            (total, [_amount(row["death_benefit"], cents) for row in rows]),
        ]
    else:
        series.append((labels[6], [_amount(row["death_benefit"], cents) for row in rows]))
    split_label = rng.random() < 0.5
    numbers_on = rng.choice(["first", "second"])  # the line of a split label that holds the numbers
    per_group = rng.randint(6, 10)
    years = [_year_label(row, language, rng) for row in rows]
    label_width = 14 if language != "en" else 30
    lines: list[str] = []
    for group_start in range(0, len(rows), per_group):
        group = range(group_start, min(group_start + per_group, len(rows)))
        if group_start:
            lines += ["", rng.choice(["- {} -", "第 {} 頁", "Page {}"]).format(group_start // per_group + 2)]
            lines += [_insurer(doc["ocr_content"]), _CONTINUED[language]]
        width = max(len(values[i]) for _, values in series + death_lines if values for i in group) + 3
        lines.append(labels[0].ljust(label_width) + "".join(years[i].rjust(width) for i in group))
        for label, values in series + death_lines:
            if not values:
                lines.append(label)
                continue
            cells = "".join(values[i].rjust(width) for i in group)
            if split_label and len(label) > 5 and " " not in label[:5]:
                cut = len(label) // 2 if language != "en" else label.rfind(" ")
                if cut > 0 and numbers_on == "second":
                    lines.append(label[:cut])
                    lines.append(label[cut:].strip().ljust(label_width) + cells)
                    continue
                if cut > 0:
                    lines.append(label[:cut].ljust(label_width) + cells)
                    lines.append(label[cut:].strip())
                    continue
            lines.append(label.ljust(label_width) + cells)
    return lines


def _header_lines(
    labels: tuple[str, ...], language: str, cell_widths: list[int] | None = None
) -> tuple[list[str], list[int]]:
    """A two-line header (Chinese labels cut in half, English ones at a space) and each column's width, wide
    enough for the column's cells where they are given."""
    tops, bottoms = [], []
    for label in labels:
        if language == "en":
            cut = label.find(" ")
            top, bottom = (label, "") if cut < 0 else (label[:cut], label[cut + 1 :])
        else:
            cut = (len(label) + 1) // 2 if len(label) > 3 else len(label)
            top, bottom = label[:cut], label[cut:]
        tops.append(top)
        bottoms.append(bottom)
    widths = [
        max(len(t), len(b)) * (1 if language == "en" else 2) + 4 for t, b in zip(tops, bottoms, strict=True)
    ]
    widths = [
        max(width, 14, cell + 3) for width, cell in zip(widths, cell_widths or [0] * len(widths), strict=True)
    ]

    def line(texts: list[str]) -> str:
        padded = []
        for text, width in zip(texts, widths, strict=True):
            shown = len(text) * (1 if text.isascii() else 2)
            padded.append(text + " " * (width - shown))
        return "".join(padded).rstrip()

    return [line(tops), line(bottoms)], widths


def _row_cells(row: dict, cents: bool) -> list[str]:
    return [str(row["policy_year"]), str(row["age"])] + [
        _amount(row[name], cents) for name in (*_AMOUNTS, "death_benefit")
    ]


def _one_per_line(doc: dict, rows: list[dict], language: str, rng: random.Random) -> list[str]:
    labels = rng.choice(_LABELS[language])
    header, _ = _header_lines(labels, language)
    cents = rng.random() < 0.3
    blank_between = rng.random() < 0.5
    per_group = rng.choice([5, 5, 4, 10])
    lines = list(header)
    for group_start in range(0, len(rows), per_group):
        if group_start and rng.random() < 0.3:
            lines += ["", f"- {group_start // per_group + 1} -", _insurer(doc["ocr_content"]), *header]
        cells = [_row_cells(row, cents) for row in rows[group_start : group_start + per_group]]
        for column in range(len(cells[0])):
            if blank_between:
                lines.append("")
            lines += [row[column] for row in cells]
    return lines


def _stacked(doc: dict, rows: list[dict], language: str, rng: random.Random) -> list[str]:
    labels = rng.choice(_LABELS[language])
    cents = rng.random() < 0.3
    per_cell = rng.choice([5, 5, 2, 3])
    if "<table" in doc["ocr_content"]:
        lines = ["<table>", "<tr>" + "".join(f"<th>{label}</th>" for label in labels) + "</tr>"]
        for start in range(0, len(rows), per_cell):
            cells = [_row_cells(row, cents) for row in rows[start : start + per_cell]]
            stacked = ["<br>".join(row[column] for row in cells) for column in range(len(cells[0]))]
            lines.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in stacked) + "</tr>")
        return [*lines, "</table>"]
    separator = rng.choice([" / ", " / ", "/"])
    stacked_rows = []
    for start in range(0, len(rows), per_cell):
        cells = [_row_cells(row, cents) for row in rows[start : start + per_cell]]
        stacked_rows.append([separator.join(row[column] for row in cells) for column in range(len(cells[0]))])
    cell_widths = [max(len(row[column]) for row in stacked_rows) for column in range(len(labels))]
    header, widths = _header_lines(labels, language, cell_widths)
    lines = list(header)
    for stacked in stacked_rows:
        lines.append("".join(cell.ljust(width) for cell, width in zip(stacked, widths, strict=True)).rstrip())
    return lines


def _html_pages(rows: list[dict], language: str, rng: random.Random) -> list[str]:
    """The table as DeepSeek-OCR writes a table it sees: one HTML table a page, each on one line, the second
    page's with or without the header repeated."""
    labels = rng.choice(_LABELS[language])
    cents = rng.random() < 0.3
    header = "<tr>" + "".join(f"<td>{label}</td>" for label in labels) + "</tr>"
    cut = rng.randint(min(8, len(rows) - 1), len(rows) - 1)
    pages = []
    for number, page in enumerate((rows[:cut], rows[cut:])):
        body = "".join(
            "<tr>" + "".join(f"<td>{c}</td>" for c in _row_cells(row, cents)) + "</tr>" for row in page
        )
        pages.append("<table>" + (header if number == 0 or rng.random() < 0.5 else "") + body + "</table>")
    return [pages[0], "", f"- {rng.randint(2, 4)} -", "", pages[1]]


def _deepseek(doc: dict, rng: random.Random) -> str:
    """Every block of the document wrapped as DeepSeek-OCR's grounding output wraps it; half the documents
    with space-aligned tables get them as DeepSeek-OCR writes tables, in HTML."""
    text = doc["ocr_content"]
    if "<table" not in text and rng.random() < 0.5:
        lines = text.splitlines()
        first, last = _table_region(lines, doc["expected"]["value_table"])
        html = _html_pages(doc["expected"]["value_table"], _language(doc.get("family", "")), rng)
        text = "\n".join([*lines[:first], "", *html, "", *lines[last + 1 :]])
    blocks: list[tuple[str, list[str]]] = []
    for paragraph in re.split(r"\n\s*\n", text):
        lines = [line for line in paragraph.splitlines() if line.strip()]
        table: list[str] = []
        for line in lines:
            tabular = (
                line.lstrip().startswith(("<t", "</t", "|")) or len(re.split(r"\s{2,}", line.strip())) >= 3
            )
            if tabular:
                table.append(line)
                continue
            if table:
                blocks.append(("table", table))
                table = []
            kind = "title" if line.startswith("#") or len(line) < 16 else "text"
            blocks.append((kind, [line]))
        if table:
            blocks.append(("table", table))
    out: list[str] = []
    y = 40
    for kind, lines in blocks:
        height = 24 * len(lines)
        if y + height > 960:
            y = 40
        left, right = rng.randint(40, 80), rng.randint(900, 960)
        box = f"<|ref|>{kind}<|/ref|><|det|>[[{left}, {y}, {right}, {y + height}]]<|/det|>"
        y += height + 12
        out.append(box + ("\n" if rng.random() < 0.5 else "") + "\n".join(lines))
        out.append("")
    return "\n".join(out)


def relayout(doc: dict, layout: str) -> dict:
    rng = random.Random(f"{layout}:{doc['id']}")
    text = doc["ocr_content"]
    if layout == "deepseek":
        text = _deepseek(doc, rng)
    else:
        rows = doc["expected"]["value_table"]
        language = _language(doc.get("family", ""))
        lines = text.splitlines()
        first, last = _table_region(lines, rows)
        make = {"transposed": _transposed, "one_per_line": _one_per_line, "stacked": _stacked}[layout]
        table = _misread(make(doc, rows, language, rng), rng)
        text = "\n".join(lines[:first] + table + lines[last + 1 :])
    return {
        **doc,
        "id": f"{layout}-{doc['id']}",
        "family": f"{layout}/{doc.get('family', '?')}",
        "ocr_content": text,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument(
        "--layout", required=True, choices=("transposed", "one_per_line", "stacked", "deepseek")
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(f"no such corpus file: {args.corpus}", file=sys.stderr)
        return 1
    documents = [
        json.loads(line) for line in args.corpus.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    with args.out.open("w", encoding="utf-8") as out:
        for doc in documents:
            out.write(json.dumps(relayout(doc, args.layout), ensure_ascii=False) + "\n")
    print(f"wrote {len(documents)} documents laid out as {args.layout} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
