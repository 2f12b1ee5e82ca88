"""What a value-table column holds, judged from its (folded, possibly multi-line) header text.

A header is read by meaning, with the group header above it (`累积红利` over `红利利益演示`, `假设结算利率3.0%` over
`现金价值`) already joined to it: the same words mean different things in different groups.
"""

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

# The low and high scenarios of a three-scenario illustration (the medium one is the illustrated value).
# `较高者` (the higher of two amounts) is not a scenario.
_SCENARIO_RE = re.compile(
    r"悲观|乐观|pessimistic|optimistic|较低投资回报|较高投资回报|lower return|higher return|"
    r"较低(?!者)|较高(?!者)|低(?:档|等|红利|利率|水平|回报|情景)|高(?:档|等|红利|利率|水平|回报|情景)|"
    r"l(?<![a-z]l)ow(?:er)?\s+(?:scenario|dividend|rate)|"
    r"h(?<![a-z]h)igh(?:er)?\s+(?:scenario|dividend|rate)"
)
_WITHDRAWAL_RE = re.compile(r"提取|提款|withdraw|累积领取|已领取")
# Amounts of one year only (that year's premium or dividend), already inside the cumulative columns.
_ONE_YEAR_RE = re.compile(
    r"当年|本年|年度保险费|年度保费|年交|每年|a(?<![a-z]a)nnual|this\s+year|for\s+the\s+year"
)
_THIS_YEAR_RE = re.compile(r"当年|本年|this\s+year")
_DEATH_RE = re.compile(r"身故|死亡|death|赔偿|d(?<![a-z]d)b(?![a-z])")
# Death benefits paid on top of the basic one, for one cause only.
_EXTRA_DEATH_RE = re.compile(
    r"意外|accident|交通|航班|航空|民航|列车|自然灾害|猝死|恶性肿瘤|癌|关爱|额外|additional|extra"
)
_PREMIUM_RE = re.compile(r"保费|保险费|premium|p(?<![a-z]p)rem(?![a-z])|供款|缴费|交费")
# What makes a premium column the premiums paid so far rather than one year's, a waiver or a top-up.
_PAID_SO_FAR_RE = re.compile(
    r"累计|累积|总|已缴|已交|已付|所交|缴付|total|t(?<![a-z]t)ot(?![a-z])|paid|accumulat|cumulative"
)
_BARE_PREMIUM_RE = re.compile(r"[\W_]*(?:保费|保险费|premiums?|供款|缴费|交费)[\W_]*")
_YEAR_RE = re.compile(
    r"年度|保单年|年末|年终|policy\s*year|end\s*of\s*(?:policy\s*)?year|y(?<![a-z]y)(?:ear|r)(?![a-z])"
)
_POLICY_YEAR_RE = re.compile(r"年度|保单年|policy\s*year|y(?<![a-z]y)r(?![a-z])")
_AGE_RE = re.compile(r"年龄|岁|a(?<![a-z]a)ge(?![a-z])")
_TOTAL_RE = re.compile(
    r"总额|合计|总计|t(?<![a-z]t)otal(?![a-z])|\)\s*\+|\+\s*\(|退保|surrender|s(?<![a-z]s)v(?![a-z])|赎回|发还"
)
# The higher of the guaranteed death benefit and another amount: the death benefit itself, not a part of it.
_HIGHER_OF_RE = re.compile(r"较高者|较大者|higher\s+of|greater\s+of")
_NON_GUARANTEED_RE = re.compile(
    r"非保证|non[- ]?(?:guaranteed|gtd)|红利|分红|bonus|dividend|增值|利息|interest|特别|"
    r"terminal|reversionary|t(?<![a-z]t)b(?![a-z])|r(?<![a-z]r)b(?![a-z])|"
    r"终期|归原|复归|累积|accumulat|projected|预期"
)
_GUARANTEED_RE = re.compile(r"保证|guaranteed|gtd|现金价值|cash\s*value|c(?<![a-z]c)v(?![a-z])")
_CASH_VALUE_RE = re.compile(r"现金\s*价值|cash\s*value|c(?<![a-z]c)v(?![a-z])|退保价值|surrender")
# Scenario groups of a table printing both: the guaranteed scenario (minimum crediting rate, no dividends)
# and the illustrated one (the assumed rate, the dividend scenario).
_GUARANTEED_SCENARIO_RE = re.compile(
    r"保证利益演示|保证演示|最低保证|保证利率|保证结算|保底|guaranteed\s+(?:scenario|basis|illustration|rate)|"
    r"minimum\s+guaranteed"
)
_ILLUSTRATED_SCENARIO_RE = re.compile(r"假设|结算利率|assumed|illustrated\s+rate")
# The dividend scenario's group header names dividends without being a dividend column itself.
_DIVIDEND_SCENARIO_RE = re.compile(r"红利利益演示|分红利益演示|红利演示|非保证利益演示")
# Amounts paid out while the policy runs, guaranteed or not, are not values held in the policy.
_PAYOUT_RE = re.compile(r"领取|年金|给付|派发|入息|生存金|养老|满期|income|payout|annuity|coupon|maturity")
_ACCOUNT_RE = re.compile(r"账户|account|风险|risk|费用|charge|fee")

# Words that make a line look like a value-table header (any of the meanings above).
_HEADER_MEANINGS = (_DEATH_RE, _PREMIUM_RE, _YEAR_RE, _AGE_RE, _TOTAL_RE, _NON_GUARANTEED_RE, _GUARANTEED_RE)
HEADER_WORD_RE = re.compile(
    "|".join(pattern.pattern for pattern in _HEADER_MEANINGS) + r"|终结|end\s*of|value|价值"
)


