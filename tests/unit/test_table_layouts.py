"""Value tables in layouts other than one policy year a line (issue 12), on proposals written for these tests.

Every table below holds the same policy: issue age 40, 10,000 a year for 3 years.
"""

from __future__ import annotations

from illustra_extractor.extraction import extract_basic_info, extract_document, extract_value_table
from illustra_extractor.extraction.grounding import blank_grounding

HK_BASIC = """\
永昇人壽保險有限公司
受保人:何志強
性別:男   投保年齡:40   吸煙狀況:非吸煙者
保單貨幣:美元
每年保費:10,000 美元
保費繳付期:3 年
保費繳付方式:年繳
"""

CN_BASIC = """\
华安人寿保险股份有限公司
被保险人：王小明      性别：男      投保年龄：40周岁
币种：人民币
年交保费：10,000.00元
交费期间：3年
"""

EN_BASIC = """\
KINGSWAY LIFE ASSURANCE LIMITED
Proposed Insured : CHAN TAI MAN
Sex : Male    Age at Issue : 40    Smoking Status : Non-smoker
Policy Currency : USD
Annualised Premium : USD 10,000.00
Premium Payment Period : 3 years
Premium Payment Mode : Annual
"""

YEARS = [1, 2, 3, 4, 5, 10, 20, 25]
EXPECTED = {
    "policy_year": YEARS,
    "age": [41, 42, 43, 44, 45, 50, 60, 65],
    "total_premiums_paid": [10000, 20000, 30000, 30000, 30000, 30000, 30000, 30000],
    "guaranteed_cash_value": [0, 3000, 9000, 12000, 15000, 25000, 28000, 29000],
    "non_guaranteed_value": [500, 1000, 2500, 4000, 6000, 12000, 26000, 38000],
    "total_surrender_value": [500, 4000, 11500, 16000, 21000, 37000, 54000, 67000],
    "death_benefit": [10100, 20200, 30300, 30300, 30300, 37000, 54000, 67000],
}


def _expected_rows(years: list[int] = YEARS) -> list[dict]:
    rows = [{name: values[index] for name, values in EXPECTED.items()} for index in range(len(YEARS))]
    return [row for row in rows if row["policy_year"] in years]


def _values(text: str) -> list[dict]:
    return extract_value_table(text, extract_basic_info(text)).values()


# Layout 1: years across, wrapped into groups ------------------------------------------------------

HK_YEARS_ACROSS = (
    HK_BASIC
    + """
說明摘要（美元）
保單年度終結          1         2         3         4         5
已繳保費
總額             10,000    20,000    30,000    30,000    30,000
保證金額 (A)          -     3,000     9,000    12,000    15,000
復歸紅利 (B)        200       400       900     1,500     2,100
終期紅利 (C)        300       600     1,600     2,500     3,900
總額 (A)+(B)+(C)    500     4,000    11,500    16,000    21,000
身故賠償
保證金額         10,100    20,200    30,300    30,300    30,300
非保證金額            -         -         -         -         -
總額             10,100    20,200    30,300    30,300    30,300

第 3 頁，共 4 頁
康泰人壽保險有限公司
說明摘要（續）
保單年度終結         10        20       65歲
已繳保費
總額             30,000    30,000    30,000
保證金額 (A)     25,000    28,000    29,000
復歸紅利 (B)      5,000     9,000    12,000
終期紅利 (C)      7,000    17,000    26,000
總額 (A)+(B)+(C) 37,000    54,000    67,000
身故賠償
保證金額         30,300    30,300    30,300
非保證金額        6,700    23,700    36,700
總額             37,000    54,000    67,000

計劃概要
• 預期退保價值總額於第3個保單年度終結時高於已繳保費總額
"""
)


def test_years_across_in_two_groups_with_a_split_label_and_a_death_section() -> None:
    assert _values(HK_YEARS_ACROSS) == _expected_rows()


def test_years_across_cells_point_at_the_printed_numbers() -> None:
    table = extract_value_table(HK_YEARS_ACROSS, extract_basic_info(HK_YEARS_ACROSS))
    total = table.rows[5]["total_surrender_value"]
    assert HK_YEARS_ACROSS[total.span[0] : total.span[1]] == "37,000"
    assert total.confidence >= 0.9


