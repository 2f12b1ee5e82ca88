"""At scale in the real stack: stages waiting on a slow model hold no database connection."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import Stack, wait_until

from .documents import HK
from .fake_openai_server import FakeOpenAIServer
from .support import API_KEY

pytestmark = pytest.mark.integration

EXTRACTOR_APPLICATION = "illustra-test-extractor"


class _NamedExtractorStack(Stack):
    """A stack whose extractor names its PostgreSQL connections, to tell them from the web services'."""

    def start_extractor(self, name: str = "extractor") -> None:
        shared_env = self.env
        self.env = {**shared_env, "PGAPPNAME": EXTRACTOR_APPLICATION}
        try:
            super().start_extractor(name)
        finally:
            self.env = shared_env


def test_stages_waiting_on_the_model_hold_no_connection(fake: FakeOpenAIServer, tmp_path: Path) -> None:
    # Calls long enough that the samples below are taken while the first stage's calls still wait, however
    # loaded the machine: at 1 s they could all end between the wait and the samples (seen once).
    fake.script(latency={"call_s": 3.0})
    stack = _NamedExtractorStack(
        tmp_path,
        extra_env={
            "EXTRACTOR_MODE": "llm",
            "LLM_API_KEY": API_KEY,
            "LLM_BASE_URL": fake.base_url,
            "WORKER_THREADS": "16",
            "WORKER_DB_CONNECTIONS": "2",
        },
    ).start()
    try:
        # Texts of their own, so that no reply comes from the cache.
        ids = [stack.submit(f"{HK}\n({n})") for n in range(16)]
        wait_until(lambda: fake.stats()["in_flight"] >= 12, 30, "12 model calls in flight")
        in_flight, held = [], []
        for _ in range(10):
            in_flight.append(fake.stats()["in_flight"])
            held.append(
                stack.database.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
                    " AND datname = current_database()",
                    (EXTRACTOR_APPLICATION,),
                )[0][0]
            )
        assert min(in_flight) >= 12, in_flight
        assert max(held) <= 2  # the process's pool: a connection each for none of the waiting stages
        for document_id in ids:
            assert stack.wait_finished(document_id, timeout=60)["processing_stage"] == "all_completed"
    finally:
        stack.stop()
