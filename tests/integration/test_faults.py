"""Faults with real processes: a worker killed mid-stage, Redis restarted empty, PostgreSQL restarted, two workers
with one killed. Each time every accepted document ends all_completed, with one copy of every result."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import psycopg2
import pytest
import requests

from ..support import BROKERS, EXAMPLES_DIR, PrivatePostgres, PrivateRedis, Stack, wait_until

pytestmark = pytest.mark.integration

SAMPLES = [path.read_text(encoding="utf-8") for path in sorted(EXAMPLES_DIR.glob("*.txt"))]
# Short leases and reconciliation so recovery happens within the test's patience.
FAST_RECOVERY = {"ILLUSTRA_LEASE_S": "1", "ILLUSTRA_RECONCILE_AFTER_S": "2", "STAGE_MAX_BACKOFF_S": "0.5"}


def assert_one_copy_of_everything(stack: Stack, document_ids: list[int]) -> None:
    for document_id in document_ids:
        assert stack.status(document_id)["processing_stage"] == "all_completed"
    ids = tuple(document_ids)
    rows = stack.database.execute(
        "SELECT document_id, count(*), count(DISTINCT policy_year) FROM value_table_rows WHERE document_id IN %s"
        " GROUP BY document_id",
        (ids,),
    )
    assert len(rows) == len(ids) and all(total == distinct for _, total, distinct in rows)
    successes = stack.database.execute(
        "SELECT document_id, stage, count(*) FROM stage_attempts WHERE outcome = 'success' AND document_id IN %s"
        " GROUP BY document_id, stage",
        (ids,),
    )
    assert len(successes) == 3 * len(ids) and all(count == 1 for *_, count in successes), successes


@pytest.fixture(params=sorted(BROKERS))
def fault_stack(tmp_path, request) -> Iterator[Stack]:
    running = Stack(tmp_path, {**FAST_RECOVERY, **BROKERS[request.param]}).start()
    try:
        yield running
    finally:
        running.stop()


def kill_the_worker_mid_stage(stack: Stack, text: str) -> int:
    """Submit ``text``, hold a lock its first stage needs so the stage is surely running, SIGKILL the extractor,
    then start a new one; returns the document's id."""
    blocker = psycopg2.connect(stack.database.url)
    blocker.cursor().execute("LOCK TABLE basic_info_results IN ACCESS EXCLUSIVE MODE")
    try:
        document_id = stack.submit(text)
        wait_until(
            lambda: stack.database.execute(
                "SELECT 1 FROM stage_attempts WHERE document_id = %s AND outcome = 'running'", (document_id,)
            ),
            20,
            "the basic-info stage to start",
        )
        stack.stop_process("extractor", signal.SIGKILL)
        # The killed worker's statements still wait for the lock until the server finds its client gone.
        wait_until(
            lambda: (
                not stack.database.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ),
            20,
            "the server to end the killed worker's statements",
        )
    finally:
        blocker.rollback()
        blocker.close()
    stack.start_extractor()
    return document_id


def test_a_worker_killed_mid_stage_loses_nothing(fault_stack: Stack) -> None:
    stack = fault_stack
    document_id = kill_the_worker_mid_stage(stack, SAMPLES[0])
    assert stack.wait_finished(document_id, timeout=60)["processing_stage"] == "all_completed"
    attempts = stack.document(document_id)["stage_attempts"]
    assert attempts[0]["outcome"] == "abandoned" and attempts[0]["stage"] == "basic_info"
    assert_one_copy_of_everything(stack, [document_id])


def test_two_workers_one_killed_while_busy(fault_stack: Stack) -> None:
    stack = fault_stack
    stack.start_extractor("second-extractor")
    ids = [stack.submit(SAMPLES[i % len(SAMPLES)]) for i in range(30)]
    wait_until(
        lambda: stack.database.execute("SELECT count(*) FROM stage_attempts")[0][0] >= 10, 30, "work to begin"
    )
    stack.stop_process("second-extractor", signal.SIGKILL)
    for document_id in ids:
        stack.wait_finished(document_id, timeout=90)
    assert_one_copy_of_everything(stack, ids)


def test_redis_restarted_empty_loses_no_accepted_document(tmp_path) -> None:
    private_redis = PrivateRedis().start()
    stack = Stack(tmp_path, FAST_RECOVERY, redis_url=private_redis.url).start()
    try:
        stack.stop_process("extractor")
        ids = [stack.submit(text) for text in SAMPLES]
        private_redis.restart_empty()  # the queued messages are gone
        stack.start_extractor()
        for document_id in ids:
            stack.wait_finished(document_id, timeout=60)
        assert_one_copy_of_everything(stack, ids)
    finally:
        stack.stop()
        private_redis.stop()


def test_postgres_restarted_under_load_loses_nothing(tmp_path) -> None:
    postgres = PrivatePostgres().start()
    stack = Stack(tmp_path, FAST_RECOVERY, postgres_admin_url=postgres.admin_url).start()
    try:
        ids = [stack.submit(SAMPLES[i % len(SAMPLES)]) for i in range(10)]
        postgres.restart()
        # While it was down the gateway answered 503; now it accepts again.
        ids += [
            wait_until(lambda text=text: _submit_when_up(stack, text), 30, "the gateway to accept again")
            for text in SAMPLES
        ]
        for document_id in ids:
            stack.wait_finished(document_id, timeout=90)
        assert_one_copy_of_everything(stack, ids)
    finally:
        stack.stop_all()
        postgres.remove()


def _submit_when_up(stack: Stack, text: str) -> int | None:
    answer = requests.post(
        f"{stack.origin}/api/ocr/save/",
        json={"file_name": "x.txt", "ocr_content": text, "user_id": 1},
        timeout=10,
    )
    return answer.json()["document_id"] if answer.status_code == 200 else None
