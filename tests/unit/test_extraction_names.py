"""The insured's name read from every place a Hong Kong proposal prints it, as OCR gives them back."""

from __future__ import annotations

from illustra_extractor.extraction import extract_basic_info


def _proposal(summary_name: str, *page_names: str, addressed: str = "") -> str:
    """A plan summary page, then one value-table page per name in `page_names` (the name as OCR read it)."""
    pages = [
        f"{addressed}\n重要事項:\n翠峰傳家儲蓄計劃\n擬受保人              : {summary_name}\n"
        "性別 / 年齡 / 收費標準   : 女 / 41 / 非吸煙\n貨幣: 港元\n基本計劃名義金額: 800,000\n"
    ]
    for name in page_names:
        pages.append(
            "說明-退保價值及身故賠償\n"
            f"擬受保人            : {name}              性別 / 年齡 / 收費標準    : 女/41/非吸煙\n"
            "保單年度終結    繳付保費總額    保證現金價值\n1     80,000     0\n見下頁\n"
        )
    return "\n".join(pages)


def _name(text: str) -> tuple[str, float]:
    field = extract_basic_info(text).fields["insured_name"]
    return field.value, field.confidence


def test_a_stray_character_other_readings_lack_is_dropped_and_the_name_is_confirmed() -> None:
    text = _proposal("和陳嘉欣", "陳嘉欣", "陳嘉欣")
    value, confidence = _name(text)
    assert value == "陳嘉欣"
    assert confidence >= 0.9
    field = extract_basic_info(text).fields["insured_name"]
    assert text[field.span[0] : field.span[1]] == "陳嘉欣"


def test_a_stray_character_before_a_surname_is_dropped_without_confidence_when_nothing_confirms() -> None:
    value, confidence = _name(_proposal("和鄧志豪", "ER", "ER"))
    assert value == "鄧志豪"
    assert confidence < 0.8


def test_real_four_character_names_are_kept() -> None:
    assert _name(_proposal("歐陽志強", "ER"))[0] == "歐陽志強"  # a compound surname
    assert _name(_proposal("陳李美玲", "ER"))[0] == "陳李美玲"  # a married name: two surnames


def test_a_name_other_readings_contradict_is_not_confident() -> None:
    value, confidence = _name(_proposal("陳嘉欣", "陳家欣", "陳家欣"))
    assert value == "陳家欣"  # two readings against one
    assert confidence < 0.8


def test_a_lost_or_a_stray_end_character_is_decided_by_votes_but_not_confirmed() -> None:
    assert _name(_proposal("陳嘉欣", "陳嘉"))[1] < 0.8


def test_a_dropped_blank_or_a_stray_quote_in_an_english_name_is_no_disagreement() -> None:
    value, confidence = _name(_proposal("LEUNG KA WAI", "“LEUNGKA WAI", "LEUNG KA WAI"))
    assert value == "LEUNG KA WAI"
    assert confidence >= 0.9


def test_the_to_line_confirms_a_name_read_once_under_a_misread_label() -> None:
    text = _proposal("x", addressed="致 : 何嘉樂 先生").replace(
        "擬受保人              : x", "擬受保入  : 何嘉樂"
    )
    value, confidence = _name(text)
    assert value == "何嘉樂"
    assert confidence >= 0.9


def test_the_to_line_naming_a_parent_does_not_replace_the_insured() -> None:
    value, confidence = _name(_proposal("何嘉樂", "何嘉樂", addressed="致 : 何志明 先生"))
    assert value == "何嘉樂"
    assert confidence >= 0.9


def test_a_name_printed_once_beside_garbled_repeats_is_not_sure() -> None:
    value, confidence = _name(_proposal("陳嘉欣", "ER", "ER"))
    assert value == "陳嘉欣"
    assert 0.5 < confidence < 0.8


def test_a_name_runs_up_to_the_label_ocr_glued_after_it() -> None:
    glued = "擬受保人 :歐陽志強 性別 / 年齡 / 收費標準 :男/ 45 / 吸煙\n保單年度終結  繳付保費總額\n"
    value, confidence = _name(glued + glued)
    assert value == "歐陽志強"
    assert confidence >= 0.9


def test_a_short_english_name_of_two_words_is_a_name() -> None:
    value, confidence = _name(_proposal("LI NA", "LI NA"))
    assert value == "LI NA"
    assert confidence >= 0.9
