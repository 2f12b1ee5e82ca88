from __future__ import annotations

from .. import extraction
from ..extraction.types import BasicInfo, Summary, ValueTable
from .base import StageEngine


class RulesEngine(StageEngine):
    """The deterministic, offline extractor."""

    name = "rules"

    def basic_info(self, text: str) -> BasicInfo:
        return extraction.extract_basic_info(text)

    def value_table(self, text: str, basic: BasicInfo) -> ValueTable:
        return extraction.extract_value_table(text, basic)

    def summary(self, text: str, basic: BasicInfo, table: ValueTable) -> Summary:
        return extraction.extract_summary(text, basic, table)
