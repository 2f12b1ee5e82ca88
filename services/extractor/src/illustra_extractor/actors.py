"""The three pipeline stages, each a Dramatiq actor that is a stage run (``StageRun``) of its computation: read
its inputs, compute the stage with the engine, and return the statements that store its results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dramatiq
from dramatiq import Broker
from dramatiq.middleware.time_limit import TimeLimitExceeded

from illustra_shared.database import Statement
from illustra_shared.errors import UNAVAILABLE_ERRORS, StageFailed
from illustra_shared.lifecycle import StageReport
from illustra_shared.settings import Settings
from illustra_shared.stages import BASIC_INFO, SUMMARY, VALUE_TABLE, PipelineStep

from .engines import StageEngine
from .results import ResultStore
from .stage import Compute, StageRun


def declare_actors(
    broker: Broker, settings: Settings, store: ResultStore, engine: StageEngine, run: StageRun
) -> dict[str, dramatiq.Actor]:
    def retry_when(retries: int, exception: BaseException) -> bool:
        if isinstance(exception, UNAVAILABLE_ERRORS):
            return retries < settings.stage_max_retries_unavailable
        return retries < settings.stage_max_retries

    options: dict[str, Any] = {
        "broker": broker,
        "queue_name": settings.queue_name,
        "retry_when": retry_when,  # decides alone: Dramatiq reads max_retries only without it
        "min_backoff": int(settings.stage_min_backoff_s * 1000),
        "max_backoff": int(settings.stage_max_backoff_s * 1000),
        "time_limit": int(settings.stage_soft_time_limit_s * 1000),
        # A failure that will fail the same way again is not retried.
        "throws": (StageFailed, TimeLimitExceeded),
    }

    def basic_info(document_id: int, report: StageReport) -> Sequence[Statement]:
        basic = engine.basic_info(store.text(document_id), report)
        return store.basic_info_writes(document_id, basic, extractor=report.extractor)

    def value_table(document_id: int, report: StageReport) -> Sequence[Statement]:
        text, basic = store.text_and_basic_info(document_id)
        table = engine.value_table(text, basic, report)
        return store.value_table_writes(document_id, table, extractor=report.extractor)

    def summary(document_id: int, report: StageReport) -> Sequence[Statement]:
        text, basic = store.text_and_basic_info(document_id)
        summary = engine.summary(text, basic, store.load_value_table(document_id), report)
        return store.summary_writes(document_id, summary, extractor=report.extractor)

    def declare(step: PipelineStep, compute: Compute) -> dramatiq.Actor:
        def run_step(document_id: int) -> None:
            run(step, document_id, compute)

        return dramatiq.actor(actor_name=step.actor_name, **options)(run_step)

    computes = {BASIC_INFO: basic_info, VALUE_TABLE: value_table, SUMMARY: summary}
    return {step.actor_name: declare(step, compute) for step, compute in computes.items()}
