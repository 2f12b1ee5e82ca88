"""DeepSeek-OCR's grounding markup, blanked out of the text without moving any offset.

Asked to `<|grounding|>Convert the document to markdown.`, DeepSeek-OCR precedes every block with its kind and
box, `<|ref|>table<|/ref|><|det|>[[62, 310, 938, 905]]<|/det|>`, the block's content following on the same line
or the next. The markup says nothing the readers need, but left in place it glues a header or a table row onto a
line of tags. Each markup run becomes spaces ending in a line break, so the block's content starts its own line at
column 0 and every span still points into the original text.
"""

from __future__ import annotations

import re

# Bounded repetitions and no nested quantifiers: linear in the text however it is written.
_MARKUP_RE = re.compile(
    r"<\|ref\|>[^<\n]{0,64}<\|/ref\|>(?:<\|det\|>[^<\n]{0,256}<\|/det\|>)?|<\|grounding\|>"
)


def blank_grounding(text: str) -> str:
    """`text` with DeepSeek-OCR's `<|ref|>…<|det|>…<|/det|>` markup replaced by spaces and a line break."""
    if "<|" not in text:
        return text
    return _MARKUP_RE.sub(lambda match: " " * (len(match.group()) - 1) + "\n", text)
