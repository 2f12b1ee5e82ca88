"""Deleting what is stored about documents: one document at its owner's request, and every document older than
the retention period. A document goes with its results and attempts (their foreign keys cascade) and with the LLM
replies cached for its text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peewee import Database

from .models import Document, LLMCacheEntry


@dataclass(frozen=True)
class Purged:
    documents: int
    cache_entries: int


def delete_document(database: Database, document_id: int, *, owner: int | None) -> bool:
    """Delete the document (``owner``'s only, unless None); False when there is none to delete. A stage running on
    it finds it gone: its results cannot be stored and its next messages are skipped."""
    with database.atomic():
        query = Document.select(Document.content_sha256).where(Document.id == document_id)
        if owner is not None:
            query = query.where(Document.user_id == owner)
        document = query.first()
        if document is None:
            return False
        Document.delete().where(Document.id == document_id).execute()
        LLMCacheEntry.delete().where(LLMCacheEntry.content_sha256 == document.content_sha256).execute()
    return True


def purge(database: Database, created_before: datetime | None) -> Purged:
    """Delete the documents created before ``created_before`` (none when None) and the cache entries no document
    has the text of any more (such as a reply stored by a stage whose document was deleted while it ran)."""
    with database.atomic():
        documents = 0
        if created_before is not None:
            documents = Document.delete().where(Document.created_at < created_before).execute()
        cache_entries = (
            LLMCacheEntry.delete()
            .where(LLMCacheEntry.content_sha256.not_in(Document.select(Document.content_sha256)))
            .execute()
        )
    return Purged(documents, cache_entries)
