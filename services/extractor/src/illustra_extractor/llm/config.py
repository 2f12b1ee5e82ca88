"""What the LLM client and engine work with: the LLM_* settings, and what this process takes from the pod's."""

from __future__ import annotations

from dataclasses import dataclass, field

from illustra_shared.settings import Settings

_DEFAULTS = Settings()
# The fields that are the LLM_* setting of their name.
_LLM_SETTINGS = ("base_url", "api_key", "model", "timeout_s", "max_attempts", "backoff_s", "mask_pii")


@dataclass(frozen=True)
class LLMConfig:
    base_url: str = _DEFAULTS.llm_base_url
    # repr=False: a config printed in a log or a traceback never shows the key.
    api_key: str = field(default="", repr=False)
    model: str = _DEFAULTS.llm_model
    timeout_s: float = _DEFAULTS.llm_timeout_s
    max_attempts: int = _DEFAULTS.llm_max_attempts  # calls in total per request, the first included
    backoff_s: float = _DEFAULTS.llm_backoff_s  # first wait between attempts; doubles each time, with jitter
    mask_pii: bool = _DEFAULTS.llm_mask_pii
    # Everything the LLM part of one stage may take: it must end before the stage's soft time limit, which
    # would otherwise kill the stage and lose the rules result it falls back to.
    stage_budget_s: float = 1200.0
    # Calls in flight at once in this process: the pod's LLM_MAX_IN_FLIGHT shared between its processes.
    max_in_flight: int = 128

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMConfig:
        soft = settings.stage_soft_time_limit_s
        return cls(
            **{name: getattr(settings, f"llm_{name}") for name in _LLM_SETTINGS},
            # Leave a tenth of the limit (at least 2 s) for the rules, the database and the reconciliation.
            stage_budget_s=max(0.5, soft - max(2.0, soft / 10)),
            max_in_flight=-(-settings.llm_max_in_flight // settings.worker_processes),
        )
