"""A point in time the LLM part of a stage must end by."""

from __future__ import annotations

import time


class Deadline:
    def __init__(self, seconds: float, clock=time.monotonic) -> None:
        self._clock = clock
        self._end = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - self._clock())

    def expired(self) -> bool:
        return self.remaining() <= 0.0
