"""The broker, chosen by URL: ``redis://`` (default), ``amqp://`` (RabbitMQ) or ``stub://`` (in-process, for the
demo and for tests of pure logic). Both the gateway, which only enqueues, and the extractor, which consumes, build
it here, so both agree on queue names and middleware."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import dramatiq
import redis
from dramatiq import Broker
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.brokers.stub import StubBroker
from dramatiq.errors import ConnectionClosed
from dramatiq.message import Message
from dramatiq.middleware import Retries, TimeLimit

from .errors import ConfigurationError
from .settings import Settings


class _WaitingRedisConsumer(_RedisConsumer):
    """Dramatiq's Redis consumer polls an empty queue and sleeps between polls (5 ms to ``timeout``): each pipeline
    hop then waits for the next poll, and idle polling costs CPU. This one, finding the queue empty, blocks until
    its list has a message id in it (up to ``timeout``) with ``BLMOVE list list RIGHT RIGHT``, which takes the last
    element and puts it back where it was: nothing moves, and the consumer wakes as soon as anyone (an enqueue, a
    requeue by Dramatiq's maintenance) pushes to the queue, at no cost to whoever sends. Needs Redis 6.2+."""

    def __next__(self) -> MessageProxy | None:
        try:
            while True:
                if self.message_cache:
                    data = self.message_cache.pop(0)
                    if data is None:
                        continue
                    message = Message.decode(data)
                    self.queued_message_ids.add(message.message_id)
                    return MessageProxy(message)
                if self.outstanding_message_count < self.prefetch:
                    self.message_cache = self.broker.do_fetch(
                        self.queue_name, self.prefetch - self.outstanding_message_count
                    )
                    if self.message_cache:
                        continue
                    key = f"{self.broker.namespace}:{self.queue_name}"
                    self.broker.client.blmove(key, key, self.timeout / 1000, "RIGHT", "RIGHT")
                else:
                    # Full up with prefetched messages: wait for the worker threads to take some.
                    time.sleep(0.001)
                return None
        except redis.ConnectionError as error:
            raise ConnectionClosed(error) from None

    def close(self) -> None:
        # Messages fetched but not yet handed to a worker thread go back to the queue now: left alone (as
        # Dramatiq's consumer leaves them) they wait for the heartbeat timeout, a minute, to be requeued.
        cached = [Message.decode(data) for data in self.message_cache if data is not None]
        self.message_cache = []
        if cached:
            self.broker.do_requeue(
                self.queue_name, *(message.options["redis_message_id"] for message in cached)
            )
        super().close()


class WaitingRedisBroker(RedisBroker):
    """The Redis broker whose consumers wait for messages instead of polling (see ``_WaitingRedisConsumer``)."""

    @property
    def consumer_class(self) -> type:
        return _WaitingRedisConsumer


def create_broker(settings: Settings) -> Broker:
    """Build the broker for ``settings.broker_url`` and make it dramatiq's global broker; connects lazily."""
    scheme = urlsplit(settings.broker_url).scheme
    # Only the Dramatiq middleware the stages use: every message runs each one's hooks. (Its default list also has
    # AgeLimit, ShutdownNotifications, Callbacks and Pipelines, for actor options no stage sets.) Their limits and
    # retries are the stage actors' options (``illustra_extractor.actors``).
    middleware = [TimeLimit(), Retries()]
    broker: Broker
    if scheme in ("redis", "rediss"):
        broker = WaitingRedisBroker(  # type: ignore[no-untyped-call]  # dramatiq's RedisBroker.__init__ has none
            url=settings.broker_url,
            namespace=settings.broker_namespace,
            middleware=middleware,
            socket_timeout=10,
            socket_connect_timeout=5,
            health_check_interval=30,
        )
    elif scheme in ("amqp", "amqps"):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=settings.broker_url, middleware=middleware)
    elif scheme == "stub":
        broker = StubBroker(middleware=middleware)
    else:
        raise ConfigurationError(f"BROKER_URL must start with redis://, amqp:// or stub://, not {scheme}://")
    for queue_name in settings.queue_names:
        broker.declare_queue(queue_name)
    dramatiq.set_broker(broker)
    return broker


def ping_broker(broker: Broker) -> None:
    """Raise if the broker cannot be reached."""
    client = getattr(broker, "client", None)
    if client is not None:  # Redis
        client.ping()
        return
    if hasattr(broker, "connection"):  # RabbitMQ: opening the (thread-local) connection is the check
        broker.connection  # noqa: B018


def waiting_messages(broker: Broker, queue_name: str) -> int:
    """How many messages wait in ``queue_name`` (not delayed, not fetched by a worker)."""
    if isinstance(broker, RedisBroker):
        return int(broker.client.llen(f"{broker.namespace}:{queue_name}"))
    if isinstance(broker, StubBroker):
        return int(broker.queues[queue_name].qsize())
    from dramatiq.brokers.rabbitmq import RabbitmqBroker  # pika only where RabbitMQ is configured

    assert isinstance(broker, RabbitmqBroker), f"no message count for {type(broker).__name__}"
    return int(broker.get_queue_message_counts(queue_name)[0])
