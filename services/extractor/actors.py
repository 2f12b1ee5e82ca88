"""The three pipeline stages. Each actor only extracts and stores; the StageProgress middleware records the attempt,
moves the document's stage and starts the next step, and the DatabaseConnection middleware owns the connection."""

from __future__ import annotations

import dramatiq
from dramatiq import Broker
from dramatiq.middleware.time_limit import TimeLimitExceeded

from illustra_shared.errors import StageFailed
from illustra_shared.settings import Settings
from illustra_shared.stages import STEP_BY_ACTOR

from . import extraction
from .results import ResultStore


def declare_actors(broker: Broker, settings: Settings, store: ResultStore) -> dict[str, dramatiq.Actor]:
    options = {
        "broker": broker,
        "queue_name": settings.queue_name,
        "max_retries": settings.stage_max_retries,
        "min_backoff": int(settings.stage_min_backoff_s * 1000),
        "max_backoff": int(settings.stage_max_backoff_s * 1000),
        "time_limit": int(settings.stage_soft_time_limit_s * 1000),
        # A failure that will fail the same way again is not retried.
        "throws": (StageFailed, TimeLimitExceeded),
    }

    def extract_basic_info(document_id: int) -> None:
        store.save_basic_info(document_id, extraction.extract_basic_info(store.ocr_content(document_id)))

    def extract_value_table(document_id: int) -> None:
        text = store.ocr_content(document_id)
        store.save_value_table(
            document_id, extraction.extract_value_table(text, store.load_basic_info(document_id))
        )

    def extract_summary(document_id: int) -> None:
        text = store.ocr_content(document_id)
        basic = store.load_basic_info(document_id)
        table = store.load_value_table(document_id)
        store.save_summary(document_id, extraction.extract_summary(text, basic, table))

    actors = {}
    for function in (extract_basic_info, extract_value_table, extract_summary):
        actors[function.__name__] = dramatiq.actor(
            function, actor_name=STEP_BY_ACTOR[function.__name__].actor_name, **options
        )
    return actors
