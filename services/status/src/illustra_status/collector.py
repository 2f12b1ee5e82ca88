"""Gauges read from the database and the broker when Prometheus scrapes the status service: documents per
stage, documents stuck in a stage, the age of the oldest unfinished document, and broker messages per state."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta

from dramatiq import Broker
from dramatiq.brokers.redis import RedisBroker
from peewee import Database, fn
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from illustra_shared.metrics import DATABASE_GAUGES, PREFIX
from illustra_shared.models import Document
from illustra_shared.stages import STAGE_ORDER, ProcessingStage

UNFINISHED = [stage.value for stage in STAGE_ORDER if stage is not ProcessingStage.ALL_COMPLETED]


def _gauge(name: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, DATABASE_GAUGES[name], labels=labels)


class PipelineCollector(Collector):
    def __init__(
        self,
        database: Database,
        broker: Broker,
        queue_names: Sequence[str],
        *,
        stuck_after_s: float,
        clock: Callable[[], datetime],
    ) -> None:
        self.database = database
        self.broker = broker
        self.queue_names = queue_names
        self.stuck_after = timedelta(seconds=stuck_after_s)
        self.clock = clock

    def describe(self) -> list:
        return []  # computed at scrape time; nothing to describe ahead of it

    def collect(self) -> Iterator[GaugeMetricFamily]:
        by_stage = _gauge(f"{PREFIX}_documents", ["stage"])
        stuck = _gauge(f"{PREFIX}_documents_stuck", ["stage"])
        oldest = _gauge(f"{PREFIX}_oldest_unfinished_document_age_seconds", [])
        now = self.clock()
        with self.database.connection_context():
            # peewee's types read .tuples() rows as models.
            counts: dict[str, int] = dict(
                Document.select(Document.processing_stage, fn.COUNT(Document.id))  # type: ignore[arg-type]
                .group_by(Document.processing_stage)
                .tuples()
            )
            stuck_counts: dict[str, int] = dict(
                Document.select(Document.processing_stage, fn.COUNT(Document.id))  # type: ignore[arg-type]
                .where(
                    Document.processing_stage.in_(UNFINISHED),
                    Document.last_processed_at < now - self.stuck_after,
                )
                .group_by(Document.processing_stage)
                .tuples()
            )
            oldest_created = (
                Document.select(fn.MIN(Document.created_at))
                .where(Document.processing_stage.in_(UNFINISHED))
                .scalar()
            )
        for stage in [*STAGE_ORDER, ProcessingStage.ERROR]:
            by_stage.add_metric([stage.value], counts.get(stage.value, 0))
        for name in UNFINISHED:
            stuck.add_metric([name], stuck_counts.get(name, 0))
        oldest.add_metric(
            [], 0 if oldest_created is None else max(0.0, (now - oldest_created).total_seconds())
        )
        yield from (by_stage, stuck, oldest)
        queue = self._queue_messages()
        if queue is not None:
            yield queue

    def _queue_messages(self) -> GaugeMetricFamily | None:
        if not isinstance(self.broker, RedisBroker):
            return None  # only the Redis broker is inspected here; RabbitMQ exports its own metrics
        client = self.broker.client
        family = _gauge(f"{PREFIX}_queue_messages", ["queue", "state"])
        with client.pipeline(transaction=False) as pipe:
            for queue_name in self.queue_names:
                base = f"{self.broker.namespace}:{queue_name}"
                pipe.llen(base)
                pipe.llen(f"{base}.DQ")
                pipe.zcard(f"{base}.XQ")
            counts = iter(pipe.execute())  # in the order asked
        for queue_name in self.queue_names:
            for state in ("waiting", "delayed", "dead"):
                family.add_metric([queue_name, state], next(counts))
        return family
