"""Stage 1: the proposal's basic information (insured, plan, premium, cover)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from itertools import islice

from . import names
from .example import find_example
from .labels import Pair, find_pairs, trim_value
from .normalize import end_of_line, fold_document, lines
from .numbers import Amount, find_amounts, first_amount, first_int
from .table import extract_value_table
from .types import BASIC_FIELDS, MISSING, BasicInfo, Field

CONFIDENCE_EXACT = 0.95
CONFIDENCE_FUZZY_LABEL = 0.7  # a label one character off is a guess at what it says: not to be trusted blind
CONFIDENCE_SPACED_LABEL = 0.75
CONFIDENCE_INFERRED = 0.6
REPAIR_PENALTY = 0.2
CONFIDENCE_DISAGREEING = 0.5  # two readings of the same thing differ
CONFIDENCE_UNCHECKED = 0.75  # a sentence's value the table it illustrates does not confirm
CONFIDENCE_CHECKED = 0.9  # ... and one it confirms


@dataclass(frozen=True, slots=True)
class Parsed:
    value: object
    start: int
    end: int
    issues: tuple[str, ...] = ()
    penalty: float = 0.0


ValueParser = Callable[[str, str, int, int], Parsed | None]

_GENDERS = (
    ("F", re.compile(r"女|(?<![a-z])(?:female|f)(?![a-z])")),
    ("M", re.compile(r"男|(?<![a-z])(?:male|m)(?![a-z])")),
)
# Non-smoker first: `非吸煙` holds `吸煙`.
_SMOKING = (
    (False, re.compile(r"非吸烟|不吸烟|non[- ]?smok|(?<![a-z])no?(?![a-z])|否|无")),
    (True, re.compile(r"吸烟|smok|(?<![a-z])y(?:es)?(?![a-z])|是|有")),
)
_CURRENCIES = (
    ("USD", re.compile(r"美元|美金|usd|us\$|u\.s\.")),
    ("HKD", re.compile(r"港元|港币|hkd|hk\$")),
    ("CNY", re.compile(r"人民币|rmb|cny")),
    ("MOP", re.compile(r"澳门元|澳门币|mop")),
    ("EUR", re.compile(r"欧元|eur")),
    ("GBP", re.compile(r"英镑|gbp")),
    ("AUD", re.compile(r"澳元|aud")),
    ("CAD", re.compile(r"加元|加拿大元|cad")),
    ("SGD", re.compile(r"新加坡元|sgd")),
)
_BARE_YUAN_RE = re.compile(r"元")
_SINGLE_RE = re.compile(r"整付|趸交|趸缴|趸|一次过|一次性|single")
_TERM_YEARS_RE = re.compile(r"(\d{1,2})\s*(?:年|years?|yrs?)(?![a-z])")
_TERM_TO_AGE_RE = re.compile(r"(?:至|to\s+age|until\s+age)\s*(?:(?:受保人|被保险人)\s*)?(\d{2,3})")
_MODES = (
    ("single", _SINGLE_RE),
    ("monthly", re.compile(r"月缴|月交|月付|每月|按月|monthly")),
    ("semi_annual", re.compile(r"半年|semi[- ]?annual|half[- ]?yearly")),
    ("quarterly", re.compile(r"季|quarterly")),
    ("annual", re.compile(r"年缴|年交|年付|每年|按年|annual|yearly")),
)
_COVER_AGE_RE = re.compile(
    r"(?:至|to\s+age|up\s+to\s+age|until\s+age|age)\s*(?:(?:受保人|被保险人)\s*)?(\d{2,3})|(\d{2,3})\s*(?:岁|周岁)"
)
_WHOLE_LIFE_RE = re.compile(r"终身|whole\s+life|lifetime")
_NAME_NOISE_RE = re.compile(r"^[\s'`\".,|:“”‘’]+|(?<![\s'`\".,|:“”‘’])[\s'`\".,|:“”‘’]+$")

# Company names are short: bounded, so a long run is not scanned again from each of its characters.
_CJK_COMPANY_RE = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff()]{0,60}?(?:股份有限公司|有限公司|公司)")
_EN_COMPANY_RE = re.compile(
    r"[a-z][a-z0-9&.,'() -]{0,100}?(?<![a-z])"
    r"(?:limited|ltd\.?|company|corporation|corp\.?|inc\.?|berhad|plc)(?![a-z])"
    r"(?:\s+(?:limited|ltd\.?)(?![a-z]))?"
)
_INSURER_WORDS_RE = re.compile(r"保险|人寿|寿险|life|insurance|assurance")
# A title is the product's name, then one of these (the first that ends the line wins), then blanks.
_PRODUCT_TITLE_ENDS = ("保险计划书", "计划书", "建议书", "利益演示")
_TITLE_MARKUP_RE = re.compile(r"[#*\s]*")
# What every proposal's title says: `人壽保險計劃建議書` names no product.
_GENERIC_TITLE_RE = re.compile(r"(?:人寿|寿险|保险|计划|life|insurance|plan|\s)+")


_AMOUNT_ONLY_RE = re.compile(r"[\d,.\s]+")


def _text_value(text: str, folded: str, start: int, end: int) -> Parsed | None:
    value = _NAME_NOISE_RE.sub("", text[start:end])
    if not value or _AMOUNT_ONLY_RE.fullmatch(value):
        return None  # a name is not a number: `基本計劃名義 額: 50,000` is an amount under a broken label
    offset = text.find(value, start, end)
    return Parsed(" ".join(value.split()), offset, offset + len(value))


# The label that follows a name on the same line when OCR closed the gap between them
# (`擬受保人 :陳嘉欣 性別 / 年齡 / 收費標準 : 女/ 35`).
_NEXT_LABEL_RE = re.compile(r"\s+(?:性别|年龄|收费标准|吸烟|(?:sex|gender|age|smoker)(?![a-z]))")


def _name_value(text: str, folded: str, start: int, end: int) -> Parsed | None:
    next_label = _NEXT_LABEL_RE.search(folded, start, end)
    return _text_value(text, folded, start, next_label.start() if next_label else end)


# A product's rule, not the case illustrated: `出生满28天至70周岁`, `18 - 65`, `本产品的保险期间为…`.
_RANGE_RE = re.compile(r"\d\s*(?:(?:周岁|岁|天|日|个月)\s*)?(?:至|到|~|-)\s*\d")
_NOT_YEARS_RE = re.compile(r"\s*(?:天|日|个月|月|weeks?|days?|months?)")
_RULE_RE = re.compile(
    r"本产品|本合同|本计划|本保险|范围|由您|约定|可选|其中一种|this\s+(?:plan|policy|product)|eligib"
)
_NUMBERING_RE = re.compile(r"\(\s*\d{1,2}\s*\)")  # (2)有效保险金额: a definition's number


def _age(_text: str, folded: str, start: int, end: int) -> Parsed | None:
    if _RANGE_RE.search(folded, start, end):
        return None
    found = first_int(folded, start, end)
    if found is None or not 0 <= found.value <= 100 or _NOT_YEARS_RE.match(folded, found.end):
        return None
    return Parsed(
        int(found.value), found.start, found.end, found.repairs, REPAIR_PENALTY if found.repairs else 0
    )


Patterns = tuple[tuple[object, re.Pattern[str]], ...]  # value, and the pattern that says it


def _first_listed(patterns: Patterns, _text: str, folded: str, start: int, end: int) -> Parsed | None:
    """The value of the first of `patterns` found in folded[start:end]."""
    for value, pattern in patterns:
        match = pattern.search(folded, start, end)
        if match:
            return Parsed(value, match.start(), match.end())
    return None


def _first_printed(patterns: Patterns, _text: str, folded: str, start: int, end: int) -> Parsed | None:
    """The value of the pattern found first in folded[start:end] (of two at one place, the first listed)."""
    best: Parsed | None = None
    for value, pattern in patterns:
        match = pattern.search(folded, start, end)
        if match and (best is None or match.start() < best.start):
            best = Parsed(value, match.start(), match.end())
    return best


def _currency(_text: str, folded: str, start: int, end: int) -> Parsed | None:
    best = _first_printed(_CURRENCIES, "", folded, start, end)
    if best is None and (match := _BARE_YUAN_RE.search(folded, start, end)):
        best = Parsed("CNY", match.start(), match.end(), ("bare 元 read as CNY",), 0.15)
    return best


def _amount(_text: str, folded: str, start: int, end: int) -> Parsed | None:
    found = first_amount(folded, start, end)
    if found is None or found.value <= 0:
        return None
    if _NUMBERING_RE.match(folded, max(start, found.start - 1), min(end, found.end + 1)):
        return None
    return Parsed(found.value, found.start, found.end, found.repairs, REPAIR_PENALTY if found.repairs else 0)


def _premium_term(_text: str, folded: str, start: int, end: int) -> Parsed | None:
    single = _SINGLE_RE.search(folded, start, end)
    if single:
        return Parsed(1, single.start(), single.end())
    years = _TERM_YEARS_RE.search(folded, start, end)
    if years:
        return Parsed(int(years.group(1)), years.start(1), years.end(1))
    to_age = _TERM_TO_AGE_RE.search(folded, start, end)
    if to_age:
        # Resolved against the issue age once both are known.
        return Parsed(
            -int(to_age.group(1)), to_age.start(1), to_age.end(1), ("premium term given as an age",)
        )
    found = first_int(folded, start, end)
    if found is None or not 0 < found.value <= 100:
        return None
    return Parsed(int(found.value), found.start, found.end, found.repairs, 0.1)


def _cover_age(_text: str, folded: str, start: int, end: int) -> Parsed | None:
    match = _COVER_AGE_RE.search(folded, start, end)
    if match:
        group = match.lastindex or 0  # whichever of its forms matched
        age = int(match.group(group))
        if 50 <= age <= 150:
            return Parsed(age, match.start(group), match.end(group))
    return None


PARSERS: dict[str, ValueParser] = {
    "insured_name": _name_value,
    "gender": partial(_first_printed, _GENDERS),
    "issue_age": _age,
    "smoker": partial(_first_listed, _SMOKING),
    "insurer": _text_value,
    "product_name": _text_value,
    "currency": _currency,
    "sum_assured": _amount,
    "annual_premium": _amount,
    "premium_term_years": _premium_term,
    "payment_mode": partial(_first_listed, _MODES),
    "coverage_to_age": _cover_age,
}


def _pair_confidence(pair: Pair) -> float:
    if not pair.exact:
        return CONFIDENCE_FUZZY_LABEL
    return CONFIDENCE_EXACT if pair.colon else CONFIDENCE_SPACED_LABEL


def _pair_rank(pair: Pair) -> int:
    return 0 if pair.exact and pair.colon else 1 if pair.colon else 2


def _read_labelled(text: str, folded: str, pairs: tuple[Pair, ...]) -> dict[str, Field]:
    by_field: dict[str, list[Pair]] = {}
    for pair in pairs:
        if pair.field in PARSERS:
            by_field.setdefault(pair.field, []).append(pair)
    fields: dict[str, Field] = {}
    for name, candidates in by_field.items():
        readings = [
            (pair, parsed)
            for pair in sorted(candidates, key=_pair_rank)
            if not _RULE_RE.search(folded, pair.value_start, pair.value_end)
            # `保险顾问：联系电话：` is a form's blank, not an insurer's name
            and not (
                name == "insurer" and (not pair.exact or ":" in folded[pair.value_start : pair.value_end])
            )
            and (parsed := PARSERS[name](text, folded, pair.value_start, pair.value_end)) is not None
        ]
        if not readings:
            continue
        if name == "insured_name":
            labelled = [(_pair_confidence(pair), parsed) for pair, parsed in readings]
            fields[name] = names.read_name(text, folded, labelled)
            continue
        pair, parsed = readings[0]
        issues = parsed.issues if pair.exact else (*parsed.issues, "label matched with one misread character")
        confidence = max(0.05, _pair_confidence(pair) - parsed.penalty)
        # The same label printed again (a page's header repeats the insured's line) must read the same.
        others = {
            _comparable(other.value) for other_pair, other in readings[1:] if _pair_rank(other_pair) == 0
        }
        if others - {_comparable(parsed.value)}:
            confidence = min(confidence, CONFIDENCE_DISAGREEING)
            issues = (*issues, "the same label elsewhere reads differently")
        fields[name] = Field(parsed.value, confidence, (parsed.start, parsed.end), issues)
    return fields


def _comparable(value: object) -> object:
    return "".join(value.split()).casefold() if isinstance(value, str) else value


def _insurer_from_heading(text: str, folded: str) -> Field | None:
    """The insurer's name from the letterhead or a page footer: a line that starts with a company's name that
    sounds like an insurer. Seen on several lines or at the top of the document, it is taken as sure."""
    found = _cjk_insurer(text, folded)
    if found is not None:
        return found
    for position, line_end in islice(lines(folded, 0), 15):
        line = folded[position:line_end]
        if ":" not in line and _INSURER_WORDS_RE.search(line):
            match = _EN_COMPANY_RE.search(folded, position, line_end)
            if match:
                start, end = trim_value(folded, match.start(), match.end())
                while start < end and not folded[start].isalnum():
                    start += 1
                return Field(" ".join(text[start:end].split()), 0.9, (start, end))
    return None


_COMPANY_END = "公司"
_LONGEST_NAME = 60
_CJK_GAP_RE = re.compile(r"[\u4e00-\u9fff] +[\u4e00-\u9fff]")
_NAME_CHARS_RE = re.compile(r"[\u4e00-\u9fff() ]")
_HEADING_MARKS = "#* \t|>"


def _cjk_insurer(text: str, folded: str) -> Field | None:
    """Walks back from each 公司 over Chinese characters, brackets and blanks; a name that reaches the start of
    its line (past heading marks) and names an insurer is a candidate."""
    names: dict[str, list[tuple[int, int]]] = {}
    end = folded.find(_COMPANY_END)
    while end >= 0 and len(names) < 20:
        end += len(_COMPANY_END)
        line_start = folded.rfind("\n", 0, end) + 1
        start = end - len(_COMPANY_END)
        limit = max(line_start, end - _LONGEST_NAME)  # a walk of bounded length: linear in the text
        while start > limit and _NAME_CHARS_RE.match(folded, start - 1):
            start -= 1
        name_start = start
        while name_start < end and folded[name_start] in " (":
            name_start += 1
        if folded[line_start:start].strip(_HEADING_MARKS) == "" and _INSURER_WORDS_RE.search(
            folded, name_start, end
        ):
            key = "".join(folded[name_start:end].split())
            names.setdefault(key, []).append((name_start, end))
        end = folded.find(_COMPANY_END, end)
    if not names:
        return None
    spans = next(iter(names.values()))
    start, end = spans[0]
    near_top = folded.count("\n", 0, start) < 3
    confidence = 0.9 if near_top or len(spans) > 1 else 0.75
    if _CJK_GAP_RE.search(folded, start, end):
        # `宏利 壽保險（國際）有限公司`: a glyph of the name was pushed elsewhere by the PDF's font
        confidence = CONFIDENCE_INFERRED
    return Field(
        " ".join(text[start:end].split()), confidence, (start, end), ("insurer read from a heading",)
    )


def _product_title(folded: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the product's name is on a title line, in time linear in the line (a pattern for it backtracked
    over runs of blanks). A wide gap separates cells of a page header (`Sunbright Life      人壽保險計劃建議書`):
    the title is the last cell."""
    line = folded[start:end].rstrip()
    for title_end in _PRODUCT_TITLE_ENDS:
        if line.endswith(title_end):
            name_end = start + len(line[: -len(title_end)].rstrip())
            gap = folded.rfind("  ", start, name_end)
            # The pattern matches the empty string too: it always matches.
            name_start = _TITLE_MARKUP_RE.match(folded, start if gap < 0 else gap, name_end).end()  # type: ignore[union-attr]
            if name_start >= name_end or _GENERIC_TITLE_RE.fullmatch(folded, name_start, name_end):
                return None
            return name_start, name_end
    return None


