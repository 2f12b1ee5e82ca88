from __future__ import annotations

from collections.abc import Iterator

import pytest

from .support import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole system as real processes against the real PostgreSQL and Redis, shared by the integration tests."""
    running = Stack(tmp_path_factory.mktemp("stack-logs")).start()
    try:
        yield running
    finally:
        running.stop()
