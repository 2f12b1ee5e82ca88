"""Asking the model one stage's question about one document: part by part, from the cache when it can, with one
correction round for an invalid reply and a split for a reply cut off by max_tokens."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from illustra_shared import metrics
from illustra_shared.lifecycle import StageReport
from illustra_shared.metrics import LLMErrorKind
from illustra_shared.stages import BASIC_INFO, SUMMARY, VALUE_TABLE

from .cache import CachedReply, ReplyCache, cache_key, content_hash
from .chunking import Chunk, chunk, count_rows, halve
from .client import LLMClient, LLMUnavailable
from .deadline import Deadline
from .masking import Masker
from .prompts import PROMPT_VERSION, build_messages, correction
from .schemas import parse_reply, validate

# A table part is kept to about 40 rows so that its reply (7 numbers a row) stays well inside max_tokens.
_LIMITS = {VALUE_TABLE.name: (12_000, 40), BASIC_INFO.name: (16_000, 10**6), SUMMARY.name: (16_000, 10**6)}
_TOKENS_PER_CELL = 12
_MAX_TOKENS = 8192
_MAX_SPLITS = 3


@dataclass(frozen=True)
class Ask:
    stage: str
    keys: tuple[str, ...]
    years: tuple[int, ...] | None = None  # table: only these policy years
    spans: tuple[tuple[int, int], ...] | None = None  # only the parts of the text that hold these spans


@dataclass
class Answers:
    replies: list[dict[str, Any]] = field(default_factory=list)  # validated, personal data restored
    failure: str | None = None  # why asking stopped before every part was answered
    cached: int = 0
    rejected_parts: int = 0

    @property
    def complete(self) -> bool:
        """Every part of the text asked about was answered: the model's silence is its answer."""
        return self.failure is None and self.rejected_parts == 0 and bool(self.replies)


class _PartRejected(Exception):
    pass


def max_tokens_for(ask: Ask, part_text: str) -> int:
    """Enough for a whole reply: rows x cells for a table part, the fields for the others."""
    if ask.stage == VALUE_TABLE.name:
        rows = len(ask.years) if ask.years is not None else count_rows(part_text)
        wanted = 200 + max(rows, 1) * (len(ask.keys) + 1) * _TOKENS_PER_CELL
    elif ask.stage == SUMMARY.name:
        wanted = 400 + 150 * len(ask.keys)
    else:
        wanted = 150 + 40 * len(ask.keys)
    return min(_MAX_TOKENS, max(256, wanted))


class Asker:
    def __init__(self, client: LLMClient, cache: ReplyCache) -> None:
        self.client = client
        self.cache = cache

    def ask(self, ask: Ask, text: str, masker: Masker, deadline: Deadline, report: StageReport) -> Answers:
        """The replies to ``ask``, part by part; the calls made count on ``report``, which notes what went wrong."""
        answers = Answers()
        document_hash = content_hash(text)
        question = json.dumps([ask.keys, ask.years])

        def ask_part(part: Chunk, splits: int) -> list[dict[str, Any]]:
            key = cache_key(
                document_hash,
                ask.stage,
                self.client.config.model,
                PROMPT_VERSION,
                f"{part.start}-{part.end}|{part.context}|{question}|masked={masker.enabled}",
            )
            hit = self.cache.get(key)
            if hit is not None:
                answers.cached += 1
                return [masker.unmask(json.loads(hit.response))]
            part_text = masker.mask(part.text(text))
            part_label = f"characters {part.start}-{part.end} of {len(text)}"
            messages = build_messages(ask.stage, ask.keys, part_text, part=part_label, years=ask.years)
            max_tokens = max_tokens_for(ask, part_text)
            prompt_tokens = completion_tokens = 0
            errors: list[str] = []
            content = ""
            for correcting in (False, True):
                if correcting:
                    messages = [*messages, *correction(content, errors)]
                reply = self.client.complete(
                    ask.stage, messages, max_tokens=max_tokens, deadline=deadline, report=report
                )
                prompt_tokens += reply.prompt_tokens
                completion_tokens += reply.completion_tokens
                if reply.finish_reason == "length":
                    # A cut-off reply is never read as if it were whole: ask for each half instead.
                    metrics.LLM_ERRORS.labels(ask.stage, LLMErrorKind.TRUNCATED).inc()
                    halves = halve(text, part) if splits < _MAX_SPLITS else None
                    if halves is None:
                        raise _PartRejected(
                            f"reply cut off at max_tokens={max_tokens} and the part cannot be split"
                        )
                    report.note(f"{ask.stage}: reply cut off at max_tokens={max_tokens}; part split in two")
                    return [found for half in halves for found in ask_part(half, splits + 1)]
                content = reply.content
                data, parse_error = parse_reply(content)
                cleaned, errors = (
                    validate(ask.stage, ask.keys, data) if parse_error is None else ({}, [parse_error])
                )
                if not errors:
                    stored = json.dumps(cleaned, ensure_ascii=False)
                    self.cache.put(key, CachedReply(stored, prompt_tokens, completion_tokens))
                    return [masker.unmask(cleaned)]
                metrics.LLM_ERRORS.labels(ask.stage, LLMErrorKind.INVALID_REPLY).inc()
            raise _PartRejected("invalid after one correction: " + "; ".join(errors[:3]))

        max_chars, max_rows = _LIMITS[ask.stage]
        parts = chunk(text, max_chars=max_chars, max_rows=max_rows)
        if ask.spans is not None:
            parts = [p for p in parts if any(p.start < end and start < p.end for start, end in ask.spans)]
        for index, part in enumerate(parts, start=1):
            try:
                answers.replies.extend(ask_part(part, 0))
            except _PartRejected as rejected:
                answers.rejected_parts += 1
                report.note(f"{ask.stage} part {index} of {len(parts)}: model reply rejected: {rejected}")
            except LLMUnavailable as error:
                answers.failure = f"LLM unavailable ({error})"
                break
        return answers
