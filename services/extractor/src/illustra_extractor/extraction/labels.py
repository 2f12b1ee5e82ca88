"""Finding `label: value` pairs and telling what a label means.

Labels are matched by meaning: synonym lists in Simplified Chinese and English (the text is folded, so
Traditional labels match the Simplified forms), the longest synonym found in the label wins, and a label that
matches no synonym is tried again allowing one misread character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Each field's synonyms, `|` between them.
_SYNONYMS = {
    "insured_name": (
        "受保人|被保险人|拟受保人|受保人姓名|被保人姓名|被保险人姓名|被保人|受保人名称|insured|life insured|"
        "proposed insured|name of insured|insured name|name of life insured|insured person|life assured|姓名|"
        "name"
    ),
    "gender": "性别|sex|gender",
    "issue_age": (
        "投保年龄|年龄|投保时年龄|受保人年龄|被保险人年龄|投保岁数|age at issue|issue age|age|insurance age|"
        "entry age|age next birthday|age last birthday"
    ),
    "smoker": (
        "吸烟状况|吸烟|是否吸烟|吸烟习惯|吸烟与否|smoking status|smoker status|smoker|smoking|smoking class|"
        "收费标准"
    ),
    "insurer": "保险公司|承保公司|承保机构|insurer|insurance company|保险人",
    "product_name": (
        "基本计划|产品名称|计划名称|保险产品|产品|险种名称|基本计划名称|主险名称|主险|basic plan|plan name|"
        "product name|plan|product|basic plan name"
    ),
    "currency": "保单货币|币种|货币|保单币种|policy currency|currency|ccy",
    "sum_assured": (
        "名义金额|基本计划名义金额|notional amt|基本金额|基本保险金额|投保时保额|保额|保险金额|基本保额|"
        "基本保障金额|notional amount|basic sum insured|sum insured|sum assured|basic amount|face amount|"
        "initial sum assured|basic sum assured"
    ),
    "annual_premium": (
        "每年保费|年缴保费|年交保费|投保时每年保费|投保时每年总保费|每年总保费|年度保费|首年保费|整付保费|"
        "趸交保费|趸缴保费|一次性保费|年化保费|期缴保费|总保费|annual premium|single prem|annual prem|"
        "annualised premium|annualized premium|yearly premium|single premium|total annual premium|"
        "annualised total premium|annualized total premium"
    ),
    "premium_term_years": (
        "保费缴付期|缴费期间|交费期间|缴费年期|交费年期|缴付年期|供款期|保费缴付年期|缴费期|交费期|缴付期|"
        "premium payment period|premium payment term|premium term|prem term|payment period|payment term|"
        "premium paying term|premium paying period"
    ),
    "payment_mode": (
        "保费缴付方式|缴费方式|交费方式|缴付方式|缴费频率|缴费模式|供款方式|premium payment mode|"
        "payment mode|mode|payment frequency|premium mode|mode of payment|premium frequency"
    ),
    "coverage_to_age": (
        "保障年期|保险期间|保障期|保障期间|保险期限|保障期限|保单年期|benefit term|coverage term|policy term|"
        "coverage period|benefit period|term of coverage|coverage"
    ),
    "proposal_date": (
        "建议书日期|计划书日期|日期|编制日期|制作日期|列印日期|打印日期|生成日期|演示日期|date of proposal|"
        "proposal date|date of illustration|illustration date|prepared on|date prepared|date|printed on|"
        "print date"
    ),
    "valid_until": (
        "有效期至|有效期|有效至|有效日期|valid until|valid till|validity|expiry date|"
        "this proposal is valid until|valid up to|有效期限"
    ),
    # Look-alikes that must not be read as one of the fields above.
    "levy": "保费征费|征费|levy|包括保费征费|including levy|premium levy",
    # The first year's premium after a promotional discount, `投保時每年總保費 (a) - (b)`: not the plan premium.
    "discounted_premium": "(a) - (b)|(a)-(b)|(a) -(b)|(a)- (b)|折扣后保费|discounted premium",
}
LABEL_SYNONYMS = {name: tuple(synonyms.split("|")) for name, synonyms in _SYNONYMS.items()}

_SYNONYM_FIELD = {synonym: name for name, synonyms in LABEL_SYNONYMS.items() for synonym in synonyms}
_SYNONYM_RE = re.compile("|".join(re.escape(s) for s in sorted(_SYNONYM_FIELD, key=len, reverse=True)))
# Exclusion labels win whenever they occur at all (the levy line often also says 保费).
_EXCLUSIONS = frozenset({"levy", "discounted_premium"})


def _wildcard_keys(word: str) -> list[str]:
    return [word[:i] + "\x00" + word[i + 1 :] for i in range(len(word))]


# One-character-misread indexes: synonym with one position blanked (a wrong character) or dropped (a lost one)
# -> synonym. Only synonyms long enough that one fault still leaves them unmistakable.
_FUZZY_INDEX: dict[str, str] = {}
_DROPPED_INDEX: dict[str, str] = {}
for _synonym in sorted(_SYNONYM_FIELD, key=len):
    if len(_synonym) >= (6 if _synonym.isascii() else 3):  # a synonym is Chinese or ASCII
        for _key in _wildcard_keys(_synonym):
            _FUZZY_INDEX.setdefault(_key, _synonym)
        for _index in range(len(_synonym)):
            _DROPPED_INDEX.setdefault(_synonym[:_index] + _synonym[_index + 1 :], _synonym)
_FUZZY_LENGTHS = sorted({len(s) for s in _FUZZY_INDEX.values()}, reverse=True)
# What a window shares with any key it matches: its first two characters when the key's blank is further on,
# all the others when it is among them. Checking that first spares building the keys of nearly every window.
_FUZZY_HEADS = frozenset(key[:2] for key in _FUZZY_INDEX if "\x00" not in key[:2])
_FUZZY_TAILS = frozenset(key[2:] for key in _FUZZY_INDEX if "\x00" not in key[2:])


@dataclass(frozen=True, slots=True)
class LabelMatch:
    field: str
    exact: bool


_CJK_GAP_RE = re.compile(r"(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])")


def classify_label(label: str) -> LabelMatch | None:
    """What a folded label means: the field of its longest synonym, or of a synonym one character away.

    A label broken by a gap between two Chinese characters (PDF text pushes glyphs its font maps oddly onto
    other lines: `基本計劃名義 額`) is read closed up, and never counts as exact.
    """
    closed = _CJK_GAP_RE.sub("", label)
    if closed != label:
        found = _classify(closed)
        return None if found is None else LabelMatch(found.field, False)
    return _classify(label)


def _classify(label: str) -> LabelMatch | None:
    best = ""
    for match in _SYNONYM_RE.finditer(label):
        synonym = match.group()
        if _SYNONYM_FIELD[synonym] in _EXCLUSIONS:
            return LabelMatch(_SYNONYM_FIELD[synonym], True)
        if not synonym.isascii() or _word_bounded(label, match.start(), match.end()):
            best = max(best, synonym, key=len)
    if best and len(label) > len(best) + 1 and not best.isascii():
        # `基本計劃名義額`: a longer synonym one character away says more than the short one inside it
        longer = _fuzzy_synonym(label)
        if longer is not None and len(longer) > len(best) and _SYNONYM_FIELD[longer] != _SYNONYM_FIELD[best]:
            return LabelMatch(_SYNONYM_FIELD[longer], False)
    if best:
        return LabelMatch(_SYNONYM_FIELD[best], True)
    fuzzy = _fuzzy_synonym(label)
    return None if fuzzy is None else LabelMatch(_SYNONYM_FIELD[fuzzy], False)


def _word_bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def _fuzzy_synonym(label: str) -> str | None:
    compact = label.strip()
    if len(compact) > 40:
        return None
    for length in _FUZZY_LENGTHS:
        for start in range(len(compact) - length + 2):
            if start + length <= len(compact):
                window = compact[start : start + length]
                if window[:2] in _FUZZY_HEADS or window[2:] in _FUZZY_TAILS:
                    for key in _wildcard_keys(window):
                        synonym = _FUZZY_INDEX.get(key)
                        if synonym is not None and synonym.isascii() == window.isascii():
                            return synonym
            synonym = _DROPPED_INDEX.get(compact[start : start + length - 1])
            if synonym is not None and length > 3:
                return synonym
    return None


@dataclass(frozen=True, slots=True)
class Pair:
    """A label and the span of its value in the (folded and original) text."""

    field: str
    label_start: int
    value_start: int
    value_end: int
    exact: bool  # label matched a synonym exactly (not through a one-character repair)
    colon: bool  # label and value were separated by a colon or a table cell, not just by spaces


_LINE_RE = re.compile(r"[^\n]+")
_SEGMENT_RE = re.compile(r"[^|\t]+?(?=\s\s|[|\t]|$)")
_LABEL_TRIM = " *#>•·-_\t"
# Each alternative starts only where its run starts, so a long run is not scanned again from every position in it.
_VALUE_NOISE_RE = re.compile(r"(?<!\s)(?:\s+[.'`\"|,;:]+|\s+)$|(?<![|'`\"])[|'`\"]+$")


def trim_value(folded: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a value span past surrounding blanks, markdown emphasis and stray OCR marks."""
    while start < end and folded[start] in " *|\t":
        start += 1
    while True:
        while end > start and folded[end - 1] in " *\t":
            end -= 1
        noise = _VALUE_NOISE_RE.search(folded, start, end)
        if noise is None or noise.start() == noise.end():
            break
        end = noise.start()
    return start, end


