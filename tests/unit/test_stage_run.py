"""The document lifecycle and the stage run, in process: the extractor's broker on Dramatiq's StubBroker with a real
Worker, SQLite for the database (Dramatiq's own test idiom: a stub broker, a stub worker, ``broker.join``). The same
behaviour with real processes on PostgreSQL and Redis is in tests/integration (test_pipeline, test_failures,
test_faults)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import datetime

import dramatiq
import pytest
from dramatiq.common import dq_name
from falcon import testing
from prometheus_client import REGISTRY

from illustra_extractor.engines.rules import RulesEngine
from illustra_extractor.extraction.types import BasicInfo
from illustra_extractor.worker import create_worker_broker
from illustra_gateway.app import create_app as create_gateway_app
from illustra_shared.database import open_database
from illustra_shared.errors import NotInError, QuotaExceeded, StageFailed
from illustra_shared.lifecycle import Lifecycle, StageReport
from illustra_shared.migrate import migrate
from illustra_shared.models import Document, StageAttempt, utcnow
from illustra_shared.pipeline import Pipeline
from illustra_shared.settings import Settings
from illustra_shared.stages import STEPS, ProcessingStage

from ..support import wait_until

TEXT = "受保人:陳大文 性別:男 年齡:35 年繳保費:HKD 12,000"
FIRST, SECOND, LAST = STEPS

SETTINGS = Settings.from_env(
    {
        "ILLUSTRA_ENV": "test",
        "BROKER_URL": "stub://",
        "EXTRACTOR_MODE": "rules",
        "STAGE_MAX_RETRIES": "2",
        "STAGE_MIN_BACKOFF_S": "0.01",
        "STAGE_MAX_BACKOFF_S": "0.05",
        "STAGE_SOFT_TIME_LIMIT_S": "0.5",
        "STAGE_HARD_TIME_LIMIT_S": "0.5",
        "ILLUSTRA_QUOTA_DOCUMENTS": "3",
    }
)


class ScriptedEngine(RulesEngine):
    """The rules engine, but for the failures scripted for its stages (raised in order, one a call), and a stage
    that can be made to hang until released."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: dict[str, list[BaseException]] = {"basic_info": [], "value_table": [], "summary": []}
        self.hang: threading.Event | None = None
        self.calls: list[str] = []

    def _enter(self, stage: str, report: StageReport) -> None:
        self.calls.append(stage)
        report.note(f"{stage} call {self.calls.count(stage)}")
        if self.hang is not None:
            self.hang.wait(10)  # blocking in C: the soft time limit cannot interrupt it
        if self.failures[stage]:
            raise self.failures[stage].pop(0)

    def basic_info(self, text: str, report: StageReport) -> BasicInfo:
        self._enter("basic_info", report)
        return super().basic_info(text, report)

    def value_table(self, text, basic, report):
        self._enter("value_table", report)
        return super().value_table(text, basic, report)

    def summary(self, text, basic, table, report):
        self._enter("summary", report)
        return super().summary(text, basic, table, report)


class Stack:
    def __init__(self, tmp_path) -> None:
        self.database = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
        migrate(self.database)
        self.engine = ScriptedEngine()
        self.broker = create_worker_broker(SETTINGS, database=self.database, engine=self.engine)
        self.lifecycle = Lifecycle(self.database, SETTINGS, utcnow)
        self.pipeline = Pipeline(self.broker, SETTINGS)
        self.worker = dramatiq.Worker(self.broker, worker_timeout=100)

    def submit(self, user_id: int = 1) -> int:
        created = self.lifecycle.create(user_id, "a.pdf", TEXT)
        self.pipeline.start(created.document_id, created.unfinished_before)
        return created.document_id

    def join(self) -> None:
        """Wait until every message is handled. A retry goes through the worker's delay queue back to the queue,
        possibly after ``broker.join`` saw the queue empty: joined again until the queue and its delay queue stay
        empty."""
        queues = [self.broker.queues[name] for name in (SETTINGS.queue_name, dq_name(SETTINGS.queue_name))]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self.broker.join(SETTINGS.queue_name, fail_fast=False, timeout=20_000)
            self.worker.join()
            if not any(queue.unfinished_tasks for queue in queues):
                return
        raise AssertionError("the messages were not all handled within 30 s")

    def document(self, document_id: int) -> Document:
        with self.database.connection_context():
            return Document.get_by_id(document_id)

    def attempts(self, document_id: int) -> list[tuple[str, int, str, str | None]]:
        with self.database.connection_context():
            return [
                (a.stage, a.attempt, a.outcome, a.error)
                for a in StageAttempt.select()
                .where(StageAttempt.document == document_id)
                .order_by(StageAttempt.id)
            ]

    def dead_letters(self) -> list[str]:
        return [message.actor_name for message in self.broker.dead_letters]


