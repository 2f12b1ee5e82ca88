"""Extraction engines: the same three stages computed by rules, by an LLM, or both (hybrid)."""

from __future__ import annotations

from .base import StageEngine
from .rules import RulesEngine

MODES = ("rules", "llm", "hybrid")


def create_engine(mode: str) -> StageEngine:
    if mode == "rules":
        return RulesEngine()
    raise ValueError(f"extractor mode must be one of {', '.join(MODES)}, not {mode!r}")


__all__ = ["MODES", "RulesEngine", "StageEngine", "create_engine"]
