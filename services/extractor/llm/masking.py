"""Personal data replaced by placeholders before the text leaves, and put back in what comes back: the
insured's and policyholder's names, identity card numbers, phone numbers, policy and proposal numbers, emails.

Amounts are never masked: the model must read them, and a phone pattern loose enough to catch "8000 4000"
would hide table cells. So phone numbers are masked only when they carry a country code, follow a phone label,
or have the shape of a mainland mobile number."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # Starts only where a run of address characters starts: from each of its characters, a long run was scanned again.
    ("EMAIL", re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    # Hong Kong identity card A123456(7) / AB123456(A); mainland resident ID (18 characters).
    ("ID", re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,2}\d{6}\s?[(（]?[0-9A][)）]?(?![A-Za-z0-9])")),
    ("ID", re.compile(r"(?<!\d)\d{17}[\dXx](?![\dA-Za-z])")),
    ("PHONE", re.compile(r"\+\s?(?:852|853|86)[\s-]?\d{3,4}[\s-]?\d{4}(?:[\s-]?\d{3,4})?")),
    ("PHONE", re.compile(r"(?<![\d,.])1[3-9]\d{9}(?![\d,.])")),
)
# Values that follow a label: the label stays, the value goes.
_LABELLED: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "PHONE",
        re.compile(
            r"(?:電話|电话|手機|手机|聯絡電話|联络电话|tel|phone|mobile)"
            r"[^\S\n]*(?:[:：.][^\S\n]*)?([+\d][\d \-]{6,18}\d)",
            re.I,
        ),
    ),
    (
        "POLICY",
        re.compile(
            r"(?:保單號碼|保单号码|保單編號|保单编号|建議書編號|建议书编号|計劃書編號|计划书编号|參考編號|参考编号|"
            r"policy\s*(?:no\.?|number)|proposal\s*(?:no\.?|number)|reference\s*(?:no\.?|number))"
            r"[^\S\n]*(?:[:：#][^\S\n]*)?([A-Za-z0-9][A-Za-z0-9\-/]{4,29})",
            re.I,
        ),
    ),
    (
        "NAME",
        re.compile(
            r"(?:保單持有人|保单持有人|投保人|申請人|申请人|policy\s*(?:holder|owner)|applicant)"
            r"[^\S\n]*[:：][^\S\n]*([^\s:：|][^\n:：|]{0,38}?)(?=[^\S\n]{2,}|\||\n|$)",
            re.I,
        ),
    ),
)
_PLACEHOLDER_RE = re.compile(r"\[(?:NAME|ID|PHONE|POLICY|EMAIL)_\d+\]")


class Masker:
    """The personal data of one document and its placeholders, the same in every part of the document."""

    def __init__(self, text: str, names: Iterable[str | None] = (), *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._by_value: dict[str, str] = {}
        if not enabled:
            return
        for name in names:
            if name and len(name.strip()) >= 2:
                self._add("NAME", name.strip())
        for kind, pattern in _LABELLED:
            for match in pattern.finditer(text):
                self._add(kind, match.group(1).strip())
        for kind, pattern in _PATTERNS:
            for match in pattern.finditer(text):
                self._add(kind, match.group().strip())
        self._by_placeholder = {placeholder: value for value, placeholder in self._by_value.items()}
        # Longest first, so that a name inside a longer masked value does not break it apart.
        ordered = sorted(self._by_value, key=len, reverse=True)
        self._value_re = re.compile("|".join(re.escape(value) for value in ordered)) if ordered else None

    def _add(self, kind: str, value: str) -> None:
        if value and value not in self._by_value:
            count = sum(1 for placeholder in self._by_value.values() if placeholder.startswith(f"[{kind}_"))
            self._by_value[value] = f"[{kind}_{count + 1}]"

    @property
    def masked_values(self) -> int:
        return len(self._by_value)

    def mask(self, text: str) -> str:
        if not self.enabled or self._value_re is None:
            return text
        return self._value_re.sub(lambda match: self._by_value[match.group()], text)

    def unmask(self, data: Any) -> Any:
        """``data`` (a parsed reply) with the placeholders in its strings replaced by the original values."""
        if not self.enabled or not self._by_value:
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
