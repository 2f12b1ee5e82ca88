"""One chat completion with bounded retries: the openai client's own retries are off (max_retries=0) so that
the waits between attempts, Retry-After included, are ours and fit the stage's deadline.

Hundreds of stages of a pod may wait on the model at once, one thread each. Every call goes through a bound on the
calls in flight in its process (``max_in_flight``, the pod's LLM_MAX_IN_FLIGHT shared between its processes), and
through the pod's pause: a 429 seen by any thread stops every thread of every process of the pod from calling until
the time the API asked for (Retry-After), so the pod backs off as one client instead of one thread at a time."""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import openai

from illustra_shared import metrics
from illustra_shared.metrics import LLMErrorKind, LLMOutcome, TokenKind

from ..report import current_report
from .config import LLMConfig
from .deadline import Deadline

# Below this many seconds left a call is not worth starting: it could only time out.
_MIN_CALL_S = 0.5
_MAX_BACKOFF_S = 30.0
# The longest pause a 429 imposes on the whole pod (a thread that got it honours any Retry-After itself).
_MAX_PAUSE_S = 300.0


@dataclass(frozen=True)
class Completion:
    content: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int


class LLMUnavailable(Exception):
    """The API gave no usable answer within the attempts and the deadline. The message names the kind of fault
    and the status code only: never the key, never the body the server sent."""

    def __init__(self, kind: LLMErrorKind, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


@dataclass(frozen=True)
class _Fault:
    kind: LLMErrorKind
    detail: str
    retry: bool
    wait_s: float | None = None  # what the server asked for (Retry-After)


def _retry_after(headers: Any) -> float | None:
    raw = headers.get("retry-after-ms")
    if raw:
        try:
            return max(0.0, float(raw) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(raw).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _classify(error: Exception) -> _Fault:
    if isinstance(error, openai.RateLimitError):
        return _Fault(LLMErrorKind.RATE_LIMITED, "HTTP 429", True, _retry_after(error.response.headers))
    if isinstance(error, openai.APITimeoutError):
        return _Fault(LLMErrorKind.TIMEOUT, "no answer within the timeout", True)
    if isinstance(error, openai.APIConnectionError):
        return _Fault(LLMErrorKind.CONNECTION, "could not connect", True)
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        if status >= 500:
            return _Fault(LLMErrorKind.SERVER, f"HTTP {status}", True)
        # 400, 401, 403, 404, 422: the same request fails the same way again.
        return _Fault(LLMErrorKind.REJECTED, f"HTTP {status}", False)
    raise error


class PodPause:
    """Until when the processes of this pod (all that share its temporary directory) hold their calls to one API
    account: the modification time of a file named for the account (a hash of URL and key, never the key), which
    every call reads with one ``stat`` and a 429 pushes forward."""

    def __init__(self, config: LLMConfig) -> None:
        account = hashlib.sha256(f"{config.base_url}\0{config.api_key}".encode()).hexdigest()[:16]
        self.path = Path(tempfile.gettempdir()) / f"illustra-llm-pause-{account}"

    def until(self) -> float:
        try:
            return self.path.stat().st_mtime
        except FileNotFoundError:
            return 0.0

    def extend(self, until: float) -> None:
        if until > self.until():
            self.path.touch()
            os.utime(self.path, (until, until))


class LLMClient:
    def __init__(
        self,
        config: LLMConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        config.require_key()
        self.config = config
        self._openai = openai.OpenAI(
            base_url=config.base_url, api_key=config.api_key, max_retries=0, timeout=config.timeout_s
        )
        self._sleep = sleep
        self._jitter = jitter
        self._in_flight = threading.BoundedSemaphore(config.max_in_flight)
        self.pause = PodPause(config)
        metrics.start_at_zero(metrics.LLM_REQUESTS, metrics.LLM_TOKENS, metrics.LLM_ERRORS)

    def complete(
        self, stage: str, messages: list[dict[str, str]], *, max_tokens: int, deadline: Deadline
    ) -> Completion:
        """The first usable completion, or LLMUnavailable. An empty reply counts as a failed attempt."""
        fault: _Fault | None = None
        for attempt in range(1, self.config.max_attempts + 1):
            if attempt > 1 and not self._wait(attempt, fault, deadline):
                break
            if not self._wait_for_pod_pause(deadline):
                fault = _Fault(
                    LLMErrorKind.RATE_LIMITED, "the pod is paused by a 429 past the stage deadline", False
                )
                break
            if not self._in_flight.acquire(timeout=max(0.0, deadline.remaining() - _MIN_CALL_S)):
                fault = _Fault(
                    LLMErrorKind.TIMEOUT,
                    f"{self.config.max_in_flight} calls in flight until the deadline",
                    False,
                )
                break
            try:
                remaining = deadline.remaining()
                if remaining < _MIN_CALL_S:
                    break
                # The client's own request path (errors, timeouts, headers) without its typed layer: create()
                # walks the messages against its TypedDicts and builds a pydantic reply, a third of the CPU of
                # a call, for a body that is plain JSON either way.
                response = self._openai.post(
                    "/chat/completions",
                    cast_to=object,  # the reply's JSON as it came
                    body={
                        "model": self.config.model,
                        "messages": messages,
                        "response_format": {"type": "json_object"},
                        "max_tokens": max_tokens,
                        "temperature": 0,
                    },
                    options={"timeout": min(self.config.timeout_s, remaining)},
                )
            except openai.OpenAIError as error:
                fault = _classify(error)
                self._count_error(stage, fault.kind)
                if fault.kind is LLMErrorKind.RATE_LIMITED:
                    wait = fault.wait_s if fault.wait_s is not None else self.config.backoff_s
                    self.pause.extend(time.time() + min(wait, _MAX_PAUSE_S))
                if not fault.retry:
                    break
                continue
            finally:
                self._in_flight.release()
            completion = self._record(stage, response)
            if completion.content.strip():
                return completion
            fault = _Fault(LLMErrorKind.INVALID_REPLY, "empty reply", True)
            self._count_error(stage, fault.kind)
        if fault is None:
            raise LLMUnavailable(LLMErrorKind.TIMEOUT, "stage deadline reached before a call could be made")
        raise LLMUnavailable(fault.kind, f"{fault.detail} (gave up after {attempt} call(s))")

    def _wait_for_pod_pause(self, deadline: Deadline) -> bool:
        """Sleep out the pod's pause, each thread a little past its end so that they do not all call at once;
        False when it outlasts the deadline."""
        pause = self.pause.until() - time.time()
        if pause <= 0:
            return True
        if pause > deadline.remaining() - _MIN_CALL_S:
            return False
        self._sleep(min(pause * (1 + self._jitter() / 4), deadline.remaining() - _MIN_CALL_S))
        return True

    def _wait(self, attempt: int, fault: _Fault | None, deadline: Deadline) -> bool:
        """Sleep before another attempt; False when the wait would leave no time for the call."""
        backoff = min(_MAX_BACKOFF_S, self.config.backoff_s * 2 ** (attempt - 2))
        wait = backoff * (0.5 + self._jitter() / 2)
        if fault is not None and fault.wait_s is not None:
            wait = max(wait, fault.wait_s)
        if wait > deadline.remaining() - _MIN_CALL_S:
            return False
        self._sleep(wait)
        return True

    def _record(self, stage: str, response: Any) -> Completion:
        """The completion in a reply's JSON; whatever is missing or of another shape reads as empty."""
        response = response if isinstance(response, dict) else {}
        usage = response.get("usage")
        usage = usage if isinstance(usage, dict) else {}
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        completion_tokens = int(usage.get("completion_tokens") or 0)
        current_report().add_usage(prompt_tokens, completion_tokens)
        metrics.LLM_REQUESTS.labels(stage, LLMOutcome.SUCCESS).inc()
        metrics.LLM_TOKENS.labels(stage, TokenKind.PROMPT).inc(prompt_tokens)
        metrics.LLM_TOKENS.labels(stage, TokenKind.COMPLETION).inc(completion_tokens)
        choices = response.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
        message = choice.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        return Completion(
            content=content if isinstance(content, str) else "",
            finish_reason=str(choice.get("finish_reason") or ""),
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
        )

    @staticmethod
    def _count_error(stage: str, kind: LLMErrorKind) -> None:
        metrics.LLM_REQUESTS.labels(stage, LLMOutcome.ERROR).inc()
        metrics.LLM_ERRORS.labels(stage, kind).inc()
