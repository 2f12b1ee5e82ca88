"""The extractor's process supervisor: recycling after N messages without losing or repeating work, graceful
shutdown on SIGTERM, a crashed process replaced, and a frozen one killed and replaced."""

from __future__ import annotations

import os
import signal
import threading

import psycopg2
import pytest

from ..support import BROKERS, EXAMPLES_DIR, Stack, wait_until
from .test_faults import assert_one_copy_of_everything

pytestmark = pytest.mark.integration

SAMPLES = [path.read_text(encoding="utf-8") for path in sorted(EXAMPLES_DIR.glob("*.txt"))]


@pytest.mark.parametrize("broker", sorted(BROKERS))
def test_a_worker_process_is_recycled_every_n_messages_without_losing_or_repeating_work(
    tmp_path, broker
) -> None:
    stack = Stack(tmp_path, {"WORKER_MAX_MESSAGES": "4", "WORKER_PROCESSES": "1", **BROKERS[broker]}).start()
    try:
        ids = [stack.submit(SAMPLES[i % len(SAMPLES)]) for i in range(8)]
        for document_id in ids:
            stack.wait_finished(document_id, timeout=60)
        assert_one_copy_of_everything(stack, ids)
        log = stack.log("extractor")
        assert log.count("recycled; starting its replacement") >= 3, log[-3000:]
    finally:
        stack.stop()


def test_sigterm_lets_the_running_stage_finish_and_a_crashed_process_is_replaced(tmp_path) -> None:
    stack = Stack(tmp_path, {"WORKER_PROCESSES": "1"}).start()
    try:
        child_pid = int(
            wait_until(
                lambda: _started_pids(stack.log("extractor")),
                20,
                "the supervisor to start its worker process",
            )[-1]
        )
        # A crash of the process (not the supervisor): it is started again and serves.
        os.kill(child_pid, signal.SIGKILL)
        wait_until(lambda: len(_started_pids(stack.log("extractor"))) >= 2, 20, "the process to be replaced")
        assert (
            stack.wait_finished(stack.submit(SAMPLES[0]), timeout=60)["processing_stage"] == "all_completed"
        )

        blocker = psycopg2.connect(stack.database.url)
        blocker.cursor().execute("LOCK TABLE basic_info_results IN ACCESS EXCLUSIVE MODE")
        document_id = stack.submit(SAMPLES[1])
        wait_until(
            lambda: stack.database.execute(
                "SELECT 1 FROM stage_attempts WHERE document_id = %s AND outcome = 'running'", (document_id,)
            ),
            20,
            "the stage to start",
        )
        supervisor = stack.processes["extractor"]
        supervisor.send_signal(signal.SIGTERM)
        # The stage is still held; the worker waits for it rather than dropping it.
        threading.Timer(1.0, lambda: (blocker.rollback(), blocker.close())).start()
        assert supervisor.wait(30) == 0
        data = stack.document(document_id)
        assert data["stage_attempts"][0]["outcome"] == "success"
        assert data["processing_stage"] == "basic_info_completed"
    finally:
        stack.stop()


def test_a_worker_process_that_stops_running_is_killed_and_replaced(tmp_path) -> None:
    stack = Stack(tmp_path, {"WORKER_PROCESSES": "1", "WORKER_STALL_S": "2"}).start()
    try:
        wait_until(lambda: "serving queue" in stack.log("extractor"), 30, "the worker process to serve")
        (child_pid,) = _started_pids(stack.log("extractor"))
        # Stopped, the process is as still as while one of its threads holds the interpreter lock in C code.
        os.kill(int(child_pid), signal.SIGSTOP)
        wait_until(
            lambda: f"extractor process {child_pid} has not run for" in stack.log("extractor"),
            30,
            "the supervisor to kill the stalled process",
        )
        wait_until(lambda: len(_started_pids(stack.log("extractor"))) == 2, 20, "the process to be replaced")
        assert (
            stack.wait_finished(stack.submit(SAMPLES[0]), timeout=60)["processing_stage"] == "all_completed"
        )
    finally:
        stack.stop()


def _started_pids(log: str) -> list[str]:
    return [
        line.split("started extractor process ")[1].split()[0]
        for line in log.splitlines()
        if "started extractor process" in line
    ]
