"""A stage run, top to bottom: start the stage (or skip a message for a step the document is not at), compute it
with the engine, complete it with its results in one transaction, enqueue the next step. A failure leaves the
stage's attempt to StageAttempts, which records it as Dramatiq's Retries middleware decides (retry or give up).

Each part takes a database connection only for its own queries: none is held while the engine runs, which may
mean minutes of waiting on the model."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dramatiq.middleware import CurrentMessage, SkipMessage

from illustra_shared.database import Statement
from illustra_shared.lifecycle import Lifecycle, StageReport
from illustra_shared.pipeline import Pipeline
from illustra_shared.stages import PipelineStep, next_step

from .middleware.attempts import StageAttempts

# A stage's computation: the statements that store its results for the document, its report filled in.
Compute = Callable[[int, StageReport], Sequence[Statement]]


class StageRun:
    def __init__(self, lifecycle: Lifecycle, pipeline: Pipeline, attempts: StageAttempts) -> None:
        self.lifecycle = lifecycle
        self.pipeline = pipeline
        self.attempts = attempts

    def __call__(self, step: PipelineStep, document_id: int, compute: Compute) -> None:
        message = CurrentMessage.get_current_message()
        assert message is not None, "a stage runs in a worker with the CurrentMessage middleware"
        number = int(message.options.get("retries", 0)) + 1
        attempt = self.lifecycle.start_stage(document_id, step, number, message.message_id)
        if attempt is None:
            raise SkipMessage()
        self.attempts.track(message.message_id, attempt)
        writes = compute(document_id, attempt.report)
        moved = self.lifecycle.complete_stage(attempt, writes)
        self.attempts.untrack(message.message_id)
        following = next_step(step)
        if moved and following is not None:
            self.pipeline.enqueue(following, document_id)
