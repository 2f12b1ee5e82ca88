"""The reconciler: nothing accepted is lost. A broker that lost its data (Redis restarted without persistence), a
next step that could not be enqueued, a worker killed with its messages: each leaves a document in an unfinished
stage with no live stage working on it. Every worker process looks for such documents now and then and enqueues
them again, from the stage they are in, never from the start when earlier stages are done. A document not yet
started goes where the gateway would send it now (``first_step_queue``); one whose place is the bulk queue is left
alone while that queue still has messages waiting, as it is most likely one of them: there a document may rightly
wait for hours, and sending each again every few minutes would fill the queue with copies."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from dramatiq import Broker, Middleware

from illustra_shared.broker import waiting_messages
from illustra_shared.lifecycle import Lifecycle
from illustra_shared.pipeline import Pipeline, first_step_queue
from illustra_shared.stages import ProcessingStage

log = logging.getLogger(__name__)


class Reconciler(Middleware):
    def __init__(self, lifecycle: Lifecycle, pipeline: Pipeline) -> None:
        self.lifecycle = lifecycle
        self.pipeline = pipeline
        self.settings = settings = pipeline.settings
        self.quiet_for = timedelta(seconds=settings.reconcile_after_s)
        # A failed stage waits up to this long for its retry; its document is not idle meanwhile.
        self.retry_wait = timedelta(seconds=settings.stage_max_backoff_s + settings.lease_s)
        self.interval = max(0.2, min(30.0, settings.reconcile_after_s / 3))
        self.stopping = threading.Event()

    def after_worker_boot(self, broker: Broker, worker) -> None:
        threading.Thread(target=self._loop, name="illustra-reconciler", daemon=True).start()

    def before_worker_shutdown(self, broker: Broker, worker) -> None:
        self.stopping.set()

    def _loop(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                resumed = self.reconcile()
                if resumed:
                    log.warning("re-enqueued %d idle document(s): %s", len(resumed), resumed)
            except Exception:
                log.exception("reconciliation round failed; trying again in %.1f s", self.interval)

    def reconcile(self) -> list[int]:
        """One round; returns the ids of the documents enqueued again."""
        bulk_after = self.settings.bulk_after
        bulk_waits = (
            bool(bulk_after) and waiting_messages(self.pipeline.broker, self.settings.bulk_queue_name) > 0
        )
        resumed = self.lifecycle.resume_idle(
            self.quiet_for, self.retry_wait, bulk_after=bulk_after if bulk_waits else 0
        )
        for document in resumed:
            queue_name = (
                first_step_queue(self.settings, document.unfinished - 1)
                if document.stage == ProcessingStage.PENDING
                else self.settings.queue_name
            )
            self.pipeline.enqueue(document.step, document.document_id, queue_name)
        return [document.document_id for document in resumed]
