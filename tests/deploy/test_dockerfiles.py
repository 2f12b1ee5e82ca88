"""The Dockerfile (one build target per service): hadolint-clean, multi-stage on a pinned slim base, non-root,
exec-form commands, each image installing only its service's package from the lock file; and a .dockerignore that
keeps the virtualenv, tests and history out of the build context. Docker itself is not needed: the file is read,
and what each image would install is asked of the lock file."""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

import pytest

from .conftest import PROJECT_DIR, require_tool, run_tool

DOCKERFILE = PROJECT_DIR / "Dockerfile"
SERVICES = {
    "gateway": ["serve", "gateway", "--bind", "0.0.0.0:8000"],
    "status": ["serve", "status", "--bind", "0.0.0.0:8000"],
    "extractor": ["worker", "--shutdown-timeout", "1860"],
}
# What an image must not carry: the worker no web framework or server, the web services no model client.
NOT_IN_IMAGE = {
    "gateway": {"openai"},
    "status": {"openai"},
    "extractor": {"falcon", "gunicorn"},
}


def stages() -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """Each stage by name: its base (an image or another stage) and its instructions."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    steps: list[tuple[str, str]] = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or line.startswith("#"):
            continue
        op, _, arg = line.partition(" ")
        if op.upper() == "FROM":
            base, _, name = arg.partition(" AS ")
            steps = []
            found[name.strip()] = (base.strip(), steps)
        else:
            steps.append((op.upper(), arg.strip()))
    return found


def chain(name: str) -> list[tuple[str, str]]:
    """A stage's instructions with those of the stages it builds on, oldest first."""
    all_stages = stages()
    base, steps = all_stages[name]
    return [*(chain(base) if base in all_stages else []), *steps]


def test_hadolint_is_clean() -> None:
    result = run_tool([require_tool("hadolint"), str(DOCKERFILE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_bases_are_pinned_slim_images() -> None:
    all_stages = stages()
    for base, _ in all_stages.values():
        if base not in all_stages:
            assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", base), (
                f"unpinned {base}"
            )


@pytest.mark.parametrize("service", SERVICES)
def test_service_target_shape(service: str) -> None:
    steps = chain(service)
    users = [arg for op, arg in steps if op == "USER"]
    assert users and users[-1].split(":")[0] == "10001", "the image runs as UID 10001"
    assert [json.loads(arg) for op, arg in steps if op == "ENTRYPOINT"][-1] == ["illustra"], (
        "exec-form ENTRYPOINT"
    )
    assert [json.loads(arg) for op, arg in steps if op == "CMD"][-1] == SERVICES[service], "exec-form CMD"
    copies = [arg for op, arg in stages()[service][1] if op == "COPY"]
    assert copies == [f"--from={service}-venv /opt/venv /opt/venv"], "the image copies its own service's venv"
    for op, arg in steps:
        assert not (
            op in ("ENV", "ARG") and re.search(r"(PASSWORD|SECRET|TOKEN|API_KEY|DATABASE_URL|REDIS_URL)", arg)
        ), f"a secret in the image: {op} {arg}"


@pytest.mark.parametrize("service", SERVICES)
def test_service_venv_installs_only_its_package_from_the_lock(service: str) -> None:
    runs = [shlex.split(arg) for op, arg in stages()[f"{service}-venv"][1] if op == "RUN"]
    assert runs == [
        ["uv", "sync", "--frozen", "--no-dev", "--no-editable", "--package", "illustra", "--extra", service]
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_image_dependencies_leave_out_other_services(service: str) -> None:
    """What the lock file installs for the image's `uv sync`: its service, shared and the command line, and none
    of the dependencies only another service needs."""
    uv = Path(sys.executable).parent / "uv"
    result = run_tool(
        [
            str(uv),
            "export",
            "--frozen",
            "--no-dev",
            "--no-hashes",
            "--package",
            "illustra",
            "--extra",
            service,
        ],
        cwd=PROJECT_DIR,
    )
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip() and not line.startswith("#")]
    members = {line.removeprefix("-e ./") for line in lines if line.startswith("-e ")}
    names = {re.split(r"[\s=<>\[;]", line)[0].lower() for line in lines if not line.startswith("-e ")}
    assert members == {"cli", "shared", f"services/{service}"}
    assert not NOT_IN_IMAGE[service] & names, (
        f"the {service} image would carry {NOT_IN_IMAGE[service] & names}"
    )


def test_dockerignore_keeps_the_context_small() -> None:
    entries = {line.strip().rstrip("/") for line in (PROJECT_DIR / ".dockerignore").read_text().splitlines()}
    for wanted in (".venv", ".run", ".git", "tests", "bench", "**/__pycache__"):
        assert wanted in entries, f".dockerignore misses {wanted}"
