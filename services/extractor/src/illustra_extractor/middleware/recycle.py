from __future__ import annotations

import os
from collections.abc import Callable

from dramatiq import Broker, Middleware
from dramatiq.broker import MessageProxy

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_MEMORY_CHECK_EVERY = 16


def resident_mib() -> float:
    """This process's resident memory now (not its peak)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE_SIZE / (1024 * 1024)


class Recycle(Middleware):
    """Asks for the process to be replaced once it has handled ``max_messages`` messages or grown past
    ``max_resident_mib`` (what Celery's ``max_tasks_per_child`` did; 0 switches a limit off). The process then
    finishes what it runs, returns what it prefetched and exits; its supervisor starts a fresh one."""

    def __init__(
        self, max_messages: int, max_resident_mib: int, request_recycle: Callable[[str], None]
    ) -> None:
        self.max_messages = max_messages
        self.max_resident_mib = max_resident_mib
        self.request_recycle = request_recycle
        self.handled = 0
        self.requested = False

    def after_process_message(
        self, broker: Broker, message: MessageProxy, *, result=None, exception=None
    ) -> None:
        self.handled += 1
        if self.requested:
            return
        reason = None
        if self.max_messages and self.handled >= self.max_messages:
            reason = f"handled {self.handled} messages"
        # Memory is read every few messages: /proc costs more than the message itself does.
        elif (
            self.max_resident_mib
            and self.handled % _MEMORY_CHECK_EVERY == 0
            and (resident := resident_mib()) > self.max_resident_mib
        ):
            reason = f"resident memory {resident:.0f} MiB is over {self.max_resident_mib} MiB"
        if reason:
            self.requested = True
            self.request_recycle(reason)
