"""Each service exports its metrics on its own port, summed over its processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from ..support import EXAMPLES_DIR, Stack, free_port, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def metered_stack(tmp_path_factory) -> Iterator[tuple[Stack, dict[str, int]]]:
    ports = {"gateway": free_port(), "status": free_port(), "extractor": free_port()}
    running = Stack(tmp_path_factory.mktemp("metered"), {"WEB_WORKERS": "2", "WORKER_PROCESSES": "2"})
    # Each service reads its metrics port from the environment; start them one by one with their own.
    running.env["ILLUSTRA_METRICS_PORT"] = str(ports["gateway"])
    original = running.start_process

    def start_with_port(name: str, command: list[str]) -> None:
        running.env["ILLUSTRA_METRICS_PORT"] = str(ports.get(name, 0))
        original(name, command)

    running.start_process = start_with_port  # type: ignore[method-assign]
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
    for stage in ("basic_info", "table", "summary"):
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
