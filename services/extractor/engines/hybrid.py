"""The hybrid engine: the rules first, the model only for what they could not fill with confidence, and for the
narrative overview the rules can only template. A stage whose rules result is confident throughout (basic
information, table) makes no call at all."""

from __future__ import annotations

from ..extraction.types import BASIC_FIELDS, SUMMARY_FIELDS, BasicInfo, Field, Summary, ValueTable
from ..llm.asker import Ask
from .llm import LLMEngine

CONFIDENT = 0.8
_NARRATIVE = ("key_points", "overview")


def _unsure(found: Field) -> bool:
    """Read with low confidence, or looked for and not read. A cell of a column the table does not have (no
    value, no span, nothing to say) is not unsure: there is nothing to ask."""
    if found.value is None:
        return found.span is not None or bool(found.issues)
    return found.confidence < CONFIDENT


class HybridEngine(LLMEngine):
    name = "hybrid"

    def basic_keys(self, rules: BasicInfo) -> tuple[str, ...]:
        return tuple(name for name in BASIC_FIELDS if rules.get(name) is None or _unsure(rules.fields[name]))

    def table_ask(self, rules: ValueTable) -> Ask | None:
        if not rules.rows:
            return super().table_ask(rules)
        flagged = [
            row
            for row in rules.rows
            if row["policy_year"].value is not None and any(map(_unsure, row.values()))
        ]
        if not flagged:
            return None
        names = {name for row in flagged for name, found in row.items() if _unsure(found)}
        keys = tuple(name for name in rules.rows[0] if name in names or name == "policy_year")
        spans = tuple(found.span for row in flagged for found in row.values() if found.span is not None)
        return Ask("table", keys, years=tuple(row["policy_year"].value for row in flagged), spans=spans)

    def summary_keys(self, rules: Summary) -> tuple[str, ...]:
        return tuple(name for name in SUMMARY_FIELDS if name in _NARRATIVE or _unsure(rules.fields[name]))
