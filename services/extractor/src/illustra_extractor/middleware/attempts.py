"""The stage attempts this worker process runs: their leases renewed, the hard time limit watched, their failures
recorded as Dramatiq's Retries middleware decides them, and each stage message's log lines marked with it.

A failed attempt is closed as ``retry`` in ``after_process_message``, which runs before Retries' (this middleware
comes after it in the broker's list): closed before Retries enqueues the retry, which could otherwise start while
the attempt still holds its lease, and be skipped. A failure Retries gives up on is a message it fails, which the
worker then rejects: ``after_nack`` moves the document to ``error``.

TimeLimit (the soft limit) raises inside the stage's thread, which cannot interrupt C code or a blocking call. Past
the hard limit the watchdog fails the stage for good from its own thread, so the user sees the error and the other
threads go on serving; if the stuck stage ever returns, its completion finds the document no longer in its stage."""

from __future__ import annotations

import logging
import threading
import time

from dramatiq import Broker, Middleware
from dramatiq.broker import MessageProxy
from dramatiq.middleware.time_limit import TimeLimitExceeded

from illustra_shared import logs
from illustra_shared.errors import StageFailed
from illustra_shared.lifecycle import Attempt, Lifecycle
from illustra_shared.settings import Settings
from illustra_shared.stages import STEP_BY_ACTOR

log = logging.getLogger(__name__)


def describe(exception: BaseException) -> str:
    if isinstance(exception, StageFailed):
        return str(exception)
    detail = str(exception).strip().splitlines()[0] if str(exception).strip() else ""
    return f"{type(exception).__name__}: {detail}" if detail else type(exception).__name__


class StageAttempts(Middleware):
    def __init__(self, lifecycle: Lifecycle, settings: Settings) -> None:
        self.lifecycle = lifecycle
        self.soft_time_limit_s = settings.stage_soft_time_limit_s
        self.hard_time_limit_s = settings.stage_hard_time_limit_s
        self.lease_s = settings.lease_s
        self.lock = threading.Lock()
        # By message id: the attempts running (with when they started), and those failed until Retries decides.
        self.running: dict[str, tuple[Attempt, float]] = {}
        self.failed: dict[str, tuple[Attempt, str]] = {}
        self.stopping = threading.Event()

    def track(self, message_id: str, attempt: Attempt) -> None:
        """The stage run started ``attempt`` for the message: its lease is renewed until it ends."""
        with self.lock:
            self.running[message_id] = (attempt, time.monotonic())

    def untrack(self, message_id: str) -> None:
        """The stage run completed the message's attempt."""
        with self.lock:
            self.running.pop(message_id, None)

    # -- the watchdog: leases and the hard time limit ---------------------------------------------------------

    def after_worker_boot(self, broker: Broker, worker) -> None:
        threading.Thread(target=self._watch, name="illustra-stage-watchdog", daemon=True).start()

    def before_worker_shutdown(self, broker: Broker, worker) -> None:
        self.stopping.set()

    def _watch(self) -> None:
        interval = min(5.0, self.lease_s / 3, max(0.2, self.hard_time_limit_s / 10))
        while not self.stopping.wait(interval):
            try:
                with self.lock:
                    attempt_ids = [attempt.id for attempt, _ in self.running.values()]
                self.lifecycle.renew_leases(attempt_ids)
                self._fail_overdue()
            except Exception:
                log.exception("stage watchdog round failed; trying again in %.1f s", interval)

    def _fail_overdue(self) -> None:
        now = time.monotonic()
        with self.lock:
            overdue = [
                self.running.pop(message_id)[0]
                for message_id, (_, started) in list(self.running.items())
                if now - started > self.hard_time_limit_s
            ]
        for attempt in overdue:
            reason = f"{attempt.step.label} did not finish within the hard time limit of {self.hard_time_limit_s:g} s"
            self._fail_for_good(attempt, reason)

    # -- a stage message's log lines, and its failures as Retries decides them ---------------------------------

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        step = STEP_BY_ACTOR.get(message.actor_name)
        if step is not None:
            attempt = int(message.options.get("retries", 0)) + 1
            logs.bind(
                document_id=message.args[0], stage=step.name, attempt=attempt, message_id=message.message_id
            )

    def after_skip_message(self, broker: Broker, message: MessageProxy) -> None:
        logs.unbind()

    def after_process_message(
        self, broker: Broker, message: MessageProxy, *, result=None, exception=None
    ) -> None:
        logs.unbind()
        if exception is None:
            return
        with self.lock:
            running = self.running.pop(message.message_id, None)
        if running is None:
            return  # not a stage that started, or already failed by the hard time limit
        attempt = running[0]
        if isinstance(exception, TimeLimitExceeded):
            reason = f"{attempt.step.label} exceeded its time limit of {self.soft_time_limit_s:g} s"
        else:
            reason = describe(exception)
        with self.lock:  # first: should the write fail, a final failure is still recorded on the nack
            self.failed[message.message_id] = (attempt, reason)
        self.lifecycle.fail_stage(attempt, reason, final=False)

    def after_ack(self, broker: Broker, message: MessageProxy) -> None:
        with self.lock:
            failed = self.failed.pop(message.message_id, None)
        if failed is not None:
            log.warning(self._failure_line(*failed, "will retry"))

    def after_nack(self, broker: Broker, message: MessageProxy) -> None:
        with self.lock:
            failed = self.failed.pop(message.message_id, None)
        if failed is not None:
            self._fail_for_good(*failed)

    def _fail_for_good(self, attempt: Attempt, reason: str) -> None:
        self.lifecycle.fail_stage(attempt, reason, final=True)
        log.error(self._failure_line(attempt, reason, "final"))

    @staticmethod
    def _failure_line(attempt: Attempt, reason: str, fate: str) -> str:
        return (
            f"{attempt.step.name} of document {attempt.document_id} failed (attempt {attempt.number}, {fate}):"
            f" {reason}"
        )
