"""Schemathesis (its command line, as an operator would run it) against the live stack's /openapi.json: no 5xx,
and every answer's status code, content type, headers and body as the description says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from ..support import Stack

pytestmark = pytest.mark.integration

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_the_description_covers_every_route_the_services_serve(stack: Stack) -> None:
    paths = requests.get(f"{stack.origin}/openapi.json", timeout=5).json()["paths"]
    assert set(paths) == {
        "/api/ocr/save/",
        "/api/ocr/documents/{document_id}/retry/",
        "/api/ocr/documents/{document_id}/status/",
        "/api/ocr/documents/{document_id}/",
        "/api/ocr/documents/",
        "/healthz",
        "/readyz",
    }
    assert requests.get(f"{stack.url('status')}/openapi.json", timeout=5).json()["paths"] == paths


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_description(stack: Stack) -> None:
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{stack.origin}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "25",
            "--max-time",
            "90",
            "--phases",
            "examples,coverage,fuzzing",
            "--request-timeout",
            "10",
            "--warnings",
            "off",
            "--seed",
            "20261129",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
