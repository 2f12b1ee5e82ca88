"""The submission limit: a sliding window, kept in Redis across processes, and kept per process when Redis is
down rather than lifted."""

from __future__ import annotations

import uuid

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from illustra_shared.ratelimit import RateLimiter, RedisRateLimiter

from ..support import REDIS_URL, free_port

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _limiters(clock: Clock) -> list:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    return [
        RateLimiter(3, 60, clock),
        RedisRateLimiter(client, 3, 60, clock, namespace="illustra-test"),
    ]


@pytest.mark.parametrize("kind", [0, 1], ids=["memory", "redis"])
def test_no_burst_across_the_edge_of_a_window(kind: int) -> None:
    clock = Clock()
    limiter = _limiters(clock)[kind]
    key = f"test-{uuid.uuid4().hex}"
    clock.now = 1_000_019.0  # late in a fixed minute
    assert [limiter.hit(key) for _ in range(3)] == [None, None, None]
    clock.now = 1_000_021.0  # early in the next one: a fixed window would allow three more
    assert limiter.hit(key) == 58  # the first use leaves the window at 1,000,079
    clock.now = 1_000_079.5  # all three have left the window
    assert [limiter.hit(key) for _ in range(4)] == [None, None, None, 60]
    assert limiter.hit(f"other-{key}") is None  # per key


def test_with_redis_down_each_process_still_limits() -> None:
    clock = Clock()
    unreachable = redis.Redis(port=free_port(), socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
    limiter = RedisRateLimiter(unreachable, 2, 60, clock, namespace="illustra-test")
    assert [limiter.hit("user") for _ in range(3)] == [None, None, 60]


def test_stacks_sharing_a_redis_keep_their_own_counts() -> None:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    one, other = (RedisRateLimiter(client, 1, 60, namespace=f"stack-{uuid.uuid4().hex}") for _ in range(2))
    assert [one.hit("user"), other.hit("user")] == [None, None]
    assert one.hit("user") == 60 and other.hit("user") == 60
    assert client.exists(f"{one.prefix}user") and client.exists(f"{other.prefix}user")
