"""``illustra queue`` shows what the broker holds with its documents; ``illustra queue redrive`` sends dead
letters back and their documents finish."""

from __future__ import annotations

import json
import subprocess

import pytest

from ..support import EXAMPLES_DIR, Stack, illustra, wait_until

pytestmark = pytest.mark.integration

SAMPLE = (EXAMPLES_DIR / "cn_annuity.txt").read_text(encoding="utf-8")


def queue_report(stack: Stack) -> dict:
    result = subprocess.run(
        illustra("queue", "--json"), env=stack.env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["states"]


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
        dry = subprocess.run(
            illustra("queue", "redrive", "--dry-run"), env=stack.env, capture_output=True, text=True
        )
        assert dry.stdout.count("would be sent back") == 3 and queue_report(stack)["dead"]["count"] == 3
        redriven = subprocess.run(
            illustra("queue", "redrive", "--document", str(failed)),
            env=stack.env,
            capture_output=True,
            text=True,
        )
        assert redriven.returncode == 0 and "sent back to summary" in redriven.stdout
        assert stack.wait_finished(failed)["processing_stage"] == "all_completed"
        assert queue_report(stack)["dead"]["count"] == 2
        assert stack.status(waiting[0])["processing_stage"] == "error"  # not asked for: left alone
    finally:
        stack.stop()