EN_YEARS_ACROSS = (
    EN_BASIC
    + """
Illustration of Benefits (in USD)
End of Policy Year            1          2          3          4          5         10         20    Age 65
Total Premiums Paid      10,000     20,000     30,000     30,000     30,000     30,000     30,000     30,000
Guaranteed Cash Value         -      3,000      9,000     12,000     15,000     25,000     28,000     29,000
Non-guaranteed Bonus        500      1,000      2,500      4,000      6,000     12,000     26,000     38,000
Total Surrender
Value                       500      4,000     11,500     16,000     21,000     37,000     54,000     67,000
Death Benefit            10,100     20,200     30,300     30,300     30,300     37,000     54,000     67,000
"""
)


def test_years_across_in_english() -> None:
    assert _values(EN_YEARS_ACROSS) == _expected_rows()


# Roles from arithmetic ---------------------------------------------------------------------------------

EN_UNKNOWN_LABEL = (
    EN_BASIC
    + """
Illustration of Benefits (in USD)
End of Policy Year            1          2          3          4          5         10         20
Total Premiums Paid      10,000     20,000     30,000     30,000     30,000     30,000     30,000
Guaranteed Cash Value         -      3,000      9,000     12,000     15,000     25,000     28,000
Non-guaranteed Bonus        500      1,000      2,500      4,000      6,000     12,000     26,000
Amount Payable on Exit      500      4,000     11,500     16,000     21,000     37,000     54,000
"""
)


def test_a_column_no_label_names_is_named_by_the_sum_and_reported_below_trust() -> None:
    table = extract_value_table(EN_UNKNOWN_LABEL, extract_basic_info(EN_UNKNOWN_LABEL))
    totals = [row["total_surrender_value"] for row in table.rows]
    assert [total.value for total in totals] == EXPECTED["total_surrender_value"][:7]
    assert all(total.confidence < 0.8 for total in totals)
    assert any("arithmetic" in issue and "total_surrender_value" in issue for issue in table.issues)
    # What the labels did name stays trusted.
    assert all(row["guaranteed_cash_value"].confidence >= 0.9 for row in table.rows)


CN_TWO_GUARANTEED = (
    CN_BASIC
    + """
利益演示表（单位：人民币元）
保单年度末  被保险人年龄  累计已交保费  保证现金价值  非保证利益  现金价值合计  身故保险金
1           41            10,000        -             500         500           10,100
2           42            20,000        3,000         1,000       4,000         20,200
3           43            30,000        9,000         2,500       11,500        30,300
4           44            30,000        12,000        4,000       16,000        30,300
5           45            30,000        15,000        6,000       21,000        30,300
"""
)


def test_two_columns_labelled_alike_are_told_apart_by_their_sum() -> None:
    assert _values(CN_TWO_GUARANTEED) == _expected_rows([1, 2, 3, 4, 5])


EN_DOES_NOT_ADD_UP = (
    EN_BASIC
    + """
Illustration of Benefits (in USD)
End of Policy Year            1          2          3          4          5
Total Premiums Paid      10,000     20,000     30,000     30,000     30,000
Guaranteed Cash Value         -      3,000      9,000     12,000     15,000
Non-guaranteed Bonus        500      1,000      2,500      4,000      6,000
Total Surrender Value       900      7,000     19,500     28,000     33,000
"""
)


def test_a_grid_that_does_not_add_up_is_not_reported_as_confident() -> None:
    table = extract_value_table(EN_DOES_NOT_ADD_UP, extract_basic_info(EN_DOES_NOT_ADD_UP))
    assert [row["policy_year"].value for row in table.rows] == [1, 2, 3, 4, 5]
    for row in table.rows:
        for name in ("guaranteed_cash_value", "non_guaranteed_value", "total_surrender_value"):
            assert row[name].confidence < 0.8


# Layout 2: one value a line -------------------------------------------------------------------------------


def _cell_by_cell(header: str, groups: list[list[int]], blank_between: bool) -> str:
    """The table under `header`, each group of rows written out column by column, one value a line."""
    lines = [header]
    names = list(EXPECTED)
    for group in groups:
        for name in names:
            if blank_between:
                lines.append("")
            for index in group:
                value = EXPECTED[name][index]
                lines.append("-" if value == 0 else f"{value:,}")
    return "\n".join(lines) + "\n"


EN_ONE_PER_LINE = (
    EN_BASIC
    + "\nIllustration of Benefits (in USD)\n"
    + _cell_by_cell(
        "End of        Age     Total Premiums   Guaranteed     Non-guaranteed   Total Surrender   Death\n"
        "Policy Year           Paid             Cash Value     Bonus            Value             Benefit",
        [[0, 1, 2, 3, 4], [5, 6, 7]],
        blank_between=True,
    )
)
HK_ONE_PER_LINE = (
    HK_BASIC
    + "\n說明摘要（美元）\n"
    + _cell_by_cell(
        "保單年度    受保人  已繳保費        保證現金        非保證          退保價值        身故賠償\n"
        "終結        年齡    總額            價值            終期紅利        總額            總額",
        [[0, 1, 2, 3, 4], [5, 6, 7]],
        blank_between=False,
    )
)


