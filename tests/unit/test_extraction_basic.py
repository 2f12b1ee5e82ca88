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