def _label_span(folded: str, start: int, end: int) -> tuple[int, int]:
    while start < end and folded[start] in _LABEL_TRIM:
        start += 1
    while end > start and folded[end - 1] in _LABEL_TRIM:
        end -= 1
    return start, end


@lru_cache(maxsize=4)  # stage 1 and stage 3 both read the pairs of the same document
def find_pairs(folded: str) -> tuple[Pair, ...]:
    """Every `label: value`, markdown `| label | value |` and space-separated `label   value` in document
    order."""
    pairs: list[Pair] = []
    for line in _LINE_RE.finditer(folded):
        line_start, line_end = line.span()
        text = line.group()
        if text.lstrip().startswith("|"):
            _markdown_pairs(folded, line_start, line_end, pairs)
        elif ":" in text:
            _colon_pairs(folded, line_start, line_end, pairs)
        elif not text.lstrip()[:1].isdigit():
            _spaced_pair(folded, line_start, line_end, pairs)
    return tuple(pairs)


def _markdown_pairs(folded: str, line_start: int, line_end: int, pairs: list[Pair]) -> None:
    # The cells between the bars; a closing bar ends the last cell rather than starting an empty one.
    end = line_end - 1 if folded[line_end - 1] == "|" else line_end
    cells = _split_spans(folded, folded.index("|", line_start) + 1, end, "|")
    for index, (start, end) in enumerate(cells[:-1]):
        label_start, label_end = _label_span(folded, start, end)
        label = folded[label_start:label_end].rstrip(":")
        if label and len(label) <= 40:
            _add_pair(pairs, folded, label, label_start, cells[index + 1])


