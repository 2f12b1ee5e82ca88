"""The insured's name from every place a proposal prints it, read as votes.

A Hong Kong proposal prints the insured's name on the plan summary's label line, again on every page of the
value table, and the policyholder's (often the same person's) on the `致 / To` line. OCR garbles some of these
(`擬受保人 : ER`), glues a stray character onto others (`: 和鄧俊偉`, a table rule or the colon read as a glyph),
and drops a blank here and there (`WONGSIU MING`). The readings that look like a name vote; a reading that is
another reading plus one stray character at either end votes for the shorter one; the `致` line only ever
supports a reading (the policyholder may be a parent, not the insured). Confidence follows the votes: a name
other readings confirm is sure, one they contradict is not, and a stray character dropped on the strength of
what names look like alone leaves the name a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .types import Field

CONFIDENCE_CONFIRMED = 0.95  # two independent readings agree
CONFIDENCE_CONTRADICTED = 0.5  # another reading names someone else
CONFIDENCE_UNCONFIRMED = 0.75  # the label is printed again but unreadable there
CONFIDENCE_STRAY_DROPPED = 0.6  # a leading character taken for OCR noise because it is no surname

# `致 : 陳嘉欣 女士`, `To: Mr CHAN TAI MAN`: the line a proposal is addressed by (folded text).
_ADDRESSED_RE = re.compile(r"(?m)^[ \t]*(?:致[ \t]*:?|to[ \t]*:)[ \t]*(?P<name>[^\n]+)")
_HONORIFIC_BEFORE_RE = re.compile(r"(?:mr|mrs|ms|miss|dr|master)\.?\s+")
_HONORIFIC_AFTER_RE = re.compile(r"\s*(?:先生|女士|小姐|太太|夫人|博士|医生|醫生)\s*$")
_CJK_NAME_RE = re.compile(r"[\u4e00-\u9fff]{2,5}")
_LATIN_NAME_RE = re.compile(r"[a-z][a-z'.,-]*")

# Surnames that make up nearly all Hong Kong and mainland names (Traditional and Simplified forms), and the
# compound ones. A four-character reading whose first character is none of these but whose second one is has
# a stray character in front: real four-character names start with a compound surname or with two surnames
# (a married name, `陳李美玲`).
_SURNAMES = frozenset(
    "陳陈黃黄李張张梁林劉刘吳吴王何鄭郑楊杨郭葉叶曾周鄧邓羅罗馮冯蔡謝谢胡麥麦朱徐盧卢譚谭蘇苏袁鍾钟潘許许"
    "馬马彭趙赵區区黎余賴赖廖方孔伍江高關关莫蕭萧岑施雷鄺邝姚湯汤唐韋韦溫温歐欧文范尹戴石嚴严杜程顧顾龍龙"
    "崔冼侯易宋孫孙沈夏丁魏姜任金陸陆毛邱邵孟萬万錢钱白秦史駱骆卓甘凌霍翁洪游簡简傅賀贺田薛董韓韩曹呂吕"
    "蔣蒋賈贾閻阎汪熊鄒邹郝康段常武喬乔龔龚佘招植辛柯祝左車车利勞劳巫屈聶聂阮古倪連连包練练蒙涂章俞葛殷"
    "單单饒饶向郁樊藍蓝丘談谈符麥容"
)
_COMPOUND_SURNAMES = frozenset(
    re.findall(
        "..",
        "歐陽欧阳司徒上官諸葛诸葛司馬司马皇甫公孫公孙東方东方夏侯尉遲尉迟端木慕容令狐長孫长孙宇文鍾離钟离軒轅轩辕"
        "西門西门南宮南宫",
    )
)


@dataclass(frozen=True, slots=True)
class _Reading:
    key: str  # compared form: folded, blanks removed
    start: int
    end: int
    confidence: float
    issues: tuple[str, ...]


def read_name(text: str, folded: str, labelled: list) -> Field:
    """The insured's name from its labelled readings (confidence, parsed value with start and end, best label
    first; at least one) and the document's `致` lines."""
    readings = [
        _Reading(_key(folded, parsed.start, parsed.end), parsed.start, parsed.end, confidence, parsed.issues)
        for confidence, parsed in labelled
    ]
    names = [reading for reading in readings if _looks_like_name(folded, reading.start, reading.end)]
    if not names:
        first = readings[0]
        return Field(
            " ".join(text[first.start : first.end].split()),
            min(first.confidence, CONFIDENCE_CONTRADICTED),
            (first.start, first.end),
            (*first.issues, "does not look like a name"),
        )
    garbled = len(names) < len(readings)
    supporters = [*names, *_addressed(folded)]
    best = _winner(names, supporters)
    votes, exact = _votes(best, supporters)
    source = next((reading for reading in names if reading.key == best), None)
    if source is None:  # the labels all print it with a stray character, the `致` line without
        source = next(reading for reading in names if _agrees(reading.key, best))
        start, end = _trimmed_span(folded, source, best)
        issues = (*source.issues, "a stray character beside the name dropped")
    else:
        start, end = source.start, source.end
        issues = source.issues
    confidence = source.confidence
    if any(not _agrees(reading.key, best) for reading in names):
        confidence = min(confidence, CONFIDENCE_CONTRADICTED)
        issues = (*issues, "the same label elsewhere reads differently")
    elif exact >= 2:
        confidence = max(confidence, CONFIDENCE_CONFIRMED)
    elif votes >= 2:
        # `陳嘉欣` against `陳嘉`: a stray character or a lost one; the votes chose, nothing confirms
        confidence = min(confidence, CONFIDENCE_STRAY_DROPPED)
        issues = (*issues, "the readings differ by a character at one end")
    elif _stray_before_surname(best):
        start, end = _trimmed_span(folded, _Reading(best, start, end, 0, ()), best[1:])
        confidence = min(confidence, CONFIDENCE_STRAY_DROPPED)
        issues = (*issues, "a leading character that is no surname dropped")
    elif garbled:
        confidence = min(confidence, CONFIDENCE_UNCONFIRMED)
        issues = (*issues, "the label printed elsewhere is unreadable there")
    return Field(" ".join(text[start:end].split()), confidence, (start, end), issues)


