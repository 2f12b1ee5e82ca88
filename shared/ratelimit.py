"""Per-user limits on submissions: at most N in each window of W seconds, shared by every gateway process
through Redis (in process memory for the demo)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import redis

log = logging.getLogger(__name__)


class RateLimiter:
    def __init__(self, limit: int, window_s: int) -> None:
        self.limit = limit
        self.window_s = window_s

    def hit(self, key: str) -> int | None:
        """Count one use by ``key``; the seconds to wait when it is over the limit, else None."""
        raise NotImplementedError


class RedisRateLimiter(RateLimiter):
    def __init__(
        self, client: redis.Redis, limit: int, window_s: int, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(limit, window_s)
        self.client = client
        self.clock = clock

    def hit(self, key: str) -> int | None:
        now = self.clock()
        window = int(now // self.window_s)
        redis_key = f"illustra:ratelimit:{key}:{window}"
        try:
            with self.client.pipeline() as pipe:
                pipe.incr(redis_key)
                pipe.expire(redis_key, self.window_s + 1)
                count, _ = pipe.execute()
        except redis.RedisError:
            # A limiter that cannot count lets requests through rather than refusing everyone.
            log.warning("rate limiter unavailable; not limiting")
            return None
        if count <= self.limit:
            return None
        return max(1, int((window + 1) * self.window_s - now + 0.999))


class MemoryRateLimiter(RateLimiter):
    def __init__(self, limit: int, window_s: int, clock: Callable[[], float] = time.time) -> None:
        super().__init__(limit, window_s)
        self.clock = clock
        self.counts: dict[tuple[str, int], int] = {}
        self.lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        now = self.clock()
        window = int(now // self.window_s)
        with self.lock:
            self.counts = {k: v for k, v in self.counts.items() if k[1] >= window}
            count = self.counts[(key, window)] = self.counts.get((key, window), 0) + 1
        if count <= self.limit:
            return None
        return max(1, int((window + 1) * self.window_s - now + 0.999))
