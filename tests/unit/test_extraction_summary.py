"""Dates, break-even year, highlights and overview."""

from __future__ import annotations

import pytest

from illustra_extractor.extraction import Summary, ValueTable, extract_document
from illustra_extractor.extraction.dates import find_date
from illustra_extractor.extraction.normalize import fold


@pytest.mark.parametrize(
    ("printed", "iso"),
    [
        ("2025年1月10日", "2025-01-10"),
        ("2025/01/10", "2025-01-10"),
        ("10/01/2025", "2025-01-10"),
        ("10 January 2025", "2025-01-10"),
        ("January 10, 2025", "2025-01-10"),
        ("2O25/0l/10", "2025-01-10"),
        ("２０２５年１月１０日", "2025-01-10"),
    ],
)
def test_date_formats(printed: str, iso: str) -> None:
    found = find_date(fold(f"日期：{printed}"))
    assert found is not None
    assert found.iso == iso


DOC = """\
建議書日期：2025/02/06
本建議書有效期至：08/03/2025
每年保費：10,000 美元
保費繳付期：2 年
保費繳付方式：年繳

說明摘要（美元）
保單年度    受保人  已繳保費        保證現金        非保證          退保價值        身故賠償
終結        年齡    總額            價值            終期紅利        總額            總額
1           31      10,000          -               500             500             10,100
2           32      20,000          10,000          5,000           15,000          20,200
3           33      20,000          15,000          6,000           21,000          21,000

計劃概要
• 預期退保價值總額於第3個保單年度終結時高於已繳保費總額
• 第20個保單年度終結時預期退保價值總額為已繳保費總額的2.10倍
"""


def test_dates_breakeven_and_highlights_from_the_document() -> None:
    _basic, _table, summary = extract_document(DOC)
    values = summary.values()
    assert values["proposal_date"] == "2025-02-06"
    assert values["valid_until"] == "2025-03-08"
    assert values["breakeven_year"] == 3
    assert values["key_points"][0] == "預期退保價值總額於第3個保單年度終結時高於已繳保費總額"
    assert "Break-even in policy year 3" in values["overview"]
    start, end = summary.fields["breakeven_year"].span
    assert DOC[start:end] == "3"


def test_breakeven_from_table_when_highlights_are_silent() -> None:
    text = DOC.split("計劃概要")[0]
    _basic, _table, summary = extract_document(text)
    assert summary.values()["breakeven_year"] == 3
    assert summary.fields["breakeven_year"].confidence <= 0.7
    assert summary.values()["key_points"]  # generated from the table


def test_english_breakeven_and_missing_validity() -> None:
    text = (
        "Date of Proposal: 2024-05-04\n\nPlan Highlights\n"
        "- Total surrender value is expected to exceed total premiums paid from the end of policy year 12\n"
        "- Projected total surrender value at the end of policy year 20 is 1.50 times "
        "the total premiums paid\n"
    )
    _basic, _table, summary = extract_document(text)
    assert summary.values()["breakeven_year"] == 12
    assert summary.values()["valid_until"] is None


def test_summary_and_table_json_round_trip() -> None:
    _basic, table, summary = extract_document(DOC)
    assert Summary.from_json(summary.to_json()) == summary
    assert ValueTable.from_json(table.to_json()) == table


def test_valid_until_from_a_sentence_without_a_label_of_its_own() -> None:
    text = "第1頁,共3頁          日期: 2025年03月03日\n本建議書有效期至 2025年03月31日\n"
    _basic, _table, summary = extract_document(text)
    assert summary.values()["proposal_date"] == "2025-03-03"
    assert summary.values()["valid_until"] == "2025-03-31"
    assert summary.fields["valid_until"].confidence >= 0.8
