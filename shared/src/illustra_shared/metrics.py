"""Every Prometheus metric illustra exports, in one place: names under one prefix, base units, ``_total``
counters, histograms for durations, bounded labels (never a document or user id), and the label values known in
advance, which each service creates at 0 when it starts (``start_at_zero``).

Services run several processes (gunicorn workers, Dramatiq worker processes), so values are kept in
``PROMETHEUS_MULTIPROC_DIR`` and each service's metrics server reads them all.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from enum import StrEnum

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

from .stages import STEP_BY_NAME

PREFIX = "illustra"


class RefusalReason(StrEnum):
    INVALID = "invalid"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    TOO_LARGE = "too_large"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    OTHER = "other"


class StageOutcome(StrEnum):
    SUCCESS = "success"
    RETRY = "retry"
    FAILURE = "failure"


class LLMOutcome(StrEnum):
    SUCCESS = "success"
    ERROR = "error"


class TokenKind(StrEnum):
    PROMPT = "prompt"
    COMPLETION = "completion"


class LLMErrorKind(StrEnum):
    RATE_LIMITED = "rate_limited"
    SERVER = "server"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    INVALID_REPLY = "invalid_reply"
    TRUNCATED = "truncated"
    REJECTED = "rejected"


# Label values are bounded: service in {gateway, status}; route is the route template, never the raw path.
HTTP_REQUESTS = Counter(
    f"{PREFIX}_http_requests_total",
    "HTTP requests answered, by route and status code",
    ["service", "route", "method", "code"],
)
HTTP_REQUEST_DURATION = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["service", "route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
DOCUMENTS_ACCEPTED = Counter(
    f"{PREFIX}_documents_accepted_total", "Documents stored and sent into the pipeline"
)
DOCUMENTS_REFUSED = Counter(
    f"{PREFIX}_documents_refused_total", "Documents refused by the gateway", ["reason"]
)

# stage is a pipeline step's name (basic_info, value_table, summary)
STAGE_ATTEMPTS = Counter(f"{PREFIX}_stage_attempts_total", "Stage attempts by outcome", ["stage", "outcome"])
STAGE_DURATION = Histogram(
    f"{PREFIX}_stage_duration_seconds",
    "Time a stage attempt took",
    ["stage", "outcome"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
STAGES_IN_PROGRESS = Gauge(
    f"{PREFIX}_stages_in_progress", "Stage attempts running now", ["stage"], multiprocess_mode="livesum"
)

LLM_REQUESTS = Counter(f"{PREFIX}_llm_requests_total", "Calls to the LLM API", ["stage", "outcome"])
LLM_TOKENS = Counter(f"{PREFIX}_llm_tokens_total", "Tokens used by LLM calls", ["stage", "kind"])
LLM_ERRORS = Counter(f"{PREFIX}_llm_errors_total", "Failed LLM calls by kind", ["stage", "kind"])

# Read from the database and the broker when scraped (by the status service's collector), not counted in-process.
DATABASE_GAUGES = {
    f"{PREFIX}_documents": "Documents by processing stage",
    f"{PREFIX}_documents_stuck": "Unfinished documents without progress past ILLUSTRA_STUCK_AFTER_S, by stage",
    f"{PREFIX}_oldest_unfinished_document_age_seconds": "Age of the oldest document not yet all_completed or error",
    f"{PREFIX}_queue_messages": "Broker messages by queue and state (waiting, delayed, dead)",
}


def _every(*values: Iterable[str]) -> list[tuple[str, ...]]:
    return list(itertools.product(*values))


# The label values of each labelled metric that are known in advance. A series that appears only with its first
# event is invisible to rate() and increase() (they need a sample before it), and a dashboard shows "No data"
# where it should show 0; created at 0 from the start, as Prometheus' instrumentation guide asks, it is neither.
# HTTP requests are not here: their status codes are not known in advance.
KNOWN_LABEL_VALUES: dict[MetricWrapperBase, list[tuple[str, ...]]] = {
    DOCUMENTS_REFUSED: _every(RefusalReason),
    STAGE_ATTEMPTS: _every(STEP_BY_NAME, StageOutcome),
    STAGE_DURATION: _every(STEP_BY_NAME, StageOutcome),
    STAGES_IN_PROGRESS: _every(STEP_BY_NAME),
    LLM_REQUESTS: _every(STEP_BY_NAME, LLMOutcome),
    LLM_TOKENS: _every(STEP_BY_NAME, TokenKind),
    LLM_ERRORS: _every(STEP_BY_NAME, LLMErrorKind),
}


def start_at_zero(*metrics: MetricWrapperBase) -> None:
    """Create the series of every known label value of ``metrics`` (at 0 where none exists yet); called by
    whatever records them, in each process that does."""
    for metric in metrics:
        for values in KNOWN_LABEL_VALUES[metric]:
            metric.labels(*values)
