"""Dates as proposals print them: 2025年1月10日, 2025/01/10, 2025-01-10, 10/01/2025 (day first), 10 January
2025.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_DIGIT = r"[0-9oli]"  # folded text: o/l/i read for 0/1 inside a date
_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH_WORD = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE_RE = re.compile(
    rf"(?P<cy>{_DIGIT}{{4}})\s*年\s*(?P<cm>{_DIGIT}{{1,2}})\s*月\s*(?P<cd>{_DIGIT}{{1,2}})\s*日?"
    rf"|(?P<iy>{_DIGIT}{{4}})\s*[/.-]\s*(?P<im>{_DIGIT}{{1,2}})\s*[/.-]\s*(?P<id>{_DIGIT}{{1,2}})(?!\d)"
    rf"|(?<!\d)(?P<dd>{_DIGIT}{{1,2}})\s*[/.-]\s*(?P<dm>{_DIGIT}{{1,2}})\s*[/.-]\s*(?P<dy>{_DIGIT}{{4}})"
    rf"|(?<![0-9])(?P<wd>{_DIGIT}{{1,2}})(?:st|nd|rd|th)?\s+(?P<wm>{_MONTH_WORD})\s*,?\s*(?P<wy>{_DIGIT}{{4}})"
    rf"|(?P<vm>{_MONTH_WORD})\s+(?P<vd>{_DIGIT}{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?P<vy>{_DIGIT}{{4}})"
)
_DIGIT_FIX = str.maketrans("oli", "011")
_REPAIRED_DIGIT_RE = re.compile(r"\d[oli]|[oli]\d")
_VALIDITY_DAYS_RE = re.compile(r"有效期\s*(?:为|是)?\s*(\d{1,3})\s*(?:天|日)|valid\s+for\s+(\d{1,3})\s+days")


@dataclass(frozen=True, slots=True)
class FoundDate:
    iso: str
    start: int
    end: int
    issues: tuple[str, ...] = ()


def _number(text: str) -> int:
    return int(text.translate(_DIGIT_FIX))


def find_date(folded: str, start: int = 0, end: int | None = None) -> FoundDate | None:
    """The first valid date in folded[start:end]."""
    for match in _DATE_RE.finditer(folded, start, len(folded) if end is None else end):
        groups = match.groupdict()
        issues: list[str] = []
        if _REPAIRED_DIGIT_RE.search(match.group()):
            issues.append("repaired letters in date")
        if groups["cy"]:
            year, month, day = _number(groups["cy"]), _number(groups["cm"]), _number(groups["cd"])
        elif groups["iy"]:
            year, month, day = _number(groups["iy"]), _number(groups["im"]), _number(groups["id"])
        elif groups["dy"]:
            year, first, second = _number(groups["dy"]), _number(groups["dd"]), _number(groups["dm"])
            # Hong Kong prints day first; only a second number above 12 proves month-first.
            day, month = (second, first) if second > 12 >= first else (first, second)
            if second > 12 >= first:
                issues.append("read as month/day/year")
        elif groups["wy"]:
            year, month, day = _number(groups["wy"]), _MONTHS[groups["wm"][:3]], _number(groups["wd"])
        else:
            year, month, day = _number(groups["vy"]), _MONTHS[groups["vm"][:3]], _number(groups["vd"])
        try:
            date = dt.date(year, month, day)
        except ValueError:
            continue
        if not 1990 <= date.year <= 2100:
            continue
        return FoundDate(date.isoformat(), match.start(), match.end(), tuple(issues))
    return None


def find_validity_days(folded: str) -> tuple[int, int, int] | None:
    """`有效期為30天` / `valid for 30 days`: (days, start, end)."""
    match = _VALIDITY_DAYS_RE.search(folded)
    if match is None:
        return None
    group = 1 if match.group(1) else 2
    return int(match.group(group)), match.start(), match.end()
