"""Value-table columns read by meaning, on small tables written for these tests: one year's premium against
premiums paid, dividend and interest-rate scenarios, extra death benefits, payouts, abbreviations, HTML
headers spanning rows and columns, and text as PDF layers and OCR give it."""

from __future__ import annotations

from illustra_extractor.extraction import extract_basic_info, extract_value_table
from illustra_extractor.extraction.columns import (
    AGE,
    DEATH,
    GUARANTEED,
    IGNORED,
    NON_GUARANTEED,
    PREMIUMS,
    TOTAL,
    YEAR,
    column_role,
    column_roles,
)
from illustra_extractor.extraction.layout import find_blocks
from illustra_extractor.extraction.normalize import fold


def _td(text: str, rows: int = 1, cols: int = 1) -> str:
    return f'<td rowspan="{rows}" colspan="{cols}">{text}</td>'


def _tr(*cells: str) -> str:
    return "<tr>" + "".join(cell if cell.startswith("<td") else _td(cell) for cell in cells) + "</tr>"


def _table(*rows: str) -> str:
    return "<table>" + "".join(rows) + "</table>"


def _rows(text: str) -> dict[int, dict]:
    return {row["policy_year"]: row for row in extract_value_table(text, extract_basic_info(text)).values()}


WHOLE_LIFE = "\n\n".join(
    [
        "# 示例：张先生今年40周岁，选择5年交费，年交保险费20000元。",
        _table(
            _tr("保单年度", "年龄", "年度保险费", "累计保险费", "基本保险金额", "身故保险金",
                "航空意外身故保险金", "现金价值"),
            _tr("1", "41", "20000", "20000", "300000", "32000", "300000", "5100"),
            _tr("2", "42", "20000", "40000", "300000", "64000", "300000", "15800"),
            _tr("3", "43", "20000", "60000", "300000", "96000", "300000", "33000"),
            _tr("6", "46", "0", "100000", "300000", "160000", "300000", "98000"),
        ),
    ]
)  # fmt: skip


def test_one_years_premium_is_not_the_policy_year_and_extra_death_benefit_is_not_the_death_benefit() -> None:
    rows = _rows(WHOLE_LIFE)
    assert sorted(rows) == [1, 2, 3, 6]
    assert rows[6] == {
        "policy_year": 6,
        "age": 46,
        "total_premiums_paid": 100000.0,
        "guaranteed_cash_value": 98000.0,
        "non_guaranteed_value": None,
        "total_surrender_value": None,
        "death_benefit": 160000.0,
    }


PARTICIPATING = "\n\n".join(
    [
        "示例：王女士今年30周岁，投保本分红型两全保险，3年交费，年交保险费10000元。",
        _table(
            _tr(_td("保单年度", rows=2), _td("年龄", rows=2), _td("年度保险费", rows=2),
                _td("累计保险费", rows=2), _td("身故保险金", rows=2), _td("现金价值", rows=2),
                _td("当年度红利", cols=2), _td("累积红利", cols=2)),
            _tr("保证利益演示", "红利利益演示", "保证利益演示", "红利利益演示"),
            _tr("1", "31", "10000", "10000", "10000", "7000", "0", "120", "0", "120"),
            _tr("2", "32", "10000", "20000", "20000", "16000", "0", "150", "0", "273"),
            _tr("3", "33", "10000", "30000", "30000", "27000", "0", "190", "0", "470"),
        ),
    ]
)  # fmt: skip


def test_accumulated_dividend_of_the_illustrated_scenario_is_the_non_guaranteed_value() -> None:
    rows = _rows(PARTICIPATING)
    assert [rows[year]["non_guaranteed_value"] for year in (1, 2, 3)] == [120.0, 273.0, 470.0]
    assert rows[3]["guaranteed_cash_value"] == 27000.0
    assert rows[3]["total_premiums_paid"] == 30000.0
    assert rows[3]["death_benefit"] == 30000.0


def test_scenario_groups_over_dividend_columns() -> None:
    text = _table(
        _tr(_td("保单年度", rows=2), _td("累计保险费", rows=2), _td("保证利益演示", cols=2),
            _td("红利利益演示", cols=3)),
        _tr("现金价值", "累积红利", "现金价值", "当年度红利", "累积红利"),
        _tr("1", "5000", "1200", "0", "1200", "80", "80"),
        _tr("2", "10000", "4100", "0", "4100", "95", "177"),
        _tr("3", "15000", "9000", "0", "9000", "110", "292"),
    )  # fmt: skip
    rows = _rows(text)
    assert [
        (rows[year]["guaranteed_cash_value"], rows[year]["non_guaranteed_value"]) for year in (1, 2, 3)
    ] == [
        (1200.0, 80.0),
        (4100.0, 177.0),
        (9000.0, 292.0),
    ]


