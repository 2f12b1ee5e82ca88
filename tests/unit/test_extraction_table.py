"""Value-table extraction on small proposals written for these tests."""

from __future__ import annotations

from illustra_extractor.extraction import extract_basic_info, extract_document, extract_value_table

HK_TWO_LINE = """\
康泰人壽保險有限公司
受保人:李大文
性別:男   投保年齡:40   吸煙狀況:非吸煙者
保單貨幣:美元
每年保費:10,000 美元
保費繳付期:3 年
保費繳付方式:年繳

說明摘要（美元）
保單年度    受保人  已繳保費        保證現金        非保證          退保價值        身故賠償
終結        年齡    總額            價值            終期紅利        總額            總額
1           41      10,000          -               500             500             10,100
2           42      20,000          3,000           1,000           4,000           20,200
3           43      30,000          9,000           2,500           11,500          30,300
10          50      30,000          25,000          12,000          37,000          37,000

以下為悲觀情景
悲觀情景 - 說明摘要
保單年度    受保人  已繳保費        保證現金        非保證          退保價值        身故賠償
終結        年齡    總額            價值            終期紅利        總額            總額
1           41      10,000          -               100             100             10,100
2           42      20,000          3,000           200             3,200           20,200
3           43      30,000          9,000           300             9,300           30,300
10          50      30,000          25,000          1,000           26,000          30,300
"""


def _rows(text: str) -> dict[int, dict]:
    basic = extract_basic_info(text)
    return {row["policy_year"]: row for row in extract_value_table(text, basic).values()}


def test_two_line_header_table_and_pessimistic_table_is_not_the_answer() -> None:
    rows = _rows(HK_TWO_LINE)
    assert sorted(rows) == [1, 2, 3, 10]
    assert rows[1] == {
        "policy_year": 1,
        "age": 41,
        "total_premiums_paid": 10000.0,
        "guaranteed_cash_value": 0.0,
        "non_guaranteed_value": 500.0,
        "total_surrender_value": 500.0,
        "death_benefit": 10100.0,
    }
    assert rows[10]["non_guaranteed_value"] == 12000.0  # not the pessimistic 1,000
    table = extract_value_table(HK_TWO_LINE, extract_basic_info(HK_TWO_LINE))
    assert any("scenario" in issue for issue in table.issues)


def test_dash_reads_as_zero_with_high_confidence() -> None:
    table = extract_value_table(HK_TWO_LINE, extract_basic_info(HK_TWO_LINE))
    cell = table.rows[0]["guaranteed_cash_value"]
    assert cell.value == 0.0
    assert cell.confidence >= 0.9
    assert HK_TWO_LINE[cell.span[0] : cell.span[1]] == "-"


def test_cell_spans_point_at_the_printed_number() -> None:
    table = extract_value_table(HK_TWO_LINE, extract_basic_info(HK_TWO_LINE))
    cell = table.rows[3]["total_surrender_value"]
    assert HK_TWO_LINE[cell.span[0] : cell.span[1]] == "37,000"


HTML_CONTINUED = """\
# 安信人壽保險有限公司
| 項目 | 內容 | 項目 | 內容 |
| --- | --- | --- | --- |
| 擬受保人 | 陳小明 | 性別 | 女 |
| 投保年齡 | 30 | 吸煙狀況 | 非吸煙 |
| 投保時每年保費 | 5,000.00 | 保費繳付期 | 2 年 |

說明摘要（港元）
<table>
<tr><th>保單年度<br>終結</th><th>受保人<br>年齡</th><th>已繳保費<br>總額</th><th>保證現金<br>價值</th><th>復歸紅利<br>現金價值</th><th>終期紅利<br>現金價值</th><th>特別紅利</th><th>退保價值<br>總額</th></tr>
<tr><td>1</td><td>31</td><td>5,000</td><td>-</td><td>100</td><td>200</td><td>-</td><td>300</td></tr>
<tr><td>2</td><td>32</td><td>10,000</td><td>4,000</td><td>300</td><td>500</td><td>100</td><td>4,900</td></tr>
</table>

---

說明摘要（續）
<table>
<tr><td>5</td><td>35</td><td>10,000</td><td>8,000</td><td>900</td><td>1,500</td><td>600</td><td>11,000</td></tr>
</table>
"""


def test_html_table_with_br_headers_continued_and_three_bonus_columns_summed() -> None:
    rows = _rows(HTML_CONTINUED)
    assert sorted(rows) == [1, 2, 5]
    assert rows[2]["non_guaranteed_value"] == 900.0  # 300 + 500 + 100
    assert rows[5]["non_guaranteed_value"] == 3000.0
    assert rows[5]["total_surrender_value"] == 11000.0
    assert rows[5]["age"] == 35
    assert rows[1]["death_benefit"] is None  # the table has no death-benefit column


ENGLISH_AGE_ROWS = """\
Proposed Insured: CHAN TAI MAN
Sex: Male    Age at Issue: 45    Smoking Status: Smoker
Annual Premium: USD 2,000
Premium Payment Period: 5 years

Illustration of Benefits (in USD)
End of              Total           Guaranteed      Non-guaranteed  Total           Death
Policy Year Age     Premiums Paid   Cash Value      Terminal Bonus  Surrender Value Benefit
1           46      2,000.00        0.00            100.00          100.00          2,020.00
5           50      10,000.00       6,000.00        2,500.00        8,500.00        10,100.00
Age 65      65      10,000.00       9,000.00        9,000.00        18,000.00       18,000.00
Age 100     100     10,000.00       9,500.00        60,000.00       69,500.00       69,500.00
"""


