"""A bounded fuzzing run of the rules extractor: whatever the text, the three stages return a result (no
exception). Texts are built from the pieces proposals are made of (labels, numbers, table markup, blanks) mixed
with arbitrary characters, so that the fuzzer reaches past the first checks into tables and summaries."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from illustra_extractor.extraction import (
    extract_basic_info,
    extract_document,
    extract_summary,
    extract_value_table,
)

PIECES = st.sampled_from(
    [
        "姓名:",
        "受保人",
        "保額",
        "保費",
        "年繳",
        "USD",
        "HKD",
        "人民币",
        "至",
        "歲",
        "岁",
        "第",
        "年度",
        "保單年度",
        "保證現金價值",
        "非保證",
        "退保價值總額",
        "身故賠償",
        "計劃書",
        "有限公司",
        "有效期",
        "回本",
        "• ",
        "1.",
        "Policy Year",
        "Age",
        "Total",
        "Guaranteed",
        "to age",
        "<table>",
        "</table>",
        "<tr>",
        "</tr>",
        "<td>",
        "</td>",
        "<td colspan=3>",
        "|",
        "---",
        "1,000",
        "12,345.67",
        "100",
        "2025年1月1日",
        "2025-01-01",
        "(",
        ")",
        "  ",
        "\t",
        "\n",
        "\n\n",
        " ",
        "o",
        "l",
        "-",
        "~",
        "%",
    ]
)
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=120).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(TEXTS)
def test_every_text_extracts_without_an_exception(text):
    basic, table, summary = extract_document(text)
    assert table.to_json() is not None and summary.to_json() is not None
    # The stages one by one give the same results as all three together.
    assert extract_basic_info(text) == basic
    assert extract_value_table(text, basic).to_json() == table.to_json()
    assert extract_summary(text, basic, table).to_json() == summary.to_json()
