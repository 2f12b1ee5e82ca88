"""The LLM package's parts on their own: reply validation, grounding, masking, chunking, reconciliation, config."""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import pytest

from illustra_extractor import extract_command
from illustra_extractor.extraction import extract_basic_info
from illustra_extractor.extraction.numbers import find_amounts
from illustra_extractor.extraction.types import MISSING, Field
from illustra_extractor.llm import chunking, grounding
from illustra_extractor.llm.chunking import chunk, halve
from illustra_extractor.llm.config import LLMConfig
from illustra_extractor.llm.grounding import Grounder, ground_basic, ground_row
from illustra_extractor.llm.masking import Masker
from illustra_extractor.llm.reconcile import reconcile_field
from illustra_extractor.llm.schemas import parse_reply, validate
from illustra_shared.settings import Settings

from .documents import HK, PERSONAL, long_document
from .fake_openai_server import FakeOpenAIServer
from .support import API_KEY


def test_validation_names_every_error() -> None:
    _, errors = validate(
        "basic_info",
        ("gender", "sum_assured", "issue_age"),
        {"gender": "male", "sum_assured": "40,000", "extra": 1},
    )
    assert any("unexpected key 'extra'" in e for e in errors)
    assert any("gender must be one of" in e for e in errors)
    assert any("sum_assured must be a plain JSON number" in e for e in errors)
    assert any("missing key 'issue_age'" in e for e in errors)
    cleaned, errors = validate(
        "value_table", ("policy_year", "age"), {"rows": [{"policy_year": 3.0, "age": None}]}
    )
    assert errors == [] and cleaned == {"rows": [{"policy_year": 3, "age": None}]}
    _, errors = validate("value_table", ("policy_year",), {"rows": [{"policy_year": None}]})
    assert errors == ["reply.rows[0].policy_year must be a plain JSON number (no quotes, no separators)"]


def test_a_chatty_reply_is_read_from_its_outermost_braces() -> None:
    assert parse_reply('Here you go: {"a": {"b": 1}} hope it helps') == ({"a": {"b": 1}}, None)
    assert parse_reply("no json here")[1] == "the reply holds no JSON object"
    assert "not valid JSON" in (parse_reply('{"a": [1, }')[1] or "")


def test_grounding_finds_printed_values_and_the_arithmetic_and_rejects_the_rest() -> None:
    grounder = Grounder(HK)
    fields, rejected = ground_basic(
        grounder,
        {"sum_assured": 40000.0, "insurer": "東方明珠人壽保險 (香港) 有限公司", "annual_premium": 8100.0},
    )
    assert HK[slice(*fields["sum_assured"].span)] == "40,000"
    assert "insurer" in fields  # full-width brackets and spaces folded
    assert rejected == {"annual_premium": "8100.0 not found where the document gives its annual_premium"}
    row, rejected = ground_row(
        grounder,
        {"policy_year": 10, "age": 45, "total_surrender_value": 54779.0, "death_benefit": 55555.0},
        extract_basic_info(HK),
    )
    assert set(row) == {"policy_year", "age", "total_surrender_value"}
    assert rejected == {"death_benefit": "55555.0 not in the row nor derivable"}


def test_grounding_by_the_tables_arithmetic() -> None:
    # Two non-guaranteed columns: their sum is printed nowhere, but it is total - guaranteed.
    text = (
        "Year  Age  Guaranteed  Reversionary  Terminal  Total\n"
        "5     40   1,000       200           300       1,500\n"
    )
    basic = extract_basic_info("Age at Issue: 35\nAnnual Premium: USD 400\nPremium Payment Period: 2 years\n")
    values = {
        "policy_year": 5,
        "age": 40,
        "guaranteed_cash_value": 1000.0,
        "non_guaranteed_value": 500.0,
        "total_surrender_value": 1500.0,
        "total_premiums_paid": 800.0,
    }
    row, rejected = ground_row(Grounder(text), values, basic)
    assert rejected == {}
    assert "grounded as total - guaranteed" in row["non_guaranteed_value"].issues
    assert "grounded as annual premium x min(year, term)" in row["total_premiums_paid"].issues
    _, rejected = ground_row(Grounder(text), {**values, "non_guaranteed_value": 600.0}, basic)
    assert set(rejected) == {"non_guaranteed_value"}


