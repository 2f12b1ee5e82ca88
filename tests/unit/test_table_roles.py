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
