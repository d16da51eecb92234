"""Reading Chinese written in toneless pinyin as the training data's Chinese words."""

from desk.dialogue.understanding import contact_aspect, text_for_rules, understand
from desk.nlu.pinyin import READING_KEY, PinyinReader, split_syllables

# A small vocabulary as the training data would give it (token repeats = frequency).
TOKENS = ["工作许可", "怎么", "办", "办", "需要", "什么", "材料", "居留许可", "永久居留", "我", "老婆",
          "可以", "来", "吗", "不是", "西安", "先", "先", "在", "哪里", "要", "要", "药"]


def reader() -> PinyinReader:
    return PinyinReader.from_tokens(TOKENS)


def test_split_syllables_prefers_fewest_and_rejects_non_pinyin() -> None:
    assert split_syllables("gongzuoxuke") == ["gong", "zuo", "xu", "ke"]
    assert split_syllables("xian") == ["xian"]
    assert split_syllables("permit") is None
    assert split_syllables("") is None


def test_every_spacing_reads_as_the_same_words() -> None:
    for text in ("gongzuoxuke zenme ban", "gong zuo xu ke zen me ban", "gongzuo xuke zenmeban"):
        assert reader().read(text) == ["工作许可", "怎么", "办"], text


def test_homophones_read_as_the_more_frequent_training_word() -> None:
    assert reader().read("yao sm cailiao") == ["要", "什么", "材料"]  # "sm": chat shorthand


def test_a_space_the_user_wrote_separates_syllables() -> None:
    assert reader().read("xi an zenme qu") == ["西安", "怎么"]
    assert reader().read("xian zai nali ban") == ["先", "在", "哪里", "办"]


def test_english_and_english_words_in_mixed_text_are_not_read() -> None:
    assert reader().read("how long is the work permit valid") == []
    assert reader().read("can women apply") == []  # "women" is English here, not 我们
    # in English text only non-English words of two or more syllables are read
    assert reader().read("r visa xuyao shenme cailiao") == ["需要", "什么", "材料"]
    assert reader().read("yongjiu juliu 要什么材料") == ["永久居留"]
    assert reader().read("how to apply in pudong") == []  # a lone place name


def test_an_empty_vocabulary_reads_nothing() -> None:
    assert PinyinReader.from_tokens([]).read("gongzuo xuke") == []


def test_rules_read_the_message_with_its_reading_after_the_text() -> None:
    assert text_for_rules({"text": "wo laopo keyi lai ma", READING_KEY: "我老婆可以来吗"}) == (
        "wo laopo keyi lai ma 我老婆可以来吗"
    )
    assert text_for_rules({"text": "Hello 要帶什麼"}) == "hello 要带什么"


def test_pinyin_negation_marks_the_topic_not_asked() -> None:
    entities = [
        {"entity": "topic", "value": "residence_permit", "start": 18, "end": 28},
        {"entity": "topic", "value": "permanent_residence", "start": 36, "end": 42},
    ]
    turn = understand(
        "ask_permanent_residence",
        [{"name": "ask_permanent_residence", "confidence": 0.6}, {"name": "ask_residence_permit", "confidence": 0.3}],
        entities, "wo yao wen de shi juliu xuke, bushi yongju",
        ["residence_permit", "permanent_residence"], previous_topic="permanent_residence",
    )
    assert turn.topic == "residence_permit"


def test_a_phone_number_of_the_contact_topic_is_its_overview() -> None:
    assert contact_aspect("contact", "where", "浦东人社局电话多少") is None
    assert contact_aspect("contact", "where", "what's the phone number of the HR bureau?") is None
    assert contact_aspect("contact", "where", "浦东人社局地址在哪里？电话多少") == "where"
    assert contact_aspect("work_permit", "where", "work permit hotline") == "where"


def test_an_address_asked_of_the_contact_topic_stays_where() -> None:
    assert contact_aspect("contact", "where", "浦东人社局办公室在环科路几号楼？") == "where"
    assert contact_aspect("contact", "where", "人社局 环科路那个 几号线地铁能到") == "where"


def test_initials_of_a_longer_training_word_are_read_as_that_word() -> None:
    reader = PinyinReader.from_tokens(["工作许可", "工作许可", "居留许可", "怎么", "办", "材料"])
    assert reader.read("waiguoren gzxk zm ban") == ["工作许可", "怎么", "办"]
    assert "居留许可" in reader.read("jlxk yao sm cailiao")
    # short initials are left alone: they are English abbreviations as often
    assert PinyinReader.from_tokens(["材料"]).read("pls send cl") == []
