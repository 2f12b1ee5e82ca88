"""The illustrated example of a product description, read as basic information.

Mainland product descriptions (产品说明书) print the product's rules as `label：value` lines (eligible ages, the
terms one may choose, numbered definitions) and the case their value table illustrates as one sentence:
`示例1：利先生今年30周岁，他选择购买了…终身寿险，选择10年交费，年交保险费100000元，基本保险金额为822900元。`
The insured may be someone else than the person in the sentence: `安女士选择为她0岁的儿子乐乐购买…`.
Every pattern here is anchored on a word and bounded, so it runs in time linear in the text.
"""

from __future__ import annotations

import re

from .normalize import end_of_line
from .numbers import first_amount
from .types import Field

CONFIDENCE_SENTENCE = 0.85

_TITLE_RE = re.compile(r"先生|女士|小姐")
_AGE_RE = re.compile(r"(\d{1,3})\s*(?:周岁|岁)")
# `为她0岁的儿子乐乐购买`, `为自己刚出生的女儿投保`, `给妻子投保`: the insured is the relative named.
_RELATIVE_RE = re.compile(
    r"(?:为|给|替)(?P<about>[^,.;:!?\n]{0,12}?)(?P<relative>儿子|女儿|孙子|孙女|孩子|宝宝|妻子|丈夫|父亲|母亲)"
    r"(?P<name>[\u4e00-\u9fff]{1,3}?)?\s*(?:购买|投保)"
)
_RELATIVE_GENDER = {
    **dict.fromkeys(("儿子", "孙子", "丈夫", "父亲"), "M"),
    **dict.fromkeys(("女儿", "孙女", "妻子", "母亲"), "F"),
}
_YOUNG_RELATIVES = ("儿子", "女儿", "孙子", "孙女", "孩子", "宝宝")
_OWN_AGE_RE = re.compile(r"(?:今年|现年|年龄为?)\s*(\d{1,3})\s*(?:周岁|岁)")
_NOT_OWN_AGE_BEFORE = "至到满"  # 保至70周岁, 年满60周岁: ages of the cover, not of the person
_PURCHASE_RE = re.compile(r"购买|投保")
_NEWBORN_RE = re.compile(r"刚出生|新出生|新生儿|出生(?:满)?\s*\d{1,3}\s*天")
_PREMIUM_RE = re.compile(  # the mode word, when there is one, starts the match: no blank run is scanned twice
    r"(?:(?P<mode>年交|年缴|每年交纳|每年缴纳|每年交|月交|月缴|每月交纳|每月交|一次性交纳|一次性缴纳|一次性交|趸交"
    r"|趸缴|[足泵歪]交)\s*(?:的\s*)?)?(?:保险费|保费)\s*(?:[为是]\s*)?(?=\d)"
)
_SUM_ASSURED_RE = re.compile(r"(?:基本保险金额|基本保额|保险金额|保额)\s*(?:[为是]\s*)?(?=\d)")
_TERM_RE = re.compile(
    r"(\d{1,2})\s*年\s*(?:交费|缴费|交清|缴清|期交|期缴)|(?:交费|缴费)(?:期间|年期|期)?\s*(?:[为是]\s*)?(\d{1,2})\s*年"
)
_COVER_AGE_RE = re.compile(r"保至\s*(\d{2,3})\s*周?岁|至\s*(\d{2,3})\s*周岁")
_COVER_TERM_RE = re.compile(r"保险期间\s*(?:[为是]\s*)?(\d{1,3})\s*年(?!交|缴)")
_ANNUAL_WORDS_RE = re.compile(r"年交|年缴|每年")
_PRODUCT_RE = re.compile(r"购买了?\s*(?:一份\s*)?([^,.;:!?\n]{2,40})")
_PRODUCT_WORDS_RE = re.compile(r"保险|寿险|年金|计划|两全|plan")
_YUAN_AFTER_RE = re.compile(r"\s*元")
_SINGLE_MODES = ("一次性", "趸", "足交", "泵交", "歪交")


def find_example(text: str, folded: str) -> dict[str, Field] | None:
    """The fields of the first line that names a customer by title, gives an age and buys: the example."""
    title = _TITLE_RE.search(folded)
    while title is not None:
        start = folded.rfind("\n", 0, title.start()) + 1
        end = end_of_line(folded, title.end())
        aged = _AGE_RE.search(folded, title.end(), end) or _NEWBORN_RE.search(folded, title.end(), end)
        if aged and _PURCHASE_RE.search(folded, title.end(), end):
            return _read(text, folded, start, title, end)
        title = _TITLE_RE.search(folded, end)
    return None


def _field(value: object, span: tuple[int, int], note: str, confidence: float = CONFIDENCE_SENTENCE) -> Field:
    return Field(value, confidence, span, (note,))


def _number_field(match: re.Match[str], note: str) -> Field:
    """The number of whichever one group of `match` took part."""
    group = match.lastindex or 0
    return _field(int(match.group(group)), match.span(group), note)