def _colon_pairs(folded: str, line_start: int, line_end: int, pairs: list[Pair]) -> None:
    segments = [match.span() for match in _SEGMENT_RE.finditer(folded, line_start, line_end)]
    for index, (start, end) in enumerate(segments):
        colon = folded.find(":", start, end)
        if colon < 0:
            continue
        label_start, label_end = _label_span(folded, start, colon)
        if label_start == label_end:
            # `擬受保人            : 陳大文`: the label is the last segment before the gap
            before = index - 1
            while before >= 0 and folded[slice(*segments[before])].isspace():
                before -= 1
            if before >= 0 and ":" not in folded[slice(*segments[before])]:
                label_start, label_end = _label_span(folded, *segments[before])
        label = folded[label_start:label_end]
        if not label or len(label) > 50:
            continue
        value_start, value_end = trim_value(folded, colon + 1, end)
        if value_start >= value_end and index + 1 < len(segments):
            next_start, next_end = segments[index + 1]
            if ":" not in folded[next_start:next_end]:
                value_start, value_end = trim_value(folded, next_start, next_end)
        if value_start >= value_end:
            continue
        if "/" in label and folded.count("/", value_start, value_end) == label.count("/"):
            _slash_pairs(folded, label_start, label_end, value_start, value_end, pairs)
        else:
            _add_pair(pairs, folded, label, label_start, (value_start, value_end))


def _slash_pairs(
    folded: str, label_start: int, label_end: int, value_start: int, value_end: int, pairs: list[Pair]
) -> None:
    """`性別 / 年齡 / 收費標準: 男 / 58 / 非吸煙`: the n-th label goes with the n-th value."""
    label_parts = _split_spans(folded, label_start, label_end, "/")
    value_parts = _split_spans(folded, value_start, value_end, "/")
    for (ls, le), (vs, ve) in zip(label_parts, value_parts, strict=True):
        ls, le = _label_span(folded, ls, le)
        _add_pair(pairs, folded, folded[ls:le], ls, (vs, ve))


def _add_pair(pairs: list[Pair], folded: str, label: str, label_start: int, value: tuple[int, int]) -> None:
    """A label set off by a colon or a table cell, when it names a field and its value is not blank."""
    match = classify_label(label)
    if match is None:
        return  # trimmed only now: most cells of a table are no label
    value_start, value_end = trim_value(folded, *value)
    if value_start < value_end:
        pairs.append(Pair(match.field, label_start, value_start, value_end, match.exact, True))


def _split_spans(text: str, start: int, end: int, separator: str) -> list[tuple[int, int]]:
    spans = []
    for piece in text[start:end].split(separator):
        spans.append((start, start + len(piece)))
        start += len(piece) + len(separator)
    return spans


# A label is at most 30 characters; the value runs to the last non-blank (greedy, so never scanned twice).
_SPACED_RE = re.compile(r"\s*(\S(?:.{0,28}?\S)?)\s{2,}(\S(?:.*\S)?)\s*$")
_TWO_BLANKS_RE = re.compile(r"\s\s")


def _spaced_pair(folded: str, line_start: int, line_end: int, pairs: list[Pair]) -> None:
    """`Label      value` with no colon, as forms laid out in two columns come out of OCR."""
    if not _TWO_BLANKS_RE.search(folded, line_start, line_end):
        return  # no gap between a label and a value; _SPACED_RE is slow to find that out on a long line
    match = _SPACED_RE.match(folded, line_start, line_end)
    if match is None or len(match.group(1)) > 30 or "  " in match.group(2):
        return
    label = match.group(1).strip(_LABEL_TRIM)
    found = classify_label(label)
    if found is None or not found.exact:
        return
    value_start, value_end = trim_value(folded, *match.span(2))
    if value_start < value_end:
        pairs.append(Pair(found.field, match.start(1), value_start, value_end, True, False))
