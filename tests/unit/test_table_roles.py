"""Column roles from the table's arithmetic where OCR garbled the headers, on tables written for these tests."""

from __future__ import annotations

from illustra_extractor.extraction import extract_basic_info, extract_value_table

EN_BASIC = """\
Proposed Insured : LEE MEI LING    Age at Issue : 30
Policy Currency : USD
Annualised Premium : USD 2,000.00
Premium Payment Period : 5 years
"""

# The premiums paid equal the guaranteed death benefit year by year, so both make a sum with the death
# section's bonuses; the premium column's header is lost.
GARBLED_DEATH_SECTION = (
    EN_BASIC
    + """
Surrender Values and Death Benefits (USD)
Yr   ~~      Gtd CV   Rev Bonus  Term Bonus   Total    Gtd DB   Rev Bonus  Term Bonus   Total DB
1    2,000       0        40         10         50    2,000        60        10     2,070
2    4,000     900        80         30      1,010    4,000       120        30     4,150
3    6,000   2,600       130         60      2,790    6,000       190        60     6,250
4    8,000   4,500       190        100      4,790    8,000       270       100     8,370
5   10,000   6,800       260        150      7,210   10,000       360       150    10,510
6   10,000   7,400       330        210      7,940   10,000       450       210    10,660
"""
)


def test_premiums_equal_to_the_guaranteed_death_benefit_stay_the_premiums_paid() -> None:
    rows = extract_value_table(GARBLED_DEATH_SECTION, extract_basic_info(GARBLED_DEATH_SECTION)).values()
    assert [row["total_premiums_paid"] for row in rows] == [2000, 4000, 6000, 8000, 10000, 10000]
    assert [row["death_benefit"] for row in rows] == [2070, 4150, 6250, 8370, 10510, 10660]
    assert [row["total_surrender_value"] for row in rows] == [50, 1010, 2790, 4790, 7210, 7940]


# The second page repeats the heading and a header OCR garbled into other meanings (the guaranteed death
# benefit's words pushed over the cash value); its years carry on and the first page's sums add up in it.
TWO_PAGES = (
    EN_BASIC
    + """
Surrender Values (USD)
Yr   Total Prem Paid   Gtd CV   Terminal Bonus   Total
1        2,000             0          50            50
2        4,000           900         110         1,010
3        6,000         2,600         190         2,790
Page 1 of 2
Surrender Values (USD)
Yr   Total Prem Paid   Gtd Death   Terminal Bonus   Death
4        8,000         4,500         290         4,790
5       10,000         6,800         410         7,210
6       10,000         7,400         540         7,940
"""
)


def test_a_page_whose_years_carry_on_keeps_the_columns_of_the_page_before() -> None:
    rows = extract_value_table(TWO_PAGES, extract_basic_info(TWO_PAGES)).values()
    assert [row["policy_year"] for row in rows] == [1, 2, 3, 4, 5, 6]
    assert [row["guaranteed_cash_value"] for row in rows] == [0, 900, 2600, 4500, 6800, 7400]
    assert [row["total_surrender_value"] for row in rows] == [50, 1010, 2790, 4790, 7210, 7940]


# OCR joined a group header (`Non-guaranteed`) onto the guaranteed cash value's label: every part of the
# total reads as non-guaranteed.
NO_GUARANTEED_LABEL = (
    EN_BASIC
    + """
Surrender Values (USD)
Yr   Total Prem Paid   Non-gtd Cash Val   Rev Bonus   Term Bonus   Total
1        2,000              0                 40          10           50
2        4,000            900                 80          30        1,010
3        6,000          2,600                130          60        2,790
4        8,000          4,500                190         100        4,790
"""
)


def test_a_total_of_non_guaranteed_parts_alone_is_checked_for_its_guaranteed_part() -> None:
    table = extract_value_table(NO_GUARANTEED_LABEL, extract_basic_info(NO_GUARANTEED_LABEL))
    assert [row["guaranteed_cash_value"] for row in table.values()] == [0, 900, 2600, 4500]
    assert [row["non_guaranteed_value"] for row in table.values()] == [50, 110, 190, 290]
    assert all(row["guaranteed_cash_value"].confidence < 0.8 for row in table.rows)


# Age rows at the end of an OCR'd Hong Kong table (issue age 10): one label read as letters, one with 歲 read
# as digits, and column rules read as dashes before a number, widening their rows by a cell.
HK_AGE_ROWS = """\
擬受保人 : CHAN SIU MING   性別 / 年齡 / 收費標準 : 男/10/標準
每年保費 : 1,000   保費繳付期 : 3 年
保單年度終結   繳付保費總額   保證現金價值(A)   終期紅利(B)   總額(A)+(B)   身故賠償
1              1,000              0               10            10         1,010
2              2,000            800               30           830         2,030
3              3,000          1,900 | __          60         1,960         3,060
60歲           3,000          5,000            4,000         9,000         9,500
65歲           3,000          5,500            5,000        10,500        11,000
70歲           3,000          6,000            6,500        12,500        13,000
OS BE          3,000          6,500            8,000        14,500        15,000
8088           3,000          7,000            9,500        16,500 | —_   17,000
"""


def test_age_rows_whose_labels_ocr_garbled_take_their_ages_from_the_sequence() -> None:
    table = extract_value_table(HK_AGE_ROWS, extract_basic_info(HK_AGE_ROWS))
    rows = {row["policy_year"].value: row for row in table.rows}
    assert sorted(rows) == [1, 2, 3, 50, 55, 60, 65, 70]
    assert rows[65]["age"].value == 75 and rows[65]["total_surrender_value"].value == 14500
    assert rows[70]["age"].value == 80 and rows[70]["death_benefit"].value == 17000
    assert rows[3]["guaranteed_cash_value"].value == 1900 and rows[3]["death_benefit"].value == 3060
    assert all(rows[year]["policy_year"].confidence < 0.8 for year in (65, 70))
