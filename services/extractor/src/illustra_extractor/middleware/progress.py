"""Stage progress: what the replaced Celery tasks wrote to the database by hand, done once for every stage.

Before a stage runs: the document moves to the stage's running state and an attempt row is opened. After: the
attempt is closed with its outcome; on success the document moves to the stage's completed state and the next step
is enqueued; on the last failure the document moves to ``error`` with a message a person can read. A document only
moves forwards: a redelivered message for a stage that is already behind it is skipped.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from dramatiq import Broker, Middleware
from dramatiq.broker import MessageProxy
from dramatiq.middleware import SkipMessage
from dramatiq.middleware.time_limit import TimeLimitExceeded
from peewee import Database

from illustra_shared import logs
from illustra_shared.database import Statement, connection, durable, execute_together, prepared
from illustra_shared.errors import StageFailed
from illustra_shared.models import Document, StageAttempt
from illustra_shared.pipeline import Pipeline
from illustra_shared.stages import (
    PROGRESS_PERCENTAGE,
    STEP_BY_ACTOR,
    DocumentStatus,
    PipelineStep,
    ProcessingStage,
    next_step,
    stage_before,
    status_of,
)

from ..report import StageReport, begin_report, end_report
from .reconciler import set_aside_if_poison

log = logging.getLogger(__name__)


@dataclass
class RunningStage:
    attempt_id: int
    attempt: int
    document_id: int
    step: PipelineStep
    started: float
    report: StageReport
    # Set by ``complete``: whether the document moved to the stage's completed state (None: not completed yet).
    moved: bool | None = None


def describe(exception: BaseException) -> str:
    if isinstance(exception, StageFailed):
        return str(exception)
    detail = str(exception).strip().splitlines()[0] if str(exception).strip() else ""
    return f"{type(exception).__name__}: {detail}" if detail else type(exception).__name__


def is_final_failure(broker: Broker, message: MessageProxy, exception: BaseException) -> bool:
    """Whether the Retries middleware will give up on ``message`` after this failure. Middleware added after
    Retries runs its after-hook first, while ``retries`` still counts the attempts before this one."""
    actor = broker.get_actor(message.actor_name)
    throws = message.options.get("throws") or actor.options.get("throws")
    if throws and isinstance(exception, throws):
        return True
    retry_when = actor.options.get("retry_when")
    if retry_when is not None:
        return not retry_when(int(message.options.get("retries", 0)), exception)
    max_retries = message.options.get("max_retries", actor.options.get("max_retries"))
    return max_retries is not None and int(message.options.get("retries", 0)) >= max_retries


class _Statements:
    """The writes every stage makes, as plain SQL built once (peewee's query building cost as much CPU as a
    stage's extraction) and prepared once per connection on PostgreSQL. The same on PostgreSQL and SQLite but
    for the parameter mark."""

    def __init__(self, database: Database) -> None:
        p = database.param
        self.start_document = prepared(
            database,
            "illustra_start_document",
            f"UPDATE documents SET processing_stage = {p}, progress_percentage = {p}, status = {p},"
            f" last_processed_at = {p} WHERE id = {p} AND processing_stage IN ({p}, {p})",
        )
        self.running_attempts = (
            f"SELECT id, heartbeat_at > {p} FROM stage_attempts"
            f" WHERE document_id = {p} AND stage = {p} AND outcome = 'running'"
        )
        self.open_attempt = (
            "INSERT INTO stage_attempts (document_id, stage, attempt, message_id, started_at, heartbeat_at, outcome)"
            f" VALUES ({p}, {p}, {p}, {p}, {p}, {p}, 'running') RETURNING id"
        )
        # The common case in the round trip that moved the document: no attempt of this stage is running. It is
        # a statement of its own so that it sees an attempt that a worker which held the document's row lock
        # before this one committed meanwhile.
        self.open_first_attempt = prepared(
            database,
            "illustra_open_first_attempt",
            "INSERT INTO stage_attempts (document_id, stage, attempt, message_id, started_at, heartbeat_at, outcome)"
            f" SELECT {p}, {p}, {p}, {p}, {p}, {p}, 'running'"
            f" WHERE EXISTS (SELECT 1 FROM documents WHERE id = {p} AND processing_stage = {p})"
            " AND NOT EXISTS (SELECT 1 FROM stage_attempts"
            f" WHERE document_id = {p} AND stage = {p} AND outcome = 'running') RETURNING id",
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


class StageProgress(Middleware):
    def __init__(
        self,
        database: Database,
        pipeline: Pipeline,
        *,
        soft_time_limit_s: float,
        hard_time_limit_s: float,
        lease_s: float,
        clock: Callable[[], datetime],
        max_abandoned: int = 3,
    ) -> None:
        self.database = database
        self.max_abandoned = max_abandoned
        self.sql = _Statements(database)
        self.pipeline = pipeline
        self.soft_time_limit_s = soft_time_limit_s
        self.hard_time_limit_s = hard_time_limit_s
        self.lease = timedelta(seconds=lease_s)
        self.clock = clock
        self.running: dict[str, RunningStage] = {}
        # The stage the current thread runs, for ``complete``.
        self.current = threading.local()
        self.lock = threading.Lock()
        self.watchdog: threading.Thread | None = None
        self.stopping = threading.Event()

    # -- the watchdog: leases and the hard time limit ---------------------------------------------------------
    # A running stage renews the heartbeat of its attempt, so a stage whose worker died (SIGKILL, lost node) is
    # told apart from a slow one: another worker may take the stage over once the lease has run out.
    # TimeLimit (the soft limit) raises inside the stage's thread, which cannot interrupt C code or a blocking
    # call. Past the hard limit the document is failed from here, so the user sees the error and the other threads
    # go on serving; if the stuck stage ever returns, its completion finds the document no longer in its stage.

    def after_worker_boot(self, broker: Broker, worker) -> None:
        self.watchdog = threading.Thread(target=self._watch, name="illustra-stage-watchdog", daemon=True)
        self.watchdog.start()

    def before_worker_shutdown(self, broker: Broker, worker) -> None:
        self.stopping.set()

    def _watch(self) -> None:
        interval = min(5.0, self.lease.total_seconds() / 3, max(0.2, self.hard_time_limit_s / 10))
        while not self.stopping.wait(interval):
            try:
                with connection(self.database):
                    self._renew_leases()
                    self._fail_overdue()
            except Exception:
                log.exception("stage watchdog round failed; trying again in %.1f s", interval)

    def _renew_leases(self) -> None:
        with self.lock:
            attempt_ids = [running.attempt_id for running in self.running.values()]
        if attempt_ids:
            StageAttempt.update(heartbeat_at=self.clock()).where(
                StageAttempt.id.in_(attempt_ids), StageAttempt.outcome == "running"
            ).execute()

    def _fail_overdue(self) -> None:
        now = time.monotonic()
        with self.lock:
            overdue = [
                self.running.pop(message_id)
                for message_id, running in list(self.running.items())
                if now - running.started > self.hard_time_limit_s
            ]
        for running in overdue:
            self._fail(
                running,
                f"{running.step.label} did not finish within the hard time limit of {self.hard_time_limit_s:g} s",
                final=True,
            )

    # -- message hooks ---------------------------------------------------------------------------------------

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        step = STEP_BY_ACTOR.get(message.actor_name)
        if step is None:
            return
        document_id = int(message.args[0])
        attempt = int(message.options.get("retries", 0)) + 1
        now = self.clock()
        with connection(self.database):
            attempt_id = self._start_first_attempt(document_id, step, attempt, message.message_id, now)
            if attempt_id is None:
                attempt_id = self._start_attempt(document_id, step, attempt, message.message_id, now)
        logs.bind(document_id=document_id, stage=step.name, attempt=attempt, message_id=message.message_id)
        running = RunningStage(attempt_id, attempt, document_id, step, time.monotonic(), begin_report())
        self.current.stage = running
        with self.lock:
            self.running[message.message_id] = running

    def _move_document(self, document_id: int, step: PipelineStep, now: datetime) -> Statement:
        # The update both moves the document and locks its row, so two workers given the same stage queue up
        # here. Only a document where this step starts (the step before it done) or that is in it (a retry, a
        # redelivery) is moved: one that is gone, in error, past this step or not yet at it is left alone, and
        # if it is idle the reconciler sends it the step it needs.
        return (
            self.sql.start_document,
            [
                step.running,
                PROGRESS_PERCENTAGE[step.running],
                DocumentStatus.PROCESSING,
                now,
                document_id,
                stage_before(step),
                step.running,
            ],
        )

    def _start_first_attempt(
        self, document_id: int, step: PipelineStep, attempt: int, message_id: str, now: datetime
    ) -> int | None:
        """The common case in one round trip: move the document and open an attempt when none of this stage is
        running. None when that is not the case: ``_start_attempt`` then sorts out why."""
        rows = execute_together(
            self.database,
            [
                self._move_document(document_id, step, now),
                (
                    self.sql.open_first_attempt,
                    [
                        *(document_id, step.name, attempt, message_id, now, now),  # the attempt
                        *(document_id, step.running, document_id, step.name),  # the two conditions
                    ],
                ),
            ],
        )
        return rows[0][0] if rows else None

    def _start_attempt(
        self, document_id: int, step: PipelineStep, attempt: int, message_id: str, now: datetime
    ) -> int:
        """Move the document and open an attempt, or skip the message: the document is not at this step, or a
        live worker runs it. Running attempts whose worker stopped become abandoned."""
        with self.database.atomic():
            sql, params = self._move_document(document_id, step, now)
            if not self.database.execute_sql(sql, params).rowcount:
                log.info("skipping %s of document %s: it is not at this step", step.actor_name, document_id)
                raise SkipMessage()
            if self._claimed_elsewhere(document_id, step, now):
                log.info("skipping %s of document %s: a live worker runs it", step.actor_name, document_id)
                raise SkipMessage()
            poison = set_aside_if_poison(document_id, step, now, self.max_abandoned)
            if poison is None:
                (attempt_id,) = self.database.execute_sql(
                    self.sql.open_attempt, [document_id, step.name, attempt, message_id, now, now]
                ).fetchone()
        if poison is not None:
            raise StageFailed(poison)  # not retried: dead-lettered
        return attempt_id

    def _claimed_elsewhere(self, document_id: int, step: PipelineStep, now: datetime) -> bool:
        """Whether another worker holds a live lease on this stage; stale running attempts become abandoned."""
        stale = []
        for attempt_id, live in self.database.execute_sql(
            self.sql.running_attempts, [now - self.lease, document_id, step.name]
        ):
            if live:
                return True
            stale.append(attempt_id)
        if stale:
            StageAttempt.update(
                outcome="abandoned", finished_at=now, error="its worker stopped before the stage ended"
            ).where(StageAttempt.id.in_(stale)).execute()
        return False

    def after_process_message(
        self, broker: Broker, message: MessageProxy, *, result=None, exception=None
    ) -> None:
        with self.lock:
            running = self.running.pop(message.message_id, None)
        if running is None:
            return  # not a stage, or already failed by the hard time limit
        end_report()
        logs.unbind()
        self.current.stage = None
        if exception is None:
            if running.moved is None:  # the actor did not complete its stage itself
                self._transition(running, [])
            following = next_step(running.step)
            if running.moved and following is not None:
                self.pipeline.enqueue(following, running.document_id)
            return
        if isinstance(exception, TimeLimitExceeded):
            reason = f"{running.step.label} exceeded its time limit of {self.soft_time_limit_s:g} s"
        else:
            reason = describe(exception)
        self._fail(running, reason, final=is_final_failure(broker, message, exception))

    @staticmethod
    def _report_columns(report: StageReport) -> dict:
        return {
            "extractor": report.extractor,
            "llm_calls": report.llm_calls,
            "prompt_tokens": report.prompt_tokens,
            "completion_tokens": report.completion_tokens,
            "notes": report.notes,
        }

    def complete(self, writes: Sequence[Statement]) -> None:
        """Called by the stage running in this thread: store its results (``writes``) and move the document to the
        stage's completed state, in one transaction whose commit waits for the disk."""
        running = self.current.stage
        if running is None:
            raise RuntimeError("complete() is called from a stage's own thread, while it runs")
        self._transition(running, writes)

    def _transition(self, running: RunningStage, writes: Sequence[Statement]) -> None:
        now = self.clock()
        completed = running.step.completed
        report = running.report
        with connection(self.database):
            rows = execute_together(
                self.database,
                [
                    *writes,
                    (
                        self.sql.close_attempt,
                        [
                            now,
                            report.extractor,
                            report.llm_calls,
                            report.prompt_tokens,
                            report.completion_tokens,
                            json.dumps(report.notes, ensure_ascii=False),
                            running.attempt_id,
                        ],
                    ),
                    (
                        self.sql.complete_document,
                        [
                            completed,
                            PROGRESS_PERCENTAGE[completed],
                            status_of(completed),
                            now,
                            running.document_id,
                            running.step.running,
                        ],
                    ),
                ],
                # Only the last step's completion waits for the disk (with it, PostgreSQL's in-order log makes all
                # before it durable too). After a database crash an earlier step may be found undone: its results
                # with it, as they share the transaction; the next step's message is then skipped (the document is
                # not at that step) and the reconciler resumes the document where it is.
                wait_for_disk=next_step(running.step) is None,
            )
        running.moved = bool(rows)

    def _fail(self, running: RunningStage, reason: str, *, final: bool) -> None:
        now = self.clock()
        with connection(self.database), self.database.atomic():
            durable(self.database)
            StageAttempt.update(
                finished_at=now,
                outcome="failure" if final else "retry",
                error=reason,
                **self._report_columns(running.report),
            ).where(StageAttempt.id == running.attempt_id).execute()
            if final:
                attempts = "attempt" if running.attempt == 1 else "attempts"
                Document.update(
                    processing_stage=ProcessingStage.ERROR,
                    status=DocumentStatus.ERROR,
                    error_message=f"{running.step.label} failed after {running.attempt} {attempts}: {reason}",
                    last_processed_at=now,
                ).where(
                    Document.id == running.document_id, Document.processing_stage == running.step.running
                ).execute()
        log.log(
            logging.ERROR if final else logging.WARNING,
            "%s of document %s failed (attempt %s, %s): %s",
            running.step.name,
            running.document_id,
            running.attempt,
            "final" if final else "will retry",
            reason,
        )
