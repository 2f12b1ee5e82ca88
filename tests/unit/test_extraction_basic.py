"""Basic information: labels by meaning in three scripts, OCR faults, look-alike lines."""

from __future__ import annotations

from illustra_extractor.extraction import BasicInfo, extract_basic_info

TRADITIONAL = """\
宏利安泰人壽保險(香港)有限公司
人壽保險計劃建議書
受保人姓名：張美儀
性別 / 年齡 / 收費標準: 女 / 58 / 非吸煙
基本計劃：豐盛傳承儲蓄計劃
保單貨幣：港元
名義金額：1O0,000 港元
投保時每年總保費：２０,０００ 港元
保費徵費：20.00 港元
保費繳付期：5 年
保費繳付方式：年繳
保障年期：至受保人100歲
"""


def test_traditional_labels_slash_line_levy_and_ocr_digits() -> None:
    values = extract_basic_info(TRADITIONAL).values()
    assert values == {
        "insured_name": "張美儀",
        "gender": "F",
        "issue_age": 58,
        "smoker": False,
        "insurer": "宏利安泰人壽保險(香港)有限公司",
        "product_name": "豐盛傳承儲蓄計劃",
        "currency": "HKD",
        "sum_assured": 100000.0,
        "annual_premium": 20000.0,
        "premium_term_years": 5,
        "payment_mode": "annual",
        "coverage_to_age": 100,
    }


def test_repaired_amount_carries_a_note_and_lower_confidence() -> None:
    field = extract_basic_info(TRADITIONAL).fields["sum_assured"]
    assert field.confidence < 0.9
    assert any("repaired" in issue for issue in field.issues)
    assert TRADITIONAL[field.span[0] : field.span[1]] == "1O0,000"


def test_spans_point_at_the_values() -> None:
    info = extract_basic_info(TRADITIONAL)
    for name in ("insured_name", "issue_age", "annual_premium", "product_name"):
        start, end = info.fields[name].span
        assert str(info.values()[name]).rstrip("0").rstrip(".") in TRADITIONAL[start:end].replace(
            ",", ""
        ).replace("２００００", "20000")


SIMPLIFIED = """\
华信人寿保险股份有限公司
鸿福年金保险（分红型） 保险计划书
被保险人：刘洋      性别：男      投保年龄：35周岁
吸烟状况：吸烟
币种：人民币
基本保险金额：50万元
趸交保费：100,000.00元
交费期间：趸交
保险期间：至85周岁
"""


def test_simplified_labels_single_premium_and_wan() -> None:
    values = extract_basic_info(SIMPLIFIED).values()
    assert values["insurer"] == "华信人寿保险股份有限公司"
    assert values["product_name"] == "鸿福年金保险（分红型）"
    assert values["smoker"] is True
    assert values["currency"] == "CNY"
    assert values["sum_assured"] == 500000.0
    assert values["annual_premium"] == 100000.0
    assert values["premium_term_years"] == 1
    assert values["payment_mode"] == "single"
    assert values["coverage_to_age"] == 85


ENGLISH = """\
HARBOUR LIFE INSURANCE COMPANY LIMITED
Proposed Insured : LEE SIU MING
Sex : Male    Age at Issue : 4S    Smoking Status : Non-smoker
Basic Plan : Wealth Builder Plan
Policy Currency : USD
Notionl Amount : USD 13,500.00
Annualised Premium : USD 5,000.00
Premium Payment Period : 10 years
Premium Payment Mode : Monthly
Benefit Term : To Age 120
"""


def test_english_labels_with_a_misread_label_and_digit() -> None:
    info = extract_basic_info(ENGLISH)
    values = info.values()
    assert values["insurer"] == "HARBOUR LIFE INSURANCE COMPANY LIMITED"
    assert values["issue_age"] == 45
    assert values["sum_assured"] == 13500.0  # "Notionl Amount": one character missing
    assert "one misread character" in " ".join(info.fields["sum_assured"].issues)
    assert values["payment_mode"] == "monthly"
    assert values["coverage_to_age"] == 120


def test_misread_chinese_label_character() -> None:
    values = extract_basic_info("受保入：黃志強\n保費繳忖期：10 年\n").values()
    assert values["insured_name"] == "黃志強"
    assert values["premium_term_years"] == 10


def test_json_round_trip_is_exact() -> None:
    info = extract_basic_info(TRADITIONAL)
    data = info.to_json()
    assert set(data["values"]) == set(data["meta"])
    rebuilt = BasicInfo.from_json(data)
    assert rebuilt == info
    assert rebuilt.to_json() == data


def test_missing_fields_have_zero_confidence() -> None:
    info = extract_basic_info("nothing useful here")
    assert all(field.value is None and field.confidence == 0.0 for field in info.fields.values())


HONG_KONG_OCR = """\
Ill Brightway BER
重要事項:
此文件僅概括說明閣下保單的預計退保價值及身故賠償。
康裕終身壽險計劃 (卓越版)
擬受保人              : CHAN TAI MAN
性別 / 年齡 / 收費標準           : 女/12/非吸煙
計劃摘要
貨幣: 美元
基本計劃名義金額1: 300,000
投保時保險 投保時每年            保費繳費至
保障項目                  金額^       保費     保證保費3     年齡     保障至年齡
基本計劃 (a)                             15,210.50 15,210.50      是        22        終身
康裕終身壽險計劃 (卓越版)
(保費繳付期: 10 年)
合資格推廣                                        1,521.05
基本計劃首個保單年度10%保費折扣 (b)
投保時每年總保費 (a) - (b)                                                 13,689.45
保險業監管局 (「保監局」) 保費徵費                      13.69
第1頁,共3頁                      日期: 2025年03月03日
本建議書有效期至 2025年03月31日
明道人壽保險 (百慕達) 有限公司
(於百慕達註冊成立之有限責任公司)
康裕終身壽險計劃 (卓越版)
擬受保人            : CHAN TAI MAN               性別 / 年齡 / 收費標準    : 女/12/非吸煙
明道人壽保險 (百慕達) 有限公司
"""


