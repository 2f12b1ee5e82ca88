from __future__ import annotations

import time

from dramatiq import Broker, Middleware
from dramatiq.broker import MessageProxy

from illustra_shared import metrics
from illustra_shared.metrics import StageOutcome
from illustra_shared.stages import STEP_BY_ACTOR

from .progress import is_final_failure


class StageMetrics(Middleware):
    """Stage attempts by outcome, their duration, and the stages running now."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        metrics.start_at_zero(metrics.STAGE_ATTEMPTS, metrics.STAGE_DURATION, metrics.STAGES_IN_PROGRESS)

    def before_process_message(self, broker: Broker, message: MessageProxy) -> None:
        step = STEP_BY_ACTOR.get(message.actor_name)
        if step is not None:
            self.started[message.message_id] = time.perf_counter()
            metrics.STAGES_IN_PROGRESS.labels(step.name).inc()

    def after_process_message(
        self, broker: Broker, message: MessageProxy, *, result=None, exception=None
    ) -> None:
        started = self.started.pop(message.message_id, None)
        if started is None:
            return
        step = STEP_BY_ACTOR[message.actor_name]
        metrics.STAGES_IN_PROGRESS.labels(step.name).dec()
        if exception is None:
            outcome = StageOutcome.SUCCESS
        elif is_final_failure(broker, message, exception):
            outcome = StageOutcome.FAILURE
        else:
            outcome = StageOutcome.RETRY
        metrics.STAGE_ATTEMPTS.labels(step.name, outcome).inc()
        metrics.STAGE_DURATION.labels(step.name, outcome).observe(time.perf_counter() - started)