@pytest.fixture
def stack(tmp_path) -> Iterator[Stack]:
    running = Stack(tmp_path)
    running.worker.start()
    try:
        yield running
    finally:
        running.worker.stop()
        running.broker.close()
        running.database.close()


def test_a_document_goes_through_every_stage_to_all_completed(stack: Stack) -> None:
    document_id = stack.submit()
    stack.join()
    document = stack.document(document_id)
    assert (document.processing_stage, document.progress_percentage, document.status) == (
        ProcessingStage.ALL_COMPLETED,
        100,
        "completed",
    )
    assert document.error_message is None
    assert stack.attempts(document_id) == [(step.name, 1, "success", None) for step in STEPS]
    assert stack.engine.calls == ["basic_info", "value_table", "summary"]


def test_a_failed_stage_is_retried_and_then_succeeds(stack: Stack) -> None:
    stack.engine.failures["value_table"].append(RuntimeError("flaky\nsecond line"))
    document_id = stack.submit()
    stack.join()
    assert stack.document(document_id).processing_stage == ProcessingStage.ALL_COMPLETED
    assert stack.attempts(document_id) == [
        (FIRST.name, 1, "success", None),
        (SECOND.name, 1, "retry", "RuntimeError: flaky"),
        (SECOND.name, 2, "success", None),
        (LAST.name, 1, "success", None),
    ]
    assert stack.dead_letters() == []
    with stack.database.connection_context():  # each attempt stored its own report
        attempts = StageAttempt.select().where(StageAttempt.stage == SECOND.name).order_by(StageAttempt.id)
        notes = [attempt.notes for attempt in attempts]
    assert notes == [["value_table call 1"], ["value_table call 2"]]


def _attempts_counted(outcome: str) -> float:
    return (
        REGISTRY.get_sample_value("illustra_stage_attempts_total", {"stage": SECOND.name, "outcome": outcome})
        or 0
    )


def test_a_stage_that_fails_every_retry_puts_its_document_in_error_with_a_readable_message(
    stack: Stack,
) -> None:
    stack.engine.failures["value_table"].extend(RuntimeError("boom") for _ in range(3))
    counted_before = {outcome: _attempts_counted(outcome) for outcome in ("retry", "failure")}
    document_id = stack.submit()
    stack.join()
    assert {outcome: _attempts_counted(outcome) - counted_before[outcome] for outcome in counted_before} == {
        "retry": 2,
        "failure": 1,
    }
    document = stack.document(document_id)
    assert (document.processing_stage, document.status) == (ProcessingStage.ERROR, "error")
    assert document.error_message == "value table failed after 3 attempts: RuntimeError: boom"
    assert [outcome for stage, _, outcome, _ in stack.attempts(document_id) if stage == SECOND.name] == [
        "retry",
        "retry",
        "failure",
    ]
    assert "summary" not in stack.engine.calls  # later stages never run
    assert stack.dead_letters() == [SECOND.actor_name]


