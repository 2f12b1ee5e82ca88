"""The services' Dockerfiles: hadolint-clean, multi-stage on a pinned slim base, non-root, exec-form commands,
and a .dockerignore that keeps the virtualenv, tests and history out of the build context."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import PROJECT_DIR, require_tool, run_tool

SERVICES = {
    "gateway": ["serve", "gateway", "--bind", "0.0.0.0:8000"],
    "status": ["serve", "status", "--bind", "0.0.0.0:8000"],
    "extractor": ["worker", "--shutdown-timeout", "1860"],
}


def instructions(service: str) -> list[tuple[str, str]]:
    text = (PROJECT_DIR / "services" / service / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in (raw.strip() for raw in text.splitlines())
        if line and not line.startswith("#")
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_hadolint_is_clean(service: str) -> None:
    result = run_tool([require_tool("hadolint"), str(PROJECT_DIR / "services" / service / "Dockerfile")])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_shape(service: str) -> None:
    steps = instructions(service)
    bases = [arg for op, arg in steps if op == "FROM"]
    assert len(bases) >= 2, "multi-stage: a builder and a runtime stage"
    for base in bases:
        image = base.split()[0]
        assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", image), (
            f"unpinned base {image}"
        )
    runtime = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM") :]
    users = [arg for op, arg in runtime if op == "USER"]
    assert users and users[-1].split(":")[0] == "10001", "the runtime stage runs as UID 10001"
    entrypoint = [json.loads(arg) for op, arg in runtime if op == "ENTRYPOINT"]
    command = [json.loads(arg) for op, arg in runtime if op == "CMD"]
    assert entrypoint == [["illustra"]], "exec-form ENTRYPOINT"
    assert command == [SERVICES[service]], "exec-form CMD"
    assert any(op == "COPY" and "--from=builder" in arg for op, arg in runtime), (
        "the runtime copies the built venv"
    )
    for op, arg in steps:
        assert not (
            op in ("ENV", "ARG") and re.search(r"(PASSWORD|SECRET|TOKEN|API_KEY|DATABASE_URL|REDIS_URL)", arg)
        ), f"a secret in the image: {op} {arg}"


def test_dockerignore_keeps_the_context_small() -> None:
    entries = {line.strip().rstrip("/") for line in (PROJECT_DIR / ".dockerignore").read_text().splitlines()}
    for wanted in (".venv", ".run", ".git", "tests", "bench", "**/__pycache__"):
        assert wanted in entries, f".dockerignore misses {wanted}"
