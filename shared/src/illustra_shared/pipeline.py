"""Starting and advancing the pipeline by actor name, so that whoever enqueues never loads the extractor's code."""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq import Broker

from .settings import Settings
from .stages import STEPS, PipelineStep


class Pipeline:
    """Enqueues pipeline steps for a document: a message carries the document id, never the OCR text."""

    def __init__(self, broker: Broker, settings: Settings) -> None:
        self.broker = broker
        self.queue_name = settings.queue_name

    def enqueue(self, step: PipelineStep, document_id: int) -> dramatiq.Message[Any]:
        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name=self.queue_name,
            actor_name=step.actor_name,
            args=(document_id,),
            kwargs={},
            options={},
        )
        return self.broker.enqueue(message)

    def start(self, document_id: int) -> dramatiq.Message[Any]:
        return self.enqueue(STEPS[0], document_id)
