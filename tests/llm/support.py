"""Engines wired to the fake server, and running a whole document through them with a report per stage."""

from __future__ import annotations

from dataclasses import dataclass

from illustra_extractor.engines import create_engine
from illustra_extractor.engines.base import StageEngine
from illustra_extractor.extraction.types import BasicInfo, Summary, ValueTable
from illustra_extractor.llm.cache import MemoryCache, ReplyCache
from illustra_shared.lifecycle import StageReport
from illustra_shared.settings import Settings

from .fake_openai_server import FakeOpenAIServer

API_KEY = "sk-test-Zq81-never-shown"


def llm_engine(
    fake: FakeOpenAIServer,
    mode: str = "llm",
    cache: ReplyCache | None = None,
    base_url: str | None = None,
    **env: str,
) -> StageEngine:
    settings = Settings.from_env(
        {
            "LLM_API_KEY": API_KEY,
            "LLM_BASE_URL": base_url or fake.base_url,
            "LLM_BACKOFF_S": "0.05",
            "EXTRACTOR_MODE": mode,
            **env,
        }
    )
    return create_engine(mode, settings, cache=cache if cache is not None else MemoryCache())


@dataclass
class Run:
    basic: BasicInfo
    table: ValueTable
    summary: Summary
    reports: dict[str, StageReport]

    def notes(self) -> str:
        return "\n".join(note for report in self.reports.values() for note in report.notes)

    @property
    def calls(self) -> int:
        return sum(report.llm_calls for report in self.reports.values())


def run_document(engine: StageEngine, text: str) -> Run:
    reports = {stage: StageReport() for stage in ("basic_info", "value_table", "summary")}
    basic = engine.basic_info(text, reports["basic_info"])
    table = engine.value_table(text, basic, reports["value_table"])
    summary = engine.summary(text, basic, table, reports["summary"])
    return Run(basic, table, summary, reports)
