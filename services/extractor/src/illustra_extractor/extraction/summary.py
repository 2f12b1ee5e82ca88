"""Stage 3: dates, break-even year, highlights and a short generated overview."""

from __future__ import annotations

import datetime as dt
import re

from .dates import find_date, find_validity_days
from .labels import Pair, find_pairs
from .normalize import end_of_line, fold_document, lines
from .types import MISSING, SUMMARY_FIELDS, BasicInfo, Field, Summary, ValueTable

_SPECIFIC_DATE_LABEL_RE = re.compile(r"建议书|计划书|proposal|illustration|演示|prepared|编制|制作")
_HIGHLIGHTS_WORD_RE = re.compile(
    r"计划概要|计划亮点|计划特点|产品特点|产品亮点|主要特点|计划摘要|重点|"
    r"plan\s+highlights|key\s+features|highlights|product\s+features|key\s+points"
)
_HEADING_PREFIX_RE = re.compile(r"[#*\s\d.,、一二三四五六七八九十]*")  # numbering, markup and blanks
_BULLET_RE = re.compile(
    r"\s*(?:[•·●▪◆■◇○*]|-(?!\s*\d+\s*-\s*$)|\d{1,2}[.)](?!\d)|[①②③④⑤⑥⑦⑧⑨])\s*(\S(?:.*\S)?)\s*$"
)
_BREAKEVEN_YEAR_RE = re.compile(
    r"第\s*(\d{1,3})\s*个?\s*(?:保单)?(?:年度|年)|policy\s+year\s+(\d{1,3})|(?<![a-z])year\s+(\d{1,3})"
)
_BREAKEVEN_WORDS_RE = re.compile(
    r"高于|达到|超过|超越|不少于|回本|收回|多于|"
    r"exceed|reach|surpass|break[- ]?even|greater\s+than|more\s+than|"
    r"at\s+least"
)
_PREMIUM_WORDS_RE = re.compile(r"保费|premium|回本|break[- ]?even")
_VALID_UNTIL_WORDS_RE = re.compile(r"有效期至|有效至|valid\s+until|valid\s+till")
_LINE_RE = re.compile(r"[^\n]+")
_MULTIPLE_RE = re.compile(r"倍|times|(?<![a-z])x(?![a-z])|%")


def _date_field(folded: str, all_pairs: tuple[Pair, ...], name: str) -> Field | None:
    pairs = [pair for pair in all_pairs if pair.field == name]
    if name == "proposal_date":
        # Dates under a label naming the proposal first (False sorts before True).
        pairs.sort(
            key=lambda pair: not _SPECIFIC_DATE_LABEL_RE.search(folded, pair.label_start, pair.value_start)
        )
    for pair in pairs:
        found = find_date(folded, pair.value_start, pair.value_end)
        if found is not None:
            confidence = (0.95 if pair.exact else 0.8) - (0.2 if found.issues else 0.0)
            return Field(found.iso, confidence, (found.start, found.end), found.issues)
    return None


def _valid_until(folded: str, pairs: tuple[Pair, ...], proposal: Field | None) -> Field:
    labelled = _date_field(folded, pairs, "valid_until")
    if labelled is not None:
        return labelled
    # `本建議書有效期至 2025年6月30日`, no label of its own
    for words in _VALID_UNTIL_WORDS_RE.finditer(folded):
        found = find_date(folded, words.end(), min(len(folded), words.end() + 24))
        if found is not None and not folded[words.end() : found.start].strip(" :"):
            return Field(
                found.iso, 0.85, (found.start, found.end), ("date after 'valid until' in a sentence",)
            )
    days = find_validity_days(folded)
    if days is not None and proposal is not None and proposal.value is not None:
        until = dt.date.fromisoformat(proposal.value) + dt.timedelta(days=days[0])
        return Field(until.isoformat(), 0.7, (days[1], days[2]), (f"proposal date + {days[0]} days",))
    return MISSING


def _highlights_heading_end(folded: str) -> int | None:
    """End of the first highlights heading: a heading word with only a heading prefix before it on its line.

    Looking for the words first and checking their line is much cheaper than a `^prefix*word` pattern, which
    rescans a whole table of digits and blanks from every one of its lines.
    """
    word = _HIGHLIGHTS_WORD_RE.search(folded)
    while word is not None:
        line_start = folded.rfind("\n", 0, word.start()) + 1
        if _HEADING_PREFIX_RE.fullmatch(folded, line_start, word.start()):
            return word.end()
        # A later word on this line has the same character that is no heading prefix before it.
        line_end = folded.find("\n", word.start())
        if line_end < 0:
            return None
        word = _HIGHLIGHTS_WORD_RE.search(folded, line_end + 1)
    return None


def _highlights(text: str, folded: str) -> tuple[list[str], tuple[int, int] | None]:
    heading_end = _highlights_heading_end(folded)
    if heading_end is None:
        return [], None
    points: list[str] = []
    start = end = None
    for line_start, line_end in lines(folded, end_of_line(folded, heading_end) + 1):
        if not folded[line_start:line_end].strip():
            if points:
                break
            continue
        bullet = _BULLET_RE.match(folded, line_start, line_end)
        if bullet is None:
            break
        point = text[bullet.start(1) : bullet.end(1)].rstrip(" '`|.")
        if point:
            points.append(point)
            start = bullet.start(1) if start is None else start
            end = bullet.end(1)
    return points, (start, end) if start is not None and end is not None else None


