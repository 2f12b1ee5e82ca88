"""Every Prometheus metric illustra exports, in one place: names under one prefix, base units, ``_total``
counters, histograms for durations, bounded labels (never a document or user id).

Services run several processes (gunicorn workers, Dramatiq worker processes), so values are kept in
``PROMETHEUS_MULTIPROC_DIR`` and each service's metrics server reads them all.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

PREFIX = "illustra"

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
# reason in {invalid, unauthorized, forbidden, too_large, rate_limited, unavailable, other}
DOCUMENTS_REFUSED = Counter(
    f"{PREFIX}_documents_refused_total", "Documents refused by the gateway", ["reason"]
)

# stage in {basic_info, table, summary}; outcome in {success, retry, failure}
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

# outcome in {success, error}; kind in {prompt, completion}; error kind in {rate_limited, server, timeout,
# connection, invalid_reply, truncated, rejected}
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


_SAMPLE_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def defined_metric_names() -> set[str]:
    """Every series name the code can export (counters with ``_total``, histograms with their suffixes)."""
    names = set(DATABASE_GAUGES)
    for metric in (
        HTTP_REQUESTS,
        HTTP_REQUEST_DURATION,
        DOCUMENTS_ACCEPTED,
        DOCUMENTS_REFUSED,
        STAGE_ATTEMPTS,
        STAGE_DURATION,
        STAGES_IN_PROGRESS,
        LLM_REQUESTS,
        LLM_TOKENS,
        LLM_ERRORS,
    ):
        for family in metric.describe():
            names.update(family.name + suffix for suffix in _SAMPLE_SUFFIXES[family.type])
    return names