def test_masking_round_trip() -> None:
    masker = Masker(PERSONAL, ["黃志強"])
    masked = masker.mask(PERSONAL)
    for secret in ("黃志強", "A123456(7)", "9123 4567", "wong.cc@example.com", "PX-2025-000123"):
        assert secret not in masked
    assert "40,000" in masked and "26,092" in masked  # amounts are never masked
    assert masker.unmask({"insured_name": "[NAME_1]", "rows": ["[ID_1]"]}) == {
        "insured_name": "黃志強",
        "rows": ["A123456(7)"],
    }
    assert Masker(PERSONAL, ["黃志強"], enabled=False).mask(PERSONAL) == PERSONAL


def test_masking_is_on_by_default_everywhere() -> None:
    assert LLMConfig.from_settings(Settings.from_env({"ILLUSTRA_ENV": "prod"})).mask_pii
    assert LLMConfig.from_settings(Settings.from_env({"ILLUSTRA_ENV": "dev"})).mask_pii
    assert not LLMConfig.from_settings(
        Settings.from_env({"ILLUSTRA_ENV": "prod", "LLM_MASK_PII": "0"})
    ).mask_pii


def test_the_key_is_not_in_the_config_repr() -> None:
    config = LLMConfig.from_settings(Settings.from_env({"LLM_API_KEY": API_KEY}))
    assert config.api_key == API_KEY and API_KEY not in repr(config)


def test_the_stage_budget_fits_inside_the_soft_time_limit() -> None:
    config = LLMConfig.from_settings(Settings.from_env({"STAGE_SOFT_TIME_LIMIT_S": "1500"}))
    assert config.stage_budget_s == 1350


def test_chunks_cover_the_whole_text_and_carry_headers() -> None:
    text = long_document()
    parts = chunk(text, max_chars=3000, max_rows=10)
    assert parts[0].start == 0 and parts[-1].end == len(text)
    assert all(a.end == b.start for a, b in itertools.pairwise(parts))
    assert all(
        count <= 10 for count in (sum(1 for _ in p.text(text).splitlines() if _[:1].isdigit()) for p in parts)
    )
    left, right = halve(text, parts[0]) or (None, None)
    assert left is not None and right is not None
    assert left.start == parts[0].start and right.end == parts[0].end and left.end == right.start
    assert "終結" in right.text(text)


def test_chunking_reads_each_line_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Packing pages counts the rows of the part so far again for every page added: each line is still read for
    numbers once, not once per page after it."""
    read: list[str] = []
    monkeypatch.setattr(chunking, "find_amounts", lambda line: read.append(line) or find_amounts(line))
    text = long_document()
    chunk(text, max_chars=12_000, max_rows=40)
    assert len(read) <= text.count("\n") + 1


def test_grounding_reads_only_what_a_stage_asks_about(monkeypatch: pytest.MonkeyPatch) -> None:
    """The table stage grounds rows: it never reads the text's dates nor its labels."""
    monkeypatch.setattr(grounding, "find_date", lambda *args: pytest.fail("dates read"))
    monkeypatch.setattr(grounding, "find_pairs", lambda *args: pytest.fail("labels read"))
    found = Grounder(long_document()).row_cells({"policy_year": 3, "age": 38, "guaranteed_cash_value": 3000})
    assert found is not None and found[1]


def test_reconciliation() -> None:
    notes: list[str] = []
    rules = Field(40000.0, 0.95, (1, 2))
    agreed = reconcile_field(
        "b.sum", rules, Field(40000.0, 0.85, (1, 2), ("read by the model",)), None, notes
    )
    assert agreed.confidence == 0.97 and notes == []
    kept = reconcile_field("b.sum", rules, Field(4000.0, 0.85, (3, 4)), None, notes)
    assert (
        kept.value == 40000.0
        and kept.confidence == pytest.approx(0.85)
        and "model read 4000.0" in kept.issues
    )
    filled = reconcile_field("b.age", MISSING, Field(35, 0.85, (5, 6)), None, notes)
    assert filled.value == 35
    rejected = reconcile_field("b.name", Field("A", 0.9, None), None, "'B' not found in the text", notes)
    assert rejected.value == "A" and "model value rejected: 'B' not found in the text" in rejected.issues
    assert len(notes) == 2


def test_illustra_extract_runs_the_llm_mode(
    fake: FakeOpenAIServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LLM_API_KEY", API_KEY)
    monkeypatch.setenv("LLM_BASE_URL", fake.base_url)
    path = tmp_path / "doc.txt"
    path.write_text(HK, encoding="utf-8")
    parser = argparse.ArgumentParser()
    extract_command.add_arguments(parser)
    assert extract_command.run(parser.parse_args(["--mode", "hybrid", str(path)])) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["basic_info"]["values"]["sum_assured"] == 40000.0
    assert len(fake.received()) == 1  # hybrid: the table's unsure rows; the overview is built from the values
