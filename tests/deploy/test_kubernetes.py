"""The rendered Kubernetes manifests (base and every overlay): schema-valid, hardened, wired together, and with
the shutdown timeouts in the order that lets running work finish."""

from __future__ import annotations

from typing import Any

import pytest

from illustra_shared.settings import Settings

from .conftest import OVERLAYS, find, one, render
from .exported_metrics import defined_metric_names

# Kubernetes versions the manifests must be valid for: the oldest supported (preStop `sleep` is on by default
# from 1.30) and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.30", "latest")
CUSTOM_RESOURCE_KINDS = {"ScaledObject", "TriggerAuthentication", "ServiceMonitor", "PrometheusRule"}
SECRET_NAME = "illustra-secrets"
SECRET_KEYS = {
    "DATABASE_URL",
    "GATEWAY_DATABASE_URL",
    "STATUS_DATABASE_URL",
    "EXTRACTOR_DATABASE_URL",
    "REDIS_URL",
    "LLM_API_KEY",
    "REDIS_ADDRESS",
    "REDIS_USERNAME",
    "REDIS_PASSWORD",
}
SERVICES = ("gateway", "status", "extractor")
WEB_SERVICES = ("gateway", "status")
UID = 10001


# ---- helpers ----------------------------------------------------------------------------------------------------


