"""The Redis consumer against a real Redis: it waits for work without polling and gives back what it fetched
but did not hand out when it closes. And what waits in a queue, as both brokers count it."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import dramatiq
import pytest
import redis

from illustra_shared.broker import create_broker, waiting_messages
from illustra_shared.settings import Settings

from ..support import BROKERS, REDIS_URL, Stack, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def broker() -> Iterator[dramatiq.Broker]:
    namespace = f"illustra-test-broker-{uuid.uuid4().hex[:8]}"
    settings = Settings.from_env(
        {"REDIS_URL": REDIS_URL, "BROKER_NAMESPACE": namespace, "ILLUSTRA_QUEUE": "q"}
    )
    created = create_broker(settings)
    try:
        yield created
    finally:
        created.close()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{namespace}*"))
        if keys:
            client.delete(*keys)


def send(broker: dramatiq.Broker, count: int) -> None:
    for n in range(count):
        broker.enqueue(dramatiq.Message(queue_name="q", actor_name="a", args=(n,), kwargs={}, options={}))


def test_closing_gives_back_the_fetched_messages_not_handed_out(broker: dramatiq.Broker) -> None:
    send(broker, 3)
    consumer = broker.consume("q", prefetch=3, timeout=100)
    handed_out = next(consumer)
    assert handed_out is not None and handed_out.args == (0,)
    client = broker.client
    assert client.llen(f"{broker.namespace}:q") == 0  # all three fetched
    consumer.close()
    assert client.llen(f"{broker.namespace}:q") == 2
    again = broker.consume("q", prefetch=3, timeout=100)
    assert sorted(next(again).args + next(again).args) == [1, 2]


def test_an_idle_consumer_wakes_when_a_message_is_sent(broker: dramatiq.Broker) -> None:
    consumer = broker.consume("q", prefetch=1, timeout=5000)
    threading.Timer(0.3, send, (broker, 1)).start()
    started = time.monotonic()
    while (message := next(consumer)) is None:
        assert time.monotonic() - started < 5, "no message within the wait"
    # Woken by the push, not by the end of the 5 s wait.
    assert time.monotonic() - started < 2 and message.args == (0,)


@pytest.mark.parametrize("broker_name", sorted(BROKERS))
def test_waiting_messages_counts_what_no_consumer_has_fetched(tmp_path, broker_name: str) -> None:
    # A Stack's settings name a namespace and queues of their own, and its stop removes them from both brokers.
    stack = Stack(tmp_path, BROKERS[broker_name])
    try:
        settings = Settings.from_env(stack.env)
        on = create_broker(settings)
        for n in range(3):
            on.enqueue(dramatiq.Message(settings.bulk_queue_name, "a", (n,), {}, {}))
        # RabbitMQ counts a publish a moment after it is sent.
        wait_until(lambda: waiting_messages(on, settings.bulk_queue_name) == 3, 5, "3 messages waiting")
        assert waiting_messages(on, settings.queue_name) == 0
        consumer = on.consume(settings.bulk_queue_name, prefetch=1, timeout=100)
        assert wait_until(lambda: next(consumer), 5, "a message to be fetched").args == (0,)
        assert wait_until(lambda: waiting_messages(on, settings.bulk_queue_name) == 2, 5, "2 left waiting")
        consumer.close()
        on.close()
    finally:
        stack.stop()
