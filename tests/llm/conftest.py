from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import free_port

from .fake_openai_server import FakeOpenAIServer


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer(free_port()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fake(fake_server: FakeOpenAIServer) -> FakeOpenAIServer:
    """The fake server with an empty script and no recorded requests: every test starts from `correct`."""
    fake_server.script()
    return fake_server
