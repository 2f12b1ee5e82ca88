"""Reading amounts and small integers out of folded OCR text, repairing letters read for digits."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Letters OCR engines put in place of digits. The text is folded (lower case) before it gets here.
_CONFUSABLE = "odlisbzg"
LETTER_DIGITS = str.maketrans(_CONFUSABLE, "00115829")

# A candidate amount: digits, separators and digit-like letters, with at least one real digit, not inside a
# word. The first lookahead only repeats what the token's first character must be, so that a position in a run of
# separators fails at once instead of scanning the rest of the run for a digit (quadratic: 0.6 s a call on a line
# of 10,000 ",." characters).
AMOUNT_RE = re.compile(
    rf"(?<![a-z0-9_])(?=[0-9{_CONFUSABLE}])(?=[0-9{_CONFUSABLE},.]*[0-9])"
    rf"[0-9{_CONFUSABLE}][0-9{_CONFUSABLE},.]*(?![a-z0-9_])"
)
_WELL_FORMED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_DOTTED_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3}){2,}")
DASH_RE = re.compile(r"[-~_]{1,3}|n/a|nil")


@dataclass(frozen=True, slots=True)
class Amount:
    value: float
    start: int  # offsets of the token in the text it was found in
    end: int
    repairs: tuple[str, ...] = ()


def parse_amount_token(token: str) -> tuple[float | None, tuple[str, ...]]:
    """Value of one amount token (folded), with notes on repairs; None when it is not a number."""
    if _WELL_FORMED.fullmatch(token):
        return float(token.replace(",", "")), ()
    repairs: list[str] = []
    stripped = token.strip(",.")
    if not stripped:
        return None, ()
    if any(char in _CONFUSABLE for char in stripped):
        letters = sum(char.isalpha() for char in stripped)
        digits = sum(char.isdigit() for char in stripped)
        if letters > digits:
            return None, ()
        repaired = stripped.translate(LETTER_DIGITS)
        repairs.append(f"repaired {stripped!r}->{repaired!r}")
        stripped = repaired
    if _DOTTED_THOUSANDS.fullmatch(stripped):
        repairs.append("dots read as thousands separators")
        stripped = stripped.replace(".", "")
    if not _WELL_FORMED.fullmatch(stripped):
        plain = stripped.replace(",", "")
        if stripped.count(".") > 1 or not re.fullmatch(r"\d+(?:\.\d+)?", plain):
            return None, ()
        repairs.append(f"irregular separators in {token!r}")
        stripped = plain
    return float(stripped.replace(",", "")), tuple(repairs)


def find_amounts(folded: str, start: int = 0, end: int | None = None) -> list[Amount]:
    """Every parseable amount in folded[start:end], offsets relative to `folded`."""
    found: list[Amount] = []
    for match in AMOUNT_RE.finditer(folded, start, len(folded) if end is None else end):
        value, repairs = parse_amount_token(match.group())
        if value is not None:
            token_start = match.start() + (len(match.group()) - len(match.group().lstrip(",.")))
            token_end = match.end() - (len(match.group()) - len(match.group().rstrip(",.")))
            found.append(Amount(value, token_start, token_end, repairs))
    return found


_WAN = re.compile(r"\s*(万|w)")


def first_amount(folded: str, start: int, end: int) -> Amount | None:
    """The first amount in a label's value, scaled when written in 萬 (ten thousands)."""
    amounts = find_amounts(folded, start, end)
    if not amounts:
        return None
    amount = amounts[0]
    wan = _WAN.match(folded, amount.end, end)
    if wan:
        return Amount(amount.value * 10000, amount.start, wan.end(), (*amount.repairs, "scaled by 万"))
    return amount


def first_int(folded: str, start: int, end: int) -> Amount | None:
    """The first whole number (no separators) in folded[start:end]."""
    for amount in find_amounts(folded, start, end):
        if amount.value < 1000 and amount.value == int(amount.value):  # a run of digits reads as infinity
            return amount
    return None