def _premium_role(header: str) -> str:
    if _THIS_YEAR_RE.search(header) or _ACCOUNT_RE.search(header):
        return IGNORED
    if _PAID_SO_FAR_RE.search(header):
        return PREMIUMS  # `Total Annual Premiums Paid` adds the annual premiums up
    if _ONE_YEAR_RE.search(header):
        return IGNORED
    if _BARE_PREMIUM_RE.fullmatch(header.strip()):
        return PREMIUMS
    return IGNORED  # a premium of another kind: waived, added, transferred in


def column_role(header: str) -> str | None:
    """Role of a column from its folded header text; None when the header says nothing recognisable."""
    if not header.strip():
        return None
    if _SCENARIO_RE.search(header) or _WITHDRAWAL_RE.search(header):
        return IGNORED
    guaranteed_scenario = bool(_GUARANTEED_SCENARIO_RE.search(header))
    if not guaranteed_scenario and "演示" in header:
        header = _DIVIDEND_SCENARIO_RE.sub(" ", header)
    if _DEATH_RE.search(header):
        if _EXTRA_DEATH_RE.search(header) or guaranteed_scenario:
            return IGNORED
        return DEATH
    if _PREMIUM_RE.search(header):
        return _premium_role(header)
    if _ONE_YEAR_RE.search(header):
        return IGNORED
    if _AGE_RE.search(header) and not _POLICY_YEAR_RE.search(header):
        return AGE  # `年末年龄`, `age at end of year`: an age, though it names the year it is taken at
    if _YEAR_RE.search(header):
        return YEAR
    if _AGE_RE.search(header):
        return AGE
    without_non_guaranteed = _NON_GUARANTEED_RE.sub(" ", header)
    has_non_guaranteed = without_non_guaranteed != header
    has_guaranteed = bool(_GUARANTEED_RE.search(without_non_guaranteed))
    has_cash_value = bool(_CASH_VALUE_RE.search(header))
    if guaranteed_scenario:
        return GUARANTEED if has_cash_value and not has_non_guaranteed else IGNORED
    if _ACCOUNT_RE.search(header) or (_PAYOUT_RE.search(header) and not has_cash_value):
        return IGNORED if has_guaranteed or has_non_guaranteed else None
    if _ILLUSTRATED_SCENARIO_RE.search(header) and has_cash_value and not has_non_guaranteed:
        return TOTAL  # the cash value at the assumed rate: guaranteed part and the rest together
    if _TOTAL_RE.search(header) and has_guaranteed == has_non_guaranteed:
        return TOTAL
    if has_non_guaranteed:
        return NON_GUARANTEED
    if has_guaranteed:
        return GUARANTEED
    if _TOTAL_RE.search(header):
        return TOTAL
    return None


def column_roles(headers: list[str]) -> list[str | None]:
    """Roles of a table's columns, each header read on its own and then against its neighbours.

    A death-benefit section printed after the surrender values repeats their columns (guaranteed,
    bonuses, total): there the total, or the higher of two amounts, is the death benefit and the rest are its
    parts. Of several death
    columns the one that adds the parts up (a total, the higher of two amounts) is the death benefit.
    """
    roles = [column_role(header) for header in headers]
    _roles_from_formulas(headers, roles)
    if DEATH not in roles:
        return roles
    first_death = roles.index(DEATH)
    surrender_roles = set(roles[:first_death])
    for index in range(first_death + 1, len(roles)):
        role = roles[index]
        if role in (GUARANTEED, NON_GUARANTEED) and role in surrender_roles:
            roles[index] = IGNORED
        elif (role == TOTAL and role in surrender_roles) or (
            role is None and _HIGHER_OF_RE.search(headers[index])
        ):
            # `[(A+D) 或 C] 之較高者` under 身故賠償, its group header above another column: the death benefit
            roles[index] = DEATH
    deaths = [index for index, role in enumerate(roles) if role == DEATH]
    if len(deaths) > 1:
        totals = [i for i in deaths if _HIGHER_OF_RE.search(headers[i]) or _TOTAL_RE.search(headers[i])]
        whole = [
            i
            for i in deaths
            if not (_GUARANTEED_RE.search(headers[i]) or _NON_GUARANTEED_RE.search(headers[i]))
        ]
        chosen = totals[-1] if totals else (whole or deaths)[0]
        for index in deaths:
            if index != chosen:
                roles[index] = IGNORED
    return roles


_LETTER_RE = re.compile(r"\(([a-z])\)")
_FORMULA_RE = re.compile(r"\([a-z]\)\s*\+\s*\([a-z]\)")


def _roles_from_formulas(headers: list[str], roles: list[str | None]) -> None:
    """`總額 (A)+(B)+(C)` adds up the columns headed (A), (B) and (C): with the guaranteed value and a
    non-guaranteed one among them it is the total, though the group header a PDF's layout put over it
    (`非保證金額` spreads over the total's column) made it look like a non-guaranteed part; with the guaranteed
    death benefit among them it is the death benefit."""
    lettered: dict[str, str | None] = {}
    for header, role in zip(headers, roles, strict=True):
        letters = _LETTER_RE.findall(header)
        if len(letters) == 1 and "+" not in header:
            lettered[letters[0]] = role
    for index, header in enumerate(headers):
        # Only a column the words took for a non-guaranteed part, or could not name: other misreadings the
        # table's arithmetic mends, and pages of one table must keep naming their columns alike.
        if roles[index] not in (NON_GUARANTEED, None) or not _FORMULA_RE.search(header):
            continue
        parts = {lettered.get(letter) for letter in _LETTER_RE.findall(header)}
        if DEATH in parts:
            roles[index] = DEATH
        elif GUARANTEED in parts and NON_GUARANTEED in parts:
            roles[index] = TOTAL
