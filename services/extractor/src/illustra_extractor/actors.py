"""The three pipeline stages. Each actor reads its inputs, computes its stage with the engine and hands the
statements that store its results to StageProgress, which runs them with the completion in one transaction; the
middleware records the attempt, moves the document's stage and starts the next step. Each of these takes a database
connection only for its own queries: none is held while the engine runs, which may mean minutes of waiting on the
model."""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq import Broker
from dramatiq.middleware.time_limit import TimeLimitExceeded

from illustra_shared.errors import UNAVAILABLE_ERRORS, StageFailed
from illustra_shared.settings import Settings
from illustra_shared.stages import STEP_BY_ACTOR

from .engines import StageEngine
from .middleware import StageProgress
from .report import current_report
from .results import ResultStore


def declare_actors(
    broker: Broker, settings: Settings, store: ResultStore, engine: StageEngine, progress: StageProgress
) -> dict[str, dramatiq.Actor]:
    def retry_when(retries: int, exception: BaseException) -> bool:
        if isinstance(exception, UNAVAILABLE_ERRORS):
            return retries < settings.stage_max_retries_unavailable
        return retries < settings.stage_max_retries

    options: dict[str, Any] = {
        "broker": broker,
        "queue_name": settings.queue_name,
        "max_retries": settings.stage_max_retries,
        "retry_when": retry_when,
        "min_backoff": int(settings.stage_min_backoff_s * 1000),
        "max_backoff": int(settings.stage_max_backoff_s * 1000),
        "time_limit": int(settings.stage_soft_time_limit_s * 1000),
        # A failure that will fail the same way again is not retried.
        "throws": (StageFailed, TimeLimitExceeded),
    }

    def extract_basic_info(document_id: int) -> None:
        basic = engine.basic_info(store.inputs(document_id, with_basic_info=False).text)
        progress.complete(store.basic_info_writes(document_id, basic, extractor=current_report().extractor))

    def extract_value_table(document_id: int) -> None:
        inputs = store.inputs(document_id, with_basic_info=True)
        assert inputs.basic is not None  # inputs() raises DocumentNotFound instead
        table = engine.value_table(inputs.text, inputs.basic)
        progress.complete(store.value_table_writes(document_id, table, extractor=current_report().extractor))

    def extract_summary(document_id: int) -> None:
        inputs = store.inputs(document_id, with_basic_info=True)
        assert inputs.basic is not None
        summary = engine.summary(inputs.text, inputs.basic, store.load_value_table(document_id))
        progress.complete(store.summary_writes(document_id, summary, extractor=current_report().extractor))

    actors = {}
    for function in (extract_basic_info, extract_value_table, extract_summary):
        actors[function.__name__] = dramatiq.actor(
            actor_name=STEP_BY_ACTOR[function.__name__].actor_name, **options
        )(function)
    return actors
