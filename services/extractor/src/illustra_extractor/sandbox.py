"""Rules extraction in child processes that the worker can stop from outside.

Python's ``re`` holds the GIL for a whole match, so a pattern that runs long inside the worker process stops every
thread in it: the other stages, the lease renewal, the time limits, the broker heartbeat. The rules stages run
instead in a few long-lived child processes (``EXTRACT_SANDBOXES`` per worker process), each under an
address-space limit (RLIMIT_AS) and, for each call, a CPU limit (RLIMIT_CPU, moved on before every call): the
kernel stops a call past its CPU time (SIGXCPU), the parent one past its wall time, and the stage fails with the
reason. The worker's thread only waits on a socket meanwhile, which releases the GIL. A stopped child is replaced.

Run as ``python -m illustra_extractor.sandbox FD CPU_S MEMORY_MIB``: the child's end of the socket is file
descriptor FD.
"""

from __future__ import annotations

import math
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any

from illustra_shared.errors import StageFailed

from .extraction.types import Field
from .limits import ExtractionLimits

_MODULE = "illustra_extractor.sandbox"
# The child exits with this after a MemoryError: its heap may be in any state, so it is replaced.
_EXIT_OUT_OF_MEMORY = 3


def _reduce_field(found: Field) -> tuple:
    return Field, (found.value, found.confidence, found.span, found.issues)


# Results are mostly fields: pickled as their constructor's arguments they cost a third of a frozen dataclass's
# default (which was as much CPU as the extraction itself).
ForkingPickler.register(Field, _reduce_field)


class ExtractionStopped(StageFailed):
    """The extraction of a document went past a limit and was stopped; running it again would do the same."""


@dataclass(frozen=True)
class SandboxLimits:
    cpu_s: int
    memory_mib: int

    @property
    def wall_s(self) -> float:
        # Wall time is only the backstop for a child that waits or is starved: on a loaded machine a call may
        # wait for a core many times as long as it computes.
        return 10.0 * self.cpu_s + 10.0


class _Child:
    def __init__(self, limits: SandboxLimits) -> None:
        parent_end, child_end = socket.socketpair()
        with child_end:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    _MODULE,
                    str(child_end.fileno()),
                    str(limits.cpu_s),
                    str(limits.memory_mib),
                ],
                pass_fds=(child_end.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        self.connection = Connection(parent_end.detach())

    def call(self, stage: str, args: tuple, limits: SandboxLimits) -> Any:
        self.connection.send((stage, args))
        try:
            reply = self.connection.recv() if self.connection.poll(limits.wall_s) else None
        except (EOFError, OSError):
            raise self._death(limits) from None
        except BaseException:
            # Interrupted in this thread (the stage's soft time limit): the answer must not reach the next call.
            self.stop()
            raise
        if reply is None:
            self.stop()
            raise ExtractionStopped(f"extraction did not finish within {limits.wall_s:g} s and was stopped")
        outcome, value = reply
        if outcome == "error":
            raise value
        return value

    def _death(self, limits: SandboxLimits) -> ExtractionStopped:
        code = self.process.wait()
        self.connection.close()
        if code == -signal.SIGXCPU:
            reason = f"extraction used more than its {limits.cpu_s} s of CPU time and was stopped"
        elif code == _EXIT_OUT_OF_MEMORY or code == -signal.SIGKILL:
            reason = f"extraction needed more than its {limits.memory_mib} MiB of memory and was stopped"
        else:
            reason = f"the extraction process ended unexpectedly (exit status {code})"
        return ExtractionStopped(reason)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        self.connection.close()


class Sandbox:
    """At most ``size`` children, started when first needed; a call waits for a free one."""

    def __init__(self, size: int, limits: SandboxLimits) -> None:
        self.limits = limits
        self.free = threading.BoundedSemaphore(size)
        self.idle: list[_Child] = []
        self.lock = threading.Lock()

    @classmethod
    def from_limits(cls, limits: ExtractionLimits) -> Sandbox:
        return cls(limits.sandboxes, SandboxLimits(limits.cpu_limit_s, limits.memory_limit_mib))

    def call(self, stage: str, *args: Any) -> Any:
        with self.free:
            with self.lock:
                child = self.idle.pop() if self.idle else None
            child = child or _Child(self.limits)
            try:
                return child.call(stage, args, self.limits)
            finally:
                if child.process.poll() is None:  # still running: kept for the next call
                    with self.lock:
                        self.idle.append(child)

    def close(self) -> None:
        with self.lock:
            children, self.idle = self.idle, []
        for child in children:
            child.stop()


# -- the child ------------------------------------------------------------------------------------------------


def _limit_cpu_from_now(cpu_s: int) -> None:
    """RLIMIT_CPU counts the process's whole life: the soft limit moves to what it has used plus ``cpu_s``."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + cpu_s
    resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))


def _serve(connection: Connection, cpu_s: int, memory_mib: int) -> None:
    from . import extraction

    # Ctrl-C reaches the whole process group: the worker finishes its stages, so their children must live on.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (memory_mib * 1024 * 1024,) * 2)
    try:
        while True:
            try:
                stage, args = connection.recv()
            except EOFError:
                return
            _limit_cpu_from_now(cpu_s)
            try:
                reply = ("ok", getattr(extraction, f"extract_{stage}")(*args))
            except MemoryError:
                raise
            except Exception as error:  # handed to the stage, which fails with it as it would in process
                reply = ("error", error)
            try:
                connection.send(reply)
            except MemoryError:
                raise
            except Exception:  # an exception that does not pickle: its description does
                connection.send(("error", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]}")))
    except MemoryError:  # reading the request, extracting or answering: the heap may be in any state
        os._exit(_EXIT_OUT_OF_MEMORY)


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3]))