def _product_from_title(text: str, folded: str) -> Field | None:
    for position, line_end in islice(lines(folded, 0), 6):
        span = _product_title(folded, position, line_end)
        if span and not _CJK_COMPANY_RE.search(folded, *span) and span[1] - span[0] > 2:
            start, end = span
            return Field(
                text[start:end], CONFIDENCE_INFERRED, (start, end), ("product name read from title",)
            )
    return None


_PLAN_NAME_LINE_RE = re.compile(
    r"[#*\s]*(?P<name>[^\s:#*(][^:\n]{1,40}?(?:计划|保险|寿险|年金|plan)(?:\s*\([^()\n]{1,12}\))?)[\s*]*"
)
_GENERIC_PLAN_RE = re.compile(r"基本计划|basic plan|附加|rider")


# A line's cells: runs of words parted by single blanks (a wider gap parts the cells of a page header).
_CELL_RE = re.compile(r"[^ \n]+(?: [^ \n]+)*")


def _product_from_repeated_line(text: str, folded: str) -> Field | None:
    """The plan's name as it heads every page: a cell of its own (a line, or one side of a page header),
    ending in a plan word (and a version in brackets), printed more than once."""
    seen: dict[str, list[tuple[int, int]]] = {}
    for cell in _CELL_RE.finditer(folded):
        if len(cell.group()) > 60:
            continue
        match = _PLAN_NAME_LINE_RE.fullmatch(folded, *cell.span())
        if (
            match is None
            or _GENERIC_PLAN_RE.match(match.group("name"))
            or _COMPANY_END in match.group("name")
        ):
            continue
        seen.setdefault("".join(match.group("name").split()), []).append(match.span("name"))
    repeated = [key for key, spans in seen.items() if len(spans) > 1]
    if not repeated:
        return None
    best = max(repeated, key=lambda key: len(seen[key]))
    start, end = seen[best][0]
    found = Field(text[start:end], 0.85, (start, end), ("product name heading the pages",))
    if any(_one_character_apart(best, other) for other in seen):
        # `豐穩財富儲蓄計劃` on two pages, `豐穩財富儲苗計劃` on two others: OCR misreads a glyph, and which
        # reading is right the votes do not tell
        return found.doubted(CONFIDENCE_DISAGREEING, "other pages read one character differently")
    return found


