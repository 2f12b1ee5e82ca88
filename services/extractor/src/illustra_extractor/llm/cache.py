"""Validated replies kept by what produced them, so the same document sent twice costs no second call.

The key covers everything the reply depends on: the document's content, the stage, the model, the prompt
version and the part asked (which lines, which fields, masked or not). A reply is stored only once it has
passed validation, so a bad answer is asked again next time instead of being served forever.

What is stored is the reply before the personal data is put back: with masking on (the default) it holds
placeholders, not names. Each entry keeps the SHA-256 of the text it answered, the one its documents keep, so it is
deleted with them (``Lifecycle.delete`` and ``purge``)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Protocol

from illustra_shared.database import connection
from illustra_shared.models import LLMCacheEntry


@dataclass(frozen=True)
class CachedReply:
    response: str  # the validated reply as JSON, before the personal data is put back
    prompt_tokens: int
    completion_tokens: int


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheKey:
    content_sha256: str  # the text's, which ties the entry to its documents
    digest: str  # of everything the reply depends on


def cache_key(content_sha256: str, stage: str, model: str, prompt_version: str, part: str) -> CacheKey:
    material = "\x1f".join((content_sha256, stage, model, prompt_version, part))
    return CacheKey(content_sha256, hashlib.sha256(material.encode("utf-8")).hexdigest())


class ReplyCache(Protocol):
    def get(self, key: CacheKey) -> CachedReply | None: ...

    def put(self, key: CacheKey, reply: CachedReply) -> None: ...


class MemoryCache:
    """For one process without a database (``illustra extract``, the cost bench)."""

    def __init__(self) -> None:
        self._entries: dict[CacheKey, CachedReply] = {}
        self._lock = threading.Lock()

    def get(self, key: CacheKey) -> CachedReply | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: CacheKey, reply: CachedReply) -> None:
        with self._lock:
            self._entries.setdefault(key, reply)


class DatabaseCache:
    """The table llm_cache, shared by every worker; a connection is held for each read and write only, never
    across the model call between them."""

    def get(self, key: CacheKey) -> CachedReply | None:
        with connection(LLMCacheEntry._meta.database):
            entry = LLMCacheEntry.get_or_none(LLMCacheEntry.key == key.digest)
        if entry is None:
            return None
        return CachedReply(entry.response, entry.prompt_tokens, entry.completion_tokens)

    def put(self, key: CacheKey, reply: CachedReply) -> None:
        # Two workers may answer the same part at once; the first stored wins, the other is the same reply.
        with connection(LLMCacheEntry._meta.database):
            LLMCacheEntry.insert(
                key=key.digest,
                content_sha256=key.content_sha256,
                response=reply.response,
                prompt_tokens=reply.prompt_tokens,
                completion_tokens=reply.completion_tokens,
            ).on_conflict_ignore().execute()
