"""``illustra up`` / ``down`` (what ``make up`` and ``make down`` run) and ``illustra demo``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import requests

from ..support import ThrowawayDatabase, free_port, illustra, wait_until

pytestmark = pytest.mark.integration


def test_up_starts_the_stack_once_and_down_stops_only_what_it_started(tmp_path) -> None:
    database = ThrowawayDatabase()  # up creates it, as it would the default database on a fresh machine
    ports = {
        "ILLUSTRA_PORT": free_port(),
        "ILLUSTRA_GATEWAY_PORT": free_port(),
        "ILLUSTRA_STATUS_PORT": free_port(),
    }
    env = {
        **os.environ,
        **{k: str(v) for k, v in ports.items()},
        "ILLUSTRA_RUN_DIR": str(tmp_path),
        "DATABASE_URL": database.url,
        "BROKER_NAMESPACE": f"illustra-test-up-{database.name}",
        "WORKER_PROCESSES": "1",
        "WEB_WORKERS": "1",
    }
    bystander = subprocess.Popen(["sleep", "300"])
    try:
        first = subprocess.run(illustra("up"), env=env, capture_output=True, text=True, timeout=120)
        assert first.returncode == 0, first.stdout + first.stderr
        pids = {
            name: (tmp_path / f"{name}.pid").read_text().strip()
            for name in ("gateway", "status", "extractor", "edge")
        }

        origin = f"http://127.0.0.1:{ports['ILLUSTRA_PORT']}"
        answer = requests.post(
            origin + "/api/ocr/save/",
            json={"file_name": "x.txt", "ocr_content": "受保人:陳大文", "user_id": 3},
            timeout=10,
        )
        document_id = answer.json()["document_id"]
        wait_until(
            lambda: (
                requests.get(f"{origin}/api/ocr/documents/{document_id}/status/", timeout=5).json()["data"][
                    "processing_stage"
                ]
                == "all_completed"
            ),
            30,
            "the document to complete through the one origin",
        )

        again = subprocess.run(illustra("up"), env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0 and again.stdout.count("already running") == 4, again.stdout
        assert pids == {name: (tmp_path / f"{name}.pid").read_text().strip() for name in pids}
    finally:
        stopped = subprocess.run(illustra("down"), env=env, capture_output=True, text=True, timeout=120)
        database.drop()
    assert stopped.returncode == 0
    assert not list(tmp_path.glob("*.pid"))
    for pid in pids.values():
        status_file = Path(f"/proc/{pid}/status")
        assert not status_file.exists() or "zombie" in status_file.read_text().lower()
    assert bystander.poll() is None  # not ours: left alone
    bystander.kill()
    bystander.wait()


def test_demo_runs_the_samples_to_the_end_without_redis_or_postgres(tmp_path) -> None:
    env = {**os.environ, "ILLUSTRA_RUN_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:1/0"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        illustra("demo", "--no-serve", "--port", "0"), env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": all_completed") == 3, result.stdout
    assert "黃志強" in result.stdout and "CHAN TAI MAN" in result.stdout
    assert (tmp_path / "demo.sqlite3").exists()
