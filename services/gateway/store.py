"""The gateway's writes: a document and its first stage, in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from peewee import Database

from illustra_shared.models import Document
from illustra_shared.stages import PROGRESS_PERCENTAGE, ProcessingStage, status_of

from .validation import Submission


class DocumentStore:
    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.clock = clock

    def create(self, submission: Submission) -> int:
        now = self.clock()
        with self.database.atomic():
            document = Document.create(
                user_id=submission.user_id,
                file_name=submission.file_name,
                ocr_content=submission.ocr_content,
                content_sha256=hashlib.sha256(submission.ocr_content.encode("utf-8")).hexdigest(),
                processing_stage=ProcessingStage.PENDING,
                progress_percentage=PROGRESS_PERCENTAGE[ProcessingStage.PENDING],
                status=status_of(ProcessingStage.PENDING),
                created_at=now,
                last_processed_at=now,
            )
        return document.id

    def discard(self, document_id: int) -> None:
        """Undo ``create`` when the pipeline could not be started, so a refused request leaves nothing behind."""
        with self.database.atomic():
            Document.delete().where(Document.id == document_id).execute()
