"""Every query in the alert rules and the Grafana dashboard names only metrics the code exports."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from .conftest import DEPLOY_DIR
from .exported_metrics import defined_metric_names
from .promql import metric_names

PROMETHEUS_OWN = {"up"}


def alert_expressions() -> list[tuple[str, str]]:
    rules = yaml.safe_load((DEPLOY_DIR / "prometheus" / "rules" / "illustra.rules.yml").read_text())
    return [
        (rule.get("alert") or rule["record"], rule["expr"])
        for group in rules["groups"]
        for rule in group["rules"]
    ]


def dashboard_expressions() -> list[tuple[str, str]]:
    dashboard = json.loads((DEPLOY_DIR / "grafana" / "illustra-dashboard.json").read_text())

    def walk(panels: list[dict[str, Any]]) -> list[tuple[str, str]]:
        found = []
        for panel in panels:
            found += [
                (f"{panel['title']} {t['refId']}", t["expr"]) for t in panel.get("targets", []) if "expr" in t
            ]
            found += walk(panel.get("panels", []))
        return found

    return walk(dashboard["panels"])


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        (
            'sum by (stage) (rate(illustra_stage_attempts_total{outcome="failure"}[5m])) * 60',
            {"illustra_stage_attempts_total"},
        ),
        ("histogram_quantile(0.95, sum by (stage, le) (rate(a_bucket[5m])))", {"a_bucket"}),
        ('up{job=~"illustra-.*"} == 0', {"up"}),
        ("a / on (x) group_left (y) b offset 5m > bool 1e3", {"a", "b"}),
        ('max by (queue) (deriv(q{state="waiting"}[15m])) > 0 and max by (queue) (q) > 100', {"q"}),
        ('absent(up{job="x"}) or absent(other)', {"up", "other"}),
        ("rate(x_total[$__rate_interval]) * 60", {"x_total"}),
        ('{__name__="x"}', set()),
    ],
)
def test_metric_name_extraction(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


@pytest.mark.parametrize(
    ("where", "source"), [("alert rules", alert_expressions), ("dashboard", dashboard_expressions)]
)
def test_queries_name_only_exported_metrics(where: str, source: Any) -> None:
    known = defined_metric_names() | PROMETHEUS_OWN
    expressions = source()
    assert expressions, f"no expressions found in the {where}"
    unknown = {}
    for name, expr in expressions:
        names = metric_names(expr)
        assert names, f"{where} {name}: no metric found in {expr!r}"
        if names - known:
            unknown[name] = sorted(names - known)
    assert not unknown, f"{where} use metrics the code does not export: {unknown}"
