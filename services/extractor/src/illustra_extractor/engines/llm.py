"""The LLM engine: every stage is computed by the rules first (the fallback, and a second reader), then asked of
the model; the model's answer is validated, grounded in the OCR text at the place each value belongs and
reconciled with the rules field by field, by evidence. Whatever goes wrong with the model, the stage ends with a
result."""

from __future__ import annotations

import dataclasses
from typing import Any

from illustra_shared.lifecycle import StageReport
from illustra_shared.stages import BASIC_INFO, SUMMARY, VALUE_TABLE

from ..extraction.types import BASIC_FIELDS, ROW_FIELDS, SUMMARY_FIELDS, BasicInfo, Field, Summary, ValueTable
from ..llm.asker import Answers, Ask, Asker
from ..llm.cache import ReplyCache
from ..llm.client import LLMClient
from ..llm.config import LLMConfig
from ..llm.deadline import Deadline
from ..llm.grounding import Grounder, ground_basic, ground_row, ground_summary
from ..llm.masking import Masker
from ..llm.reconcile import DOUBTFUL, reconcile_fields, reconcile_table
from .base import StageEngine

# The overview is never the model's: it is built from the extracted values (by the rules' summary), so it can
# only say what they say.
MODEL_SUMMARY_FIELDS = tuple(name for name in SUMMARY_FIELDS if name != "overview")


def _first_grounded(
    grounded: list[tuple[dict[str, Field], dict[str, str]]],
) -> tuple[dict[str, Field], dict[str, str]]:
    """Across the parts of a document: the first grounded value of each field; a rejection only counts when no
    part gave a grounded value. Key points of all parts are put together."""
    fields: dict[str, Field] = {}
    rejected: dict[str, str] = {}
    for part_fields, part_rejected in grounded:
        for name, found in part_fields.items():
            if name == "key_points" and name in fields:
                merged = fields[name].value + [p for p in found.value if p not in fields[name].value]
                fields[name] = dataclasses.replace(fields[name], value=merged)
            else:
                fields.setdefault(name, found)
        for name, reason in part_rejected.items():
            rejected.setdefault(name, reason)
    return fields, {name: reason for name, reason in rejected.items() if name not in fields}


def _nulls(answers: Answers, keys: tuple[str, ...]) -> set[str]:
    """The fields every part of a complete answer says the document does not give."""
    if not answers.complete:
        return set()
    return {key for key in keys if all(reply.get(key) in (None, []) for reply in answers.replies)}


