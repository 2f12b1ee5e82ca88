"""The same pipeline on RabbitMQ (BROKER_URL=amqp://…), for deployments that need a clustered broker: documents
complete, a failing stage is retried then error, a worker killed mid-stage loses nothing."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pika
import pytest

from ..support import EXAMPLES_DIR, Stack
from .test_faults import FAST_RECOVERY, assert_one_copy_of_everything, kill_the_worker_mid_stage

pytestmark = pytest.mark.integration

RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
SAMPLES = [path.read_text(encoding="utf-8") for path in sorted(EXAMPLES_DIR.glob("*.txt"))]


@pytest.fixture
def rabbit_stack(tmp_path) -> Iterator[Stack]:
    queue = f"illustra-test-{uuid.uuid4().hex[:8]}"
    running = Stack(tmp_path, {**FAST_RECOVERY, "BROKER_URL": RABBITMQ_URL, "ILLUSTRA_QUEUE": queue}).start()
    try:
        yield running
    finally:
        running.stop()
        connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
        channel = connection.channel()
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            channel.queue_delete(name)
        connection.close()


def test_documents_complete_on_rabbitmq(rabbit_stack: Stack) -> None:
    ids = [rabbit_stack.submit(text) for text in SAMPLES * 3]
    for document_id in ids:
        assert rabbit_stack.wait_finished(document_id)["processing_stage"] == "all_completed"
    assert_one_copy_of_everything(rabbit_stack, ids)
    ready = rabbit_stack.status(ids[0])
    assert ready["progress_percentage"] == 100


def test_a_failing_stage_is_retried_then_error_on_rabbitmq(rabbit_stack: Stack) -> None:
    rabbit_stack.database.execute("ALTER TABLE summary_results RENAME TO summary_results_away")
    document_id = rabbit_stack.submit(SAMPLES[0])
    status = rabbit_stack.wait_finished(document_id)
    assert status["processing_stage"] == "error"
    assert status["error_message"].startswith("plan summary failed after 3 attempts: ")


def test_a_worker_killed_mid_stage_loses_nothing_on_rabbitmq(rabbit_stack: Stack) -> None:
    document_id = kill_the_worker_mid_stage(rabbit_stack, SAMPLES[1])
    assert rabbit_stack.wait_finished(document_id, timeout=60)["processing_stage"] == "all_completed"
    assert_one_copy_of_everything(rabbit_stack, [document_id])