UNIVERSAL_LIFE = _table(
    _tr(_td("保单年度", rows=2), _td("年龄", rows=2), _td("交保险费", rows=2), _td("累计保险费", rows=2),
        _td("初始费用", rows=2), _td("最低保证利率2.0%", cols=4), _td("假设结算利率3.5%", cols=4)),
    _tr("风险保险费", "保单账户价值", "身故保险金", "现金价值", "风险保险费", "保单账户价值", "身故保险金", "现金价值"),
    _tr("1", "51", "5000", "5000", "100", "1.10", "4950.20", "8000.00", "4800.75",
        "1.10", "5010.40", "8000.00", "4860.95"),
    _tr("2", "52", "0", "5000", "0", "1.30", "5040.80", "8000.00", "4940.00",
        "1.20", "5180.10", "8000.00", "5080.30"),
)  # fmt: skip


def test_universal_life_minimum_rate_is_guaranteed_and_assumed_rate_is_the_illustrated_total() -> None:
    rows = _rows(UNIVERSAL_LIFE)
    assert sorted(rows) == [1, 2]
    assert rows[2]["total_premiums_paid"] == 5000.0
    assert rows[2]["guaranteed_cash_value"] == 4940.00
    assert rows[2]["total_surrender_value"] == 5080.30
    assert abs(rows[2]["non_guaranteed_value"] - 140.30) < 0.005
    assert rows[2]["death_benefit"] == 8000.00


def test_three_dividend_scenarios_take_the_medium_one() -> None:
    text = _table(
        _tr(_td("保单年度", rows=2), _td("累计保费", rows=2), _td("现金价值", rows=2),
            _td("假设较低红利水平", cols=2), _td("假设中等红利水平", cols=2), _td("假设较高红利水平", cols=2)),
        _tr("累积红利", "身故保险金", "累积红利", "身故保险金", "累积红利", "身故保险金"),
        _tr("1", "1000", "300", "5", "2000", "9", "2004", "14", "2009"),
        _tr("2", "2000", "900", "11", "4000", "20", "4009", "31", "4020"),
    )  # fmt: skip
    rows = _rows(text)
    assert [rows[year]["non_guaranteed_value"] for year in (1, 2)] == [9.0, 20.0]
    assert [rows[year]["death_benefit"] for year in (1, 2)] == [2004.0, 4009.0]


def test_header_meanings() -> None:
    expected = {
        "年度保险费": IGNORED,  # that year's premium, not the policy year
        "保單年度終結": YEAR,
        "年末年龄": AGE,
        "Annual Premium": IGNORED,
        "Total Annual Premiums Paid": PREMIUMS,
        "当年交保险费": IGNORED,
        "累計保險費": PREMIUMS,
        "Tot Prem": PREMIUMS,
        "特定疾病豁免保险费": IGNORED,
        "保证领取年金": IGNORED,  # a guaranteed payout is not a cash value
        "Gtd CV": GUARANTEED,
        "Non-Gtd TB": NON_GUARANTEED,
        "DB": DEATH,
        "公共交通意外身故保险金": IGNORED,
        "Accidental Death Benefit": IGNORED,
        "當年度紅利 紅利利益演示": IGNORED,
        "累積紅利 保證利益演示": IGNORED,
        "累積紅利 紅利利益演示": NON_GUARANTEED,
        "最低保證利率 現金價值": GUARANTEED,
        "假設結算利率 現金價值": TOTAL,
        "保證結算利率 現金價值": GUARANTEED,
        "中檔結算利率 現金價值": TOTAL,
        "高檔結算利率 現金價值": IGNORED,
        "低紅利水平 累積紅利": IGNORED,
    }
    assert {header: column_role(fold(header)) for header in expected} == expected


def test_death_section_after_surrender_values_gives_the_higher_of_column() -> None:
    headers = [
        fold(text)
        for text in (
            "保單年度終結",
            "繳付保費總額",
            "退保價值 保證現金價值 (A)",
            "退保價值 終期紅利 (B)",
            "退保價值 總額 (A)+(B)",
            "身故賠償 保證身故賠償 (C)",
            "身故賠償 終期紅利 (D)",
            "身故賠償 [(A+D) 或 C] 之較高者",
        )
    ]
    assert column_roles(headers)[2:] == [GUARANTEED, NON_GUARANTEED, TOTAL, IGNORED, IGNORED, DEATH]
    # As a PDF's text layer lays it out, the group header 身故賠償 sits over the middle columns only.
    headers[-1] = fold("[(A+D) 或 C] 之較高者")
    assert column_roles(headers)[2:] == [GUARANTEED, NON_GUARANTEED, TOTAL, IGNORED, IGNORED, DEATH]


