"""``illustra worker``: keeps ``WORKER_PROCESSES`` extractor processes running, each with ``WORKER_THREADS``
threads. A process that asks to be recycled, or dies, is replaced (Dramatiq's own command stops every process when
one exits, and has no recycling); on SIGTERM every process finishes its stages within the shutdown timeout. A
process whose heartbeat stopped for ``WORKER_STALL_S`` (a thread holds the interpreter lock in C code, so no other
thread runs: not its stages, time limits or lease renewals) is killed, and replaced like one that crashed; its
stages are then abandoned, and a stage abandoned ``STAGE_MAX_ABANDONED`` times fails its document. The supervisor
also serves the metrics of all its processes on ``ILLUSTRA_METRICS_PORT``."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from illustra_shared.metrics_server import (
    MULTIPROC_ENV,
    mark_process_dead,
    prepare_multiprocess_dir,
    start_metrics_server,
)

from .process import EXIT_RECYCLE

log = logging.getLogger("illustra_extractor.supervisor")

# A process that crashes is started again after this pause, so a crash loop does not spin.
_CRASH_PAUSE_S = 1.0


@dataclass
class Child:
    process: subprocess.Popen
    heartbeat: int  # the read end of the pipe the process beats on
    # None until the first beat: a process is watched once it has started.
    last_beat: float | None = None

    def stalled_for(self, now: float) -> float:
        """Seconds since the last beat (0 before the first one)."""
        try:
            if os.read(self.heartbeat, 4096):
                self.last_beat = now
        except BlockingIOError:
            pass
        return 0.0 if self.last_beat is None else now - self.last_beat


class Supervisor:
    def __init__(
        self, processes: int, env: dict[str, str], shutdown_timeout_s: float, stall_s: float
    ) -> None:
        self.processes = processes
        self.env = env
        self.shutdown_timeout_s = shutdown_timeout_s
        self.stall_s = stall_s
        self.children: dict[int, Child] = {}
        self.stopping = False

    def _spawn(self, slot: int) -> None:
        heartbeat, beats = os.pipe()
        os.set_blocking(heartbeat, False)
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "illustra_extractor.process", str(beats)],
                env=self.env,
                pass_fds=(beats,),
            )
        finally:
            os.close(beats)
        self.children[slot] = Child(process, heartbeat)
        log.info("started extractor process %d (slot %d)", process.pid, slot)

    def _on_signal(self, signum: int, frame: object) -> None:
        if not self.stopping:
            log.info("received %s: stopping %d process(es)", signal.Signals(signum).name, len(self.children))
            self.stopping = True
            for child in self.children.values():
                if child.process.poll() is None:
                    child.process.send_signal(signal.SIGTERM)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        for slot in range(self.processes):
            self._spawn(slot)
        deadline = None
        while self.children:
            time.sleep(0.2)
            if self.stopping and deadline is None:
                deadline = time.monotonic() + self.shutdown_timeout_s + 5
            for slot, child in list(self.children.items()):
                code = child.process.poll()
                if code is None:
                    now = time.monotonic()
                    if deadline is not None and now > deadline:
                        log.warning(
                            "extractor process %d did not stop in time; killing it", child.process.pid
                        )
                        child.process.kill()
                    elif (stalled := child.stalled_for(now)) > self.stall_s:
                        log.error(
                            "extractor process %d has not run for %.1f s (a thread holds the interpreter lock);"
                            " killing it",
                            child.process.pid,
                            stalled,
                        )
                        child.process.kill()
                    continue
                del self.children[slot]
                os.close(child.heartbeat)
                mark_process_dead(child.process.pid)
                if self.stopping:
                    continue
                if code == EXIT_RECYCLE:
                    log.info("extractor process %d recycled; starting its replacement", child.process.pid)
                else:
                    log.error(
                        "extractor process %d exited with %s; starting it again", child.process.pid, code
                    )
                    time.sleep(_CRASH_PAUSE_S)
                self._spawn(slot)
        log.info("all extractor processes stopped")
        return 0


def run_supervisor(
    processes: int, threads: int, prefetch: int, shutdown_timeout_s: float, stall_s: float, metrics_port: int
) -> int:
    env = dict(
        # glibc's malloc keeps what 128 threads free in holes it rarely fills again. Blocks of 16 KiB and up in
        # mappings of their own, unmapped when freed: after 7,000 documents (bench/memprobe, the two workers of one
        # pod side by side) 9 MiB free in malloc instead of 39, RSS 136 MiB instead of 148, CPU +0.4 %.
        {"MALLOC_MMAP_THRESHOLD_": "16384", **os.environ},
        WORKER_THREADS=str(threads),
        ILLUSTRA_SHUTDOWN_TIMEOUT_S=str(shutdown_timeout_s),
        # Dramatiq reads its prefetch from the environment when it is imported.
        dramatiq_queue_prefetch=str(prefetch * threads),
    )
    prepare_multiprocess_dir("extractor", env)
    os.environ[MULTIPROC_ENV] = env[MULTIPROC_ENV]
    start_metrics_server(port=metrics_port)
    return Supervisor(processes, env, shutdown_timeout_s, stall_s).run()
