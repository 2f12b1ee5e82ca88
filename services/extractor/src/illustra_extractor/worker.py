"""Assembles the extractor: the broker with the worker middleware, and the stage actors declared on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from dramatiq import Broker
from peewee import Database

from illustra_shared.broker import create_broker
from illustra_shared.database import open_database
from illustra_shared.models import utcnow
from illustra_shared.pipeline import Pipeline
from illustra_shared.settings import Settings

from .actors import declare_actors
from .engines import StageEngine, create_engine
from .middleware import DatabaseConnection, Reconciler, StageMetrics, StageProgress
from .results import ResultStore


def create_worker_broker(
    settings: Settings,
    *,
    database: Database | None = None,
    engine: StageEngine | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Broker:
    # The worker's commits do not wait for the disk, except the one that completes or fails a stage (see
    # StageProgress): PostgreSQL writes its log in order, so that one makes the stage's earlier writes durable too.
    database = database or open_database(
        settings.database_url, durable_commits=False, max_connections=settings.worker_db_connections
    )
    broker = create_broker(settings)
    broker.add_middleware(DatabaseConnection(database))
    pipeline = Pipeline(broker, settings)
    progress = StageProgress(
        database,
        pipeline,
        soft_time_limit_s=settings.stage_soft_time_limit_s,
        hard_time_limit_s=settings.stage_hard_time_limit_s,
        lease_s=settings.lease_s,
        max_abandoned=settings.stage_max_abandoned,
        clock=clock,
    )
    broker.add_middleware(progress)
    broker.add_middleware(
        Reconciler(
            database,
            pipeline,
            reconcile_after_s=settings.reconcile_after_s,
            lease_s=settings.lease_s,
            max_backoff_s=settings.stage_max_backoff_s,
            max_abandoned=settings.stage_max_abandoned,
            clock=clock,
        )
    )
    broker.add_middleware(StageMetrics())
    engine = engine or create_engine(settings.extractor_mode, settings)
    declare_actors(broker, settings, ResultStore(database), engine, progress)
    return broker
