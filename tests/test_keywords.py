from desk.nlu.keywords import KeywordMatcher
from desk.nlu.spelling import TypoCorrector

TABLES = {
    "topic:permanent_residence": ["PR", "permanent residence", "永久居留", "绿卡"],
    "topic:work_permit": ["work permit", "工作许可"],
    "topic:work_residence_permit": ["work permit and residence permit", "单一窗口"],
    "aspect:materials": ["材料", "documents"],
}


def hits(text: str):
    return [(h.kind, h.value, h.text) for h in KeywordMatcher(TABLES).find(text)]


def test_english_terms_match_on_word_boundaries_only() -> None:
    assert hits("what is the process") == []
    assert ("topic", "permanent_residence", "PR") in hits("how long for a PR card")


def test_chinese_terms_match_inside_sentences_and_traditional_script() -> None:
    assert ("topic", "work_permit", "工作許可") in hits("辦工作許可要什麼材料")
    assert ("aspect", "materials", "材料") in hits("辦工作許可要什麼材料")


def test_longest_overlapping_match_wins() -> None:
    found = hits("can I get a work permit and residence permit together")
    assert [v for k, v, _ in found if k == "topic"] == ["work_residence_permit"]


def test_flexible_spacing_and_typos() -> None:
    assert ("topic", "work_permit", "workpermit") in hits("workpermit docs")
    assert ("topic", "work_permit", "wrok permit") in hits("docs for wrok permit?")
    assert ("topic", "permanent_residence", "premanent residence") in hits("premanent residence?")


def test_typo_corrector_leaves_known_and_short_words() -> None:
    corrector = TypoCorrector(["permanent residence"], known_words=["present"])
    assert corrector.correct("present perm")[0] == "present perm"
    text, index = corrector.correct("premanent card")
    assert text == "permanent card" and len(index) == len(text)


def test_typo_corrector_leaves_real_english_words() -> None:
    """'contract' is a word, not a slip for 'contact'; 'mother' is not 'other'."""
    corrector = TypoCorrector(["contact", "other", "policy", "visa", "residence"])
    for sentence in ("my contract ends", "my mother comes", "the police asked", "documents and permits"):
        assert corrector.correct(sentence)[0] == sentence
    assert corrector.correct("contcat the residnce office")[0] == "contact the residence office"
    assert corrector.correct("vias")[0] == "visa"  # "via" + "s" is too short a stem to count