def _key(folded: str, start: int, end: int) -> str:
    return "".join(folded[start:end].split())


def _looks_like_name(folded: str, start: int, end: int) -> bool:
    """Two to five Chinese characters, or words of letters: two of them, or one of five letters or more (OCR
    drops blanks). `ER`, `B/0/ te` and amounts are OCR's garbling of a label line, not names."""
    words = folded[start:end].split()
    key = "".join(words)
    if _CJK_NAME_RE.fullmatch(key):
        return True
    return all(_LATIN_NAME_RE.fullmatch(word) for word in words) and (len(words) >= 2 or len(key) >= 5)


def _agrees(reading: str, candidate: str) -> bool:
    """The same name, or the name with one stray character at either end."""
    return reading == candidate or (
        len(reading) == len(candidate) + 1 and candidate in (reading[1:], reading[:-1])
    )


def _winner(names: list[_Reading], supporters: list[_Reading]) -> str:
    """The name most readings agree with. Candidates are the labelled readings and, where some reading prints
    it so, a labelled reading less one character at an end; ties go to the best label."""
    printed = {reading.key for reading in supporters}
    candidates: list[str] = []
    for reading in names:
        for candidate in (reading.key, reading.key[1:], reading.key[:-1]):
            if candidate not in candidates and (candidate == reading.key or candidate in printed):
                candidates.append(candidate)
    return max(candidates, key=lambda candidate: _votes(candidate, supporters))  # the first of equals


def _votes(candidate: str, supporters: list[_Reading]) -> tuple[int, int]:
    """The readings that agree with `candidate`, and those that print it exactly."""
    return (
        sum(_agrees(reading.key, candidate) for reading in supporters),
        sum(reading.key == candidate for reading in supporters),
    )


def _addressed(folded: str) -> list[_Reading]:
    readings = []
    for match in _ADDRESSED_RE.finditer(folded):
        start, end = match.span("name")
        name = folded[start:end].rstrip()
        end = start + len(name)
        honorific = _HONORIFIC_BEFORE_RE.match(name)
        if honorific:
            start += honorific.end()
        after = _HONORIFIC_AFTER_RE.search(folded, start, end)
        if after:
            end = after.start()
        if _looks_like_name(folded, start, end):
            readings.append(_Reading(_key(folded, start, end), start, end, 0.0, ()))
    return readings


def _stray_before_surname(key: str) -> bool:
    return (
        len(key) == 4
        and bool(_CJK_NAME_RE.fullmatch(key))
        and key[:2] not in _COMPOUND_SURNAMES
        and key[0] not in _SURNAMES
        and key[1] in _SURNAMES
    )


def _trimmed_span(folded: str, reading: _Reading, key: str) -> tuple[int, int]:
    """The span of `key` inside a reading that has one more character at its start or end."""
    start, end = reading.start, reading.end
    if reading.key[1:] == key:
        start += 1
        while start < end and folded[start].isspace():
            start += 1
    else:
        end -= 1
        while end > start and folded[end - 1].isspace():
            end -= 1
    return start, end
