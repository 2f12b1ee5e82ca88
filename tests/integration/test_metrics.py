"""Each service exports its metrics on its own port, summed over its processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from illustra_shared.metrics import KNOWN_LABEL_VALUES

from ..llm.fake_openai_server import FakeOpenAIServer
from ..llm.support import API_KEY
from ..support import EXAMPLES_DIR, PROJECT_DIR, PrivatePrometheus, Stack, free_port, wait_until

pytestmark = pytest.mark.integration


def metered(stack: Stack) -> dict[str, int]:
    """Give each service of ``stack`` a metrics port of its own (before it starts); the ports by service."""
    ports = {"gateway": free_port(), "status": free_port(), "extractor": free_port()}
    for name, port in ports.items():
        stack.process_env[name] = {"ILLUSTRA_METRICS_PORT": str(port)}
    return ports


@pytest.fixture(scope="module")
def metered_stack(tmp_path_factory) -> Iterator[tuple[Stack, dict[str, int]]]:
    running = Stack(tmp_path_factory.mktemp("metered"), {"WEB_WORKERS": "2", "WORKER_PROCESSES": "2"})
    ports = metered(running)
    running.start()
    try:
        yield running, ports
    finally:
        running.stop()


def _samples(port: int) -> dict[tuple[str, tuple], float]:
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_stage_request_and_pipeline_metrics_add_up_across_processes(metered_stack) -> None:
    stack, ports = metered_stack
    text = (EXAMPLES_DIR / "en_wealth_builder.txt").read_text(encoding="utf-8")
    ids = [stack.submit(text) for _ in range(6)]
    requests.post(f"{stack.origin}/api/ocr/save/", data=b"{broken", timeout=5)
    for document_id in ids:
        stack.wait_finished(document_id)

    def extractor_counted_all() -> dict | None:
        samples = _samples(ports["extractor"])
        done = _value(samples, "illustra_stage_attempts_total", stage="summary", outcome="success")
        return samples if done >= len(ids) else None

    extractor = wait_until(extractor_counted_all, 20, "the extractor's metrics to count every summary stage")
    for stage in ("basic_info", "value_table", "summary"):
        assert _value(extractor, "illustra_stage_attempts_total", stage=stage, outcome="success") == len(ids)
        assert _value(
            extractor, "illustra_stage_duration_seconds_count", stage=stage, outcome="success"
        ) == len(ids)
        assert _value(extractor, "illustra_stages_in_progress", stage=stage) == 0
    assert requests.get(f"http://127.0.0.1:{ports['extractor']}/healthz", timeout=5).status_code == 200

    gateway = _samples(ports["gateway"])
    assert _value(gateway, "illustra_documents_accepted_total") == len(ids)
    assert _value(gateway, "illustra_documents_refused_total", reason="invalid") == 1
    assert _value(
        gateway,
        "illustra_http_requests_total",
        service="gateway",
        route="/api/ocr/save/",
        method="POST",
        code="200",
    ) == len(ids)

    status = _samples(ports["status"])
    assert _value(status, "illustra_documents", stage="all_completed") == len(ids)
    assert _value(status, "illustra_documents_stuck", stage="pending") == 0
    assert _value(status, "illustra_oldest_unfinished_document_age_seconds") == 0
    assert _value(status, "illustra_queue_messages", queue=stack.queue, state="waiting") == 0
    polled = _value(
        status,
        "illustra_http_requests_total",
        service="status",
        route="/api/ocr/documents/{document_id}/status/",
        method="GET",
        code="200",
    )
    assert polled >= len(ids)


_SERIES_SUFFIX = {"counter": "_total", "histogram": "_count", "gauge": ""}


def _known_series() -> list[tuple[str, dict[tuple[tuple[str, str], ...], float]]]:
    """For each metric with label values known in advance: a query summing it by its labels, and its answer
    when every known value is a series at 0."""
    found = []
    for metric, known in KNOWN_LABEL_VALUES.items():
        family = metric.describe()[0]
        labels = metric._labelnames
        expr = f"sum by ({', '.join(labels)}) ({family.name}{_SERIES_SUFFIX[family.type]})"
        found.append((expr, {tuple(sorted(zip(labels, values, strict=True))): 0.0 for values in known}))
    return found


def test_a_real_prometheus_sees_every_known_series_at_zero_then_the_first_failures(tmp_path) -> None:
    fake = FakeOpenAIServer(free_port()).start()
    stack = Stack(
        tmp_path,
        {
            "EXTRACTOR_MODE": "llm",
            "LLM_API_KEY": API_KEY,
            "LLM_BASE_URL": fake.base_url,
            "LLM_MAX_ATTEMPTS": "2",
            "LLM_BACKOFF_S": "0.05",
        },
    )
    ports = metered(stack)
    prometheus = PrivatePrometheus(
        tmp_path,
        {f"illustra-{name}": [f"127.0.0.1:{port}"] for name, port in ports.items()},
        [PROJECT_DIR / "deploy" / "prometheus" / "rules" / "illustra.rules.yml"],
    )
    try:
        stack.start()
        prometheus.start()
        wait_until(
            lambda: len(prometheus.query("up == 1")) == len(ports), 60, "Prometheus to scrape every service"
        )

        # Before anything happened: every known label value is a series at 0 (once the extractor's processes have
        # started), and no alert is active.
        for expr, expected in _known_series():
            wait_until(lambda e=expr: prometheus.query(e), 30, f"Prometheus to have {expr}")
            assert prometheus.query(expr) == expected, expr
        # (IllustraServiceMissing is pending from the evaluations before the first scrape until the next one.)
        wait_until(lambda: not prometheus.api("alerts")["alerts"], 10, "no alert to be active")

        # The first of each: an LLM call answered 500, a refused submission, a stage failing for good (its
        # table is gone from the database).
        fake.script({"kind": "status", "status": 500})
        refused = requests.post(
            f"{stack.origin}/api/ocr/save/",
            data=b"{broken",
            headers={"Content-Type": "application/json"},
            timeout=5,
        )
        assert refused.status_code == 400
        stack.database.execute("DROP TABLE value_table_rows")
        document_id = stack.submit((EXAMPLES_DIR / "en_wealth_builder.txt").read_text(encoding="utf-8"))
        assert stack.wait_finished(document_id, timeout=60)["processing_stage"] == "error"

        for expr in (
            'increase(illustra_stage_attempts_total{stage="value_table", outcome="failure"}[1m])',
            'sum(increase(illustra_llm_errors_total{kind="server"}[1m]))',
            'increase(illustra_documents_refused_total{reason="invalid"}[1m])',
        ):
            wait_until(lambda e=expr: prometheus.query(f"{e} > 0"), 30, f"Prometheus to see {expr} above 0")

        # What was counted went to known label values only.
        for expr, expected in _known_series():
            assert set(prometheus.query(expr)) == set(expected), expr

        # The alert rules evaluate against the real series: all without error, and the failure rate alert is
        # pending for the failing stage (it fires after its `for`).
        rules = [rule for group in prometheus.api("rules")["groups"] for rule in group["rules"]]
        assert rules and all(rule["health"] == "ok" for rule in rules), rules

        def failure_rate_alert() -> list[dict]:
            return [
                alert["labels"]
                for alert in prometheus.api("alerts")["alerts"]
                if alert["labels"]["alertname"] == "IllustraStageFailureRateHigh"
            ]

        labels = wait_until(failure_rate_alert, 30, "the stage failure rate alert to be pending")
        assert [label["stage"] for label in labels] == ["value_table"]
    finally:
        prometheus.stop()
        stack.stop()
        fake.stop()
