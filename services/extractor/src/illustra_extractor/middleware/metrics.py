from __future__ import annotations

import time

from dramatiq import Broker, Middleware
from dramatiq.broker import MessageProxy

from illustra_shared import metrics
from illustra_shared.metrics import StageOutcome
from illustra_shared.stages import STEP_BY_ACTOR


class StageMetrics(Middleware):
    """Stage attempts by outcome, their duration, and the stages running now. Placed before Retries in the
    broker's list, so that its after-hook runs after Retries' and reads its decision: a message it gave up on is
    ``failed``."""

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
        started = self._stopped(message)
        if started is None:
            return
        step = STEP_BY_ACTOR[message.actor_name]
        if exception is None:
            outcome = StageOutcome.SUCCESS
        elif message.failed:
            outcome = StageOutcome.FAILURE
        else:
            outcome = StageOutcome.RETRY
        metrics.STAGE_ATTEMPTS.labels(step.name, outcome).inc()
        metrics.STAGE_DURATION.labels(step.name, outcome).observe(time.perf_counter() - started)

    def after_skip_message(self, broker: Broker, message: MessageProxy) -> None:
        self._stopped(message)  # a skipped stage (its document is not at it) counts as no attempt

    def _stopped(self, message: MessageProxy) -> float | None:
        """The stage no longer runs; when it started (None: not a stage)."""
        started = self.started.pop(message.message_id, None)
        if started is not None:
            metrics.STAGES_IN_PROGRESS.labels(STEP_BY_ACTOR[message.actor_name].name).dec()
        return started