def _read(text: str, folded: str, start: int, title: re.Match[str], end: int) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    relative = _RELATIVE_RE.search(folded, title.end(), end)
    if relative is not None:
        _read_relative(text, folded, relative, fields)
    else:
        fields["gender"] = _field("M" if title.group() == "先生" else "F", title.span(), "from the title")
        age = _own_age(folded, start, end)
        if age is not None:
            fields["issue_age"] = _number_field(age, "age in the example")
    _read_premium(folded, start, end, fields)
    sum_assured = _amount_after(folded, _SUM_ASSURED_RE, start, end)
    if sum_assured is not None:
        fields["sum_assured"] = _field(sum_assured[1], sum_assured[2], "sum assured in the example")
    _read_term_and_cover(folded, start, end, fields)
    product = _PRODUCT_RE.search(folded, start, end)
    if product is not None:
        name_start, name_end = product.span(1)
        of = folded.rfind("的", name_start, name_end)  # 购买了保险期间5年的X保险 -> X保险
        name_start = of + 1 if of >= 0 else name_start
        name = text[name_start:name_end].strip()
        if _PRODUCT_WORDS_RE.search(folded, name_start, name_end) and len(name) > 2:
            fields["product_name"] = _field(name, (name_start, name_end), "product named in the example")
    return fields


def _read_relative(text: str, folded: str, relative: re.Match[str], fields: dict[str, Field]) -> None:
    kind = relative.group("relative")
    if kind in _RELATIVE_GENDER:
        fields["gender"] = _field(
            _RELATIVE_GENDER[kind], relative.span("relative"), f"the insured is the {kind}"
        )
    about = relative.span("about")
    age = _AGE_RE.search(folded, *about)
    if age is not None:
        fields["issue_age"] = _number_field(age, "the insured's age")
    elif kind in _YOUNG_RELATIVES and _NEWBORN_RE.search(folded, *about):
        fields["issue_age"] = _field(0, about, "a newborn child")
    if relative.group("name"):
        fields["insured_name"] = _field(
            text[relative.start("name") : relative.end("name")], relative.span("name"), "the insured's name"
        )


def _own_age(folded: str, start: int, end: int) -> re.Match[str] | None:
    """`今年30周岁`, or the first age of the sentence that is no cover's end (`保至70周岁`)."""
    own = _OWN_AGE_RE.search(folded, start, end)
    if own is not None:
        return own
    for age in _AGE_RE.finditer(folded, start, end):
        if age.start() == start or folded[age.start() - 1] not in _NOT_OWN_AGE_BEFORE:
            return age
    return None


def _yuan_amount(folded: str, position: int, end: int) -> tuple[float, tuple[int, int]] | None:
    """The amount written in 元, 万元 or 万 starting at `position`."""
    amount = first_amount(folded, position, min(end, position + 24))
    if amount is None or amount.start != position or amount.value <= 0:
        return None
    if _YUAN_AFTER_RE.match(folded, amount.end) is None and amount.repairs[-1:] != ("scaled by 万",):
        return None
    return amount.value, (amount.start, amount.end)


def _amount_after(
    folded: str, label: re.Pattern[str], start: int, end: int
) -> tuple[re.Match[str], float, tuple[int, int]] | None:
    """The first `label` an amount in 元 follows, with the amount's value and span."""
    for match in label.finditer(folded, start, end):
        found = _yuan_amount(folded, match.end(), end)
        if found is not None:
            return match, *found
    return None


def _read_premium(folded: str, start: int, end: int, fields: dict[str, Field]) -> None:
    found = _amount_after(folded, _PREMIUM_RE, start, end)
    if found is None:
        return
    premium, value, span = found
    fields["annual_premium"] = _field(value, span, "premium in the example")
    mode = premium.group("mode") or ""
    if any(word in mode for word in _SINGLE_MODES):
        fields["payment_mode"] = _field("single", premium.span("mode"), "single premium in the example")
        fields["premium_term_years"] = _field(1, premium.span("mode"), "single premium: one year")
    elif mode.startswith(("月", "每月")):
        fields["payment_mode"] = _field("monthly", premium.span("mode"), "monthly premium in the example")
    elif mode:
        fields["payment_mode"] = _field("annual", premium.span("mode"), "yearly premium in the example")


def _read_term_and_cover(folded: str, start: int, end: int, fields: dict[str, Field]) -> None:
    if "premium_term_years" not in fields:
        term = _TERM_RE.search(folded, start, end)
        if term is not None:
            fields["premium_term_years"] = found = _number_field(term, "term in the example")
            if "payment_mode" not in fields and _ANNUAL_WORDS_RE.search(folded, start, end):
                fields["payment_mode"] = Field("annual", CONFIDENCE_SENTENCE, found.span, ("yearly premium",))
    cover = _COVER_AGE_RE.search(folded, start, end)
    if cover is not None:
        fields["coverage_to_age"] = _number_field(cover, "cover age in the example")
        return
    cover_term = _COVER_TERM_RE.search(folded, start, end)
    age = fields.get("issue_age")
    if cover_term is not None and age is not None:
        fields["coverage_to_age"] = _field(
            age.value + int(cover_term.group(1)),
            cover_term.span(1),
            "issue age + the example's term of cover",
            CONFIDENCE_SENTENCE - 0.05,
        )
