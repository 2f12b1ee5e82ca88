"""Basic information from a product description's illustrated example, not from the product's rules."""

from __future__ import annotations

from illustra_extractor.extraction import extract_basic_info, extract_document

RULES = """\
# 华康人寿保险股份有限公司华康福满堂终身寿险

# 产品说明书

保险顾问：联系电话：日 期：

# 一、产品描述

1．投保年龄：本产品接受的被保险人的投保年龄范围为出生满30天至65周岁。

2．保险期间：本产品的保险期间为被保险人终身。

3．保险费及交费方式：本产品的保险费采用趸交（即一次性支付）或限期年交的方式支付，交费期间分为5年、10年和20年。

# 4.保险金额：

(1)基本保险金额：本产品的基本保险金额由您在投保时与我们约定。(2)有效保险金额：本产品首个保单年度的有效保险金额等于基本保险金额。

# 四、投保示例

"""
TABLE = """
保单年度  年龄  累计保费    现金价值  身故保险金
1         41    {paid:,}     3,000     20,000
2         42    {twice:,}     12,000    40,000
3         43    60,000     30,000    60,000
4         44    80,000     55,000    80,000
5         45    100,000    82,000    150,000
6         46    100,000    101,000   150,000
"""
EXAMPLE = (
    "示例1：周先生今年40周岁，他选择购买了华康福满堂终身寿险，选择5年交费，年交保险费20000元，"
    "基本保险金额为150000元。其各保单年度的各项保单利益演示如下：\n"
)


def _document(example: str = EXAMPLE, paid: int = 20000) -> str:
    return RULES + example + TABLE.format(paid=paid, twice=2 * paid)


def test_the_example_gives_the_case_and_the_rules_give_nothing() -> None:
    info = extract_basic_info(_document())
    assert info.values() == {
        "insured_name": None,  # 周先生 is a form of address, not a printed name
        "gender": "M",
        "issue_age": 40,  # not 30 (days) nor 65 from the eligibility range
        "smoker": None,
        "insurer": "华康人寿保险股份有限公司",  # from the heading, not `保险顾问：联系电话：`
        "product_name": "华康福满堂终身寿险",
        "currency": "CNY",  # amounts in 元
        "sum_assured": 150000.0,  # not the (2) of a numbered definition
        "annual_premium": 20000.0,
        "premium_term_years": 5,  # not one of the allowed terms
        "payment_mode": "annual",  # not 趸交 from the list of allowed modes
        "coverage_to_age": None,
    }
    # the table confirms premium, age and term: sure
    for name in ("annual_premium", "issue_age", "premium_term_years"):
        assert info.fields[name].confidence >= 0.8, name


def test_rules_alone_give_no_confident_value() -> None:
    info = extract_basic_info(RULES)
    for name in ("issue_age", "sum_assured", "premium_term_years", "payment_mode", "insurer"):
        found = info.fields[name]
        assert found.value is None or found.confidence < 0.8 or name == "insurer", (name, found)
    assert info.values()["insurer"] == "华康人寿保险股份有限公司"
    assert info.values()["sum_assured"] is None
    assert info.values()["issue_age"] is None


def test_a_sentence_the_table_contradicts_is_not_confident_and_the_table_wins() -> None:
    info = extract_basic_info(_document(paid=25000))
    premium = info.fields["annual_premium"]
    assert premium.value == 25000.0
    assert premium.confidence < 0.8
    assert any("sentence says 20000" in issue for issue in premium.issues)


def test_without_a_table_to_confirm_it_a_sentence_value_is_not_sure() -> None:
    info = extract_basic_info(RULES + EXAMPLE)
    assert info.values()["annual_premium"] == 20000.0
    assert info.fields["annual_premium"].confidence < 0.8


def test_a_child_is_the_insured() -> None:
    example = (
        "示例1：林女士选择为她3岁的儿子小宝购买华康福满堂终身寿险，选择10年交费，"
        "年交保险费5万元，基本保险金额为50万元，保至80周岁。\n"
    )
    values = extract_basic_info(RULES + example).values()
    assert values["insured_name"] == "小宝"
    assert values["gender"] == "M"
    assert values["issue_age"] == 3
    assert values["annual_premium"] == 50000.0
    assert values["sum_assured"] == 500000.0
    assert values["premium_term_years"] == 10
    assert values["coverage_to_age"] == 80


def test_a_newborn_daughter_a_single_premium_and_a_term_of_cover() -> None:
    example = (
        "陈先生选择为自己刚出生的女儿投保，购买了保险期间20年的华康安心两全保险（分红型），"
        "并一次性交纳保险费80000元，基本保险金额为90000元。\n"
    )
    values = extract_basic_info(RULES + example).values()
    assert (values["gender"], values["issue_age"], values["insured_name"]) == ("F", 0, None)
    assert values["product_name"] == "华康安心两全保险（分红型）"
    assert (values["payment_mode"], values["premium_term_years"]) == ("single", 1)
    assert values["annual_premium"] == 80000.0
    assert values["coverage_to_age"] == 20


def test_break_even_counts_the_cash_value_where_no_total_is_printed() -> None:
    _basic, _table, summary = extract_document(_document())
    # year 6: cash value 101,000 >= 100,000 paid
    assert summary.values()["breakeven_year"] == 6


def test_other_wordings_of_the_example() -> None:
    example = (
        "投保示例：张先生，45周岁，投保本产品，基本保额30万，年缴保费12000元，交费期20年，保至85周岁。\n"
    )
    values = extract_basic_info(RULES + example).values()
    assert (values["gender"], values["issue_age"]) == ("M", 45)
    assert (values["sum_assured"], values["annual_premium"]) == (300000.0, 12000.0)
    assert (values["premium_term_years"], values["payment_mode"], values["coverage_to_age"]) == (
        20,
        "annual",
        85,
    )


def test_an_insured_relative_without_an_age_gives_no_age() -> None:
    example = "示例：刘先生今年38周岁，他为妻子投保华康福满堂终身寿险，年交保险费10000元，10年交清。\n"
    values = extract_basic_info(RULES + example).values()
    assert values["gender"] == "F"
    assert values["issue_age"] is None  # 38 is the husband's age