def _one_character_apart(first: str, second: str) -> bool:
    return len(first) == len(second) and sum(a != b for a, b in zip(first, second, strict=True)) == 1


def _reconcile(fields: dict[str, Field], folded: str) -> None:
    """Fill what one field implies about another (single premium <-> term 1) and resolve the age-given
    term."""
    term = fields.get("premium_term_years")
    mode = fields.get("payment_mode")
    age = fields.get("issue_age")
    if term is not None and isinstance(term.value, int) and term.value < 0:
        if age is not None and -term.value > age.value:
            fields["premium_term_years"] = Field(
                -term.value - age.value, term.confidence * 0.9, term.span, term.issues
            )
        else:
            fields.pop("premium_term_years")
    term = fields.get("premium_term_years")
    if mode is None:
        premium = fields.get("annual_premium")
        premium_label_single = (
            premium is not None
            and premium.span is not None
            and bool(_SINGLE_RE.search(folded, _column_head_start(folded, premium.span[0]), premium.span[0]))
        )
        if (term is not None and term.value == 1) or premium_label_single:
            fields["payment_mode"] = mode = Field(
                "single", CONFIDENCE_INFERRED, None, ("inferred from a single premium",)
            )
        elif term is not None:
            fields["payment_mode"] = Field("annual", 0.4, None, ("no payment mode printed; assumed annual",))
    if term is None and mode is not None and mode.value == "single":
        fields["premium_term_years"] = Field(1, CONFIDENCE_INFERRED, mode.span, ("single premium: one year",))


