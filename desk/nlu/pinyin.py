"""Read Chinese written in toneless pinyin as the Chinese words it spells.

Users without a Chinese keyboard write "gongzuo xuke zenme ban", "gong zuo xu ke" or
"gongzuoxuke yao sm cailiao". The classifiers learned their words from thousands of Chinese
questions, but only from a few dozen pinyin ones, and a character n-gram of "gongzuoxuke" shares
little with one of "gong zuo xu ke". This reader turns the pinyin back into the Chinese words of
the training data ("工作许可", "怎么", "办"), whatever the spacing, so a pinyin question gets the
features of the Chinese question it spells. The featurizer adds them next to the original text.

The vocabulary is the Chinese words (jieba tokens) of the training examples, each under its
toneless pinyin; where two words sound the same, the more frequent one in training is read.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Dict, Iterable, List, Optional, Tuple

from desk.language import CJK, ENGLISH_COMMON, PINYIN_SHARE, pinyin_syllables
from desk.nlu.spelling import english_word

# Field of the NLU's parse result that carries the reading (DeskClassifier sets it; the dialogue
# rules read the message with it, desk.dialogue.understanding.text_for_rules).
READING_KEY = "pinyin_reading"

LATIN_RUN = re.compile(r"[a-z]+(?:[\s'\-]+[a-z]+)*")
_LATIN_WORD = re.compile(r"[a-z]+")
# Longest word (in syllables) the vocabulary keeps; longer jieba tokens are rare policy names.
MAX_WORD_SYLLABLES = 8
# Score of a piece of pinyin read as a vocabulary word of n >= 2 syllables is n * n: one long
# word ("gongzuoxuke" -> 工作许可) beats two short ones that happen to spell it too, and a
# one-syllable word scores less than a syllable of a longer one ("cailiao" is 材料, not
# 擦 + 里 + 啊 + 哦).
SINGLE_SYLLABLE_SCORE = 0.5
UNKNOWN_SYLLABLE_SCORE = 0.0
# In English or mixed text a pinyin word is read only in a run of at least this many: a lone one
# is mostly a place name ("apply in pudong"), whose Chinese adds nothing but a Chinese token to an
# English question.
MIN_RUN_IN_ENGLISH = 2


# Chat shorthand of pinyin initials that stands for one word everyone knows ("sm cailiao", "zm ban").
ABBREVIATIONS = {"sm": "shenme", "zm": "zenme", "zmb": "zenmeban"}
# Initials of a longer training word ("gzxk" for 工作许可, "jlxk" for 居留许可) are read as that word
# when they are at least this long: shorter ones are English abbreviations as often ("pls", "hr").
MIN_INITIALS = 4


def split_syllables(word: str, initials: Optional[Dict[str, str]] = None) -> Optional[List[str]]:
    """'gongzuoxuke' -> ['gong', 'zuo', 'xu', 'ke'], shorthand expanded (ABBREVIATIONS, and a
    reader's learned ``initials``); None if the word is not pinyin. Fewest syllables wins, so
    'xian' stays one syllable (the vocabulary decides 'xi an' only when the user wrote a space)."""
    if not word:
        return None
    word = (initials or {}).get(word, word)
    return pinyin_syllables(ABBREVIATIONS.get(word, word))


def toneless_syllables(word: str) -> Optional[List[str]]:
    """The toneless pinyin syllables of a Chinese word ('工作许可' -> ['gong', 'zuo', 'xu', 'ke']);
    None for a token that is not all Chinese characters."""
    if not word or not all(CJK.match(c) for c in word):
        return None
    from pypinyin import Style, lazy_pinyin  # at training time only: the reader pickles a dict

    syllables = lazy_pinyin(word, style=Style.NORMAL, v_to_u=False)
    if len(syllables) != len(word) or not all(s.isascii() and s.isalpha() for s in syllables):
        return None
    return [s.lower() for s in syllables]


class PinyinReader:
    """Pinyin -> Chinese words of a fixed vocabulary (built once from training tokens)."""

    def __init__(self, words: Dict[Tuple[str, int], str], initials: Optional[Dict[str, str]] = None) -> None:
        # (joined pinyin, number of syllables) -> Chinese word: "xi an" is 西安, "xian" 先
        self.words = words
        # initials -> the joined pinyin of the word they abbreviate ("gzxk" -> "gongzuoxuke")
        self.initials = initials or {}

    @classmethod
    def from_tokens(cls, tokens: Iterable[str]) -> "PinyinReader":
        """Vocabulary from the Chinese tokens of the training examples (repeats count), and the
        initials of its longer words that are not a word of the training data themselves."""
        tokens = list(tokens)
        counts = Counter(t for t in tokens if t and len(t) <= MAX_WORD_SYLLABLES and CJK.match(t[0]))
        latin = {t.lower() for t in tokens if t and t.isascii() and t.isalpha()}  # "hrss", "html": words
        chosen: Dict[Tuple[str, int], Tuple[str, int]] = {}
        by_initials: Dict[str, Tuple[str, int]] = {}
        for word, count in counts.items():
            syllables = toneless_syllables(word)
            if syllables is None:
                continue
            spelling = "".join(syllables)
            key = (spelling, len(word))
            if key not in chosen or count > chosen[key][1]:
                chosen[key] = (word, count)
            initials = "".join(s[0] for s in syllables)
            if len(initials) >= MIN_INITIALS and (initials not in by_initials or count > by_initials[initials][1]):
                by_initials[initials] = (spelling, count)
        initials = {
            short: spelling for short, (spelling, _count) in by_initials.items()
            if pinyin_syllables(short) is None and not english_word(short) and short not in latin
        }
        return cls({key: word for key, (word, _count) in chosen.items()}, initials)

    def _read_run(self, syllables: List[str], single: bool) -> List[str]:
        """Best reading of one run of pinyin syllables: dynamic programming over them; pieces
        are vocabulary words (a one-syllable word only when ``single``) or unknown syllables,
        which give nothing."""
        n = len(syllables)
        best: List[Optional[Tuple[float, List[str]]]] = [(0.0, [])] + [None] * n
        for end in range(1, n + 1):
            for size in range(1, min(MAX_WORD_SYLLABLES, end) + 1):
                head = best[end - size]
                if head is None:
                    continue
                word = self.words.get(("".join(syllables[end - size : end]), size))
                candidates = []
                if word is not None and (size >= 2 or single):
                    score = size * size if size >= 2 else SINGLE_SYLLABLE_SCORE
                    candidates.append((head[0] + score, head[1] + [word]))
                if size == 1:
                    candidates.append((head[0] + UNKNOWN_SYLLABLE_SCORE, head[1]))
                for candidate in candidates:
                    if best[end] is None or candidate[0] > best[end][0]:  # type: ignore[index]
                        best[end] = candidate
        return best[n][1] if best[n] is not None else []

    def read(self, text: str) -> List[str]:
        """The Chinese words spelled in pinyin in ``text`` (normalised, lower case), in order;
        none when it spells none. In a message that is pinyin as a whole, one-syllable words
        ('ban', 'yao') are read too; in English or mixed text only runs of two or more words
        that are not English, as words of two or more syllables ("R visa xuyao shenme")."""
        if not self.words or not _LATIN_WORD.search(text):
            return []
        initials = getattr(self, "initials", {})  # models trained before round 13 have none
        single = _pinyin_message(text, initials)
        found: List[str] = []
        for run in LATIN_RUN.finditer(text):
            words = _LATIN_WORD.findall(run.group(0))
            group: List[str] = []
            count = 0
            for word in words + [""]:
                syllables = split_syllables(word, initials) if word else None
                if syllables is not None and (single or (word not in ENGLISH_COMMON and not english_word(word))):
                    group += syllables
                    count += 1
                    continue
                if group and (single or count >= MIN_RUN_IN_ENGLISH):
                    found += self._read_run(group, single)
                group, count = [], 0
        return found


def _pinyin_message(text: str, initials: Dict[str, str]) -> bool:
    """A message without Chinese characters is read as pinyin throughout (one-syllable words
    too) when PINYIN_SHARE of its words are pinyin (or initials of a word) and one of them is
    not an English word."""
    if CJK.search(text):
        return False
    words = [w for w in _LATIN_WORD.findall(text) if len(w) > 1]
    pinyin = [w for w in words if split_syllables(w, initials) is not None]
    return bool(words) and len(pinyin) >= PINYIN_SHARE * len(words) and any(
        w not in ENGLISH_COMMON and not english_word(w) for w in pinyin
    )
