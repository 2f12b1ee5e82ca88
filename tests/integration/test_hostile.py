"""Hostile documents through the real stack: one whose extraction runs past its CPU limit, one past the size
limits, sent beside ordinary ones. The hostile ones end in ``error`` with the reason, without retries; the
ordinary ones complete about as fast as without them (measured side by side here). A document whose stage keeps
killing its worker is set aside after STAGE_MAX_ABANDONED tries."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from ..support import EXAMPLES_DIR, Stack, wait_until

pytestmark = pytest.mark.integration

ORDINARY = [path.read_text(encoding="utf-8") for path in sorted(EXAMPLES_DIR.glob("*.txt"))] * 2
# Linear but long: a value table of a million cells takes seconds of CPU, past the stack's 1 s limit below. It
# stands for a pattern that backtracks (none is left to demonstrate with) or any other runaway computation.
RUNAWAY = ORDINARY[0] + "\n保單年度 年齡 保證現金價值\n" + ("1岁 " * 3_000 + "\n") * 600


@pytest.fixture
def stack(tmp_path) -> Iterator[Stack]:
    running = Stack(
        tmp_path,
        {
            "EXTRACT_CPU_LIMIT_S": "1",
            "EXTRACT_MAX_CHARS": "20000000",
            "MAX_BODY_BYTES": "100000000",
            "WORKER_THREADS": "4",
            "ILLUSTRA_RECONCILE_AFTER_S": "1",
        },
    ).start()
    try:
        yield running
    finally:
        running.stop()


def _complete_all(stack: Stack, texts: list[str]) -> float:
    """Seconds from the first submission until every one of ``texts`` has completed."""
    started = time.monotonic()
    ids = [stack.submit(text) for text in texts]
    for document_id in ids:
        assert stack.wait_finished(document_id, timeout=60)["processing_stage"] == "all_completed"
    return time.monotonic() - started


def test_hostile_documents_fail_with_the_reason_while_ordinary_ones_go_on(stack: Stack) -> None:
    _complete_all(stack, ORDINARY[:1])  # the extraction processes are started
    alone = _complete_all(stack, ORDINARY)

    runaway = stack.submit(RUNAWAY)
    too_long = stack.submit("x" * 200_000)
    beside = _complete_all(stack, ORDINARY)

    refused = stack.wait_finished(too_long)
    assert refused["processing_stage"] == "error"
    assert (
        "a line of 200,000 characters, more than the 100,000 extraction accepts" in refused["error_message"]
    )
    stopped = stack.wait_finished(runaway, timeout=60)
    assert stopped["processing_stage"] == "error"
    assert "more than its 1 s of CPU time and was stopped" in stopped["error_message"]
    attempts = [(a["stage"], a["outcome"]) for a in stack.document(runaway)["stage_attempts"]]
    assert attempts == [("basic_info", "success"), ("value_table", "failure")]  # not retried
    print(f"ordinary documents: {alone:.2f} s alone, {beside:.2f} s beside the hostile ones")
    # The runaway takes a core for its second while the ordinary ones run: slower, never stalled behind it.
    assert beside < max(3 * alone, alone + 5)


def test_a_document_that_keeps_killing_its_worker_is_set_aside(stack: Stack) -> None:
    # Three attempts of the table stage abandoned (their workers died), the document idle since.
    rows = stack.database.execute(
        "INSERT INTO documents (user_id, file_name, ocr_content, content_sha256, processing_stage,"
        " progress_percentage, status, created_at, last_processed_at)"
        " VALUES (1, 'poison.txt', 'x', '', 'extracting_table', 50, 'processing', now(), now() - interval '1 hour')"
        " RETURNING id"
    )
    document_id = rows[0][0]
    for attempt in (1, 1, 1):
        stack.database.execute(
            "INSERT INTO stage_attempts (document_id, stage, attempt, started_at, heartbeat_at, outcome)"
            " VALUES (%s, 'value_table', %s, now() - interval '1 hour', now() - interval '1 hour', 'abandoned')",
            (document_id, attempt),
        )

    status = wait_until(
        lambda: (data := stack.status(document_id))["processing_stage"] == "error" and data,
        30,
        "the reconciler to set the poison document aside",
    )
    assert "its worker stopped while running it 3 times" in status["error_message"]
    # It was not sent to a worker again.
    assert len(stack.document(document_id)["stage_attempts"]) == 3