def test_a_failure_that_would_fail_again_is_final_at_once(stack: Stack) -> None:
    stack.engine.failures["basic_info"].append(StageFailed("the text is not a proposal"))
    document_id = stack.submit()
    stack.join()
    document = stack.document(document_id)
    assert document.error_message == "basic information failed after 1 attempt: the text is not a proposal"
    assert stack.attempts(document_id) == [(FIRST.name, 1, "failure", "the text is not a proposal")]


def test_a_restart_puts_a_failed_document_back_at_its_failed_step_and_is_refused_for_any_other(
    stack: Stack,
) -> None:
    stack.engine.failures["summary"].append(StageFailed("no plan summary"))
    document_id = stack.submit()
    stack.join()
    with stack.database.connection_context():
        restart = stack.lifecycle.restart_failed(document_id, owner=None)
    assert restart.step == LAST and restart.error_message.endswith("no plan summary")
    assert stack.document(document_id).processing_stage == SECOND.completed  # its earlier results stay
    stack.pipeline.enqueue(restart.step, document_id)
    stack.join()
    assert stack.document(document_id).processing_stage == ProcessingStage.ALL_COMPLETED
    assert stack.engine.calls == ["basic_info", "value_table", "summary", "summary"]

    with (
        stack.database.connection_context(),
        pytest.raises(NotInError, match="is at all_completed, not in error"),
    ):
        stack.lifecycle.restart_failed(document_id, owner=None)


def test_undoing_a_restart_puts_the_document_back_in_its_error(stack: Stack) -> None:
    stack.engine.failures["basic_info"].append(StageFailed("unreadable"))
    document_id = stack.submit()
    stack.join()
    with stack.database.connection_context():
        restart = stack.lifecycle.restart_failed(document_id, owner=None)
        assert Document.get_by_id(document_id).processing_stage == ProcessingStage.PENDING
        stack.lifecycle.undo_restart(restart)
    document = stack.document(document_id)
    assert (document.processing_stage, document.error_message) == (
        ProcessingStage.ERROR,
        "basic information failed after 1 attempt: unreadable",
    )


def test_a_redelivered_message_for_a_stage_behind_the_document_is_skipped(stack: Stack, caplog) -> None:
    caplog.set_level(logging.INFO, logger="illustra_shared.lifecycle")
    document_id = stack.submit()
    stack.join()
    stack.pipeline.enqueue(FIRST, document_id)  # a duplicate, as a broker may redeliver
    stack.join()
    assert stack.document(document_id).processing_stage == ProcessingStage.ALL_COMPLETED
    assert len(stack.attempts(document_id)) == 3  # no attempt opened
    assert stack.engine.calls.count("basic_info") == 1
    assert stack.dead_letters() == []
    assert f"skipping extract_basic_info of document {document_id}: it is not at this step" in caplog.text


def test_a_message_for_a_stage_a_live_worker_runs_is_skipped(stack: Stack, caplog) -> None:
    caplog.set_level(logging.INFO, logger="illustra_shared.lifecycle")
    with stack.database.connection_context():
        created = stack.lifecycle.create(1, "a.pdf", TEXT)
        StageAttempt.create(
            document=created.document_id,
            stage=FIRST.name,
            attempt=1,
            outcome="running",
            heartbeat_at=utcnow(),
        )
        Document.update(processing_stage=FIRST.running).where(Document.id == created.document_id).execute()
    stack.pipeline.start(created.document_id, 0)
    stack.join()
    assert stack.engine.calls == []
    assert stack.attempts(created.document_id) == [(FIRST.name, 1, "running", None)]
    assert f"of document {created.document_id}: a live worker runs it" in caplog.text


