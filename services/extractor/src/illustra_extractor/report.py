"""What a stage attempt reports besides its result: which extractor produced it, LLM calls and tokens, and notes
(a fallback taken, a model answer rejected). The StageProgress middleware opens one per message, the engines add
to it from the same thread, and the middleware stores it on the attempt row."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class StageReport:
    extractor: str = "rules"
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    notes: list[str] = field(default_factory=list)

    def add_usage(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.llm_calls += 1
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens

    def note(self, text: str) -> None:
        self.notes.append(text)


_local = threading.local()


def begin_report() -> StageReport:
    _local.report = StageReport()
    return _local.report


def current_report() -> StageReport:
    """The report of the stage running in this thread (a throwaway one outside a worker, as in ``illustra
    extract``)."""
    report = getattr(_local, "report", None)
    if report is None:
        report = begin_report()
    return report


def end_report() -> StageReport:
    report = current_report()
    _local.report = None
    return report
