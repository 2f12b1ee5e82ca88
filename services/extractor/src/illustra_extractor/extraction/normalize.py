"""Length-preserving folding of OCR text, so that every match on the folded text is also a span of the
original.

Folding first applies Unicode NFKC wherever it gives a single character (Kangxi radicals, compatibility
ideographs, full-width and half-width forms), then maps upper-case ASCII to lower case, Traditional (and
Japanese-variant) characters that occur in proposal vocabulary to Simplified, and dash / colon / bracket
variants to one form.
Each character maps to exactly one character, so offsets never shift and patterns need only be written in
Simplified Chinese and English.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from .grounding import blank_grounding

# Traditional or variant -> Simplified, one character each, limited to the vocabulary of proposals.
_TRADITIONAL = (
    "單单 險险 険险 額额 費费 繳缴 證证 証证 價价 価价 終终 結结 齡龄 齢龄 歲岁 歳岁 賠赔 償偿 紅红 "
    "總总 総总 計计 劃划 書书 議议 別别 煙烟 貨货 幣币 義义 壽寿 現现 資资 訊讯 狀状 況况 擬拟 歸归 "
    "復复 積积 徵征 觀观 樂乐 續续 說说 説说 詳详 細细 權权 發发 還还 點点 達达 於于 個个 時时 為为 "
    "預预 據据 從从 週周 滿满 躉趸 數数 號号 碼码 圓圆 賬账 帳账 贖赎 領领 務务 條条 範范 種种 頁页 "
    "與与 項项 內内 嚴严 級级 標标 準准 類类 選选 擇择 護护 讓让 遞递 簡简 稱称 盧卢 國国 際际 聯联 "
    "萬万 億亿 區区 間间 產产 購购 買买 賣卖 給给 無无 須须 餘余 實实 紀纪 錄录 東东 陽阳 値值 戶户 "
    "歷历 屆届 後后 隨随 較较 變变 動动 兌兑 匯汇 錢钱 鐘钟 報报 盤盘 關关 將将 會会 員员 撥拨 轉转 "
    "紮扎 綜综 漲涨 減减 專专 屬属 經经 濟济 設设 優优 劑剂 輸输 擔担 風风 順顺 當当 營营 運运 適适 "
    "應应 連连 頭头 藝艺 顯显 亞亚 龍龙 鳳凤 華华 寶宝 榮荣 豐丰 興兴 雙双 傳传 輝辉 慶庆 長长 壯壮 "
    "儲储 穩稳 檔档"
)
# Dash, colon, bracket and comma variants NFKC leaves alone (it gives the full-width forms their ASCII ones).
_PUNCT = "︰: 。. –- —- ―- −- ‐- 【[ 】] 〔( 〕) ¦| 、,"


# Where NFKC rewrites characters that PDF text layers and OCR produce: Latin-1 and general punctuation,
# CJK radicals and Kangxi radicals (`⼈` for 人), CJK symbols, compatibility ideographs, half- and full-width
# forms.
_NFKC_RANGES = ((0x00A0, 0x0180), (0x2000, 0x2BFF), (0x2E80, 0x33FF), (0xF900, 0xFAFF), (0xFE10, 0xFFEF))
# Compatibility mappings that would glue a digit or letter onto a neighbouring number: a footnote's `¹`
# is not a digit of the amount before it, nor is `①` a table row.
_NFKC_KEPT_TAGS = ("<super>", "<sub>", "<circle>", "<fraction>")


def _nfkc_singles() -> dict[int, int]:
    """Characters NFKC maps to exactly one other character (the rest would shift offsets)."""
    table: dict[int, int] = {}
    for first, last in _NFKC_RANGES:
        for code in range(first, last + 1):
            char = chr(code)
            normal = unicodedata.normalize("NFKC", char)
            if (
                len(normal) == 1
                and normal != char
                and not unicodedata.decomposition(char).startswith(_NFKC_KEPT_TAGS)
            ):
                table[code] = ord(normal)
    return table


def _build_fold_table() -> dict[int, int]:
    table = _nfkc_singles()
    table |= {ord(pair[0]): ord(pair[1]) for pair in (_TRADITIONAL + " " + _PUNCT).split()}
    # Control characters PDF text layers leave before amounts separate words, as a space would.
    table |= dict.fromkeys((*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)), ord(" "))
    table |= str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
    # NFKC first, then the folding of what it gives (`⾦` -> `金`, `Ａ` -> `A` -> `a`, `‑` -> `‐` -> `-`).
    return {source: table.get(target, target) for source, target in table.items()}


_FOLD_TABLE = _build_fold_table()
_FOLDED_CHAR = {chr(source): chr(target) for source, target in _FOLD_TABLE.items()}
_FOLDABLE_RE = re.compile("([" + "".join(re.escape(char) for char in _FOLDED_CHAR) + "])")


def fold(text: str) -> str:
    """Return `text` folded for matching; same length, so offsets carry over to the original."""
    text = blank_grounding(text)
    if text.isascii():
        return text.translate(_FOLD_TABLE)  # str.translate has a fast path for ASCII text
    # Otherwise str.translate looks every character up one by one, several times slower on proposals than
    # splitting the text around the few characters that fold to something else and replacing those.
    pieces = _FOLDABLE_RE.split(text)  # unchanged text, a foldable character, unchanged text, ...
    pieces[1::2] = map(_FOLDED_CHAR.__getitem__, pieces[1::2])
    return "".join(pieces)


@lru_cache(maxsize=4)
def fold_document(text: str) -> str:
    """`fold` of a whole document, remembered for the last few texts: each extraction stage needs it."""
    return fold(text)


def display_width(text: str) -> int:
    """Columns a monospaced renderer gives `text`: wide (CJK, full-width) characters take two."""
    if text.isascii():
        return len(text)
    wide = 0
    for char in text:
        if char >= "\u1100" and unicodedata.east_asian_width(char) in "WF":
            wide += 1
    return len(text) + wide


def end_of_line(text: str, position: int) -> int:
    """Where the line holding `position` ends: at its line break, or at the end of the text."""
    end = text.find("\n", position)
    return len(text) if end < 0 else end


def lines(text: str, start: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each line from `start` on."""
    while start < len(text):
        end = end_of_line(text, start)
        yield start, end
        start = end + 1
