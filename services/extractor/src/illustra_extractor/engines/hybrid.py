"""The hybrid engine: the rules first, the model only for what they left empty, read with low confidence or read
away from the field's place, and for a table whose checks fail or whose printed rows hold columns the rules did
not read. A stage whose rules result is sure throughout makes no call at all, and neither does the overview,
which is built from the extracted values."""

from __future__ import annotations

from illustra_shared.stages import VALUE_TABLE

from ..extraction.types import BASIC_FIELDS, ROW_FIELDS, BasicInfo, Field, Summary, ValueTable
from ..llm.asker import Ask
from ..llm.grounding import Grounder
from ..llm.reconcile import CONFIDENT, DOUBTFUL
from .llm import MODEL_SUMMARY_FIELDS, LLMEngine


def _unsure(found: Field) -> bool:
    """Left empty, or read with low confidence."""
    return found.value is None or found.confidence < CONFIDENT


def _unread_columns(row: dict[str, Field], grounder: Grounder) -> bool:
    """Whether the printed row holds numbers the rules read into no cell (a column they did not recognise)."""
    values = {name: found.value for name, found in row.items() if found.value is not None}
    found = grounder.row_cells(values) if "policy_year" in values else None
    if found is None:
        return False
    cells, _ = found
    spans = [found.span for found in row.values() if found.span is not None]
    return any(not any(a <= start and end <= b for a, b in spans) for _, start, end in cells)


def _missed_rows(rules: ValueTable, grounder: Grounder) -> bool:
    """Whether rows led by a year and its age, as the rules' rows are, are printed that the rules did not read
    (a row broken over two lines, say)."""
    years = {row["policy_year"].value: row["age"].value for row in rules.rows}
    offsets = {age - year for year, age in years.items() if year is not None and age is not None}
    return len(offsets) == 1 and bool(grounder.years_printed(offsets.pop()) - set(years))


class HybridEngine(LLMEngine):
    name = "hybrid"

    def basic_keys(self, rules: BasicInfo, weak: set[str]) -> tuple[str, ...]:
        return tuple(name for name in BASIC_FIELDS if name in weak or _unsure(rules.fields[name]))

    def table_ask(self, rules: ValueTable, grounder: Grounder) -> Ask | None:
        """Every column, for the rows the rules are unsure of; the whole table when the rules found none, or a
        row whose year or cells fail the checks, or columns or rows they could not read."""
        years = [row["policy_year"].value for row in rules.rows]
        # A table that fails its checks is read wrong as a whole more often than not (columns taken for
        # others); a plausible value no check could confirm (0.7) is asked about on its own.
        failed = any(
            found.value is not None and found.confidence < DOUBTFUL
            for row in rules.rows
            for found in row.values()
        )
        if (
            not rules.rows
            or failed
            or any(year is None or year < 1 for year in years)
            or any(_unread_columns(row, grounder) for row in rules.rows)
            or _missed_rows(rules, grounder)
        ):
            return Ask(VALUE_TABLE.name, ROW_FIELDS)
        flagged = [
            row
            for row in rules.rows
            if any(_unsure(found) for name, found in row.items() if found.value is not None or found.issues)
        ]
        if not flagged:
            return None
        spans = tuple(found.span for row in flagged for found in row.values() if found.span is not None)
        flagged_years = tuple(row["policy_year"].value for row in flagged)
        return Ask(VALUE_TABLE.name, ROW_FIELDS, years=flagged_years, spans=spans)

    def summary_keys(self, rules: Summary) -> tuple[str, ...]:
        return tuple(
            name for name in MODEL_SUMMARY_FIELDS if name != "key_points" and _unsure(rules.fields[name])
        )
