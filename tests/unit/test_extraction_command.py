"""`illustra extract` in corpus mode and single-file mode."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from illustra_extractor import extract_command

TEXT = """\
Evergreen Life Assurance Limited
Date of Proposal: 10 January 2025
Proposed Insured: HO KA YAN
Sex: Female    Age at Issue: 30    Smoking Status: Non-smoker
Annualised Premium: USD 1,000
Premium Payment Period: 2 years

Illustration of Benefits (in USD)
End of              Total           Guaranteed      Non-guaranteed  Total           Death
Policy Year Age     Premiums Paid   Cash Value      Terminal Bonus  Surrender Value Benefit
1           31      1,000           0               50              50              1,010
2           32      2,000           1,500           600             2,100           2,100
"""


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    extract_command.add_arguments(parser)
    return extract_command.run(parser.parse_args(argv))


def test_corpus_mode_writes_one_result_per_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "in.jsonl"
    corpus.write_text(
        "\n".join(json.dumps({"id": f"doc-{n}", "ocr_content": TEXT}) for n in range(2)) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    assert _run(["--corpus", str(corpus), "--out", str(out)]) == 0
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [result["id"] for result in results] == ["doc-0", "doc-1"]
    assert results[0]["basic_info"]["insured_name"] == "HO KA YAN"
    assert results[0]["value_table"][1]["total_surrender_value"] == 2100.0
    assert results[0]["summary"]["proposal_date"] == "2025-01-10"
    assert "2/2" in capsys.readouterr().err


def test_single_file_mode_prints_values_and_meta(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "doc.txt"
    path.write_text(TEXT, encoding="utf-8")
    assert _run([str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["basic_info"]["values"]["annual_premium"] == 1000.0
    start, end = result["basic_info"]["meta"]["annual_premium"]["span"]
    assert TEXT[start:end] == "1,000"
    assert result["summary"]["values"]["breakeven_year"] == 2


def test_missing_file_and_llm_mode_without_a_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run([str(tmp_path / "nope.txt")]) == 1
    assert "no such file" in capsys.readouterr().err
    monkeypatch.delenv("LLM_API_KEY", raising=False)
    assert _run(["--mode", "llm", str(tmp_path / "nope.txt")]) == 2
    assert "needs LLM_API_KEY" in capsys.readouterr().err


def test_corpus_lines_carry_extraction_meta_shaped_as_the_api_gives_it(tmp_path: Path) -> None:
    corpus = tmp_path / "in.jsonl"
    corpus.write_text(json.dumps({"id": "doc-0", "ocr_content": TEXT}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert _run(["--corpus", str(corpus), "--out", str(out)]) == 0
    meta = json.loads(out.read_text(encoding="utf-8"))["extraction_meta"]
    assert meta["basic_info"]["extractor"] == "rules"
    start, end = meta["basic_info"]["fields"]["annual_premium"]["span"]
    assert TEXT[start:end] == "1,000"
    assert meta["value_table"]["extractor"] == "rules"
    assert isinstance(meta["value_table"]["issues"], list)
    assert len(meta["value_table"]["rows"]) == 2
    assert meta["value_table"]["rows"][1]["total_surrender_value"]["confidence"] >= 0.8
    assert set(meta["summary"]["fields"]["breakeven_year"]) == {"confidence", "span", "issues"}
