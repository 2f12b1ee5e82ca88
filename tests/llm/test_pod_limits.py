"""The client's manners at scale: a bound on calls in flight per process, and a 429 that pauses the whole pod."""

from __future__ import annotations

import threading
import time

from illustra_extractor.llm.client import LLMClient
from illustra_extractor.llm.config import LLMConfig
from illustra_extractor.llm.deadline import Deadline
from illustra_shared.lifecycle import StageReport
from illustra_shared.settings import Settings
from tests.support import wait_until

from .fake_openai_server import FakeOpenAIServer
from .support import API_KEY

MESSAGES = [{"role": "user", "content": "{}"}]


def _call(client: LLMClient) -> None:
    client.complete("basic_info", MESSAGES, max_tokens=64, deadline=Deadline(20), report=StageReport())


def test_a_429_pauses_every_process_of_the_pod(fake: FakeOpenAIServer) -> None:
    fake.script(
        {"kind": "status", "status": 429, "headers": {"Retry-After": "1"}}, default={"kind": "wrong_schema"}
    )
    config = LLMConfig(base_url=fake.base_url, api_key=API_KEY, backoff_s=0.05)
    # Two clients: what two worker processes of one pod have; they share nothing but the pod's pause.
    rate_limited, other = LLMClient(config), LLMClient(config)
    first = threading.Thread(target=_call, args=(rate_limited,))
    first.start()
    wait_until(lambda: rate_limited.pause.until() > time.time(), 10, "the 429 to pause the pod")
    started = time.monotonic()
    _call(other)
    assert time.monotonic() - started >= 0.8  # it waited out the Retry-After the other process was given
    first.join(10)
    assert len(fake.received()) == 3


def test_calls_in_flight_are_bounded_per_process(fake: FakeOpenAIServer) -> None:
    fake.script(default={"kind": "wrong_schema"}, latency={"call_s": 0.3})
    client = LLMClient(LLMConfig(base_url=fake.base_url, api_key=API_KEY, max_in_flight=2))
    callers = [threading.Thread(target=_call, args=(client,)) for _ in range(6)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(20)
    stats = fake.stats()
    assert stats["answered"] == 6
    assert stats["max_in_flight"] == 2


def test_the_pods_bound_is_shared_between_its_processes() -> None:
    settings = Settings.from_env(
        {"LLM_MAX_IN_FLIGHT": "200", "WORKER_PROCESSES": "3", "EXTRACTOR_MODE": "llm"}
    )
    assert LLMConfig.from_settings(settings).max_in_flight == 67
    # A process waiting on the model needs threads, not CPU; the rules keep their few.
    assert settings.worker_threads * settings.worker_processes >= 200
    assert Settings.from_env({}).worker_threads == 8


def test_a_retry_after_in_milliseconds_is_waited_out(fake: FakeOpenAIServer) -> None:
    fake.script(
        {"kind": "status", "status": 429, "headers": {"retry-after-ms": "700"}},
        default={"kind": "wrong_schema"},
    )
    client = LLMClient(LLMConfig(base_url=fake.base_url, api_key=API_KEY, backoff_s=0.01))
    started = time.monotonic()
    _call(client)
    assert time.monotonic() - started >= 0.7
    assert len(fake.received()) == 2