def test_a_column_adding_lettered_columns_up_is_the_total_whatever_group_header_spreads_over_it() -> None:
    # pypdf's layout text: `非保證金額` over (B) and (C) reaches the total's column in each section
    headers = [
        fold(text)
        for text in (
            "保單年度終結",
            "繳付保費總額",
            "保證金額 保證現金價值(A)",
            "非保證金額 復歸紅利 (B)",
            "非保證金額 終期紅利 (C)",
            "非保證金額 總額 (A)+(B)+(C)",
            "保證金額 保證身故賠償* (D)",
            "非保證金額 復歸紅利 (E)",
            "非保證金額 終期紅利 (F)",
            "非保證金額 總額 (D)+(E)+(F)",
        )
    ]
    assert column_roles(headers)[2:] == [
        GUARANTEED, NON_GUARANTEED, NON_GUARANTEED, TOTAL, IGNORED, IGNORED, IGNORED, DEATH
    ]  # fmt: skip


HK_THREE_ROW_HEADER = "\n".join(
    [
        "說明 - 退保價值及身故賠償（美元）",
        _table(
            _tr(_td("保單年度終結", rows=3), _td("繳付保費總額", rows=3), _td("退保價值", cols=3),
                _td("身故賠償", cols=3)),
            _tr(_td("保證金額", rows=2), _td("非保證金額"), _td("總額", rows=2), _td("保證身故賠償 (C)", rows=2),
                _td("非保證金額"), _td("[(A+D) 或 C] 之較高者", rows=2)),
            _tr("終期紅利 (B)", "終期紅利 (D)"),
            _tr("1", "5,000", "0", "0", "0", "5,000", "0", "5,000"),
            _tr("2", "10,000", "1,200", "300", "1,500", "10,000", "350", "10,000"),
            _tr("3", "15,000", "9,800", "1,100", "10,900", "15,000", "1,250", "15,000"),
            _tr("4", "15,000", "14,200", "2,600", "16,800", "15,000", "2,900", "17,100"),
        ),
    ]
)  # fmt: skip


def test_three_row_html_header_with_rowspan_and_colspan() -> None:
    rows = _rows(HK_THREE_ROW_HEADER)
    assert rows[4] == {
        "policy_year": 4,
        "age": None,
        "total_premiums_paid": 15000.0,
        "guaranteed_cash_value": 14200.0,
        "non_guaranteed_value": 2600.0,
        "total_surrender_value": 16800.0,
        "death_benefit": 17100.0,
    }


def test_huge_spans_are_capped() -> None:
    text = _table(
        *[_tr(_td("说明", rows=10_000_000), _td("注", cols=10_000_000))] * 500,
        _tr(_td("保单年度"), _td("现金价值", cols=10_000_000), _td("身故保险金", rows=10_000_000)),
        _tr("1", "100", "1000"),
        _tr("2", "300", "1000"),
    )
    (block,) = find_blocks(fold(text))
    assert max(len(row) for row in block.header_lines + block.rows) < 32  # not millions of cells


ABBREVIATED = """\
Benefit Illustration (USD)
Yr   Age   Tot Prem    Gtd CV    Non-Gtd TB    Total SV        DB
1     36      8,000         0           120         120     8,400
2     37     16,000     5,100           460       5,560    16,800
3     38     24,000    14,900         1,050      15,950    25,200
"""


def test_abbreviated_english_headers() -> None:
    rows = _rows(ABBREVIATED)
    assert rows[3] == {
        "policy_year": 3,
        "age": 38,
        "total_premiums_paid": 24000.0,
        "guaranteed_cash_value": 14900.0,
        "non_guaranteed_value": 1050.0,
        "total_surrender_value": 15950.0,
        "death_benefit": 25200.0,
    }


def test_fold_applies_nfkc_without_moving_offsets() -> None:
    text = "擬受保⼈ ⾝故賠償 ⾦額 ＵＳＤ 1,000¹"  # Kangxi radicals as PDF text layers give them
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded.startswith("拟受保人 身故赔偿 金额 usd")
    assert folded.endswith("1,000¹")  # a footnote mark is not a digit of the amount


