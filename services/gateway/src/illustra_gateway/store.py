"""The gateway's writes: a document and its first stage, in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import falcon
from peewee import Database

from illustra_shared.database import prepared
from illustra_shared.errors import DocumentNotFound
from illustra_shared.models import Document, StageAttempt
from illustra_shared.stages import (
    PROGRESS_PERCENTAGE,
    STEP_BY_NAME,
    STEPS,
    DocumentStatus,
    PipelineStep,
    ProcessingStage,
    stage_before,
    status_of,
)

from .validation import Submission


class NotInError(falcon.HTTPConflict):
    def __init__(self, document_id: int, stage: str) -> None:
        super().__init__(
            description=f"document {document_id} is at {stage}, not in error: only a failed document can be retried"
        )


@dataclass(frozen=True)
class Restart:
    document_id: int
    step: PipelineStep
    error_message: str | None


@dataclass(frozen=True)
class Created:
    document_id: int
    # The user's documents still pending or processing when this one was stored.
    unfinished_before: int


class OverQuota(falcon.HTTPForbidden):
    def __init__(self, documents: int, max_bytes: int) -> None:
        super().__init__(
            description=f"storage quota reached: at most {documents} documents and {max_bytes} bytes of text per "
            "user; delete documents (DELETE /api/ocr/documents/{id}/) to make room"
        )


class DocumentStore:
    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime],
        *,
        quota_documents: int = 0,
        quota_bytes: int = 0,
    ) -> None:
        self.database = database
        self.clock = clock
        # 0 is no limit; an unlimited side compares with the largest bigint.
        self.quota_documents = quota_documents or 2**63 - 1
        self.quota_bytes = quota_bytes or 2**63 - 1
        p = database.param
        # The quota is checked by the insert itself: no row is inserted when the user's documents would pass it.
        # It also returns how many of the user's documents were unfinished before this one, which decides the
        # queue the document starts in (``first_step_queue``). MATERIALIZED: SQLite would otherwise count again
        # for RETURNING, after the insert.
        unfinished = ", ".join(
            f"'{status}'" for status in (DocumentStatus.PENDING, DocumentStatus.PROCESSING)
        )
        self.insert_document = prepared(
            database,
            "illustra_insert_document",
            "WITH stored AS MATERIALIZED (SELECT count(*) AS n, coalesce(sum(content_bytes), 0) AS size,"
            f" count(*) FILTER (WHERE status IN ({unfinished})) AS unfinished FROM documents WHERE user_id = {p})"
            " INSERT INTO documents (user_id, file_name, ocr_content, content_sha256, content_bytes,"
            " processing_stage, progress_percentage, status, created_at, last_processed_at)"
            f" SELECT {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}"
            f" FROM stored WHERE stored.n < {p} AND stored.size + {p} <= {p}"
            " RETURNING id, (SELECT unfinished FROM stored)",
        )

    def create(self, submission: Submission) -> Created:
        # One statement, so one round trip in the database's implicit transaction; plain SQL, as building it with
        # peewee cost as much CPU as the rest of the request.
        now = self.clock()
        content = submission.ocr_content.encode("utf-8")
        rows = self.database.execute_sql(
            self.insert_document,
            [
                submission.user_id,
                submission.user_id,
                submission.file_name,
                submission.ocr_content,
                hashlib.sha256(content).hexdigest(),
                len(content),
                ProcessingStage.PENDING,
                PROGRESS_PERCENTAGE[ProcessingStage.PENDING],
                status_of(ProcessingStage.PENDING),
                now,
                now,
                self.quota_documents,
                len(content),
                self.quota_bytes,
            ],
        ).fetchall()
        if not rows:
            raise OverQuota(self.quota_documents, self.quota_bytes)
        return Created(*rows[0])

    def discard(self, document_id: int) -> None:
        """Undo ``create`` when the pipeline could not be started, so a refused request leaves nothing behind."""
        with self.database.atomic():
            Document.delete().where(Document.id == document_id).execute()

    def restart_failed(self, document_id: int, *, owner: int | None) -> Restart:
        """Put a document in ``error`` back where its failed step starts; its earlier results stay."""
        with self.database.atomic():
            query = Document.select().where(Document.id == document_id)
            if owner is not None:
                query = query.where(Document.user_id == owner)
            document = query.first()
            if document is None:
                raise DocumentNotFound(f"document {document_id} does not exist")
            if document.processing_stage != ProcessingStage.ERROR:
                raise NotInError(document_id, document.processing_stage)
            failed = (
                StageAttempt.select(StageAttempt.stage)
                .where(StageAttempt.document == document_id, StageAttempt.outcome == "failure")
                .order_by(StageAttempt.id.desc())
                .first()
            )
            step = STEP_BY_NAME[failed.stage] if failed is not None else STEPS[0]
            stage = stage_before(step)
            Document.update(
                processing_stage=stage,
                progress_percentage=PROGRESS_PERCENTAGE[stage],
                status=status_of(stage),
                error_message=None,
                last_processed_at=self.clock(),
            ).where(Document.id == document_id, Document.processing_stage == ProcessingStage.ERROR).execute()
        return Restart(document_id, step, document.error_message)

    def undo_restart(self, restart: Restart) -> None:
        """The broker refused the restarted step: the document goes back to the error it was in."""
        with self.database.atomic():
            Document.update(
                processing_stage=ProcessingStage.ERROR,
                status=status_of(ProcessingStage.ERROR),
                error_message=restart.error_message,
            ).where(Document.id == restart.document_id).execute()
