"""LLM settings, read from the same Settings (and so the same environment) as everything else."""

from __future__ import annotations

from dataclasses import dataclass, field

from illustra_shared.errors import ConfigurationError
from illustra_shared.settings import Settings

DEFAULT_BASE_URL = "https://api.deepseek.com"
DEFAULT_MODEL = "deepseek-chat"


def _number(extra: dict[str, str], name: str, default: float, minimum: float) -> float:
    raw = extra.get(name) or ""
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, not {raw!r}") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum:g}, not {value:g}")
    return value


def _flag(raw: str | None, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class LLMConfig:
    base_url: str = DEFAULT_BASE_URL
    # repr=False: a config printed in a log or a traceback never shows the key.
    api_key: str = field(default="", repr=False)
    model: str = DEFAULT_MODEL
    timeout_s: float = 120.0
    max_attempts: int = 3  # calls in total per request, the first included
    backoff_s: float = 1.0  # first wait between attempts; doubles each time, with jitter
    # On everywhere unless LLM_MASK_PII=0 says otherwise: personal data never leaves by default.
    mask_pii: bool = True
    # Everything the LLM part of one stage may take: it must end before the stage's soft time limit, which
    # would otherwise kill the stage and lose the rules result it falls back to.
    stage_budget_s: float = 1200.0
    # Calls in flight at once in this process: the pod's LLM_MAX_IN_FLIGHT shared between its processes.
    max_in_flight: int = 128

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMConfig:
        extra = dict(settings.extra)
        soft = settings.stage_soft_time_limit_s
        return cls(
            base_url=extra.get("LLM_BASE_URL") or DEFAULT_BASE_URL,
            api_key=extra.get("LLM_API_KEY") or "",
            model=extra.get("LLM_MODEL") or DEFAULT_MODEL,
            timeout_s=_number(extra, "LLM_TIMEOUT_S", cls.timeout_s, 0.1),
            max_attempts=int(_number(extra, "LLM_MAX_ATTEMPTS", cls.max_attempts, 1)),
            backoff_s=_number(extra, "LLM_BACKOFF_S", cls.backoff_s, 0.0),
            mask_pii=_flag(extra.get("LLM_MASK_PII"), cls.mask_pii),
            # Leave a tenth of the limit (at least 2 s) for the rules, the database and the reconciliation.
            stage_budget_s=max(0.5, soft - max(2.0, soft / 10)),
            max_in_flight=-(-settings.llm_max_in_flight // settings.worker_processes),
        )

    def require_key(self) -> None:
        if not self.api_key:
            raise ConfigurationError("LLM extraction needs LLM_API_KEY")
