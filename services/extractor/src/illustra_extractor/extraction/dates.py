"""Dates as proposals print them: 2025年1月10日, 2025/01/10, 2025-01-10, 10/01/2025 (day first), 10 January
2025.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_DIGIT = r"[0-9oli]"  # folded text: o/l/i read for 0/1 inside a date
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_MONTH_WORD = rf"(?:{'|'.join(_MONTHS)})[a-z]*\.?"
# Groups y, m, d after the form: c Chinese, i ISO, d day first, w day then month word, v month word first.
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
        form = next(form for form in "cidwv" if groups[form + "y"])
        year, day, month_text = _number(groups[form + "y"]), _number(groups[form + "d"]), groups[form + "m"]
        month = _MONTHS[month_text[:3]] if form in "wv" else _number(month_text)
        issues: list[str] = []
        if _REPAIRED_DIGIT_RE.search(match.group()):
            issues.append("repaired letters in date")
        if form == "d" and month > 12 >= day:
            # Hong Kong prints day first; only a second number above 12 proves month-first.
            day, month = month, day
            issues.append("read as month/day/year")
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
    return int(match.group(1) or match.group(2)), match.start(), match.end()
