"""A headless Chromium (Debian's package, driven by Playwright) for the page's tests. Never `playwright install`:
the browser is the system's."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("ILLUSTRA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "the page's tests need the Python package playwright: `make install` (the dev group has it) "
            "(it drives the system's Chromium; do not run `playwright install`)",
            pytrace=False,
        )
    if not CHROMIUM.is_file():
        pytest.fail(
            f"the page's tests need Chromium at {CHROMIUM}: install Debian's package with "
            "`apt-get update && apt-get install -y chromium` (or set ILLUSTRA_CHROMIUM to a Chromium binary)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR
