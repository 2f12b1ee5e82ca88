"""One chat completion with bounded retries (tenacity): the openai client's own retries are off (max_retries=0)
because they cannot end at the stage's deadline, count each failed call by its kind, pause the pod on a 429, or ask
again after an empty reply; so the attempts and the waits between them, Retry-After included, are ours.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import tenacity

from illustra_shared import metrics
from illustra_shared.errors import ConfigurationError
from illustra_shared.lifecycle import StageReport
from illustra_shared.metrics import LLMErrorKind, LLMOutcome, TokenKind

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
    """The API gave no usable answer: from one call (``retry``: whether the same request may do better,
    ``wait_s``: the wait the server asked for, Retry-After), or from ``complete`` within its attempts and the
    deadline. The message names the kind of fault and the status code only: never the key, never the body the
    server sent."""

    def __init__(self, kind: LLMErrorKind, detail: str, *, retry: bool = False, wait_s: float | None = None):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.retry = retry
        self.wait_s = wait_s


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
    def __init__(self, config: LLMConfig) -> None:
        if not config.api_key:
            raise ConfigurationError("LLM extraction needs LLM_API_KEY")
        self.config = config
        self._openai = openai.OpenAI(
            base_url=config.base_url, api_key=config.api_key, max_retries=0, timeout=config.timeout_s
        )
        # The first wait is backoff_s to twice that, then it doubles, up to 30 s.
        self._backoff = tenacity.wait_exponential_jitter(
            multiplier=config.backoff_s, jitter=config.backoff_s, max=_MAX_BACKOFF_S
        )
        self._in_flight = threading.BoundedSemaphore(config.max_in_flight)
        self.pause = PodPause(config)
        metrics.start_at_zero(metrics.LLM_REQUESTS, metrics.LLM_TOKENS, metrics.LLM_ERRORS)

    def complete(
        self,
        stage: str,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        deadline: Deadline,
        report: StageReport,
    ) -> Completion:
        """The first usable completion, or LLMUnavailable. An empty reply counts as a failed attempt. Every call
        answered, the empty ones too, counts on ``report`` with its tokens."""
        retrying = tenacity.Retrying(
            # The last attempt, or a wait that would leave no time for the call, ends the attempts now.
            stop=lambda state: (
                state.attempt_number >= self.config.max_attempts
                or state.upcoming_sleep > deadline.remaining() - _MIN_CALL_S
            ),
            wait=self._wait,
            retry=tenacity.retry_if_exception(
                lambda error: isinstance(error, LLMUnavailable) and error.retry
            ),
            reraise=True,
        )
        body = {
            "model": self.config.model,
            "messages": messages,
            "response_format": {"type": "json_object"},
            "max_tokens": max_tokens,
            "temperature": 0,
        }
        try:
            return retrying(self._attempt, stage, body, deadline, report)
        except LLMUnavailable as fault:
            calls = retrying.statistics["attempt_number"]
            raise LLMUnavailable(fault.kind, f"{fault.detail} (gave up after {calls} call(s))") from None

    def _attempt(
        self, stage: str, body: dict[str, Any], deadline: Deadline, report: StageReport
    ) -> Completion:
        """One call posting ``body``, once the pod's pause is over and within the bound on calls in flight."""
        self._wait_for_pod_pause(deadline)
        if not self._in_flight.acquire(timeout=max(0.0, deadline.remaining() - _MIN_CALL_S)):
            raise LLMUnavailable(
                LLMErrorKind.TIMEOUT, f"{self.config.max_in_flight} calls in flight until the deadline"
            )
        try:
            remaining = deadline.remaining()
            if remaining < _MIN_CALL_S:
                raise LLMUnavailable(
                    LLMErrorKind.TIMEOUT, "stage deadline reached before a call could be made"
                )
            # The client's own request path (errors, timeouts, headers) without its typed layer: create()
            # walks the messages against its TypedDicts and builds a pydantic reply, a third of the CPU of
            # a call, for a body that is plain JSON either way.
            response = self._openai.post(
                "/chat/completions",
                cast_to=object,  # the reply's JSON as it came
                body=body,
                options={"timeout": min(self.config.timeout_s, remaining)},
            )
        except openai.OpenAIError as error:
            fault = self._fault(error)
            self._count_error(stage, fault.kind)
            if fault.kind is LLMErrorKind.RATE_LIMITED:
                wait = fault.wait_s if fault.wait_s is not None else self.config.backoff_s
                self.pause.extend(time.time() + min(wait, _MAX_PAUSE_S))
            raise fault from None
        finally:
            self._in_flight.release()
        completion = self._record(stage, response, report)
        if not completion.content.strip():
            self._count_error(stage, LLMErrorKind.INVALID_REPLY)
            raise LLMUnavailable(LLMErrorKind.INVALID_REPLY, "empty reply", retry=True)
        return completion

    def _fault(self, error: openai.OpenAIError) -> LLMUnavailable:
        if isinstance(error, openai.RateLimitError):
            # The client's own reading of Retry-After (milliseconds, seconds or a date; a date past reads as a
            # wait below 0, which neither the wait nor the pause takes); private, so
            # test_rate_limit_waits_for_retry_after is what tells when a new openai changes it.
            wait_s = self._openai._parse_retry_after_header(error.response.headers)
            return LLMUnavailable(LLMErrorKind.RATE_LIMITED, "HTTP 429", retry=True, wait_s=wait_s)
        if isinstance(error, openai.APITimeoutError):
            return LLMUnavailable(LLMErrorKind.TIMEOUT, "no answer within the timeout", retry=True)
        if isinstance(error, openai.APIConnectionError):
            return LLMUnavailable(LLMErrorKind.CONNECTION, "could not connect", retry=True)
        if isinstance(error, openai.APIStatusError):
            status = error.status_code
            if status >= 500:
                return LLMUnavailable(LLMErrorKind.SERVER, f"HTTP {status}", retry=True)
            # 400, 401, 403, 404, 422: the same request fails the same way again.
            return LLMUnavailable(LLMErrorKind.REJECTED, f"HTTP {status}")
        raise error

    def _wait(self, state: tenacity.RetryCallState) -> float:
        """The backoff before another attempt, or what the server asked for (Retry-After) if that is longer."""
        fault = state.outcome.exception() if state.outcome else None
        asked = fault.wait_s if isinstance(fault, LLMUnavailable) and fault.wait_s is not None else 0.0
        return max(self._backoff(state), asked)

    def _wait_for_pod_pause(self, deadline: Deadline) -> None:
        """Sleep out the pod's pause, each thread a little past its end so that they do not all call at once."""
        pause = self.pause.until() - time.time()
        if pause <= 0:
            return
        if pause > deadline.remaining() - _MIN_CALL_S:
            raise LLMUnavailable(
                LLMErrorKind.RATE_LIMITED, "the pod is paused by a 429 past the stage deadline"
            )
        time.sleep(min(pause * (1 + random.random() / 4), deadline.remaining() - _MIN_CALL_S))

    def _record(self, stage: str, response: Any, report: StageReport) -> Completion:
        """The completion in a reply's JSON; whatever is missing or of another shape reads as empty."""
        response = response if isinstance(response, dict) else {}
        usage = response.get("usage")
        usage = usage if isinstance(usage, dict) else {}
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        completion_tokens = int(usage.get("completion_tokens") or 0)
        report.add_usage(prompt_tokens, completion_tokens)
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
