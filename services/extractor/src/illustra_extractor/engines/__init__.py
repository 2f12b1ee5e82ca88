"""Extraction engines: the same three stages computed by rules, by an LLM, or both (hybrid)."""

from __future__ import annotations

from typing import get_args

from illustra_shared.settings import ExtractorMode, Settings

from ..limits import ExtractionLimits
from ..llm.cache import DatabaseCache, ReplyCache
from ..llm.config import LLMConfig
from ..sandbox import Sandbox
from .base import StageEngine
from .hybrid import HybridEngine
from .llm import LLMEngine
from .rules import RulesEngine

MODES: tuple[str, ...] = get_args(ExtractorMode)


def create_engine(mode: str, settings: Settings, *, cache: ReplyCache | None = None) -> StageEngine:
    """The engine for ``mode``, its rules within the EXTRACT_* limits of ``settings``; llm and hybrid read its LLM_*
    and keep replies in ``cache`` (the database table llm_cache unless told otherwise)."""
    limits = ExtractionLimits.from_settings(settings)
    rules = RulesEngine(limits, Sandbox.from_limits(limits) if limits.sandboxes else None)
    if mode == "rules":
        return rules
    if mode in ("llm", "hybrid"):
        engine = LLMEngine if mode == "llm" else HybridEngine
        config = LLMConfig.from_settings(settings)
        return engine(config, cache if cache is not None else DatabaseCache(), rules=rules)
    raise ValueError(f"extractor mode must be one of {', '.join(MODES)}, not {mode!r}")


__all__ = ["MODES", "HybridEngine", "LLMEngine", "RulesEngine", "StageEngine", "create_engine"]
