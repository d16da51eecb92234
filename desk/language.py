"""Language handling shared by NLU components and actions: a length-preserving text
normaliser (traditional -> simplified, full-width -> half-width, lower case) and a detector
that tells which language a reply should be in."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import List, Optional

import zhconv

# NLU reads at most this much of a message: channels refuse longer ones, and a megabyte of
# text sent anyway must not stall the server for everyone else.
MAX_NLU_CHARS = 2000

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]+")

# Syllables of Hanyu Pinyin without tones: used to tell "gongzuo xuke" (Chinese written in
# pinyin, answer in Chinese) from English.
_INITIALS = "b p m f d t n l g k h j q x zh ch sh r z c s y w".split()
_FINALS = (
    "a o e i u v ai ei ui ao ou iu ie ve er an en in un vn ang eng ing ong ia iao ian iang "
    "iong ua uo uai uan uang ue ueng"
).split()
PINYIN_SYLLABLES = frozenset(
    [i + f for i in _INITIALS for f in _FINALS] + _FINALS + ["ng", "hm", "yu", "yue", "yuan", "yun"]
)
# Short English words that also happen to be pinyin syllables.
ENGLISH_COMMON = frozenset(
    "a an and are as at be but by can do for go he her his how i if in is it me my no of on "
    "or our she so the to us we you your long men ban die pie tie lie hang sing bang fan pan "
    "man ran tan wan ten hen pen den yen gun bun run sun nun dig pin bin tin win".split()
)


@lru_cache(maxsize=4096)
def _char_normal(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) != 1:
        folded = char
    lowered = folded.lower()
    if len(lowered) != 1:
        lowered = folded
    if CJK.match(lowered):
        simplified = zhconv.convert(lowered, "zh-cn")
        if len(simplified) == 1:
            return simplified
    return lowered


def normalize(text: str) -> str:
    """Same-length normal form: offsets in the result point into the original text
    (of its first MAX_NLU_CHARS characters)."""
    text = text[:MAX_NLU_CHARS]
    if CJK.search(text):
        phrase = zhconv.convert(text, "zh-cn")
        if len(phrase) == len(text):
            text = phrase
    text = "".join(_char_normal(c) for c in text)
    if "材" in text:
        text = text.replace("人材", "人才")  # Japanese writers' 人材 (same length: offsets hold)
    return _relative_where(text)


# "where" after a noun opens a relative clause that describes the thing ("the one where you get
# both permits", "a counter where HR hands everything in"): it reads as "which", not as a
# question of place, for every model and keyword table (same length, so offsets hold).
RELATIVE_WHERE = re.compile(
    r"\b((?:one|ones|place|version|counter|desk|window|office|app|website|site|portal|platform|system|thing|"
    r"service|card|permit|visa|station|port|programme|program|scheme|building|centre|center|hub|area|zone|"
    r"event|events|situation|case|process|policy|document|paper|something|anywhere|somewhere)\s+)where\b",
    re.IGNORECASE,
)


def _relative_where(text: str) -> str:
    return RELATIVE_WHERE.sub(lambda m: m.group(1) + "which", text) if "where" in text.lower() else text


# A message without Chinese characters is Chinese written in pinyin when at least this share of
# its words are pinyin (detect; desk.nlu.pinyin reads such a message word by word).
PINYIN_SHARE = 0.75
# ... or, written a syllable at a time, at least this many words that are all pinyin, half of them
# not English ("ban", "me", "man" are both)
MIN_SPACED_PINYIN_WORDS = 4
# Longest pinyin word we try to split: a real one is a few syllables; a run of letters
# ("aaaa…", "hahaha…") longer than this is not Chinese written in pinyin.
MAX_PINYIN_WORD = 60


def pinyin_syllables(word: str) -> Optional[List[str]]:
    """'gongzuoxuke' -> ['gong', 'zuo', 'xu', 'ke'] (lower case expected); None if the word
    cannot be split into pinyin syllables. Fewest syllables wins, so 'xian' stays one syllable.
    Iterative dynamic programming: no recursion depth."""
    n = len(word)
    if n > MAX_PINYIN_WORD:
        return None
    best: List[Optional[List[str]]] = [[]] + [None] * n
    for end in range(1, n + 1):
        for size in range(min(6, end), 0, -1):
            head = best[end - size]
            if head is not None and word[end - size : end] in PINYIN_SYLLABLES:
                if best[end] is None or len(head) + 1 < len(best[end]):  # type: ignore[arg-type]
                    best[end] = head + [word[end - size : end]]
    return best[n]


def _is_pinyin_word(word: str) -> bool:
    word = word.lower()
    return word not in ENGLISH_COMMON and pinyin_syllables(word) is not None


def detect(text: str) -> Optional[str]:
    """'zh' or 'en' for the language a reply to this text should be in, None if it has no
    letters at all (emoji, digits, '???'); English for a text with neither Chinese nor Latin letters."""
    text = text[:MAX_NLU_CHARS]
    cjk = len(CJK.findall(text))
    words = LATIN_WORD.findall(text)
    if not cjk and not words:
        # other letters (Cyrillic, Arabic, Hangul, kana, Thai…): foreign talent writing their own
        # language, for whom English is the closer of the desk's two
        return "en" if any(ch.isalpha() for ch in text) else None
    if not cjk:
        pinyin = [w for w in words if len(w) > 1 and _is_pinyin_word(w)]
        if len(words) >= 2 and len(pinyin) >= PINYIN_SHARE * len(words):
            return "zh"
        if len(words) >= MIN_SPACED_PINYIN_WORDS and len(pinyin) * 2 >= len(words) \
                and all(pinyin_syllables(w.lower()) is not None for w in words):
            return "zh"  # "yi ma tong ban zen me yong": syllable by syllable, some of them English words
        return "en"
    if len(words) >= 2 and english_frame(text):
        return "en"  # "Where is 人才驿站?": an English question about a thing named in Chinese
    # a Chinese word is about 1.5 characters: "请问work permit要准备什么材料" is Chinese,
    # "How do I apply for 人才签证?" is English.
    return "zh" if cjk / 1.5 >= len(words) else "en"


# An English question word opening the message ...
ENGLISH_OPENING = re.compile(
    r"^\W*(where|what|what's|how|when|which|who|is|are|can|could|do|does|should|tell me|any|anyone)\b", re.IGNORECASE
)
# ... and a Chinese part that asks nothing itself (a name, not "用中文问吗")
CHINESE_ASKING = re.compile(r"[吗嗎呢吧么麼啥哪几幾]|什么|什麼|怎么|怎麼|如何|多少|是否|能|可以|要|需要|有没有|請問|请问")
CJK_RUN = re.compile(CJK.pattern + "+")


def english_frame(text: str) -> bool:
    """An English question around one Chinese name ("Where is 人才驿站?", "how do I register on
    一网通办"): the question is asked in English, whatever the count of characters says (detect
    asks it of a text with two English words or more)."""
    runs = CJK_RUN.findall(text)
    return len(runs) == 1 and bool(ENGLISH_OPENING.match(text)) and not CHINESE_ASKING.search(runs[0])
