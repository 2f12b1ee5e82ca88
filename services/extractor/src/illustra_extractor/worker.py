"""Assembles the extractor: the broker with the worker middleware, the stage actors declared on it, and the worker
that runs them, main queue first."""

from __future__ import annotations

import dataclasses
from queue import PriorityQueue

import dramatiq
from dramatiq import Broker
from dramatiq.middleware import CurrentMessage, Retries
from peewee import Database

from illustra_shared.broker import create_broker
from illustra_shared.database import open_database
from illustra_shared.lifecycle import Lifecycle
from illustra_shared.models import utcnow
from illustra_shared.pipeline import Pipeline
from illustra_shared.settings import Settings

from .actors import declare_actors
from .engines import StageEngine, create_engine
from .middleware.attempts import StageAttempts
from .middleware.database import DatabaseConnection
from .middleware.metrics import StageMetrics
from .middleware.reconciler import Reconciler
from .results import ResultStore
from .stage import StageRun


def create_worker_broker(
    settings: Settings, *, database: Database | None = None, engine: StageEngine | None = None
) -> Broker:
    # The worker's commits do not wait for the disk, except the one that completes or fails a stage (see
    # Lifecycle): PostgreSQL writes its log in order, so that one makes the stage's earlier writes durable too.
    database = database or open_database(
        settings.database_url, durable_commits=False, max_connections=settings.worker_db_connections
    )
    lifecycle = Lifecycle(database, settings, utcnow)
    broker = create_broker(settings)
    pipeline = Pipeline(broker, settings)
    attempts = StageAttempts(lifecycle, settings)
    # The order matters where a middleware's after-hook must see what another one decided: Dramatiq runs the
    # after-hooks in the reverse of the list's order, and the broker's list starts with TimeLimit and Retries.
    # - StageMetrics goes before Retries: its after-hook reads Retries' decision (``message.failed``).
    # - StageAttempts goes after Retries: its after-hook closes a failed attempt before Retries enqueues the retry
    #   (see StageAttempts); the decision reaches it later, as the message's ack or nack.
    # The others (the message's stage run needs CurrentMessage; the database connection; the reconciler; Recycle,
    # added by the process) are independent of the order.
    broker.add_middleware(StageMetrics(), before=Retries)
    for middleware in (
        CurrentMessage(),
        DatabaseConnection(database),
        attempts,
        Reconciler(lifecycle, pipeline),
    ):
        broker.add_middleware(middleware)
    engine = engine or create_engine(settings.extractor_mode, settings)
    declare_actors(broker, settings, ResultStore(database), engine, StageRun(lifecycle, pipeline, attempts))
    return broker


# How far behind every main-queue message a bulk-queue message ranks among those a worker process has fetched
# (Dramatiq ranks them by their actor's priority, where lower goes first; the stages' priority is 0).
_BULK_RANK = 1_000_000


class _MainQueueFirst(PriorityQueue):
    """The messages a worker process has fetched, in the order its threads take them: those of the bulk queue
    after all the others. Dramatiq fetches from every queue it consumes at once, up to the prefetch each, and
    orders the fetched messages by their actor's priority only (the same for every stage): without this, a message
    of the main queue waits behind all the bulk messages fetched before it."""

    def __init__(self, bulk_queue_name: str) -> None:
        super().__init__()
        self.bulk_queue_name = bulk_queue_name

    def put(self, item, block: bool = True, timeout: float | None = None) -> None:
        if item.message.queue_name == self.bulk_queue_name:
            item = dataclasses.replace(item, priority=item.priority + _BULK_RANK)
        super().put(item, block, timeout)


class InteractiveFirstWorker(dramatiq.Worker):
    """A Dramatiq worker on both stage queues whose threads take a bulk message only when no message of the main
    queue waits in the process: a user's backlog in the bulk queue delays another user's documents only by the
    stages of the few backlog documents already started (their later steps are in the main queue)."""

    def __init__(self, broker: Broker, settings: Settings, **options) -> None:
        super().__init__(broker, queues=set(settings.queue_names), **options)
        self.work_queue = _MainQueueFirst(settings.bulk_queue_name)