# A Hong Kong proposal's table as Tesseract returns it: the three header rows garbled (group headers pushed
# to the left margin, letters misread), column rules read as `|`, `]`, `_`, `—`, age rows misread, a year that
# lost a digit and another that lost its cell. Issue age 10, 3-year premium 1,000.
HK_OCR = """\
擬受保人 : CHAN TAI MAN   性別 / 年齡 / 收費標準 : 男/10/標準
每年保費 : 1,000   保費繳付期 : 3 年
說明-退保價值及身故賠償
保證金額          非保證金額                   保證金額          非保證金額
保單年度 | 繳付保費 | 保證現金 | 復歸紅利 | 終期紅利   總額   保證身故 | 復歸紅利 | 終期紅利   總額
終結       總額      價值(A)      (8)      (Cc)   (A)+(B)+(C)   賠償* (D)     (3)      )   (D)+(E)+(F)
1          1,000         0        20        10          30      1,000        25        10      1,035
2          2,000]      800        45        30         875      2,000        55        30      2,085
3          3,000|    1,900]       80        60       2,040|     3,000       100        60      3,160
4          3,000     2,100 | _   120       110       2,330      3,000       150       110      3,260
            3,000     2,300       170       160       2,630      3,000       210       160      3,370
6          3,000     2,500]      230       220       2,950      3,000       280       220      3,500
7          3,000    —2,700       300       290       3,290]     3,000       360       290      3,650
8          3,000     2,900       380       370       3,650      3,000       450       370      3,820
9          3,000     3,100       470       460       4,030      3,100       550       460      4,110
1          3,000     3,300       570       560       4,430      3,300       660       560      4,520
11         3,000     3,500       680       670       4,850      3,500       780       670      4,950
65歲       3,000     9,000     5,000     6,000      20,000      9,000     5,500     6,000     20,500
108%       3,000     9,500     6,000     7,500      23,000      9,500     6,600     7,500     23,600
75歲       3,000    10,000     7,000     9,000      26,000     10,000     7,700     9,000     26,700
"""


def test_ocr_table_roles_come_from_the_sums_it_prints() -> None:
    table = extract_value_table(HK_OCR, extract_basic_info(HK_OCR))
    rows = {row["policy_year"]: row for row in table.values()}
    assert rows[8] == {
        "policy_year": 8,
        "age": 18,
        "total_premiums_paid": 3000.0,
        "guaranteed_cash_value": 2900.0,
        "non_guaranteed_value": 750.0,
        "total_surrender_value": 3650.0,
        "death_benefit": 3820.0,
    }
    assert rows[4]["guaranteed_cash_value"] == 2100.0  # not the `_` read from the column rule beside it
    assert rows[7]["guaranteed_cash_value"] == 2700.0  # `—2,700`: a column rule glued to the number
    assert any("arithmetic" in issue for issue in table.issues)


def test_ocr_years_and_age_rows_come_back_from_the_sequence() -> None:
    table = extract_value_table(HK_OCR, extract_basic_info(HK_OCR))
    rows = {row["policy_year"].value: row for row in table.rows}
    assert sorted(rows) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 55, 60, 65]
    assert rows[10]["total_surrender_value"].value == 4430.0  # `1` read for `10`
    assert rows[60]["age"].value == 70  # `108%` read for `70歲`
    assert rows[60]["total_surrender_value"].value == 23000.0
    for year in (5, 10, 60):  # restored, so not sure
        assert rows[year]["policy_year"].confidence < 0.8


def test_policy_years_below_one_or_repeated_are_never_confident() -> None:
    text = """\
保单年度   累计保费   现金价值   身故保险金
0          1,000        100       1,000
1          1,000        200       1,000
2          2,000        500       2,000
2          2,000        900       2,000
-3         3,000      1,200       3,000
4          4,000      1,800       4,000
"""
    table = extract_value_table(text, extract_basic_info(text))
    for row in table.rows:
        year = row["policy_year"].value
        assert year >= 1
        if year == 2:
            assert all(field.confidence < 0.8 for field in row.values() if field.value is not None)


def test_control_characters_separate_cells() -> None:
    text = "保单年度  累计保费  现金价值\n1  \x0210,000  \x02500\n2  \x0220,000  \x021,500\n3  \x0230,000  \x023,000\n"
    assert _rows(text)[3]["guaranteed_cash_value"] == 3000.0


def test_two_columns_of_one_meaning_that_disagree_are_not_confident() -> None:
    text = _table(
        _tr("保单年度", "累计保费", "现金价值", "退保金额 (现金价值)"),
        _tr("1", "1000", "300", "300"),
        _tr("2", "2000", "900", "950"),
        _tr("3", "3000", "1500", "1500"),
    )
    table = extract_value_table(text, extract_basic_info(text))
    confidence = {row["policy_year"].value: row["guaranteed_cash_value"].confidence for row in table.rows}
    assert confidence[2] < 0.8 <= confidence[1]