def _column_head_start(folded: str, position: int) -> int:
    """Where to look for what an amount is: its label just before it, or the head of its column a few lines up
    (`整付保費` over a plan summary's row printed over several lines)."""
    start = folded.rfind("\n", 0, position)
    for _ in range(3):
        if start <= 0:
            return 0
        start = folded.rfind("\n", 0, start)
    return max(start + 1, position - 400)


def _currency_fallback(folded: str, fields: dict[str, Field]) -> Field | None:
    for name in ("sum_assured", "annual_premium"):
        found = fields.get(name)
        if found is not None and found.span is not None:
            line_start = folded.rfind("\n", 0, found.span[0]) + 1
            parsed = _currency("", folded, line_start, end_of_line(folded, found.span[1]))
            if parsed is not None:
                return _found(parsed, 0.8, "currency read beside the amount")
    parsed = _first_printed(_CURRENCIES, "", folded, 0, len(folded))  # a bare 元 anywhere says nothing
    return None if parsed is None else _found(parsed, 0.6, "first currency named in the document")


def _found(reading: Parsed | Amount, confidence: float, note: str) -> Field:
    """A value read at a place of the text, with how sure and why."""
    return Field(reading.value, confidence, (reading.start, reading.end), (note,))


def extract_basic_info(text: str) -> BasicInfo:
    folded = fold_document(text)
    fields = _read_labelled(text, folded, find_pairs(folded))
    example = find_example(text, folded)
    if example is not None:
        _take_example(fields, example)
    if "insurer" not in fields and (insurer := _insurer_from_heading(text, folded)) is not None:
        fields["insurer"] = insurer
    if "product_name" not in fields:
        product = _product_from_title(text, folded) or _product_from_repeated_line(text, folded)
        if product is not None:
            fields["product_name"] = product
    if "annual_premium" not in fields and (premium := _plan_row_premium(text, folded, fields)) is not None:
        fields["annual_premium"] = premium
    if "currency" not in fields and (currency := _currency_fallback(folded, fields)) is not None:
        fields["currency"] = currency
    if "coverage_to_age" not in fields:
        fields["coverage_to_age"] = _cover_from_text(folded)
    _reconcile(fields, folded)
    if example is not None:
        _check_against_table(text, fields, example)
    return BasicInfo({name: fields.get(name, MISSING) for name in BASIC_FIELDS})


