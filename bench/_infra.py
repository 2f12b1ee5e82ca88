"""What the benchmarks share: throwaway PostgreSQL databases, service processes in their own process groups,
readiness checks, the corpus, percentiles, and cleanup that also runs on Ctrl-C and SIGTERM."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psycopg2
from psycopg2 import sql

# The project root, for what the benches share with the tests.
sys.path.append(str(Path(__file__).resolve().parent.parent))
from tests.support import free_port as free_port

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
DEFAULT_CORPUS = PROJECT_DIR.parent / "shared" / "corpus" / "dev.jsonl"
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def raise_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt, so that the same cleanup runs as on Ctrl-C."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def load_corpus(path: Path) -> list[dict[str, Any]]:
    """The corpus documents as save-request bodies (file name and OCR text)."""
    documents = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not documents:
        raise SystemExit(f"no documents in {path}")
    return [{"file_name": doc["file_name"], "ocr_content": doc["ocr_content"]} for doc in documents]


def save_bodies(corpus: Sequence[dict[str, Any]], count: int) -> list[bytes]:
    """``count`` encoded save bodies, cycling through the corpus, for users 1..50."""
    return [
        json.dumps({**corpus[i % len(corpus)], "user_id": 1 + i % 50}, ensure_ascii=False).encode()
        for i in range(count)
    ]


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


def median_range(values: Sequence[float], fmt: str = "{:.1f}") -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return fmt.format(values[0])
    return f"{fmt.format(statistics.median(values))} [{fmt.format(min(values))}-{fmt.format(max(values))}]"


class ThrowawayDatabase:
    """A PostgreSQL database created for one run and dropped (with its connections) after it."""

    def __init__(self, prefix: str) -> None:
        self.name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.url = f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{self.name}"
        self._connection: Any = None

    def _admin(self, statement: sql.Composable) -> None:
        connection = psycopg2.connect(POSTGRES_ADMIN_URL)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    def create(self) -> ThrowawayDatabase:
        self._admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        return self

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Run one read on the bench's own (kept) connection."""
        if self._connection is None:
            self._connection = psycopg2.connect(self.url)
            self._connection.autocommit = True
        with self._connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall()

    def drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self._admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))


class ProcessGroups:
    """Service processes, each leading its own process group (so Ctrl-C reaches only the bench, which then stops
    them), with their output in a temporary log folder."""

    def __init__(self, label: str) -> None:
        self.log_dir = Path(tempfile.mkdtemp(prefix=f"bench-{label}-"))
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], env: dict[str, str], cwd: Path = PROJECT_DIR) -> int:
        with open(self.log_dir / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes[name] = process
        return process.pid

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")

    def stop_all(self, timeout: float = 20) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(
                ProcessLookupError
            ):  # whatever is left of the group, the leader included
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.processes.clear()


def wait_until(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout:g} s waiting for {what}")


def http_answers(url: str, expect_ok: bool = True) -> bool:
    """Whether ``url`` answers (with 200 when ``expect_ok``, with anything otherwise)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200 or not expect_ok
    except urllib.error.HTTPError:
        return not expect_ok
    except OSError:
        return False


def rss_kib(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) of a process in KiB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    tree = [pid]
    for child in children(pid):
        tree.extend(process_tree(child))
    return tree


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used (0 once it is gone), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime, stime


def machine_cpu_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, from /proc/stat."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return sum(ticks) - idle, sum(ticks)


def bench_module_command(python: str, module: str, *args: str) -> list[str]:
    """``python -m module args`` with bench/ importable but LAST on sys.path, where bench/http.py cannot shadow
    the standard library's http (run it from a folder without such a module, as the project root)."""
    code = (
        f"import runpy, sys; sys.path.append({str(BENCH_DIR)!r}); "
        f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)"
    )
    return [python, "-c", code, *args]


def anonymous_kib(pid: int) -> int:
    """The part of a process's RSS that is anonymous memory (its heap and stacks, not mapped files), in KiB."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Anonymous:"):
            return int(line.split()[1])
    raise KeyError("Anonymous")
