"""Stages that fail: retried with backoff, then ``error`` with a message a person can read; later stages never
run; a stage past its time limit ends in error while the worker goes on serving."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg2
import pytest

from ..support import BROKERS, EXAMPLES_DIR, Stack, wait_until

pytestmark = pytest.mark.integration

SAMPLE = (EXAMPLES_DIR / "en_wealth_builder.txt").read_text(encoding="utf-8")


@pytest.fixture
def own_stack(tmp_path, request) -> Iterator[Stack]:
    running = Stack(tmp_path, getattr(request, "param", None)).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize("own_stack", list(BROKERS.values()), ids=list(BROKERS), indirect=True)
def test_a_stage_that_keeps_failing_is_retried_twice_then_the_document_is_error(own_stack: Stack) -> None:
    # A real fault, not a switch in the code: the table stage's table is gone from the database.
    own_stack.database.execute("DROP TABLE value_table_rows")
    document_id = own_stack.submit(SAMPLE)

    status = own_stack.wait_finished(document_id)
    assert status["processing_stage"] == "error" and status["status"] == "error"
    assert status["progress_percentage"] == 50  # it failed while extracting the table
    assert status["error_message"].startswith("value table failed after 3 attempts: ")
    assert "value_table_rows" in status["error_message"]

    data = own_stack.document(document_id)
    assert [(a["stage"], a["attempt"], a["outcome"]) for a in data["stage_attempts"]] == [
        ("basic_info", 1, "success"),
        ("value_table", 1, "retry"),
        ("value_table", 2, "retry"),
        ("value_table", 3, "failure"),
    ]
    assert all("value_table_rows" in a["error"] for a in data["stage_attempts"][1:])
    assert data["basic_info"]["insured_name"] == "CHAN TAI MAN"  # what the first stage stored is kept
    assert data["summary"] is None


@pytest.mark.parametrize(
    "own_stack",
    [{"STAGE_SOFT_TIME_LIMIT_S": "1", "STAGE_HARD_TIME_LIMIT_S": "2", **env} for env in BROKERS.values()],
    ids=list(BROKERS),
    indirect=True,
)
def test_a_stage_past_its_time_limit_is_error_and_the_worker_goes_on(own_stack: Stack) -> None:
    # Hold a lock the basic-info stage needs, so it blocks inside the database driver where the soft limit
    # cannot reach it: only the hard limit can end it.
    blocker = psycopg2.connect(own_stack.database.url)
    cursor = blocker.cursor()
    cursor.execute("LOCK TABLE basic_info_results IN ACCESS EXCLUSIVE MODE")
    released = threading.Event()
    try:
        stuck = own_stack.submit(SAMPLE)
        status = own_stack.wait_finished(stuck, timeout=30)
        assert status["processing_stage"] == "error"
        assert "did not finish within the hard time limit of 2 s" in status["error_message"]
    finally:
        blocker.rollback()
        blocker.close()
        released.set()

    # The stuck thread wakes when the lock goes; the worker serves the next document to the end, and the
    # stuck one stays in error rather than moving on.
    after = own_stack.submit(SAMPLE)
    assert own_stack.wait_finished(after)["processing_stage"] == "all_completed"
    wait_until(
        lambda: own_stack.document(stuck)["stage_attempts"][0]["outcome"] == "failure",
        10,
        "the attempt to close",
    )
    assert own_stack.status(stuck)["processing_stage"] == "error"