def _breakeven_from_text(folded: str, span: tuple[int, int] | None) -> Field | None:
    """A highlight saying when the surrender value first reaches the premiums paid."""
    regions = [span] if span is not None else []
    regions.append((0, len(folded)))
    for start, end in regions:
        for line in _LINE_RE.finditer(folded, start, end):
            sentence = line.group()
            if not (_BREAKEVEN_WORDS_RE.search(sentence) and _PREMIUM_WORDS_RE.search(sentence)) or (
                _MULTIPLE_RE.search(sentence)
            ):
                continue
            year = _BREAKEVEN_YEAR_RE.search(folded, *line.span())
            if year:
                group = year.lastindex or 0  # whichever of its forms matched
                return Field(int(year.group(group)), 0.9, year.span(group), ("stated in the highlights",))
    return None


def _surrender_value(row: dict[str, Field]) -> Field:
    """The printed total, or where the table prints none, what surrender pays: the cash value and the
    non-guaranteed part (dividends left with the insurer)."""
    total = row["total_surrender_value"]
    if total.value is not None:
        return total
    cash, extra = row["guaranteed_cash_value"], row["non_guaranteed_value"]
    if cash.value is None:
        return MISSING
    if extra.value is None:
        return cash
    return Field(cash.value + extra.value, min(cash.confidence, extra.confidence), cash.span)


def _premiums_paid(row: dict[str, Field], basic: BasicInfo) -> Field:
    """The printed premiums paid, or where the table prints none, premium x min(year, term)."""
    paid = row["total_premiums_paid"]
    premium, term = basic.get("annual_premium"), basic.get("premium_term_years")
    year = row["policy_year"].value
    if paid.value is not None or None in (premium, term, year):
        return paid
    confidence = min(basic.fields["annual_premium"].confidence, basic.fields["premium_term_years"].confidence)
    return Field(premium * min(year, term), confidence, None)


def _breakeven_from_table(table: ValueTable, basic: BasicInfo) -> Field:
    for row in table.rows:
        total, paid = _surrender_value(row), _premiums_paid(row, basic)
        if None not in (total.value, paid.value) and 0 < paid.value <= total.value:
            confidence = min(0.7, total.confidence, paid.confidence)
            return Field(
                row["policy_year"].value,
                confidence,
                row["policy_year"].span,
                ("first printed year whose total surrender value reaches premiums paid",),
            )
    return MISSING


def _check_breakeven(stated: Field, table: ValueTable, basic: BasicInfo) -> Field:
    """The stated year should not contradict printed rows: earlier rows below premiums, that row at or
    above."""
    for row in table.rows:
        year = row["policy_year"].value
        total, paid = _surrender_value(row).value, _premiums_paid(row, basic).value
        if None in (year, total, paid):
            continue
        if (year < stated.value and total >= paid) or (year == stated.value and total < paid):
            return stated.doubted(0.5, f"table disagrees at policy year {year}")  # from a statement's 0.9
    return stated


def _money(value: float | None) -> str:
    return "?" if value is None else f"{value:,.0f}"


def _generated_points(basic: BasicInfo, table: ValueTable, breakeven: int | None) -> list[str]:
    points = []
    if breakeven is not None:
        points.append(f"Total surrender value reaches total premiums paid in policy year {breakeven}")
    for row in table.rows:
        if (
            row["policy_year"].value == 20
            and row["total_premiums_paid"].value
            and row["total_surrender_value"].value
        ):
            ratio = row["total_surrender_value"].value / row["total_premiums_paid"].value
            points.append(
                f"Total surrender value at the end of policy year 20 is {ratio:.2f} times premiums paid"
            )
    if basic.get("coverage_to_age") is not None:
        points.append(f"Cover to age {basic.get('coverage_to_age')}")
    return points


def _overview(basic: BasicInfo, breakeven: int | None) -> str:
    currency = basic.get("currency") or ""
    parts = [f"{basic.get('product_name') or 'The plan'} by {basic.get('insurer') or 'an unnamed insurer'}."]
    premium = basic.get("annual_premium")
    term = basic.get("premium_term_years")
    if premium is not None:
        if basic.get("payment_mode") == "single" or term == 1:
            parts.append(f"Single premium {currency} {_money(premium)}.")
        else:
            parts.append(f"Premium {currency} {_money(premium)} a year for {term or '?'} years.")
    if basic.get("sum_assured") is not None:
        parts.append(f"Sum assured {currency} {_money(basic.get('sum_assured'))}.")
    if basic.get("coverage_to_age") is not None:
        parts.append(f"Cover to age {basic.get('coverage_to_age')}.")
    if breakeven is not None:
        parts.append(f"Break-even in policy year {breakeven}.")
    return " ".join(parts)


def extract_summary(text: str, basic: BasicInfo, table: ValueTable) -> Summary:
    folded = fold_document(text)
    pairs = find_pairs(folded)
    proposal = _date_field(folded, pairs, "proposal_date")
    if proposal is None:
        found = find_date(folded)
        if found is not None:
            proposal = Field(found.iso, 0.5, (found.start, found.end), ("first date in the document",))
    points, points_span = _highlights(text, folded)
    stated = _breakeven_from_text(folded, points_span)
    breakeven = (
        _check_breakeven(stated, table, basic) if stated is not None else _breakeven_from_table(table, basic)
    )
    if points:
        key_points = Field(points, 0.9, points_span)
    else:
        key_points = Field(
            _generated_points(basic, table, breakeven.value), 0.6, None, ("generated from the table",)
        )
    fields = {
        "proposal_date": proposal or MISSING,
        "valid_until": _valid_until(folded, pairs, proposal),
        "breakeven_year": breakeven,
        "key_points": key_points,
        "overview": Field(_overview(basic, breakeven.value), 0.8, None, ("generated",)),
    }
    return Summary({name: fields[name] for name in SUMMARY_FIELDS})