def pod_templates(docs: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(workload name, pod spec) of every Deployment, Job and CronJob."""
    return [
        (d["metadata"]["name"], d["spec"]["template"]["spec"])
        for d in docs
        if d["kind"] in ("Deployment", "Job")
    ] + [
        (d["metadata"]["name"], d["spec"]["jobTemplate"]["spec"]["template"]["spec"])
        for d in find(docs, "CronJob")
    ]


def containers(docs: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(workload name, pod spec, container) of every container, init containers included."""
    return [
        (name, pod, container)
        for name, pod in pod_templates(docs)
        for container in pod.get("initContainers", []) + pod["containers"]
    ]


def deployment(docs: list[dict[str, Any]], service: str) -> dict[str, Any]:
    return one(docs, "Deployment", f"illustra-{service}")


def main_container(docs: list[dict[str, Any]], service: str) -> dict[str, Any]:
    (container,) = deployment(docs, service)["spec"]["template"]["spec"]["containers"]
    return container


def effective_env(docs: list[dict[str, Any]], container: dict[str, Any]) -> dict[str, str]:
    """The container's environment as Kubernetes builds it: envFrom ConfigMaps first, then env (secret refs as
    `secret:NAME/KEY`)."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert "configMapRef" in source, f"envFrom other than a ConfigMap: {source}"
        env.update(one(docs, "ConfigMap", source["configMapRef"]["name"])["data"])
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        else:
            ref = variable["valueFrom"]["secretKeyRef"]
            env[variable["name"]] = f"secret:{ref['name']}/{ref['key']}"
    return env


def matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels, matchExpressions with In/NotIn/Exists/DoesNotExist)."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": labels.get(key) not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[operator]
        if not ok:
            return False
    return True


def pod_labels(docs: list[dict[str, Any]], service: str) -> dict[str, str]:
    return deployment(docs, service)["spec"]["template"]["metadata"]["labels"]


# ---- schema ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_manifests_are_valid_kubernetes_objects(docs: list[dict[str, Any]], version: str) -> None:
    try:
        import kubernetes_validate
    except ImportError:
        pytest.fail(
            "kubernetes-validate is not installed: make install (the dev group has it)", pytrace=False
        )
    if version == "latest":
        version = kubernetes_validate.latest_version()
    errors = []
    for doc in docs:
        name = f"{doc['kind']}/{doc['metadata']['name']}"
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            if doc["kind"] not in CUSTOM_RESOURCE_KINDS:
                errors.append(f"{name}: no schema for {doc['apiVersion']} in Kubernetes {version}")
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(part) for part in error.path)
            errors.append(f"{name}: {path}: {error.message}")
    assert not errors, "\n".join(errors)


def test_overlays_only_patch_the_base() -> None:
    def inventory(target: str) -> set[tuple[str, str]]:
        return {(d["kind"], d["metadata"]["name"]) for d in render(target)}

    for overlay in OVERLAYS:
        assert inventory(overlay) == inventory("base"), f"{overlay} adds or removes objects"


def test_every_object_lives_in_the_illustra_namespace(docs: list[dict[str, Any]]) -> None:
    assert {d["metadata"].get("namespace") for d in docs} == {"illustra"}


# ---- containers -------------------------------------------------------------------------------------------------


def test_every_container_is_hardened(docs: list[dict[str, Any]]) -> None:
    problems = []
    for workload, pod, container in containers(docs):
        where = f"{workload}/{container['name']}"
        context = {**pod.get("securityContext", {}), **container.get("securityContext", {})}
        expected = {
            "runAsNonRoot": True,
            "runAsUser": UID,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
        }
        for key, value in expected.items():
            if container.get("securityContext", {}).get(key) != value:
                problems.append(f"{where}: securityContext.{key} is not {value}")
        if container.get("securityContext", {}).get("capabilities", {}).get("drop") != ["ALL"]:
            problems.append(f"{where}: capabilities.drop is not ['ALL']")
        if context.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{where}: seccompProfile is not RuntimeDefault")
        if container.get("securityContext", {}).get("privileged"):
            problems.append(f"{where}: privileged")
        for kind in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in container.get("resources", {}).get(kind, {}):
                    problems.append(f"{where}: no {kind}.{resource}")
        empty_dirs = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
        if not any(
            m["mountPath"] == "/tmp" and m["name"] in empty_dirs for m in container.get("volumeMounts", [])
        ):
            problems.append(f"{where}: /tmp is not an emptyDir (the root filesystem is read-only)")
        if pod.get("automountServiceAccountToken") is not False:
            problems.append(f"{where}: the service account token is mounted")
        if pod.get("hostNetwork") or pod.get("hostPID") or pod.get("hostIPC"):
            problems.append(f"{where}: shares a host namespace")
    assert not problems, "\n".join(problems)


def test_containers_run_illustra_commands(docs: list[dict[str, Any]]) -> None:
    assert main_container(docs, "gateway")["command"] == [
        "illustra",
        "serve",
        "gateway",
        "--bind",
        "0.0.0.0:8000",
    ]
    assert main_container(docs, "status")["command"] == [
        "illustra",
        "serve",
        "status",
        "--bind",
        "0.0.0.0:8000",
    ]
    assert main_container(docs, "extractor")["command"][:2] == ["illustra", "worker"]
    (migrate,) = one(docs, "Job", "illustra-migrate")["spec"]["template"]["spec"]["containers"]
    assert migrate["command"] == ["illustra", "migrate"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlays_pin_image_tags(overlay: str) -> None:
    for workload, _, container in containers(render(overlay)):
        image = container["image"]
        name, _, tag = image.rpartition(":")
        assert name and "/" not in tag and tag != "latest", (
            f"{overlay} {workload}: image {image} has no pinned tag"
        )


def test_ports_probes_and_metrics(docs: list[dict[str, Any]]) -> None:
    for service in SERVICES:
        container = main_container(docs, service)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        env = effective_env(docs, container)
        assert ports["metrics"] == 9100, service
        assert env["ILLUSTRA_METRICS_PORT"] == "9100", service
        assert env["PROMETHEUS_MULTIPROC_DIR"].startswith("/tmp/"), service
        if service in WEB_SERVICES:
            assert ports["http"] == 8000, service
            assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, service
            assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}, service
        else:
            assert set(ports) == {"metrics"}, "the extractor takes no traffic"
            for probe in ("livenessProbe", "readinessProbe"):
                assert container[probe]["httpGet"] == {"path": "/healthz", "port": "metrics"}, probe


def test_secrets_are_only_referenced(docs: list[dict[str, Any]]) -> None:
    for secret in find(docs, "Secret"):
        assert not secret.get("data") and not secret.get("stringData"), (
            f"Secret {secret['metadata']['name']} has values"
        )
    for workload, _, container in containers(docs):
        for source in container.get("envFrom", []):
            assert "secretRef" not in source, f"{workload}: envFrom a whole Secret"
        for variable in container.get("env", []):
            assert "value" not in variable or not any(
                word in variable["name"] for word in ("PASSWORD", "KEY", "TOKEN", "SECRET", "_URL")
            ), f"{workload}: {variable['name']} has a literal value"
            ref = variable.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["name"] == SECRET_NAME and ref["key"] in SECRET_KEYS, f"{workload}: {ref}"
    for config in find(docs, "ConfigMap"):
        for key in config["data"]:
            assert not any(word in key for word in ("PASSWORD", "API_KEY", "TOKEN", "SECRET")), key
        assert "DATABASE_URL" not in config["data"] and "REDIS_URL" not in config["data"]
    for auth in find(docs, "TriggerAuthentication"):
        for ref in auth["spec"]["secretTargetRef"]:
            assert ref["name"] == SECRET_NAME and ref["key"] in SECRET_KEYS, ref


def test_each_service_gets_the_secrets_it_needs(docs: list[dict[str, Any]]) -> None:
    for service in SERVICES:
        env = effective_env(docs, main_container(docs, service))
        # Each service its own database role; the table owner's URL is for the migrations and the purge alone.
        assert env["DATABASE_URL"] == f"secret:{SECRET_NAME}/{service.upper()}_DATABASE_URL", service
        assert env["REDIS_URL"] == f"secret:{SECRET_NAME}/REDIS_URL", service
        assert ("LLM_API_KEY" in env) == (service == "extractor"), (
            f"{service}: the LLM key is for the extractor only"
        )


def test_environment_settings(target: str, docs: list[dict[str, Any]]) -> None:
    for workload, _, container in containers(docs):
        env = effective_env(docs, container)
        assert env["ILLUSTRA_AUTH"] == "required", workload
        if target == "prod":
            assert env["ILLUSTRA_ENV"] == "prod", workload
        else:
            assert env["ILLUSTRA_ENV"] == "dev", workload


# ---- graceful shutdown ----------------------------------------------------------------------------------------------


def test_extractor_shutdown_timeouts_are_ordered(docs: list[dict[str, Any]]) -> None:
    """A stage's LLM calls fit in its soft limit, the hard limit follows, the worker waits longer than a stage may
    run, and Kubernetes waits longer than the worker before SIGKILL."""
    container = main_container(docs, "extractor")
    env = effective_env(docs, container)
    command = container["command"]
    llm_budget = int(env["LLM_TIMEOUT_S"]) * int(env["LLM_MAX_ATTEMPTS"])
    soft, hard = int(env["STAGE_SOFT_TIME_LIMIT_S"]), int(env["STAGE_HARD_TIME_LIMIT_S"])
    worker_shutdown = float(command[command.index("--shutdown-timeout") + 1])
    grace = deployment(docs, "extractor")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert llm_budget < soft <= hard < worker_shutdown < grace, (
        llm_budget,
        soft,
        hard,
        worker_shutdown,
        grace,
    )
    assert (llm_budget, soft, hard, worker_shutdown, grace) == (360, 1500, 1800, 1860, 1900)
    # A document only counts as stuck once a stage could not still be running or waiting for its retry.
    assert int(env["ILLUSTRA_STUCK_AFTER_S"]) > hard + int(env["STAGE_MAX_BACKOFF_S"])


@pytest.mark.parametrize("service", WEB_SERVICES)
def test_web_shutdown_fits_the_grace_period(docs: list[dict[str, Any]], service: str) -> None:
    container = main_container(docs, service)
    env = effective_env(docs, container)
    pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    graceful = int(env["WEB_GRACEFUL_TIMEOUT_S"])
    grace = deployment(docs, service)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert graceful == 20 and grace == 30
    assert pre_stop + graceful < grace, (pre_stop, graceful, grace)


# ---- wiring ---------------------------------------------------------------------------------------------------------


def test_services_select_their_pods_and_name_existing_ports(docs: list[dict[str, Any]]) -> None:
    for service in SERVICES:
        svc = one(docs, "Service", f"illustra-{service}")
        selected = [
            d
            for d in find(docs, "Deployment")
            if matches({"matchLabels": svc["spec"]["selector"]}, d["spec"]["template"]["metadata"]["labels"])
        ]
        assert [d["metadata"]["name"] for d in selected] == [f"illustra-{service}"]
        container_ports = {p["name"] for p in main_container(docs, service)["ports"]}
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in container_ports, (service, port)


def test_scaling_objects(docs: list[dict[str, Any]]) -> None:
    for service in SERVICES:
        assert "replicas" not in deployment(docs, service)["spec"], (
            f"{service}: replicas fights the autoscaler"
        )
        budget = one(docs, "PodDisruptionBudget", f"illustra-{service}")
        assert matches(budget["spec"]["selector"], pod_labels(docs, service))
    for service in WEB_SERVICES:
        hpa = one(docs, "HorizontalPodAutoscaler", f"illustra-{service}")
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": f"illustra-{service}",
        }
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    assert not find(docs, "HorizontalPodAutoscaler", "illustra-extractor"), "KEDA makes the extractor's HPA"


def test_extractor_scales_on_both_dramatiq_queues(docs: list[dict[str, Any]]) -> None:
    scaled = one(docs, "ScaledObject", "illustra-extractor")["spec"]
    assert scaled["scaleTargetRef"]["name"] == "illustra-extractor"
    assert 1 <= scaled["minReplicaCount"] <= scaled["maxReplicaCount"]
    *waiting, in_flight = scaled["triggers"]
    # Work in flight counts as well as work waiting: stages running in all pods, a pod's worth at most per pod
    # (a pod busy with 200 slow model calls and an empty queue is kept).
    assert in_flight["type"] == "prometheus"
    assert in_flight["metadata"]["query"] == 'sum(illustra_stages_in_progress{namespace="illustra"})'
    assert "illustra_stages_in_progress" in defined_metric_names()
    # The extractor has an LLM key, so it runs in hybrid mode with its threads sized for waiting on the model.
    env = effective_env(docs, main_container(docs, "extractor"))
    settings = Settings.from_env(env)
    assert (
        0
        < float(in_flight["metadata"]["threshold"])
        <= 200
        <= settings.worker_processes * settings.worker_threads
    )
    # Work waiting: the main queue and the bulk one, where a user's backlog waits.
    assert [trigger["metadata"]["listName"] for trigger in waiting] == [
        f"{env['BROKER_NAMESPACE']}:{queue_name}" for queue_name in settings.queue_names
    ]
    assert settings.queue_names == ("illustra", "illustra.bulk") and settings.bulk_after > 0
    for trigger in waiting:
        assert trigger["type"] == "redis" and int(trigger["metadata"]["listLength"]) > 0
        auth = one(docs, "TriggerAuthentication", trigger["authenticationRef"]["name"])
        assert {ref["parameter"] for ref in auth["spec"]["secretTargetRef"]} >= {"address", "password"}


def test_ingress_routes_document_reads_to_status_and_the_rest_to_the_gateway(
    docs: list[dict[str, Any]],
) -> None:
    from illustra_shared.routing import GATEWAY_PATHS_UNDER_STATUS, STATUS_PATH_PREFIX

    (ingress,) = find(docs, "Ingress")
    (rule,) = ingress["spec"]["rules"]
    routes = {p["path"]: (p["pathType"], p["backend"]["service"]) for p in rule["http"]["paths"]}
    assert routes == {
        GATEWAY_PATHS_UNDER_STATUS: (
            "ImplementationSpecific",
            {"name": "illustra-gateway", "port": {"name": "http"}},
        ),
        STATUS_PATH_PREFIX: ("Prefix", {"name": "illustra-status", "port": {"name": "http"}}),
        "/": ("Prefix", {"name": "illustra-gateway", "port": {"name": "http"}}),
    }
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/use-regex"] == "true"
    assert STATUS_PATH_PREFIX == "/api/ocr/documents/"
    assert [tls["hosts"] for tls in ingress["spec"]["tls"]] == [[rule["host"]]]


def test_overlays_have_their_own_host_names() -> None:
    hosts = {overlay: find(render(overlay), "Ingress")[0]["spec"]["rules"][0]["host"] for overlay in OVERLAYS}
    assert len(set(hosts.values())) == len(OVERLAYS), hosts


def test_servicemonitors_scrape_each_service_metrics_port(docs: list[dict[str, Any]]) -> None:
    for service in SERVICES:
        monitor = one(docs, "ServiceMonitor", f"illustra-{service}")
        svc = one(docs, "Service", f"illustra-{service}")
        assert matches(monitor["spec"]["selector"], svc["metadata"]["labels"])
        assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["metrics"]
        assert "metrics" in {p["name"] for p in svc["spec"]["ports"]}
    # `up{job=~"illustra-.*"}` in the alerts: the operator names the job after the Service.
    assert {m["metadata"]["name"] for m in find(docs, "ServiceMonitor")} == {
        f"illustra-{s}" for s in SERVICES
    }


def test_grafana_dashboard_configmap_is_labelled(docs: list[dict[str, Any]]) -> None:
    dashboard = one(docs, "ConfigMap", "illustra-grafana-dashboard")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"


# ---- network policies -----------------------------------------------------------------------------------------------


def policies_for(
    docs: list[dict[str, Any]], labels: dict[str, str], policy_type: str
) -> list[dict[str, Any]]:
    return [
        p["spec"]
        for p in find(docs, "NetworkPolicy")
        if matches(p["spec"]["podSelector"], labels) and policy_type in p["spec"]["policyTypes"]
    ]


def test_network_policies(docs: list[dict[str, Any]]) -> None:
    for workload in (d for d in docs if d["kind"] in ("Deployment", "Job")):
        labels = workload["spec"]["template"]["metadata"]["labels"]
        for policy_type in ("Ingress", "Egress"):
            assert policies_for(docs, labels, policy_type), (
                f"{workload['metadata']['name']}: {policy_type} not restricted"
            )

    def ingress_rules(service: str) -> list[dict[str, Any]]:
        return [
            rule
            for spec in policies_for(docs, pod_labels(docs, service), "Ingress")
            for rule in spec.get("ingress", [])
        ]

    def egress_ports(service: str) -> set[int | str]:
        return {
            port["port"]
            for spec in policies_for(docs, pod_labels(docs, service), "Egress")
            for rule in spec.get("egress", [])
            for port in rule.get("ports", [])
        }

    def namespaces(rule: dict[str, Any]) -> set[str]:
        return {
            peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for peer in rule["from"]
        }

    for service in SERVICES:
        rules = ingress_rules(service)
        assert all(rule.get("from") and rule.get("ports") for rule in rules), (
            f"{service}: ingress open to all"
        )
        allowed = {(ns, port["port"]) for rule in rules for ns in namespaces(rule) for port in rule["ports"]}
        expected = {("monitoring", "metrics")}
        if service in WEB_SERVICES:
            expected.add(("ingress-nginx", "http"))
        assert allowed == expected, (service, allowed)
    assert egress_ports("extractor") == {53, 5432, 6379, 443}
    for spec in policies_for(docs, pod_labels(docs, "extractor"), "Egress"):
        for rule in spec.get("egress", []):
            assert rule.get("to"), f"egress to any address: {rule}"
            for peer in rule["to"]:
                if "ipBlock" in peer and peer["ipBlock"]["cidr"] == "0.0.0.0/0":
                    assert "169.254.0.0/16" in peer["ipBlock"]["except"], (
                        "the cloud metadata address is reachable"
                    )
    for service in WEB_SERVICES:
        assert egress_ports(service) == {53, 5432, 6379}, service


def test_stored_documents_are_purged_after_the_retention_period(docs: list[dict[str, Any]]) -> None:
    (cronjob,) = find(docs, "CronJob")
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"] == ["illustra", "purge"]
    assert int(effective_env(docs, container)["ILLUSTRA_RETENTION_DAYS"]) > 0