def test_a_stage_its_workers_died_in_too_often_is_set_aside_as_poison(stack: Stack) -> None:
    with stack.database.connection_context():
        created = stack.lifecycle.create(1, "a.pdf", TEXT)
        for number in range(1, SETTINGS.stage_max_abandoned):
            StageAttempt.create(
                document=created.document_id, stage=FIRST.name, attempt=number, outcome="abandoned"
            )
        # The last worker that ran it died too: its attempt still runs, its lease ran out.
        StageAttempt.create(
            document=created.document_id,
            stage=FIRST.name,
            attempt=SETTINGS.stage_max_abandoned,
            outcome="running",
            heartbeat_at=datetime(2000, 1, 1),
        )
        Document.update(processing_stage=FIRST.running).where(Document.id == created.document_id).execute()
    stack.pipeline.start(created.document_id, 0)
    stack.join()
    document = stack.document(created.document_id)
    assert document.processing_stage == ProcessingStage.ERROR
    assert document.error_message == (
        "basic information failed: its worker stopped while running it 3 times;"
        " the document is set aside so that it stops no more workers"
    )
    assert stack.engine.calls == []
    assert stack.dead_letters() == [FIRST.actor_name]


def test_a_running_attempt_whose_lease_ran_out_is_abandoned_and_the_stage_runs_again(stack: Stack) -> None:
    with stack.database.connection_context():
        created = stack.lifecycle.create(1, "a.pdf", TEXT)
        long_ago = datetime(2000, 1, 1)
        StageAttempt.create(
            document=created.document_id,
            stage=FIRST.name,
            attempt=1,
            outcome="running",
            heartbeat_at=long_ago,
        )
        Document.update(processing_stage=FIRST.running).where(Document.id == created.document_id).execute()
    stack.pipeline.start(created.document_id, 0)
    stack.join()
    assert stack.document(created.document_id).processing_stage == ProcessingStage.ALL_COMPLETED
    assert stack.attempts(created.document_id)[:2] == [
        (FIRST.name, 1, "abandoned", "its worker stopped before the stage ended"),
        (FIRST.name, 1, "success", None),
    ]


def test_a_stage_stuck_past_the_hard_time_limit_fails_its_document_and_its_late_end_changes_nothing(
    stack: Stack,
) -> None:
    stack.engine.hang = threading.Event()
    document_id = stack.submit()
    try:
        failed = wait_until(
            lambda: stack.document(document_id).error_message, 10, "the hard time limit to fail the document"
        )
    finally:
        stack.engine.hang.set()
    assert failed == (
        "basic information failed after 1 attempt: basic information did not finish within the hard time limit"
        " of 0.5 s"
    )
    stack.join()
    document = stack.document(document_id)
    assert document.processing_stage == ProcessingStage.ERROR and document.error_message == failed
    assert stack.engine.calls == ["basic_info"]  # the late end started no next step


def test_a_user_past_the_quota_stores_nothing(stack: Stack) -> None:
    with stack.database.connection_context():
        for _ in range(SETTINGS.quota_documents):
            stack.lifecycle.create(7, "a.pdf", TEXT)
        with pytest.raises(QuotaExceeded, match="at most 3 documents"):
            stack.lifecycle.create(7, "a.pdf", TEXT)
        assert Document.select().where(Document.user_id == 7).count() == 3


def test_the_gateway_answers_a_refused_restart_with_409_and_a_submission_past_the_quota_with_403(
    stack: Stack,
) -> None:
    gateway = testing.TestClient(create_gateway_app(SETTINGS, database=stack.database, broker=stack.broker))

    def save() -> testing.Result:
        return gateway.simulate_post(
            "/api/ocr/save/", json={"file_name": "a.pdf", "ocr_content": TEXT, "user_id": 8}
        )

    document_id = save().json["document_id"]
    stack.join()
    answer = gateway.simulate_post(f"/api/ocr/documents/{document_id}/retry/")
    assert (answer.status_code, answer.json) == (
        409,
        {
            "status": "error",
            "message": f"document {document_id} is at all_completed, not in error: only a failed document can be"
            " retried",
        },
    )
    assert [save().status_code for _ in range(SETTINGS.quota_documents)] == [200, 200, 403]
    assert save().json["message"].startswith("storage quota reached: at most 3 documents")
