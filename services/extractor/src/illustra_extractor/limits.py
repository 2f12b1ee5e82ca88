"""What the extractor accepts: a document past these limits fails its stage with the reason, before any pattern
runs over it. Real proposals stay far below them (the longest seen: 18,000 characters, a line of 12,000, an HTML
table written on one line)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from illustra_shared.errors import StageFailed

if TYPE_CHECKING:  # the sandbox's child processes import this module: they need no settings
    from illustra_shared.settings import Settings


class DocumentRefused(StageFailed):
    """The document is past a limit of what extraction accepts; running it again would do the same."""


@dataclass(frozen=True)
class ExtractionLimits:
    max_chars: int
    max_line_chars: int
    max_cells: int
    cpu_limit_s: int
    memory_limit_mib: int
    sandboxes: int
    inline_max_chars: int
    inline_max_line_chars: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ExtractionLimits:
        """The EXTRACT_* settings: each field is the one of its name."""
        return cls(**{field.name: getattr(settings, f"extract_{field.name}") for field in fields(cls)})

    def fits_inline(self, text: str) -> bool:
        """Whether ``text`` is small enough to extract in the worker process itself, outside a sandbox. Its time
        is bounded by its size: even a pattern quadratic in the length of a line (the kind issue 15 found, 37 s
        for a line of 40,000 characters) would take about characters x longest line x 2e-8 s, 0.2 s at the
        defaults; its memory too (a colspan is read up to 50). Most proposals fit; the sandbox's round trips
        would cost as much CPU as their extraction."""
        if len(text) > self.inline_max_chars:
            return False
        return len(text) <= self.inline_max_line_chars or (
            max(map(len, text.splitlines())) <= self.inline_max_line_chars
        )

    def check(self, text: str) -> None:
        """Raise DocumentRefused when ``text`` is past a limit; linear in the text, as all that follows must be."""
        if len(text) > self.max_chars:
            raise DocumentRefused(
                f"the document has {len(text):,} characters, more than the {self.max_chars:,} extraction accepts"
            )
        if len(text) > self.max_line_chars:
            longest = max(map(len, text.splitlines()))
            if longest > self.max_line_chars:
                raise DocumentRefused(
                    f"the document has a line of {longest:,} characters, more than the {self.max_line_chars:,}"
                    " extraction accepts"
                )
        cells = text.count("<td") + text.count("<th") + text.count("<TD") + text.count("<TH")
        if cells > self.max_cells:
            raise DocumentRefused(
                f"the document has {cells:,} table cells, more than the {self.max_cells:,} extraction accepts"
            )
