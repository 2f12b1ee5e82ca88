"""The document lifecycle: every change to ``documents`` and ``stage_attempts`` is made here and nowhere else.

The gateway creates a document ``pending`` (or discards it when its pipeline could not be started). Each pipeline
step starts its stage (the document moves to the step's running stage and an attempt is opened), then completes it
with its results in one transaction, or fails it: to be retried, or for good, the document then in ``error`` with a
message a person can read. A document only moves forwards: a message for a step that is not where the document
stands is skipped. A document in ``error`` can be restarted from its failed step. Attempts whose worker stopped are
abandoned; a stage abandoned too often is set aside as poison. Unfinished documents left idle are found for the
reconciler to resume. A document is deleted at its owner's request or once older than the retention period, with
its results and attempts (their foreign keys cascade) and with the LLM replies cached for its text.

Most of it goes through the peewee models. The statements that run for every document are plain SQL built once
(building them with peewee cost as much CPU as a stage's extraction, and as the rest of a save request), prepared
once per connection on PostgreSQL, and sent together in one round trip where they can be. The same SQL runs on
PostgreSQL and SQLite but for the parameter mark."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from peewee import Database, Expression, fn

from .database import Statement, connection, durable, execute_together, prepared
from .errors import DocumentNotFound, NotInError, QuotaExceeded, StageFailed
from .models import Document, LLMCacheEntry, StageAttempt, owned_document
from .settings import Settings
from .stages import (
    PROGRESS_PERCENTAGE,
    STEP_BY_NAME,
    STEPS,
    DocumentStatus,
    PipelineStep,
    ProcessingStage,
    next_step,
    stage_before,
    status_of,
)

log = logging.getLogger(__name__)

# How many idle documents one reconciliation round resumes at most.
_IDLE_BATCH = 200
_FINISHED = (ProcessingStage.ALL_COMPLETED, ProcessingStage.ERROR)
_ABANDONED = "its worker stopped before the stage ended"
# The step that moves a document on from its stage: the one it is in, or the one after the one it finished.
_STEP_TO_RESUME: dict[str, PipelineStep | None] = {
    ProcessingStage.PENDING: STEPS[0],
    **{step.running: step for step in STEPS},
    **{step.completed: next_step(step) for step in STEPS},
}


@dataclass
class StageReport:
    """What a stage attempt reports besides its result, stored on its row: which extractor produced the result,
    LLM calls and tokens, and notes (a fallback taken, a model answer rejected)."""

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


@dataclass(frozen=True)
class Created:
    document_id: int
    # The user's documents still pending or processing when this one was stored.
    unfinished_before: int


@dataclass(frozen=True)
class Purged:
    documents: int
    cache_entries: int


@dataclass(frozen=True)
class Restart:
    document_id: int
    step: PipelineStep
    error_message: str | None


@dataclass
class Attempt:
    """A stage attempt that has started: its row, and what it reports."""

    id: int
    number: int
    document_id: int
    step: PipelineStep
    report: StageReport = field(default_factory=StageReport)


@dataclass(frozen=True)
class Resumed:
    """An idle document given back to the pipeline: the step it needs, from the stage it was in, and how many
    unfinished documents its user has (which decides the queue a pending one starts in)."""

    document_id: int
    step: PipelineStep
    stage: str
    unfinished: int


class _Statements:
    """The statements that run for every document, built once and prepared once per connection on PostgreSQL."""

    def __init__(self, database: Database) -> None:
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
        self.start_document = prepared(
            database,
            "illustra_start_document",
            f"UPDATE documents SET processing_stage = {p}, progress_percentage = {p}, status = {p},"
            f" last_processed_at = {p} WHERE id = {p} AND processing_stage IN ({p}, {p})",
        )
        # Running attempts of the stage whose worker stopped renewing their lease become abandoned, when the
        # document is in the stage (moved by the statement before, or already there).
        self.abandon_stale_attempts = prepared(
            database,
            "illustra_abandon_stale_attempts",
            f"UPDATE stage_attempts SET outcome = 'abandoned', finished_at = {p}, error = {p}"
            f" WHERE document_id = {p} AND stage = {p} AND outcome = 'running'"
            f" AND (heartbeat_at IS NULL OR heartbeat_at <= {p})"
            f" AND EXISTS (SELECT 1 FROM documents WHERE id = {p} AND processing_stage = {p})",
        )
        # An attempt opens when the document is in the stage, no live attempt of it runs and it has not been
        # abandoned too often. A statement of its own, after those that lock the document's row, so that it sees
        # an attempt that a worker which held the lock before this one committed meanwhile.
        self.open_attempt = prepared(
            database,
            "illustra_open_attempt",
            "INSERT INTO stage_attempts (document_id, stage, attempt, message_id, started_at, heartbeat_at, outcome)"
            f" SELECT {p}, {p}, {p}, {p}, {p}, {p}, 'running'"
            f" WHERE EXISTS (SELECT 1 FROM documents WHERE id = {p} AND processing_stage = {p})"
            f" AND NOT EXISTS (SELECT 1 FROM stage_attempts WHERE document_id = {p} AND stage = {p}"
            " AND outcome = 'running')"
            f" AND (SELECT count(*) FROM stage_attempts WHERE document_id = {p} AND stage = {p}"
            f" AND outcome = 'abandoned') < {p} RETURNING id",
            # The types of the attempt's columns (document ids are bigints).
            types=("bigint", "varchar", "smallint", "varchar", "timestamp", "timestamp"),
        )
        self.close_attempt = prepared(
            database,
            "illustra_close_attempt",
            f"UPDATE stage_attempts SET finished_at = {p}, outcome = 'success', extractor = {p}, llm_calls = {p},"
            f" prompt_tokens = {p}, completion_tokens = {p}, notes = {p} WHERE id = {p} AND outcome = 'running'",
        )
        self.complete_document = prepared(
            database,
            "illustra_complete_document",
            f"UPDATE documents SET processing_stage = {p}, progress_percentage = {p}, status = {p},"
            f" error_message = NULL, last_processed_at = {p} WHERE id = {p} AND processing_stage = {p} RETURNING id",
        )


class Lifecycle:
    """The transitions of documents and their stage attempts, on ``database`` at the time ``clock`` tells."""

    def __init__(self, database: Database, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.clock = clock
        # 0 is no limit; an unlimited side compares with the largest bigint.
        self.quota_documents = settings.quota_documents or 2**63 - 1
        self.quota_bytes = settings.quota_bytes or 2**63 - 1
        self.lease = timedelta(seconds=settings.lease_s)
        self.max_abandoned = settings.stage_max_abandoned
        self.sql = _Statements(database)

    # -- the gateway's: a document created, discarded, restarted --------------------------------------------------

    def create(self, user_id: int, file_name: str, ocr_content: str) -> Created:
        """Store a pending document, unless its user's quota is full (``QuotaExceeded``). One statement, so one
        round trip in the database's implicit transaction; plain SQL, as building it with peewee cost as much CPU as
        the rest of the request."""
        now, pending = self.clock(), ProcessingStage.PENDING
        content = ocr_content.encode("utf-8")
        document = (file_name, ocr_content, hashlib.sha256(content).hexdigest(), len(content), pending)
        quota = (self.quota_documents, len(content), self.quota_bytes)
        rows = self.database.execute_sql(
            self.sql.insert_document,
            [user_id, user_id, *document, PROGRESS_PERCENTAGE[pending], status_of(pending), now, now, *quota],
        ).fetchall()
        if not rows:
            raise QuotaExceeded(self.quota_documents, self.quota_bytes)
        return Created(*rows[0])

    def discard(self, document_id: int) -> None:
        """Undo ``create`` when the pipeline could not be started, so a refused request leaves nothing behind."""
        with self.database.atomic():
            Document.delete().where(Document.id == document_id).execute()

    def delete(self, document_id: int, *, owner: int | None) -> bool:
        """Delete the document (``owner``'s only, unless None) and its cached replies; False when there is none to
        delete. A stage running on it finds it gone: its results cannot be stored and its next messages are
        skipped."""
        with self.database.atomic():
            document = owned_document(Document.select(Document.content_sha256), document_id, owner).first()
            if document is None:
                return False
            Document.delete().where(Document.id == document_id).execute()
            LLMCacheEntry.delete().where(LLMCacheEntry.content_sha256 == document.content_sha256).execute()
        return True

    def purge(self, created_before: datetime | None) -> Purged:
        """Delete the documents created before ``created_before`` (none when None) and the cache entries no
        document has the text of any more (such as a reply stored by a stage whose document was deleted while it
        ran)."""
        with self.database.atomic():
            documents = 0
            if created_before is not None:
                documents = Document.delete().where(Document.created_at < created_before).execute()
            cache_entries = (
                LLMCacheEntry.delete()
                .where(LLMCacheEntry.content_sha256.not_in(Document.select(Document.content_sha256)))
                .execute()
            )
        return Purged(documents, cache_entries)

    def restart_failed(self, document_id: int, *, owner: int | None) -> Restart:
        """Put a document in ``error`` back where its failed step starts (``NotInError`` for any other); its
        earlier results stay."""
        with self.database.atomic():
            document = owned_document(Document.select(), document_id, owner).first()
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

    def stage_of(self, document_id: int) -> str | None:
        """The document's stage; None when it is gone."""
        return Document.select(Document.processing_stage).where(Document.id == document_id).scalar()  # type: ignore[no-any-return]

    # -- a stage: started, completed, failed ----------------------------------------------------------------------

    def start_stage(
        self, document_id: int, step: PipelineStep, number: int, message_id: str
    ) -> Attempt | None:
        """Move the document to ``step``'s running stage and open attempt ``number``, in one round trip; None when
        the step's message is to be skipped (the document is not at this step, or a live worker runs it).
        ``StageFailed`` when the stage is set aside as poison."""
        now = self.clock()
        in_stage = (document_id, step.running)
        with connection(self.database):
            rows = execute_together(
                self.database,
                [
                    # The update both moves the document and locks its row, so two workers given the same stage
                    # queue up here. Only a document where this step starts (the step before it done) or that is
                    # in it (a retry, a redelivery) is moved: one that is gone, in error, past this step or not yet
                    # at it is left alone, and if it is idle the reconciler sends it the step it needs.
                    (
                        self.sql.start_document,
                        [
                            *(step.running, PROGRESS_PERCENTAGE[step.running], DocumentStatus.PROCESSING),
                            *(now, document_id, stage_before(step), step.running),
                        ],
                    ),
                    (
                        self.sql.abandon_stale_attempts,
                        [now, _ABANDONED, document_id, step.name, now - self.lease, *in_stage],
                    ),
                    (
                        self.sql.open_attempt,
                        [
                            *(document_id, step.name, number, message_id, now, now),  # the attempt
                            *(*in_stage, document_id, step.name, document_id, step.name, self.max_abandoned),
                        ],
                    ),
                ],
            )
            if rows:
                return Attempt(rows[0][0], number, document_id, step)
            # Rarely here: a redelivery, a duplicate, a stage abandoned too often.
            poison = self.set_aside_if_poison(document_id, step, step.running, now)
            busy = poison is None and self.stage_of(document_id) == step.running
        if poison is not None:
            raise StageFailed(poison)  # not retried: dead-lettered
        why = "a live worker runs it" if busy else "it is not at this step"
        log.info("skipping %s of document %s: %s", step.actor_name, document_id, why)
        return None

    def set_aside_if_poison(
        self, document_id: int, step: PipelineStep, stage: str, now: datetime
    ) -> str | None:
        """A stage abandoned ``stage_max_abandoned`` times (its worker died while running it: killed for its
        memory, or frozen and killed) would kill the next worker too, however it is sent again (redelivered by the
        broker or by the reconciler): its document, when still at ``stage``, moves to ``error`` with the reason,
        which is returned; None for any other."""
        abandoned = self._attempts(document_id, step, StageAttempt.outcome == "abandoned")
        if abandoned < self.max_abandoned:
            return None
        reason = (
            f"{step.label} failed: its worker stopped while running it {abandoned} times;"
            " the document is set aside so that it stops no more workers"
        )
        set_aside = Document.update(
            processing_stage=ProcessingStage.ERROR,
            status=DocumentStatus.ERROR,
            error_message=reason,
            last_processed_at=now,
        ).where(Document.id == document_id, Document.processing_stage == stage)
        if not set_aside.execute():
            return None
        log.error("document %s set aside as poison: %s", document_id, reason)
        return reason

    def complete_stage(self, attempt: Attempt, writes: Sequence[Statement]) -> bool:
        """Store the stage's results (``writes``), close its attempt and move the document to the stage's completed
        state, in one transaction and one round trip. False when the document was no longer in the stage (gone,
        or failed meanwhile by the hard time limit): it did not move."""
        now = self.clock()
        completed = attempt.step.completed
        report = attempt.report
        with connection(self.database):
            rows = execute_together(
                self.database,
                [
                    *writes,
                    (
                        self.sql.close_attempt,
                        [
                            *(now, report.extractor, report.llm_calls, report.prompt_tokens),
                            *(
                                report.completion_tokens,
                                json.dumps(report.notes, ensure_ascii=False),
                                attempt.id,
                            ),
                        ],
                    ),
                    (
                        self.sql.complete_document,
                        [
                            *(completed, PROGRESS_PERCENTAGE[completed], status_of(completed), now),
                            *(attempt.document_id, attempt.step.running),
                        ],
                    ),
                ],
                # Only the last step's completion waits for the disk (with it, PostgreSQL's in-order log makes all
                # before it durable too). After a database crash an earlier step may be found undone: its results
                # with it, as they share the transaction; the next step's message is then skipped (the document is
                # not at that step) and the reconciler resumes the document where it is.
                wait_for_disk=next_step(attempt.step) is None,
            )
        return bool(rows)

    def fail_stage(self, attempt: Attempt, reason: str, *, final: bool) -> None:
        """Close the attempt as failed with ``reason``; when ``final``, the document moves to ``error`` with a
        message a person can read, else the attempt waits for its retry."""
        now = self.clock()
        with connection(self.database), self.database.atomic():
            durable(self.database)
            StageAttempt.update(
                finished_at=now,
                outcome="failure" if final else "retry",
                error=reason,
                **asdict(attempt.report),  # its fields are the attempt's columns
            ).where(StageAttempt.id == attempt.id).execute()
            if final:
                attempts = "attempt" if attempt.number == 1 else "attempts"
                Document.update(
                    processing_stage=ProcessingStage.ERROR,
                    status=DocumentStatus.ERROR,
                    error_message=f"{attempt.step.label} failed after {attempt.number} {attempts}: {reason}",
                    last_processed_at=now,
                ).where(
                    Document.id == attempt.document_id, Document.processing_stage == attempt.step.running
                ).execute()

    def renew_leases(self, attempt_ids: Sequence[int]) -> None:
        """A running stage renews the heartbeat of its attempt, so a stage whose worker died (SIGKILL, lost node)
        is told apart from a slow one: another worker may take the stage over once the lease has run out."""
        if attempt_ids:
            with connection(self.database):
                StageAttempt.update(heartbeat_at=self.clock()).where(
                    StageAttempt.id.in_(attempt_ids), StageAttempt.outcome == "running"
                ).execute()

    # -- idle documents, for the reconciler ----------------------------------------------------------------------

    def resume_idle(self, quiet_for: timedelta, retry_wait: timedelta, *, bulk_after: int) -> list[Resumed]:
        """The unfinished documents nothing has moved for ``quiet_for``, oldest first, each with the step that
        moves it on, touched so that the other workers' reconcilers do not send it a second time. Not those a live
        worker runs or whose failed attempt waits up to ``retry_wait`` for its retry; those abandoned too often are
        set aside as poison instead. With ``bulk_after``, not the pending ones whose place is the bulk queue
        (``first_step_queue``'s rule)."""
        now = self.clock()
        resumed = []
        with connection(self.database), self.database.atomic():
            for document_id, stage, unfinished in self._idle(now - quiet_for, bulk_after):
                step = _STEP_TO_RESUME.get(stage)
                if step is None or self._busy(document_id, step, now, retry_wait):
                    continue
                if self.set_aside_if_poison(document_id, step, stage, now):
                    continue
                touched = (
                    Document.update(last_processed_at=now)
                    .where(Document.id == document_id, Document.last_processed_at < now - quiet_for)
                    .execute()
                )
                if touched:
                    resumed.append(Resumed(document_id, step, stage, unfinished))
        return resumed

    def _idle(self, quiet_since: datetime, bulk_after: int) -> list[tuple[int, str, int]]:
        """Documents unfinished and idle, oldest first, each with its stage and its user's unfinished documents."""
        others = Document.alias("others")
        per_user = (
            others.select(others.user_id, fn.COUNT(others.id).alias("documents"))
            .where(others.processing_stage.not_in(_FINISHED))
            .group_by(others.user_id)
            .alias("per_user")
        )
        query = (
            Document.select(Document.id, Document.processing_stage, per_user.c.documents)
            .join(per_user, on=per_user.c.user_id == Document.user_id)
            .where(Document.processing_stage.not_in(_FINISHED), Document.last_processed_at < quiet_since)
        )
        if bulk_after:
            query = query.where(
                ~(
                    (Document.processing_stage == ProcessingStage.PENDING)
                    & (per_user.c.documents > bulk_after)
                )
            )
        # peewee's types read .tuples() rows as models.
        return list(query.order_by(Document.last_processed_at).limit(_IDLE_BATCH).tuples())  # type: ignore[arg-type]

    def _busy(self, document_id: int, step: PipelineStep, now: datetime, retry_wait: timedelta) -> bool:
        """A live worker runs the stage, or a failed attempt waits for its retry."""
        live = (StageAttempt.outcome == "running") & (StageAttempt.heartbeat_at > now - self.lease)
        waiting = (StageAttempt.outcome == "retry") & (StageAttempt.finished_at > now - retry_wait)
        return bool(self._attempts(document_id, step, live | waiting))

    def _attempts(self, document_id: int, step: PipelineStep, condition: Expression) -> int:
        """How many of the document's attempts at ``step`` meet ``condition``."""
        return (  # type: ignore[no-any-return]
            StageAttempt.select(fn.COUNT(StageAttempt.id))
            .where(StageAttempt.document == document_id, StageAttempt.stage == step.name, condition)
            .scalar()
        )