def test_rows_labelled_by_age_get_policy_year_from_issue_age() -> None:
    rows = _rows(ENGLISH_AGE_ROWS)
    assert sorted(rows) == [1, 5, 20, 55]
    assert rows[20]["age"] == 65
    assert rows[55]["total_surrender_value"] == 69500.0


CN_OCR_FAULTS = """\
被保险人：王芳      性别：女      投保年龄：30周岁
年交保费：1O,000.00元
交费期间：3年
交费方式：年交

三、利益演示表（单位：人民币元）
保单年度    年龄    累计保费        现金价值        红利（非保证）  退保总额        身故保险金
１          31      l0,000.00       -               500.00          500.00          10,100.00
2           32      20,000.00       5,000.00        1,000.00        6,OOO.00        20,200.00 |
3           33      30,000.00       12,000.00       2,000.00
14,000.00       30,300.00
4 '         34      30,000.00       14,000.00       3,000.00        17,000.00       30,300.00
5           35      30,000.00       15,000.00       4,000.00        99,999.00       30,300.00
6           36      30,000.00       16,000.00       5,000.00        21,000.00       30,300.00
"""


def test_ocr_faults_are_repaired_and_checked() -> None:
    basic = extract_basic_info(CN_OCR_FAULTS)
    assert basic.values()["annual_premium"] == 10000.0
    table = extract_value_table(CN_OCR_FAULTS, basic)
    rows = {row["policy_year"].value: row for row in table.rows}
    assert sorted(rows) == [1, 2, 3, 4, 5, 6]
    assert rows[1]["total_premiums_paid"].value == 10000.0  # l0,000.00 and a full-width year label
    assert rows[2]["total_surrender_value"].value == 6000.0  # 6,OOO.00
    assert any("repaired" in issue for issue in rows[2]["total_surrender_value"].issues)
    assert rows[3]["total_surrender_value"].value == 14000.0  # row broken over two lines
    assert rows[3]["death_benefit"].value == 30300.0
    assert rows[4]["guaranteed_cash_value"].value == 14000.0  # stray quote ignored


def test_total_that_fails_arithmetic_is_repaired_or_flagged_never_silently_trusted() -> None:
    table = extract_value_table(CN_OCR_FAULTS, extract_basic_info(CN_OCR_FAULTS))
    row = next(row for row in table.rows if row["policy_year"].value == 5)
    total = row["total_surrender_value"]
    # 15,000 + 4,000 != 99,999: the total is the cell that breaks the growth between its neighbours.
    assert total.value == 19000.0
    assert total.confidence < 0.7
    assert total.issues


def test_unrepairable_total_gets_low_confidence_and_a_note() -> None:
    text = CN_OCR_FAULTS.replace(
        "15,000.00       4,000.00        99,999.00", "15,000.00       4,000.00        19,500.00"
    )
    text = text.replace("30,300.00\n6 ", "19,500.00\n6 ")
    table = extract_value_table(text, extract_basic_info(text))
    row = next(row for row in table.rows if row["policy_year"].value == 5)
    for name in ("guaranteed_cash_value", "non_guaranteed_value", "total_surrender_value"):
        assert row[name].confidence <= 0.3
        assert "total != guaranteed + non-guaranteed" in row[name].issues


def test_premiums_paid_checked_against_premium_times_years() -> None:
    text = CN_OCR_FAULTS.replace("4 '         34      30,000.00", "4 '         34      80,000.00")
    table = extract_value_table(text, extract_basic_info(text))
    row = next(row for row in table.rows if row["policy_year"].value == 4)
    assert row["total_premiums_paid"].value == 30000.0
    assert row["total_premiums_paid"].confidence < 0.7


def test_headerless_continuation_after_page_break_joins_the_table() -> None:
    text = HK_TWO_LINE.split("以下為悲觀情景")[0] + (
        "\n第 2 頁，共 3 頁\n康泰人壽保險有限公司\n"
        "20          60      30,000          28,000          30,000          58,000          58,000\n"
    )
    rows = _rows(text)
    assert sorted(rows) == [1, 2, 3, 10, 20]
    assert rows[20]["non_guaranteed_value"] == 30000.0


def test_withdrawal_and_death_only_tables_are_set_aside() -> None:
    text = HK_TWO_LINE.split("以下為悲觀情景")[0]
    distractor = (
        "\n身故賠償之說明摘要\n"
        "保單年度終結    受保人年齡    身故賠償總額\n"
        "1               41            99,999\n"
        "2               42            99,999\n"
    )
    rows = _rows(distractor + "\n" + text)
    assert rows[1]["death_benefit"] == 10100.0


def test_document_result_has_all_row_fields() -> None:
    _basic, table, _summary = extract_document(HK_TWO_LINE)
    assert all(
        set(row)
        == {
            "policy_year",
            "age",
            "total_premiums_paid",
            "guaranteed_cash_value",
            "non_guaranteed_value",
            "total_surrender_value",
            "death_benefit",
        }
        for row in table.values()
    )


MISPLACED_DEATH = """\
保單年度終結   繳付保費總額   保證現金價值   非保證紅利   總額     身故賠償
1              10,000          0            100      100       100
2              20,000          0            300      300       300
3              30,000     12,000            600   12,600    12,600
4              40,000     25,000          1,000   26,000    40,000
"""


def test_a_death_benefit_below_the_premiums_paid_is_not_sure_even_when_it_repeats_the_total() -> None:
    rows = extract_value_table(MISPLACED_DEATH, extract_basic_info("")).rows
    assert [row["death_benefit"].value for row in rows] == [100, 300, 12_600, 40_000]
    assert all(row["death_benefit"].confidence < 0.8 for row in rows[:3])
    assert all("below the premiums paid" in " ".join(row["death_benefit"].issues) for row in rows[:3])