def _take_example(fields: dict[str, Field], example: dict[str, Field]) -> None:
    """The example's values are the case illustrated; a labelled value that says otherwise makes both doubtful."""
    for name, found in example.items():
        labelled = fields.get(name)
        if labelled is not None and labelled.value != found.value:
            found = found.doubted(CONFIDENCE_DISAGREEING, f"a label elsewhere says {labelled.value!r}")
        fields[name] = found


_TABLE_INPUTS = ("issue_age",)  # not the premium or term: the table would repair its reading to them


def _table_rows(text: str, fields: dict[str, Field]) -> list[dict[str, Field]]:
    """The value table as read on its own (with the issue age for age-labelled rows), to check against it."""
    table = extract_value_table(text, BasicInfo({name: fields.get(name, MISSING) for name in _TABLE_INPUTS}))
    return [row for row in table.rows if row["policy_year"].value is not None]


def _first_year(rows: list[dict[str, Field]]) -> dict[str, Field] | None:
    return next((row for row in rows if row["policy_year"].value == 1), None)


_PLAN_ROW_RE = re.compile(r"(?m)^[ \t]*(?:基本计划|basic plan)")


def _plan_row_premium(text: str, folded: str, fields: dict[str, Field]) -> Field | None:
    """`基本計劃 (a)   20,861.36 20,861.36  是  18  終身`: the plan summary's row of the basic plan. Its premium is
    the one the value table accumulates, which tells it from the amount insured beside it."""
    amounts: list[Amount] = []
    for row in _PLAN_ROW_RE.finditer(folded):
        line_end = end_of_line(folded, row.end())
        if ":" in folded[row.end() : line_end]:  # `基本計劃名義金額: …` is a label, not the row
            continue
        # A row label printed over lines (`基本計劃 (a)` / the plan's name / `(保費繳付期: 5 年)`) has its
        # amounts beside one of them.
        start = row.end()
        for _ in range(3):
            amounts = [
                amount
                for amount in find_amounts(folded, start, line_end)
                if amount.value >= 100 and not amount.repairs
            ]
            next_end = folded.find("\n", line_end + 1)
            if amounts or line_end >= len(folded) or ":" in folded[line_end:next_end]:
                break
            start, line_end = line_end + 1, len(folded) if next_end < 0 else next_end
        break
    if not amounts:
        return None
    if len({amount.value for amount in amounts}) == 1:
        # One amount, however many columns print it: the table's first year prints it again, rounded (not a
        # label's line: OCR may have lost the premium and left the amount insured, which `名義金額: …` repeats).
        amount = amounts[0]
        if _printed_in_a_row(folded, round(amount.value), line_end):
            return _found(amount, 0.85, "the plan's premium, paid again in the table")
        return _found(amount, CONFIDENCE_INFERRED, "the basic plan's row")
    first = _first_year(_table_rows(text, fields))
    paid = first["total_premiums_paid"].value if first is not None else None
    for amount in amounts:
        if paid is not None and abs(amount.value - paid) <= 1:
            return _found(amount, 0.9, "premium the table accumulates")
    return _found(amounts[-1], CONFIDENCE_INFERRED, "last amount of the basic plan's row")