class LLMEngine(StageEngine):
    name = "llm"

    def __init__(self, config: LLMConfig, cache: ReplyCache, rules: StageEngine) -> None:
        self.config = config
        self.rules = rules
        self.asker = Asker(LLMClient(config), cache)

    # What to ask the model for: everything. HybridEngine asks only for what the rules are unsure of.

    def basic_keys(self, rules: BasicInfo, weak: set[str]) -> tuple[str, ...]:
        return BASIC_FIELDS

    def table_ask(self, rules: ValueTable, grounder: Grounder) -> Ask | None:
        return Ask(VALUE_TABLE.name, ROW_FIELDS)

    def summary_keys(self, rules: Summary) -> tuple[str, ...]:
        return MODEL_SUMMARY_FIELDS

    # The stages

    def basic_info(self, text: str, report: StageReport) -> BasicInfo:
        rules = self.rules.basic_info(text, report)
        grounder = Grounder(text)
        weak = {name for name in BASIC_FIELDS if not grounder.rules_value_placed(name, rules.fields[name])}
        keys = self.basic_keys(rules, weak)
        answers = self._ask(Ask(BASIC_INFO.name, keys), text, rules.get("insured_name"), report)
        if answers is None:
            return rules
        fields, rejected = _first_grounded([ground_basic(grounder, reply) for reply in answers.replies])
        premium = fields.get("annual_premium")
        if (
            premium is not None
            and grounder.paid_in_year_one(premium.value)
            and not grounder.paid_in_year_one(rules.get("annual_premium"))
        ):
            weak.add("annual_premium")  # the rules' premium fails the table's check, the model's passes it
        merged = reconcile_fields(
            BASIC_INFO.name,
            BASIC_FIELDS,
            rules.fields,
            fields,
            rejected,
            report.notes,
            weak=weak,
            nulls=_nulls(answers, keys),
        )
        report.extractor = self.name
        return BasicInfo(merged)

    def value_table(self, text: str, basic: BasicInfo, report: StageReport) -> ValueTable:
        rules = self.rules.value_table(text, basic, report)
        grounder = Grounder(text)
        ask = self.table_ask(rules, grounder)
        answers = self._ask(ask, text, basic.get("insured_name"), report)
        if ask is None or answers is None:
            return rules
        model_rows: dict[int, dict[str, Field]] = {}
        rejected: dict[int, dict[str, str]] = {}
        nulls: dict[int, set[str]] = {}
        for reply in answers.replies:
            for values in reply["rows"]:
                year = values["policy_year"]
                row, bad = ground_row(grounder, values, basic)
                if not row:
                    report.note(f"table: model row for policy year {year} rejected: no such row in the text")
                elif year not in model_rows:
                    model_rows[year] = row
                    nulls[year] = {key for key in ask.keys if values.get(key) is None}
                    rejected[year] = bad
        no_such_rows: set[int] = set()
        if answers.complete and model_rows:
            # A rules row the model, having answered, does not have: removed when the rules doubt it too (a
            # model may skip a row; it does not make a sure one go).
            no_such_rows = {
                year
                for row in rules.rows
                if (year := row["policy_year"].value) is not None
                and (ask.years is None or year in ask.years)
                and year not in model_rows
                and (year < 1 or any(f.value is not None and f.confidence < DOUBTFUL for f in row.values()))
            }
        table = reconcile_table(rules, model_rows, rejected, report.notes, nulls, no_such_rows)
        report.extractor = self.name
        return table

    def summary(self, text: str, basic: BasicInfo, table: ValueTable, report: StageReport) -> Summary:
        rules = self.rules.summary(text, basic, table, report)
        keys = self.summary_keys(rules)
        answers = self._ask(Ask(SUMMARY.name, keys), text, basic.get("insured_name"), report)
        if answers is None:
            return rules
        grounder = Grounder(text)
        fields, rejected = _first_grounded(
            [ground_summary(grounder, reply, table) for reply in answers.replies]
        )
        merged = reconcile_fields(
            SUMMARY.name,
            SUMMARY_FIELDS,
            rules.fields,
            fields,
            rejected,
            report.notes,
            nulls=_nulls(answers, keys),
        )
        report.extractor = self.name
        return Summary(merged)

    def _ask(self, ask: Ask | None, text: str, insured_name: Any, report: StageReport) -> Answers | None:
        """The model's answers to ``ask``, what happened noted on ``report``; None when there is nothing to ask
        or no usable reply came (the rules result stands)."""
        if ask is None or not ask.keys:
            return None
        masker = Masker(
            text, [insured_name if isinstance(insured_name, str) else None], enabled=self.config.mask_pii
        )
        answers = self.asker.ask(ask, text, masker, Deadline(self.config.stage_budget_s), report)
        if masker.enabled:
            report.note(f"{ask.stage}: {masker.masked_values} personal value(s) masked before sending")
        if answers.cached:
            report.note(f"{ask.stage}: {answers.cached} part(s) answered from the cache")
        if answers.failure is not None:
            outcome = "used the parts answered" if answers.replies else "fell back to the rules result"
            report.note(f"{ask.stage}: {answers.failure}; {outcome}")
        elif not answers.replies:
            report.note(f"{ask.stage}: no usable model reply; fell back to the rules result")
        return answers if answers.replies else None