def test_one_value_a_line_with_blank_lines_between_columns() -> None:
    assert _values(EN_ONE_PER_LINE) == _expected_rows()


def test_one_value_a_line_without_blank_lines() -> None:
    assert _values(HK_ONE_PER_LINE) == _expected_rows()


# Layout 3: several years a cell ----------------------------------------------------------------------------


def _stacked(indexes: list[int], separator: str, cell: str) -> list[str]:
    """One printed row: for each column, the values of the rows at `indexes` in one cell."""
    return [
        cell.format(separator.join("-" if values[i] == 0 else f"{values[i]:,}" for i in indexes))
        for values in EXPECTED.values()
    ]


def _aligned(lines: list[list[str]], gap: int = 2) -> str:
    """Lines of cells, each column as wide as its widest cell (counting a Chinese character twice) plus a gap."""

    def width(text: str) -> int:
        return sum(1 if char.isascii() else 2 for char in text)

    widths = [max(width(line[index]) for line in lines) + gap for index in range(len(lines[0]))]
    return "\n".join(
        "".join(text + " " * (size - width(text)) for text, size in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


HK_HEADER = [
    "保單年度",
    "受保人",
    "已繳保費",
    "保證現金價值",
    "非保證終期紅利",
    "退保價值總額",
    "身故賠償總額",
]
HK_STACKED = (
    HK_BASIC
    + "\n說明摘要（美元）\n"
    + _aligned([HK_HEADER, _stacked([0, 1, 2, 3, 4], " / ", "{}"), _stacked([5, 6, 7], " / ", "{}")], gap=1)
    + "\n"
)
EN_HEADER = ["Year", "Age", "Total Premiums", "Guaranteed", "Non-gtd Bonus", "Total Surrender", "Death"]
EN_TWO_A_CELL = (
    EN_BASIC
    + "\nIllustration of Benefits (in USD)\n"
    + _aligned([EN_HEADER] + [_stacked(pair, "/", "{}") for pair in ([0, 1], [2, 3], [4, 5], [6, 7])])
    + "\n"
)
HTML_STACKED = (
    HK_BASIC
    + "\n說明摘要（美元）\n<table>\n<tr>"
    + "".join(f"<th>{label[:2]}<br>{label[2:]}</th>" for label in HK_HEADER)
    + "</tr>\n<tr>"
    + "".join(_stacked([0, 1, 2, 3, 4], "<br>", "<td>{}</td>"))
    + "</tr>\n<tr>"
    + "".join(_stacked([5, 6, 7], "<br/>", "<td>{}</td>"))
    + "</tr>\n</table>\n"
)


def test_five_years_stacked_in_each_cell() -> None:
    assert _values(HK_STACKED) == _expected_rows()


def test_two_years_stacked_in_each_cell_in_english() -> None:
    assert _values(EN_TWO_A_CELL) == _expected_rows()


def test_years_stacked_with_br_in_html_cells_point_at_their_numbers() -> None:
    table = extract_value_table(HTML_STACKED, extract_basic_info(HTML_STACKED))
    assert table.values() == _expected_rows()
    guaranteed = table.rows[6]["guaranteed_cash_value"]
    assert HTML_STACKED[guaranteed.span[0] : guaranteed.span[1]] == "28,000"


# Layout 6: DeepSeek-OCR grounding output -----------------------------------------------------------------

DEEPSEEK = (
    """\
<|ref|>title<|/ref|><|det|>[[52, 30, 610, 58]]<|/det|>
# 康泰人壽保險有限公司
<|ref|>text<|/ref|><|det|>[[52, 70, 900, 160]]<|/det|>受保人:李大文
性別:男   投保年齡:40   吸煙狀況:非吸煙者
保單貨幣:美元
<|ref|>text<|/ref|><|det|>[[52, 170, 900, 230]]<|/det|>
每年保費:10,000 美元
保費繳付期:3 年
<|ref|>title<|/ref|><|det|>[[52, 250, 400, 276]]<|/det|>說明摘要（美元）
<|ref|>table<|/ref|><|det|>[[48, 290, 950, 520]]<|/det|><table><tr>"""
    + "".join(f"<th>{label}</th>" for label in HK_HEADER)
    + "</tr>\n"
    + "".join("<tr>" + "".join(_stacked([index], "", "<td>{}</td>")) + "</tr>\n" for index in (0, 1, 2))
    + """</table>
<|ref|>text<|/ref|><|det|>[[52, 540, 900, 560]]<|/det|>
保單年度    年齡    已繳保費總額    保證現金價值    非保證終期紅利  退保價值總額    身故賠償
4           44      30,000          12,000          4,000           16,000          30,300
5           45      30,000          15,000          6,000           21,000          30,300
"""
)


def test_deepseek_grounding_markup_is_read_through_on_the_same_line_or_the_next() -> None:
    basic, table, _ = extract_document(DEEPSEEK)
    assert basic.get("annual_premium") == 10000
    assert table.values() == _expected_rows([1, 2, 3, 4, 5])
    premium = table.rows[4]["total_premiums_paid"]
    assert DEEPSEEK[premium.span[0] : premium.span[1]] == "30,000"


def test_grounding_markup_is_blanked_without_moving_any_offset() -> None:
    text = "<|ref|>text<|/ref|><|det|>[[1, 2, 3, 4]]<|/det|>受保人:李大文"
    blanked = blank_grounding(text)
    assert len(blanked) == len(text)
    assert blanked.endswith("\n受保人:李大文")
    assert not blanked[:-8].strip()


CN_BONUS_LATE = (
    CN_BASIC
    + """
利益演示表（单位：人民币元）
保单年度末             1          2          3          4
累计已交保费      10,000     20,000     30,000     30,000
保证现金价值           -      3,000      9,000     12,000
非保证利益             -          -          -          -
现金价值合计           -      3,000      9,000     12,000
身故保险金        10,100     20,200     30,300     30,300

利益演示表（续）
保单年度末             5         10         20         25
累计已交保费      30,000     30,000     30,000     30,000
保证现金价值      15,000     25,000     28,000     29,000
非保证利益         6,000     12,000     26,000     38,000
现金价值合计      21,000     37,000     54,000     67,000
身故保险金        30,300     37,000     54,000     67,000
"""
)


def test_groups_under_one_header_are_checked_together() -> None:
    # Alone, the first group cannot tell its total from its guaranteed value (the bonus is still zero).
    values = _values(CN_BONUS_LATE)
    assert [row["total_surrender_value"] for row in values] == [
        0,
        3000,
        9000,
        12000,
        21000,
        37000,
        54000,
        67000,
    ]
    assert [row["non_guaranteed_value"] for row in values] == [0, 0, 0, 0, 6000, 12000, 26000, 38000]


HK_DEATH_SECTION = (
    HK_BASIC
    + """
說明 – 退保價值及身故賠償
                  退保價值                                         身故賠償
保單年度  繳付保費  保證現金  復歸紅利  終期紅利  總額             保證身故  復歸紅利  終期紅利  總額
終結      總額      價值(A)   (B)       (C)       (A)+(B)+(C)      賠償(D)   (E)       (F)       (D)+(E)+(F)
1         10,000    -         200       300       500              10,100    200       300       10,600
2         20,000    3,000     400       600       4,000            20,200    400       600       21,200
3         30,000    9,000     900       1,600     11,500           30,300    900       1,600     32,800
4         30,000    12,000    1,500     2,500     16,000           30,300    1,500     2,500     34,300
5         30,000    15,000    2,100     3,900     21,000           30,300    2,100     3,900     36,300
"""
)


def test_a_death_benefit_section_beside_the_surrender_values_gives_its_total() -> None:
    rows = _values(HK_DEATH_SECTION)
    assert [row["total_surrender_value"] for row in rows] == [500, 4000, 11500, 16000, 21000]
    assert [row["non_guaranteed_value"] for row in rows] == [500, 1000, 2500, 4000, 6000]
    assert [row["death_benefit"] for row in rows] == [10600, 21200, 32800, 34300, 36300]


EN_NO_HEADER = (
    EN_BASIC
    + """
Illustration of Benefits (in USD)
1      41      10,000      -           500        500        10,100
2      42      20,000      3,000       1,000      4,000      20,200
3      43      30,000      9,000       2,500      11,500     30,300
4      44      30,000      12,000      4,000      16,000     30,300
5      45      30,000      15,000      6,000      21,000     30,300
"""
)


def test_a_table_printed_without_headers_is_read_by_its_arithmetic_alone() -> None:
    table = extract_value_table(EN_NO_HEADER, extract_basic_info(EN_NO_HEADER))
    assert table.values() == _expected_rows([1, 2, 3, 4, 5])
    assert all(
        field.confidence < 0.8 for row in table.rows for name, field in row.items() if name != "policy_year"
    )