def _printed_in_a_row(folded: str, value: int, start: int) -> bool:
    """Whether `value` stands as an amount of its own (`20,861`) after `start`, on a line that is no label's."""
    token = f"{value:,}"
    found = folded.find(token, start)
    while found >= 0:
        before = folded[found - 1] if found > 0 else " "
        after = folded[found + len(token)] if found + len(token) < len(folded) else " "
        line_start = folded.rfind("\n", 0, found) + 1
        if (
            not (before.isdigit() or before in ",.")
            and not (after.isdigit() or after in ",.")
            and ":" not in folded[line_start:found]
        ):
            return True
        found = folded.find(token, found + 1)
    return False


def _check_against_table(text: str, fields: dict[str, Field], example: dict[str, Field]) -> None:
    """Where the sentence and the table it illustrates both speak (premium, ages, term), they must agree; where
    they do not, the table wins and the field is not confident. What the table cannot confirm is not sure."""
    rows = _table_rows(text, fields)
    first = _first_year(rows) or {}
    verdicts: dict[str, str | None] = {}  # field -> None when the table agrees, else why not
    paid = first.get("total_premiums_paid", MISSING)
    premium = fields.get("annual_premium")
    if premium is not None and paid.value is not None:
        if abs(paid.value - premium.value) <= 1:
            verdicts["annual_premium"] = None
        else:
            fields["annual_premium"] = Field(
                paid.value,
                min(CONFIDENCE_DISAGREEING, paid.confidence),
                paid.span,
                (f"the sentence says {premium.value:g}; the table's first year was paid {paid.value:g}",),
            )
    age, printed_age = fields.get("issue_age"), first.get("age", MISSING).value
    if age is not None and printed_age is not None:
        agrees = printed_age - age.value in (0, 1)
        verdicts["issue_age"] = None if agrees else f"the table's first row prints age {printed_age}"
    term, premium = fields.get("premium_term_years"), fields.get("annual_premium")
    paid_values = [row["total_premiums_paid"].value for row in rows if row["total_premiums_paid"].value]
    if term is not None and premium is not None and premium.value and paid_values:
        years_paid = round(max(paid_values) / premium.value)
        if years_paid == term.value:
            verdicts["premium_term_years"] = None
        elif max(row["policy_year"].value for row in rows) >= term.value:
            verdicts["premium_term_years"] = f"the table accumulates {years_paid} premiums"
    for name in ("annual_premium", "issue_age", "premium_term_years"):
        found = fields.get(name)
        if found is None or found is not example.get(name):
            continue
        if name not in verdicts:
            fields[name] = found.doubted(CONFIDENCE_UNCHECKED, "the table does not confirm it")
        elif (verdict := verdicts[name]) is None:
            fields[name] = replace(found, confidence=max(found.confidence, CONFIDENCE_CHECKED))
        else:
            fields[name] = found.doubted(CONFIDENCE_DISAGREEING, verdict)


_COVER_SENTENCE_RE = re.compile(
    r"(?:保障|cover|protection)[^\n]{0,20}?(?:至|to\s+age|up\s+to\s+age)\s*(?:(?:受保人|被保险人)\s*)?(\d{2,3})"
)


def _cover_from_text(folded: str) -> Field:
    match = _COVER_SENTENCE_RE.search(folded)
    if match and 50 <= int(match.group(1)) <= 150:
        return Field(
            int(match.group(1)), CONFIDENCE_INFERRED, match.span(1), ("cover age read from the text",)
        )
    if _WHOLE_LIFE_RE.search(folded):
        return Field(None, 0.0, None, ("whole-life cover without a printed age",))
    return MISSING
