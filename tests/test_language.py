from typing import Optional

import pytest

from desk.dialogue.turns import directed_language
from desk.language import detect, normalize


@pytest.mark.parametrize(
    "text, expected",
    [
        ("口岸签证需要什么材料", "zh"),
        ("What documents do I need for a work permit?", "en"),
        ("请问work permit要准备什么材料", "zh"),
        ("R签证 valid多久", "zh"),
        ("How do I apply for 人才签证?", "en"),
        ("gongzuo xuke zenme ban", "zh"),
        ("how long", "en"),
        ("工作許可要多久", "zh"),
        ("???", None),
        ("😀", None),
        ("\u200b\u0301", None),
        # neither Chinese nor Latin letters: English is the nearer of the desk's two languages
        ("Как получить разрешение на работу?", "en"),
        ("취업 허가는 어떻게 받나요?", "en"),
        ("كيف أحصل على تصريح عمل؟", "en"),
        ("就労許可はどうやって申請しますか", "zh"),  # kanji: read as Chinese
    ],
)
def test_detect(text: str, expected: str) -> None:
    assert detect(text) == expected


def test_normalize_keeps_length_and_simplifies() -> None:
    text = "工作許可ＡＢＣ 簽證"
    normal = normalize(text)
    assert len(normal) == len(text)
    assert normal == "工作许可abc 签证"


def test_a_relative_where_reads_as_which_and_a_question_of_place_stays() -> None:
    from desk.language import normalize

    text = "and for the two-in-one version where you get both permits at once?"
    assert normalize(text) == "and for the two-in-one version which you get both permits at once?"
    assert len(normalize(text)) == len(text)
    assert normalize("Where is the office where I apply?") == "where is the office which i apply?"
    assert normalize("where do I renew it") == "where do i renew it"


def test_japanese_variant_of_talent_reads_as_the_chinese_word() -> None:
    assert normalize("人材港在哪里") == "人才港在哪里"


@pytest.mark.parametrize("text, lang", [
    ("yi ma tong ban zen me yong", "zh"), ("ren cai yi zhan zai na li", "zh"),
    ("a man can ban me", "en"), ("he can run now", "en"), ("hi can you help me", "en"),
])
def test_pinyin_written_a_syllable_at_a_time_is_chinese(text: str, lang: str) -> None:
    assert detect(text) == lang


@pytest.mark.parametrize("text, lang", [
    ("Please answer in Chinese: what documents for a port visa?", "zh"),
    ("Answer in Chinese please. How long is the R visa valid?", "zh"),
    ("Reply in Chinese: 口岸签证 documents?", "zh"),
    ("请用英文回答：口岸签证要什么材料", "en"),
    ("could you reply in English? what is the R visa", "en"),
    ("Must my diploma be translated into Chinese?", None),
    ("Do I need to write the form in Chinese?", None),
    ("Do I need to answer the interview in Chinese?", None),
    ("Is there an English version of the form?", None),
])
def test_a_reply_language_directed_in_a_question(text: str, lang: Optional[str]) -> None:
    assert directed_language(text) == lang


@pytest.mark.parametrize("text, lang", [
    ("Where is 人才驿站?", "en"), ("What is 外国人工作许可", "en"),
    ("can i 用中文问吗", "zh"), ("work permit要准备什么材料", "zh"), ("where 人才港 在哪", "zh"),
])
def test_an_english_question_about_a_chinese_name_is_english(text: str, lang: str) -> None:
    """The blind tester's "Where is 人才驿站?" was answered in Chinese: four characters outweighed
    two words. The question is asked in English; a Chinese part that asks something keeps Chinese."""
    assert detect(text) == lang
