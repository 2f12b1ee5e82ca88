"""The Grafana dashboard: valid, with the panels operations needs, and the ConfigMap in the base embeds it."""

from __future__ import annotations

import json
from typing import Any

import yaml

from .conftest import DEPLOY_DIR, K8S_DIR
from .test_prometheus import load_script

DASHBOARD_FILE = DEPLOY_DIR / "grafana" / "illustra-dashboard.json"
CONFIGMAP_FILE = K8S_DIR / "base" / "grafana-dashboard.yaml"


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD_FILE.read_text())


def test_configmap_embeds_the_dashboard() -> None:
    builder = load_script(DEPLOY_DIR / "grafana" / "build_dashboard_configmap.py")
    assert CONFIGMAP_FILE.read_text() == builder.render(DASHBOARD_FILE.read_text()), (
        "deploy/k8s/base/grafana-dashboard.yaml is out of date: run python deploy/grafana/build_dashboard_configmap.py"
    )
    configmap = yaml.safe_load(CONFIGMAP_FILE.read_text())
    assert configmap["metadata"]["labels"] == {"grafana_dashboard": "1"}
    assert json.loads(configmap["data"]["illustra-dashboard.json"]) == dashboard()


def test_dashboard_is_well_formed() -> None:
    board = dashboard()
    assert board["uid"] and board["title"]
    panels = board["panels"]
    assert len({p["id"] for p in panels}) == len(panels), "panel ids repeat"
    for panel in panels:
        if panel["type"] == "row":
            continue
        assert panel["targets"], panel["title"]
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"]), panel["title"]
        position = panel["gridPos"]
        assert position["x"] + position["w"] <= 24, panel["title"]


def test_dashboard_has_the_operational_panels() -> None:
    exprs = "\n".join(t["expr"] for p in dashboard()["panels"] for t in p.get("targets", []))
    for wanted in (
        'sum by (stage) (rate(illustra_stage_attempts_total{outcome="success"}[5m])) * 60',  # documents per minute
        'illustra_stage_attempts_total{outcome="failure"}',  # failure rate
        "histogram_quantile(0.5, sum by (stage, le) (rate(illustra_stage_duration_seconds_bucket[5m])))",
        "histogram_quantile(0.95, sum by (stage, le) (rate(illustra_stage_duration_seconds_bucket[5m])))",
        "illustra_queue_messages",  # backlog
        "illustra_oldest_unfinished_document_age_seconds",
        "illustra_http_requests_total",
        "illustra_http_request_duration_seconds_bucket",
        "illustra_llm_tokens_total",
    ):
        assert wanted in exprs, f"no panel queries {wanted}"
