"""Personal data replaced by placeholders before the text leaves, and put back in what comes back.

What is masked is what *looks like* personal data, whether or not the rules read it: the value after any person
label (insured, policyholder, applicant, beneficiary, client, name: 受保人, 被保險人, 投保人, 受益人, 客戶, 姓名,
"Life to be assured", …), identity card numbers (Hong Kong and mainland), phone numbers, emails, dates of birth,
addresses, policy and proposal numbers; and the names the rules found.

Amounts are never masked: the model must read them, and a phone pattern loose enough to catch "8000 4000"
would hide table cells. So phone numbers are masked only when they carry a country code, follow a phone label,
or have the shape of a mainland mobile number, and a labelled name is never one holding a digit.

Every pattern runs in time linear in the text: runs are bounded, and no two unbounded repeats can share a run."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_GAP = r"[^\S\n]{0,8}"  # spaces between a label and its value
_COLON = rf"{_GAP}[:：]{_GAP}"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL", re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")),
    # Hong Kong identity card A123456(7) / AB123456(A); mainland resident ID (18 characters).
    ("ID", re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,2}\d{6}\s?[(（]?[0-9A][)）]?(?![A-Za-z0-9])")),
    ("ID", re.compile(r"(?<!\d)\d{17}[\dXx](?![\dA-Za-z])")),
    ("PHONE", re.compile(r"\+\s?(?:852|853|86)[\s-]?\d{3,4}[\s-]?\d{4}(?:[\s-]?\d{3,4})?")),
    ("PHONE", re.compile(r"(?<![\d,.])1[3-9]\d{9}(?![\d,.])")),
)

_PERSON_LABELS = (
    r"保單持有人|保单持有人|投保人|申請人|申请人|受保人|被保險人|被保险人|被保人|受益人|客戶|客户|姓名|"
    r"life\s?to\s?be\s?(?:assured|insured)|life\s?(?:assured|insured)|(?:proposed\s?)?insured(?:\s?person)?|"
    r"policy\s?(?:holder|owner)|applicant|beneficiar(?:y|ies)|client|customer|(?:full\s?)?name"
)
_DATE = (
    r"\d{4}\s?[-/.年]\s?\d{1,2}\s?[-/.月]\s?\d{1,2}\s?日?|\d{1,2}\s?[-/.]\s?\d{1,2}\s?[-/.]\s?\d{4}|"
    r"\d{1,2}\s[A-Za-z]{3,9}\.?,?\s\d{4}|[A-Za-z]{3,9}\.?\s\d{1,2},?\s\d{4}"
)
# Values that follow a label: the label stays, the value goes.
_LABELLED: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "PHONE",
        re.compile(
            rf"(?:電話|电话|手機|手机|聯絡電話|联络电话|tel|phone|mobile){_GAP}[:：.]?{_GAP}([+\d][\d \-]{{6,18}}\d)",
            re.I,
        ),
    ),
    (
        "POLICY",
        re.compile(
            r"(?:保單號碼|保单号码|保單編號|保单编号|建議書編號|建议书编号|計劃書編號|计划书编号|參考編號|参考编号|"
            r"policy\s?(?:no\.?|number)|proposal\s?(?:no\.?|number)|reference\s?(?:no\.?|number))"
            rf"{_GAP}[:：#]?{_GAP}([A-Za-z0-9][A-Za-z0-9\-/]{{4,29}})",
            re.I,
        ),
    ),
    (
        "DOB",
        re.compile(
            rf"(?:出生日期|出生年月日|出生年月|生日|date\s?of\s?birth|birth\s?date|d\.?o\.?b\.?){_COLON}({_DATE})",
            re.I,
        ),
    ),
    (
        "ADDRESS",
        re.compile(
            rf"(?:通訊地址|通讯地址|聯絡地址|联络地址|住宅地址|住址|地址|(?:correspondence\s|residential\s)?address)"
            rf"{_COLON}([^\s:：|][^\n:：|]{{1,119}}?)(?=[^\S\n]{{2}}|\||\n|$)",
            re.I,
        ),
    ),
    (
        "NAME",
        # A person label not after another word ("Sum Insured", "Plan Name" are not persons); the value up to
        # two spaces, a bar, the line's end or a digit (a name never holds one).
        re.compile(
            rf"(?<![A-Za-z])(?<![A-Za-z][ \t])(?:{_PERSON_LABELS})(?:{_GAP}\(\w{{1,12}}\))?{_COLON}"
            r"([^\s\d:：|,，;；(（][^\n\d:：|,，;；(（]{0,38}?)(?=[^\S\n]{2}|[|\n\d,，;；(（]|$)",
            re.I,
        ),
    ),
)
# A labelled "name" that is one of these is a field's value, not a person (Insured: Male). One character (男, M)
# is no name either.
_NOT_NAMES = frozenset(
    (
        "male",
        "female",
        "yes",
        "no",
        "smoker",
        "non-smoker",
        "吸煙者",
        "非吸煙者",
        "不適用",
        "n/a",
    )
)
_KINDS = ("NAME", "ID", "PHONE", "POLICY", "EMAIL", "DOB", "ADDRESS")
_PLACEHOLDER_RE = re.compile(rf"\[(?:{'|'.join(_KINDS)})_\d+\]")


class Masker:
    """The personal data of one document and its placeholders, the same in every part of the document."""

    def __init__(self, text: str, names: Iterable[str | None] = (), *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._by_value: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        if not enabled:
            return
        for name in names:
            if name and len(name.strip()) >= 2:
                self._add("NAME", name.strip())
        for kind, pattern in _LABELLED:
            for match in pattern.finditer(text):
                value = match.group(1).strip()
                if kind != "NAME" or (len(value) >= 2 and value.lower() not in _NOT_NAMES):
                    self._add(kind, value)
        for kind, pattern in _PATTERNS:
            for match in pattern.finditer(text):
                self._add(kind, match.group().strip())
        self._by_placeholder = {placeholder: value for value, placeholder in self._by_value.items()}
        # Longest first, so that a name inside a longer masked value does not break it apart.
        ordered = sorted(self._by_value, key=len, reverse=True)
        self._value_re = re.compile("|".join(re.escape(value) for value in ordered)) if ordered else None

    def _add(self, kind: str, value: str) -> None:
        if value and value not in self._by_value:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            self._by_value[value] = f"[{kind}_{self._counts[kind]}]"

    @property
    def masked_values(self) -> int:
        return len(self._by_value)

    def mask(self, text: str) -> str:
        if not self.enabled or self._value_re is None:
            return text
        return self._value_re.sub(lambda match: self._by_value[match.group()], text)

    def unmask(self, data: Any) -> Any:
        """``data`` (a parsed reply) with the placeholders in its strings replaced by the original values."""
        if not self._by_value:  # nothing masked, or masking off
            return data
        if isinstance(data, str):
            return _PLACEHOLDER_RE.sub(
                lambda match: self._by_placeholder.get(match.group(), match.group()), data
            )
        if isinstance(data, list):
            return [self.unmask(item) for item in data]
        if isinstance(data, dict):
            return {key: self.unmask(value) for key, value in data.items()}
        return data
