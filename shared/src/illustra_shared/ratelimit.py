"""Per-user limits on submissions: at most N in any W seconds (a sliding window, so no burst of 2N across the edge
of two fixed windows), shared by every gateway process through Redis (in process memory for the demo).

When Redis cannot be reached the limit is kept by each process on its own, so an outage loosens it (to N per
process) but never lifts it."""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable

import redis

log = logging.getLogger(__name__)


def _wait(seconds: float) -> int:
    return max(1, math.ceil(seconds))


class RateLimiter:
    """The times of each key's uses in the last window, in this process."""

    def __init__(self, limit: int, window_s: int, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self.uses: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Count one use by ``key``; the seconds to wait when it is over the limit (the use is then not counted),
        else None."""
        now = self.clock()
        since = now - self.window_s
        with self.lock:
            if len(self.uses) > 10_000:  # forget the keys idle for a whole window
                self.uses = {k: times for k, times in self.uses.items() if times and times[-1] > since}
            times = self.uses.setdefault(key, deque())
            while times and times[0] <= since:
                times.popleft()
            if len(times) >= self.limit:
                return _wait(times[0] - since)
            times.append(now)
        return None


# The uses in the window as a sorted set scored by time: drop those older than the window, refuse past the limit
# (returning the seconds until the oldest leaves the window), else record this one. One script, so one round trip
# and no race between gateway processes.
_SLIDING_WINDOW = """
local since = tonumber(ARGV[1]) - tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', since)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(tonumber(oldest[2]) - since)
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[2] + 1)
return false
"""


class RedisRateLimiter(RateLimiter):
    """Its keys are under the broker's namespace (BROKER_NAMESPACE), as Dramatiq's are, so that stacks sharing one
    Redis keep their own counts. Without Redis, it counts in this process, as the limiter it extends."""

    def __init__(
        self,
        client: redis.Redis,
        limit: int,
        window_s: int,
        clock: Callable[[], float] = time.time,
        *,
        namespace: str,
    ) -> None:
        super().__init__(limit, window_s, clock)
        self.client = client
        self.prefix = f"{namespace}:ratelimit:"
        self.script = client.register_script(_SLIDING_WINDOW)

    def hit(self, key: str) -> int | None:
        try:
            wait = self.script(
                keys=[self.prefix + key],
                args=[self.clock(), self.window_s, self.limit, uuid.uuid4().hex],
            )
        except redis.RedisError:
            log.warning("rate limiter's Redis unavailable; limiting in this process alone")
            return super().hit(key)
        return None if wait is None else _wait(float(wait))