def test_hong_kong_proposal_lines_as_ocr_gives_them() -> None:
    info = extract_basic_info(HONG_KONG_OCR)
    assert info.values() == {
        "insured_name": "CHAN TAI MAN",  # label, a gap, then the colon
        "gender": "F",
        "issue_age": 12,
        "smoker": False,
        "insurer": "明道人壽保險 (百慕達) 有限公司",  # page footer, not the garbled logo
        "product_name": "康裕終身壽險計劃 (卓越版)",  # the line heading every page
        "currency": "USD",
        "sum_assured": 300000.0,  # 基本計劃名義金額, not a product name
        "annual_premium": 15210.5,  # the plan's premium, not the discounted (a) - (b) nor the levy
        "premium_term_years": 10,
        "payment_mode": "annual",
        "coverage_to_age": None,
    }
    assert info.fields["insurer"].confidence >= 0.8  # printed on two pages
    # no table to say which amount of the plan row is the premium the table accumulates
    assert info.fields["annual_premium"].confidence < 0.8


def test_a_repeated_label_that_reads_differently_is_not_confident() -> None:
    garbled = HONG_KONG_OCR.replace("擬受保人            : CHAN TAI MAN", "擬受保人            : ER")
    info = extract_basic_info(garbled)
    assert info.values()["insured_name"] == "CHAN TAI MAN"
    assert info.fields["insured_name"].confidence < 0.8
    assert info.fields["product_name"].confidence >= 0.8


ABBREVIATED = """\
Harbourline Assurance Company Limited
Plan: Legacy Saver Single Pay
Insured: LEE MEI
Sex: F   Age: 45   Smoker: N
Ccy: HKD
Notional Amt: HKD 701,900.00
Single Prem: HKD 520,000.00
Prem Term: 1 year
Mode: Single Premium
"""


def test_abbreviated_english_labels() -> None:
    values = extract_basic_info(ABBREVIATED).values()
    assert values["product_name"] == "Legacy Saver Single Pay"
    assert values["smoker"] is False
    assert values["currency"] == "HKD"
    assert values["sum_assured"] == 701900.0
    assert values["annual_premium"] == 520000.0
    assert values["premium_term_years"] == 1
    assert values["payment_mode"] == "single"


PDF_TEXT = """\
宏泰 壽保險（國際）有限公司
人
擬受保人: 何家欣
基本計劃名義 額: 50,000
金
"""


def test_pdf_text_with_labels_and_names_broken_mid_word() -> None:
    info = extract_basic_info(PDF_TEXT)
    assert info.values()["sum_assured"] == 50000.0  # not a product named "50,000"
    assert info.values()["product_name"] is None
    assert info.fields["sum_assured"].confidence < 0.8
    assert info.fields["insurer"].confidence < 0.8  # a character of the name is missing


PAGE_HEADER_CELLS = """\
Northgate Life                                        人壽保險計劃建議書
致 : 周美華 女士
擬受保人           : 周美華
性別 / 年齡 / 收費標準 : 女 / 52 / 非吸煙
貨幣: 美元
 保障項目                 投保時保險金額 整付保費 保證保費 保費繳費至年齡 保障至年齡
 基本計劃 (a)
 北辰優越終身壽險計劃            300,000 210,000.00 是      53   終身
 保險業監管局 (「保監局」) 保費徵費                 12.82
第1頁,共2頁                                               日期: 2025年02月10日
Northgate Life                                               北辰優越終身壽險計劃
說明 - 退保價值及身故賠償
"""


def test_page_header_cells_plan_row_over_lines_and_a_single_premium_column() -> None:
    info = extract_basic_info(PAGE_HEADER_CELLS)
    values = info.values()
    # `人壽保險計劃` after the insurer's cell names no product; the plan's name heads the table pages' right cell
    assert values["product_name"] == "北辰優越終身壽險計劃"
    # the plan row's label runs over two lines and its amounts stand beside the second
    assert values["annual_premium"] == 210000.0
    # the premium's column is headed 整付保費: a single premium, paid once
    assert values["payment_mode"] == "single"
    assert values["premium_term_years"] == 1
    assert info.fields["payment_mode"].confidence < 0.8


def test_a_product_name_pages_read_differently_is_not_sure() -> None:
    misread = PAGE_HEADER_CELLS.replace(
        "Northgate Life                                               北辰優越終身壽險計劃",
        "Northgate Life          北辰優越終身壽險計劃\nNorthgate Life          北辰優趣終身壽險計劃\n"
        "Northgate Life          北辰優趣終身壽險計劃",
    )
    info = extract_basic_info(misread)
    assert info.values()["product_name"] in ("北辰優越終身壽險計劃", "北辰優趣終身壽險計劃")
    assert info.fields["product_name"].confidence < 0.8


def test_a_plan_row_whose_premium_ocr_lost_is_not_read_as_sure() -> None:
    # OCR kept the amount insured and lost the premium; the amount insured is printed again elsewhere
    lost = PAGE_HEADER_CELLS.replace(" 210,000.00 是", "").replace(
        "說明 - 退保價值及身故賠償", "名義金額 : 300,000"
    )
    info = extract_basic_info(lost)
    assert info.fields["annual_premium"].confidence < 0.8
