"""What a value-table column holds, judged from its (folded, possibly multi-line) header text."""

from __future__ import annotations

import re

YEAR = "policy_year"
AGE = "age"
PREMIUMS = "total_premiums_paid"
GUARANTEED = "guaranteed_cash_value"
NON_GUARANTEED = "non_guaranteed_value"
TOTAL = "total_surrender_value"
DEATH = "death_benefit"
IGNORED = "ignored"  # a column that must not feed any field (another scenario, withdrawals)

# A whole English word is written `a(?<![a-z]a)ge(?![a-z])`, not `(?<![a-z])age(?![a-z])`: the same matches,
# but with every alternative of HEADER_WORD_RE starting with a literal character the regex engine skips
# straight to the places where one can start, several times faster on the lines of a document.

_SCENARIO_RE = re.compile(
    r"悲观|乐观|pessimistic|optimistic|较低投资回报|较高投资回报|lower return|higher return"
)
_WITHDRAWAL_RE = re.compile(r"提取|提款|withdraw|累积领取|已领取")
_DEATH_RE = re.compile(r"身故|死亡|death|赔偿")
_PREMIUM_RE = re.compile(r"保费|premium|供款|缴费")
_YEAR_RE = re.compile(
    r"年度|保单年|年末|年终|policy\s*year|end\s*of\s*(?:policy\s*)?year|y(?<![a-z]y)(?:ear|r)(?![a-z])"
)
_AGE_RE = re.compile(r"年龄|岁|a(?<![a-z]a)ge(?![a-z])")
_TOTAL_RE = re.compile(
    r"总额|合计|总计|t(?<![a-z]t)otal(?![a-z])|\)\s*\+|\+\s*\(|退保|surrender|s(?<![a-z]s)v(?![a-z])|赎回|发还"
)
_NON_GUARANTEED_RE = re.compile(
    r"非保证|non[- ]?(?:guaranteed|gtd)|红利|分红|bonus|dividend|增值|利息|interest|特别|"
    r"terminal|reversionary|"
    r"终期|归原|复归|累积|accumulat|projected|预期"
)
_GUARANTEED_RE = re.compile(r"保证|guaranteed|gtd|现金价值|cash\s*value")

# Words that make a line look like a value-table header (any of the meanings above).
HEADER_WORD_RE = re.compile(
    "|".join(
        pattern.pattern
        for pattern in (
            _DEATH_RE,
            _PREMIUM_RE,
            _YEAR_RE,
            _AGE_RE,
            _TOTAL_RE,
            _NON_GUARANTEED_RE,
            _GUARANTEED_RE,
        )
    )
    + r"|终结|end\s*of|value|价值"
)


def column_role(header: str) -> str | None:
    """Role of a column from its folded header text; None when the header says nothing recognisable."""
    if not header.strip():
        return None
    if _SCENARIO_RE.search(header) or _WITHDRAWAL_RE.search(header):
        return IGNORED
    if _DEATH_RE.search(header):
        return DEATH
    if _PREMIUM_RE.search(header):
        return PREMIUMS
    if _YEAR_RE.search(header):
        return YEAR
    if _AGE_RE.search(header):
        return AGE
    without_non_guaranteed = _NON_GUARANTEED_RE.sub(" ", header)
    has_non_guaranteed = without_non_guaranteed != header
    has_guaranteed = bool(_GUARANTEED_RE.search(without_non_guaranteed))
    if _TOTAL_RE.search(header) and has_guaranteed == has_non_guaranteed:
        return TOTAL
    if has_non_guaranteed:
        return NON_GUARANTEED
    if has_guaranteed:
        return GUARANTEED
    if _TOTAL_RE.search(header):
        return TOTAL
    return None
