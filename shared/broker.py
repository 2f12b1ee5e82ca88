"""The broker, chosen by URL: ``redis://`` (default), ``amqp://`` (RabbitMQ) or ``stub://`` (in-process, for the
demo and for tests of pure logic). Both the gateway, which only enqueues, and the extractor, which consumes, build
it here, so both agree on queue names and middleware."""

from __future__ import annotations

from urllib.parse import urlsplit

import dramatiq
from dramatiq import Broker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, Callbacks, Pipelines, Retries, ShutdownNotifications, TimeLimit

from .errors import ConfigurationError
from .settings import Settings


def _default_middleware(settings: Settings) -> list:
    return [
        AgeLimit(),
        TimeLimit(time_limit=int(settings.stage_soft_time_limit_s * 1000)),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(
            max_retries=settings.stage_max_retries,
            min_backoff=int(settings.stage_min_backoff_s * 1000),
            max_backoff=int(settings.stage_max_backoff_s * 1000),
        ),
    ]


def create_broker(settings: Settings) -> Broker:
    """Build the broker for ``settings.broker_url`` and make it dramatiq's global broker; connects lazily."""
    scheme = urlsplit(settings.broker_url).scheme
    middleware = _default_middleware(settings)
    broker: Broker
    if scheme in ("redis", "rediss"):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(
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
    broker.declare_queue(settings.queue_name)
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
