"""``illustra queue`` shows what the broker holds with its documents; ``illustra queue redrive`` sends dead
letters back and their documents finish."""

from __future__ import annotations

import json
import subprocess

import pytest

from ..support import EXAMPLES_DIR, Stack, illustra, wait_until

pytestmark = pytest.mark.integration

SAMPLE = (EXAMPLES_DIR / "cn_annuity.txt").read_text(encoding="utf-8")


def run_queue(stack: Stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(illustra("queue", *args), env=stack.env, capture_output=True, text=True, timeout=60)


def queue_report(stack: Stack, queue: str = "") -> dict:
    """The states of the main queue, or of the one named by its suffix (``.bulk``)."""
    result = run_queue(stack, "--json")
    assert result.returncode == 0, result.stderr
    reports = {report["queue"]: report["states"] for report in json.loads(result.stdout)}
    assert set(reports) == {stack.queue, f"{stack.queue}.bulk"}
    return reports[stack.queue + queue]


def test_queue_shows_waiting_and_dead_letters_and_redrive_finishes_them(tmp_path) -> None:
    stack = Stack(tmp_path).start()
    try:
        stack.stop_process("extractor")
        waiting = [stack.submit(SAMPLE), stack.submit(SAMPLE)]
        report = queue_report(stack)
        assert report["waiting"]["count"] == 2 and sorted(report["waiting"]["documents"]) == waiting
        assert report["waiting"]["actors"] == {"extract_basic_info": 2}

        stack.database.execute("ALTER TABLE summary_results RENAME TO summary_results_away")
        stack.start_extractor()
        failed = stack.submit(SAMPLE)
        for document_id in [*waiting, failed]:
            assert stack.wait_finished(document_id)["processing_stage"] == "error"
        dead = wait_until(lambda: queue_report(stack)["dead"], 10, "the dead letters to be listed")
        assert dead["count"] == 3 and sorted(dead["documents"]) == sorted([*waiting, failed])
        assert dead["actors"] == {"extract_summary": 3}

        stack.database.execute("ALTER TABLE summary_results_away RENAME TO summary_results")
        dry = run_queue(stack, "redrive", "--dry-run")
        assert dry.stdout.count("would be sent back") == 3 and queue_report(stack)["dead"]["count"] == 3
        redriven = run_queue(stack, "redrive", "--document", str(failed))
        assert redriven.returncode == 0 and "sent back to summary" in redriven.stdout
        assert stack.wait_finished(failed)["processing_stage"] == "all_completed"
        assert queue_report(stack)["dead"]["count"] == 2
        assert stack.status(waiting[0])["processing_stage"] == "error"  # not asked for: left alone
    finally:
        stack.stop()


def test_the_bulk_queue_is_shown_and_its_dead_letters_go_back_to_it(tmp_path) -> None:
    stack = Stack(tmp_path, {"ILLUSTRA_BULK_AFTER": "1"}).start()
    try:
        stack.stop_process("extractor")
        first, backlog = stack.submit(SAMPLE, user_id=5), stack.submit(SAMPLE, user_id=5)
        assert queue_report(stack)["waiting"]["documents"] == [first]
        assert queue_report(stack, ".bulk")["waiting"]["documents"] == [backlog]
        assert f"queue {stack.queue}.bulk" in run_queue(stack).stdout

        stack.database.execute("ALTER TABLE basic_info_results RENAME TO basic_info_results_away")
        stack.start_extractor()
        for document_id in (first, backlog):
            assert stack.wait_finished(document_id)["processing_stage"] == "error"
        dead = wait_until(
            lambda: queue_report(stack, ".bulk")["dead"], 10, "the bulk dead letter to be listed"
        )
        assert dead["documents"] == [backlog] and queue_report(stack)["dead"]["documents"] == [first]

        stack.database.execute("ALTER TABLE basic_info_results_away RENAME TO basic_info_results")
        stack.stop_process("extractor")
        redriven = run_queue(stack, "redrive", "--document", str(backlog))
        assert redriven.returncode == 0 and "sent back to basic_info" in redriven.stdout
        bulk = queue_report(stack, ".bulk")
        assert bulk["waiting"]["documents"] == [backlog] and bulk["dead"]["count"] == 0
        stack.start_extractor()
        assert stack.wait_finished(backlog)["processing_stage"] == "all_completed"
    finally:
        stack.stop()
