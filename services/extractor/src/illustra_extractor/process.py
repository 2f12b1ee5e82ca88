"""One extractor worker process: a Dramatiq Worker with ``WORKER_THREADS`` threads on the stage queues. Started by
the supervisor (``illustra worker``) as ``python -m illustra_extractor.process [HEARTBEAT_FD]``; exits 0 when told
to stop and ``EXIT_RECYCLE`` when it asks to be replaced. It writes a byte to HEARTBEAT_FD every
``HEARTBEAT_INTERVAL_S`` from a thread of its own, which needs the interpreter lock for each beat: the beats stop
while another thread holds the lock in C code (a regular expression), and the supervisor then kills the process."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time

from illustra_shared.logs import configure_logging
from illustra_shared.settings import Settings

from .middleware.recycle import Recycle
from .worker import InteractiveFirstWorker, create_worker_broker

EXIT_RECYCLE = 75  # EX_TEMPFAIL: "try again", which is what the supervisor does
HEARTBEAT_INTERVAL_S = 0.5

log = logging.getLogger("illustra_extractor.process")


def start_heartbeat(fd: int) -> None:
    os.set_blocking(fd, False)

    def beat() -> None:
        while True:
            try:
                os.write(fd, b".")
            except BlockingIOError:  # the supervisor has not read the last beats yet: they are enough
                pass
            except OSError:  # the supervisor is gone
                return
            time.sleep(HEARTBEAT_INTERVAL_S)

    threading.Thread(target=beat, name="heartbeat", daemon=True).start()


def main(argv: list[str]) -> int:
    if argv:
        start_heartbeat(int(argv[0]))
    settings = Settings.from_env()
    configure_logging(settings.log_level, service="extractor", log_format=settings.log_format)
    stop = threading.Event()
    recycle_reason: list[str] = []

    def request_recycle(reason: str) -> None:
        recycle_reason.append(reason)
        stop.set()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    broker = create_worker_broker(settings)
    broker.add_middleware(
        Recycle(settings.worker_max_messages, settings.worker_max_memory_mib, request_recycle)
    )
    broker.emit_after("process_boot")
    worker = InteractiveFirstWorker(
        broker,
        settings,
        worker_threads=settings.worker_threads,
        worker_timeout=settings.worker_idle_wait_ms,
    )
    worker.start()
    log.info("worker process %d serving queues %s", os.getpid(), ", ".join(settings.queue_names))
    stop.wait()
    if recycle_reason:
        log.info("worker process %d recycles: %s", os.getpid(), recycle_reason[0])
    worker.stop(timeout=int(settings.shutdown_timeout_s * 1000))
    broker.close()
    return EXIT_RECYCLE if recycle_reason else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
