"""Starting and advancing the pipeline by actor name, so that whoever enqueues never loads the extractor's code.

Fairness between users: a document whose user already has ``bulk_after`` unfinished documents starts in the bulk
queue, which the workers take from only when the main queue leaves them a thread free (see
``illustra_extractor.worker.InteractiveFirstWorker``). Later steps always go to the main queue: a document once
started finishes ahead of new ones, and the started documents of a bulk user are never more than the threads."""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq import Broker

from .settings import Settings
from .stages import STEPS, PipelineStep


def first_step_queue(settings: Settings, unfinished_before: int) -> str:
    """The queue of a document's first step, given how many unfinished documents its user had before it."""
    if settings.bulk_after and unfinished_before >= settings.bulk_after:
        return settings.bulk_queue_name
    return settings.queue_name


class Pipeline:
    """Enqueues pipeline steps for a document: a message carries the document id, never the OCR text."""

    def __init__(self, broker: Broker, settings: Settings) -> None:
        self.broker = broker
        self.settings = settings

    def enqueue(
        self, step: PipelineStep, document_id: int, queue_name: str | None = None
    ) -> dramatiq.Message[Any]:
        """Send ``step`` of the document to ``queue_name``, by default the main queue."""
        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name=queue_name or self.settings.queue_name,
            actor_name=step.actor_name,
            args=(document_id,),
            kwargs={},
            options={},
        )
        return self.broker.enqueue(message)

    def start(self, document_id: int, unfinished_before: int) -> dramatiq.Message[Any]:
        return self.enqueue(STEPS[0], document_id, first_step_queue(self.settings, unfinished_before))
