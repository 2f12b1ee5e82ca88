"""``illustra submit | status | get`` as real processes against the real stack."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from ..support import EXAMPLES_DIR, PROJECT_DIR, Stack, free_port, illustra

pytestmark = pytest.mark.integration

SAMPLES = sorted(EXAMPLES_DIR.glob("*.txt"))


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ILLUSTRA_")}
    return subprocess.run(
        illustra(*args),
        env={**environment, **(env or {})},
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_submit_follows_every_sample_to_the_end_and_prints_id_file_and_stage(stack: Stack, tmp_path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    user_id = str(700_000 + uuid.uuid4().int % 100_000)
    files = [str(path.relative_to(PROJECT_DIR)) for path in SAMPLES]
    done = run(
        "submit",
        *files,
        str(empty),
        "--user-id",
        user_id,
        "--poll-interval",
        "0.2",
        env={"ILLUSTRA_URL": stack.origin},
    )

    assert done.returncode == 1, done.stderr  # the empty file was skipped
    assert f"illustra submit: {empty}: empty; skipped" in done.stderr
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    assert [(file, stage) for _, file, stage in lines] == [(file, "all_completed") for file in files]
    for document_id, file, _ in lines:
        # stderr is not a terminal here: one plain line per change
        assert f"{file} (document {document_id}): 100 % completed" in done.stderr
        data = stack.document(int(document_id))
        assert data["user_id"] == int(user_id) and data["file_name"] == os.path.basename(file)
    assert "\x1b[" not in done.stderr

    document_id = lines[-1][0]
    status = run("status", document_id, "--url", stack.origin)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout) == stack.status(int(document_id))

    got = run("get", document_id, "--url", stack.origin)
    assert got.returncode == 0 and json.loads(got.stdout) == stack.document(int(document_id))

    table = run("get", document_id, "--url", stack.origin, "--format", "csv")
    assert table.returncode == 0, table.stderr
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    expected = stack.document(int(document_id))["value_table"]
    assert (
        len(rows) == len(expected)
        and int(rows[1]["total_premiums_paid"]) == expected[1]["total_premiums_paid"]
    )


def test_no_wait_and_the_errors_people_meet(stack: Stack) -> None:
    sample = str(SAMPLES[0])
    queued = run("submit", sample, "--url", stack.origin, "--no-wait")
    assert queued.returncode == 0 and queued.stdout.endswith(f"\t{sample}\tpending\n") and queued.stderr == ""
    stack.wait_finished(int(queued.stdout.split("\t")[0]))

    missing = run("status", "987654321", "--url", stack.origin)
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr.startswith("illustra status: ") and "987654321" in missing.stderr

    nowhere = f"http://127.0.0.1:{free_port()}"
    for args in (("submit", sample), ("status", "1"), ("get", "1")):
        answer = run(*args, "--url", nowhere)
        assert answer.returncode == 3, (args, answer.stderr)
        assert f"cannot reach {nowhere}" in answer.stderr

    usage = run("get", "one", "--url", stack.origin)
    assert usage.returncode == 2 and "usage: illustra get" in usage.stderr


@pytest.fixture
def broken_stack(tmp_path) -> Iterator[Stack]:
    running = Stack(tmp_path).start()
    try:
        running.database.execute("DROP TABLE value_table_rows")  # a real fault: the table stage fails
        yield running
    finally:
        running.stop()


def test_a_document_that_ends_in_error_makes_submit_exit_1(broken_stack: Stack) -> None:
    done = run("submit", str(SAMPLES[0]), "--url", broken_stack.origin, "--poll-interval", "0.2")
    assert done.returncode == 1, done.stderr
    assert done.stdout.endswith(f"\t{SAMPLES[0]}\terror\n")
    assert "failed: value table failed after 3 attempts" in done.stderr
