"""Alert rules: promtool checks and unit-tests them, every alert has a firing and a quiet test, and the
PrometheusRule in the base is exactly the plain rules file."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from .conftest import DEPLOY_DIR, K8S_DIR, require_tool, run_tool

RULES_FILE = DEPLOY_DIR / "prometheus" / "rules" / "illustra.rules.yml"
RULES_TEST_FILE = DEPLOY_DIR / "prometheus" / "tests" / "illustra.rules.test.yml"
PROMETHEUS_RULE_FILE = K8S_DIR / "base" / "prometheusrule.yaml"


def load_script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def alerts() -> list[dict[str, Any]]:
    rules = yaml.safe_load(RULES_FILE.read_text())
    return [rule for group in rules["groups"] for rule in group["rules"] if "alert" in rule]


def test_promtool_checks_the_rules_file() -> None:
    result = run_tool([require_tool("promtool"), "check", "rules", str(RULES_FILE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_checks_the_prometheusrule_spec(tmp_path: Path) -> None:
    spec = yaml.safe_load(PROMETHEUS_RULE_FILE.read_text())["spec"]
    extracted = tmp_path / "spec.rules.yml"
    extracted.write_text(yaml.safe_dump(spec))
    result = run_tool([require_tool("promtool"), "check", "rules", str(extracted)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_pass() -> None:
    result = run_tool([require_tool("promtool"), "test", "rules", str(RULES_TEST_FILE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_firing_and_a_quiet_test() -> None:
    cases = [
        case
        for test in yaml.safe_load(RULES_TEST_FILE.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
    ]
    for alert in alerts():
        mine = [case for case in cases if case["alertname"] == alert["alert"]]
        assert any(case.get("exp_alerts") for case in mine), f"{alert['alert']}: no test where it fires"
        assert any(not case.get("exp_alerts") for case in mine), (
            f"{alert['alert']}: no test where it stays quiet"
        )


def test_alerts_are_labelled_and_described() -> None:
    names = [alert["alert"] for alert in alerts()]
    assert len(names) == len(set(names))
    assert {
        "IllustraStageFailureRateHigh",
        "IllustraStageFailuresBurst",
        "IllustraDocumentsStuck",
        "IllustraBacklogGrowing",
        "IllustraServiceDown",
        "IllustraLLMErrorRateHigh",
    } <= set(names)
    for alert in alerts():
        assert alert["labels"]["severity"] in ("warning", "critical"), alert["alert"]
        assert alert["annotations"]["summary"] and alert["annotations"]["description"], alert["alert"]


def test_prometheusrule_is_generated_from_the_rules_file() -> None:
    builder = load_script(DEPLOY_DIR / "prometheus" / "build_prometheusrule.py")
    assert PROMETHEUS_RULE_FILE.read_text() == builder.render(RULES_FILE.read_text()), (
        "deploy/k8s/base/prometheusrule.yaml is out of date: run python deploy/prometheus/build_prometheusrule.py"
    )
    resource = yaml.safe_load(PROMETHEUS_RULE_FILE.read_text())
    assert resource["apiVersion"] == "monitoring.coreos.com/v1" and resource["kind"] == "PrometheusRule"
    assert resource["spec"] == yaml.safe_load(RULES_FILE.read_text())


def test_dashboard_queries_are_valid_promql(tmp_path: Path) -> None:
    """promtool parses the dashboard's queries when they are written as recording rules."""
    dashboard = json.loads((DEPLOY_DIR / "grafana" / "illustra-dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [{"record": f"dashboard:query{i}", "expr": e} for i, e in enumerate(exprs)],
            }
        ]
    }
    rules_file = tmp_path / "dashboard.rules.yml"
    rules_file.write_text(yaml.safe_dump(rules))
    result = run_tool([require_tool("promtool"), "check", "rules", str(rules_file)])
    assert result.returncode == 0, result.stdout + result.stderr
