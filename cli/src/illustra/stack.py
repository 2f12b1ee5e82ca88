"""``illustra up`` / ``illustra down``: the whole stack as background processes on this machine.

Each process leads its own process group; its id goes to ``.run/<name>.pid`` and its output to ``.run/<name>.log``.
``up`` starts only what is not running and returns once the stack answers; ``down`` stops what ``up`` started
(the process groups named in the pid files, if they are still illustra's) and nothing else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Ports:
    edge: int = 8080
    gateway: int = 8001
    status: int = 8002

    @classmethod
    def from_env(cls) -> Ports:
        return cls(
            edge=int(os.environ.get("ILLUSTRA_PORT", cls.edge)),
            gateway=int(os.environ.get("ILLUSTRA_GATEWAY_PORT", cls.gateway)),
            status=int(os.environ.get("ILLUSTRA_STATUS_PORT", cls.status)),
        )


def _commands(ports: Ports) -> dict[str, list[str]]:
    illustra = [sys.executable, "-m", "illustra"]
    return {
        "gateway": [*illustra, "serve", "gateway", "--bind", f"127.0.0.1:{ports.gateway}"],
        "status": [*illustra, "serve", "status", "--bind", f"127.0.0.1:{ports.status}"],
        "extractor": [*illustra, "worker"],
        "edge": [
            *illustra,
            "serve",
            "edge",
            "--bind",
            f"127.0.0.1:{ports.edge}",
            "--gateway",
            f"http://127.0.0.1:{ports.gateway}",
            "--status",
            f"http://127.0.0.1:{ports.status}",
        ],
    }


def _running_pid(pid_file: Path) -> int | None:
    """The pid in ``pid_file`` if that process is alive and is one of ours."""
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"illustra" in cmdline else None


def wait_for_http(url: str, deadline_s: float) -> bool:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def up(run_dir: Path, env: dict[str, str] | None = None, timeout_s: float = 60) -> int:
    run_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ if env is None else env)
    ports = Ports.from_env()
    for name, command in _commands(ports).items():
        pid_file = run_dir / f"{name}.pid"
        if _running_pid(pid_file):
            print(f"{name}: already running (pid {pid_file.read_text().strip()})")
            continue
        with open(run_dir / f"{name}.log", "ab") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        pid_file.write_text(f"{process.pid}\n")
        print(f"{name}: started (pid {process.pid}), log {run_dir / (name + '.log')}")
    urls = [
        f"http://127.0.0.1:{ports.edge}/healthz",
        f"http://127.0.0.1:{ports.status}/healthz",
        f"http://127.0.0.1:{ports.gateway}/readyz",
    ]
    for url in urls:
        if not wait_for_http(url, timeout_s):
            print(
                f"the stack did not answer {url} within {timeout_s:g} s; see {run_dir}/*.log", file=sys.stderr
            )
            return 1
    print(f"illustra is up at http://127.0.0.1:{ports.edge}/")
    return 0


def down(run_dir: Path, timeout_s: float = 30) -> int:
    stopped = []
    for pid_file in sorted(run_dir.glob("*.pid")):
        pid = _running_pid(pid_file)
        if pid is not None:
            try:
                os.killpg(pid, signal.SIGTERM)
                stopped.append((pid_file, pid))
            except ProcessLookupError:
                pass
        else:
            pid_file.unlink(missing_ok=True)
    deadline = time.monotonic() + timeout_s
    for pid_file, pid in stopped:
        while time.monotonic() < deadline and _group_alive(pid):
            time.sleep(0.1)
        if _group_alive(pid):
            os.killpg(pid, signal.SIGKILL)
        pid_file.unlink(missing_ok=True)
        print(f"{pid_file.stem}: stopped")
    return 0


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
