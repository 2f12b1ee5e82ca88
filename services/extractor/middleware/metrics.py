from __future__ import annotations

import os
import threading
import time

from dramatiq import Broker, Message, Middleware

from illustra_shared import metrics
from illustra_shared.metrics_server import PORT_ENV, start_metrics_server
from illustra_shared.stages import STEP_BY_ACTOR

from .progress import is_final_failure


def serve_metrics() -> None:
    """Runs in a process forked by the dramatiq main process: serves what all worker processes record."""
    start_metrics_server()
    threading.Event().wait()


class StageMetrics(Middleware):
    """Stage attempts by outcome, their duration, and the stages running now."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}

    @property
    def forks(self) -> list:
        return [serve_metrics] if os.environ.get(PORT_ENV) else []

    def before_process_message(self, broker: Broker, message: Message) -> None:
        step = STEP_BY_ACTOR.get(message.actor_name)
        if step is not None:
            self.started[message.message_id] = time.perf_counter()
            metrics.STAGES_IN_PROGRESS.labels(step.name).inc()

    def after_process_message(self, broker: Broker, message: Message, *, result=None, exception=None) -> None:
        started = self.started.pop(message.message_id, None)
        if started is None:
            return
        step = STEP_BY_ACTOR[message.actor_name]
        metrics.STAGES_IN_PROGRESS.labels(step.name).dec()
        if exception is None:
            outcome = "success"
        else:
            outcome = "failure" if is_final_failure(broker, message, exception) else "retry"
        metrics.STAGE_ATTEMPTS.labels(step.name, outcome).inc()
        metrics.STAGE_DURATION.labels(step.name, outcome).observe(time.perf_counter() - started)
