"""The reconciler: nothing accepted is lost. A broker that lost its data (Redis restarted without persistence), a
next step that could not be enqueued, a worker killed with its messages: each leaves a document in an unfinished
stage with no live stage working on it. Every worker process looks for such documents now and then and enqueues
them again, from the stage they are in, never from the start when earlier stages are done. A document not yet
started goes where the gateway would send it now (``first_step_queue``); one whose place is the bulk queue is left
alone while that queue still has messages waiting, as it is most likely one of them: there a document may rightly
wait for hours, and sending each again every few minutes would fill the queue with copies."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from dramatiq import Broker, Middleware
from peewee import Database, fn

from illustra_shared.broker import waiting_messages
from illustra_shared.models import Document, StageAttempt
from illustra_shared.pipeline import Pipeline, first_step_queue
from illustra_shared.stages import STEPS, DocumentStatus, PipelineStep, ProcessingStage, next_step

log = logging.getLogger(__name__)

_BATCH = 200


def step_to_resume(stage: str) -> PipelineStep | None:
    """The step that moves a document on from ``stage``: the one it is in, or the one after the one it finished."""
    if stage == ProcessingStage.PENDING:
        return STEPS[0]
    for step in STEPS:
        if stage == step.running:
            return step
        if stage == step.completed:
            return next_step(step)
    return None


def set_aside_if_poison(
    document_id: int, step: PipelineStep, now: datetime, max_abandoned: int
) -> str | None:
    """A stage abandoned ``max_abandoned`` times (its worker died while running it: killed for its memory, or
    frozen and killed) would kill the next worker too, however it is sent again (redelivered by the broker or by
    the reconciler): its document moves to ``error`` with the reason, which is returned; None for any other."""
    abandoned = (
        StageAttempt.select(fn.COUNT(StageAttempt.id))
        .where(
            StageAttempt.document == document_id,
            StageAttempt.stage == step.name,
            StageAttempt.outcome == "abandoned",
        )
        .scalar()
    )
    if abandoned < max_abandoned:
        return None
    reason = (
        f"{step.label} failed: its worker stopped while running it {abandoned} times;"
        " the document is set aside so that it stops no more workers"
    )
    Document.update(
        processing_stage=ProcessingStage.ERROR,
        status=DocumentStatus.ERROR,
        error_message=reason,
        last_processed_at=now,
    ).where(Document.id == document_id, Document.processing_stage.not_in([ProcessingStage.ERROR])).execute()
    log.error("document %s set aside as poison: %s", document_id, reason)
    return reason


class Reconciler(Middleware):
    def __init__(
        self,
        database: Database,
        pipeline: Pipeline,
        *,
        reconcile_after_s: float,
        lease_s: float,
        max_backoff_s: float,
        max_abandoned: int,
        clock: Callable[[], datetime],
    ) -> None:
        self.database = database
        self.max_abandoned = max_abandoned
        self.pipeline = pipeline
        self.settings = pipeline.settings
        self.quiet_for = timedelta(seconds=reconcile_after_s)
        self.lease = timedelta(seconds=lease_s)
        # A failed stage waits up to this long for its retry; its document is not idle meanwhile.
        self.retry_wait = timedelta(seconds=max_backoff_s) + self.lease
        self.interval = max(0.2, min(30.0, reconcile_after_s / 3))
        self.clock = clock
        self.stopping = threading.Event()

    def after_worker_boot(self, broker: Broker, worker) -> None:
        threading.Thread(target=self._loop, name="illustra-reconciler", daemon=True).start()

    def before_worker_shutdown(self, broker: Broker, worker) -> None:
        self.stopping.set()

    def _loop(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                with self.database.connection_context():
                    resumed = self.reconcile()
                if resumed:
                    log.warning("re-enqueued %d idle document(s): %s", len(resumed), resumed)
            except Exception:
                log.exception("reconciliation round failed; trying again in %.1f s", self.interval)

    def reconcile(self) -> list[int]:
        """One round; returns the ids of the documents enqueued again."""
        now = self.clock()
        bulk_queue_name = self.settings.bulk_queue_name
        bulk_waits = (
            bool(self.settings.bulk_after) and waiting_messages(self.pipeline.broker, bulk_queue_name) > 0
        )
        resumed = []
        with self.database.atomic():
            for document_id, stage, unfinished in self._idle(now, leave_bulk_alone=bulk_waits):
                step = step_to_resume(stage)
                if step is None or self._busy(document_id, step, now):
                    continue
                if set_aside_if_poison(document_id, step, now, self.max_abandoned):
                    continue
                # Touching the document keeps the other workers' reconcilers from sending it a second time.
                touched = (
                    Document.update(last_processed_at=now)
                    .where(Document.id == document_id, Document.last_processed_at < now - self.quiet_for)
                    .execute()
                )
                if touched:
                    queue_name = (
                        first_step_queue(self.settings, unfinished - 1)
                        if stage == ProcessingStage.PENDING
                        else self.settings.queue_name
                    )
                    resumed.append((document_id, step, queue_name))
        for document_id, step, queue_name in resumed:
            self.pipeline.enqueue(step, document_id, queue_name)
        return [document_id for document_id, _, _ in resumed]

    def _idle(self, now: datetime, *, leave_bulk_alone: bool) -> list[tuple[int, str, int]]:
        """Documents unfinished and idle, oldest first, each with its stage and its user's unfinished documents.
        With ``leave_bulk_alone``, not those whose place is the bulk queue (``first_step_queue``'s rule)."""
        finished = [ProcessingStage.ALL_COMPLETED, ProcessingStage.ERROR]
        others = Document.alias("others")
        per_user = (
            others.select(others.user_id, fn.COUNT(others.id).alias("documents"))
            .where(others.processing_stage.not_in(finished))
            .group_by(others.user_id)
            .alias("per_user")
        )
        query = (
            Document.select(Document.id, Document.processing_stage, per_user.c.documents)
            .join(per_user, on=per_user.c.user_id == Document.user_id)
            .where(
                Document.processing_stage.not_in(finished),
                Document.last_processed_at < now - self.quiet_for,
            )
        )
        if leave_bulk_alone:
            query = query.where(
                ~(
                    (Document.processing_stage == ProcessingStage.PENDING)
                    & (per_user.c.documents > self.settings.bulk_after)
                )
            )
        # peewee's types read .tuples() rows as models.
        return list(query.order_by(Document.last_processed_at).limit(_BATCH).tuples())  # type: ignore[arg-type]

    def _busy(self, document_id: int, step: PipelineStep, now: datetime) -> bool:
        """A live worker runs the stage, or a failed attempt waits for its retry."""
        live_or_waiting = (
            StageAttempt.select(fn.COUNT(StageAttempt.id))
            .where(
                StageAttempt.document == document_id,
                StageAttempt.stage == step.name,
                (
                    (StageAttempt.outcome == "running") & (StageAttempt.heartbeat_at > now - self.lease)
                    | (StageAttempt.outcome == "retry") & (StageAttempt.finished_at > now - self.retry_wait)
                ),
            )
            .scalar()
        )
        return bool(live_or_waiting)
