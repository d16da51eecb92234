"""Correct one-letter typos in English words of a message ("wrok permit", "premanent",
"residnce") towards the words of the keyword tables, so keyword features still fire.

Only words of 5+ letters (4 for a swap of two letters) that are not known words are changed,
and only into a domain term one edit away (delete, swap, replace or insert one letter). A real
English word is never "repaired": "contract" is not a slip for "contact", nor "mother" for
"other" (the GCIDE word list of the ``english-words`` package, with regular inflections).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

WORD = re.compile(r"[a-z]+")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Words at least this long may carry two slips (edit distance 2) and still be corrected.
LONG_WORD = 8


# Regular English endings: a word is known when it is a dictionary word with one of these.
INFLECTIONS = (("ies", "y"), ("es", ""), ("s", ""), ("ied", "y"), ("ed", ""), ("ed", "e"),
               ("ing", ""), ("ing", "e"), ("ly", ""))
# Shortest stem an inflection is read from: "vias" is a slip for "visa", not "via" + "s".
MIN_STEM = 4


@lru_cache(maxsize=1)
def _dictionary() -> FrozenSet[str]:
    """GCIDE's 114,000 head words, loaded once per process (not pickled into the model)."""
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["gcide"], lower=True, alpha=True))


def english_word(word: str) -> bool:
    """Whether ``word`` (lower case) is a dictionary word or a regular inflection of one."""
    words = _dictionary()
    if word in words:
        return True
    return any(
        word.endswith(ending) and len(word) - len(ending) >= MIN_STEM
        and word[: len(word) - len(ending)] + stem in words
        for ending, stem in INFLECTIONS
    )


def _distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance (edits and adjacent swaps), stopping above 2."""
    previous2: List[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > 2:
            return 3
        previous2, previous = previous, current
    return previous[-1]


def _edits(word: str) -> Iterable[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    for left, right in splits:
        if right:
            yield left + right[1:]  # delete
            for c in LETTERS:
                yield left + c + right[1:]  # replace
        if len(right) > 1:
            yield left + right[1] + right[0] + right[2:]  # swap
        for c in LETTERS:
            yield left + c + right  # insert


def _swaps(word: str) -> Iterable[str]:
    for i in range(len(word) - 1):
        yield word[:i] + word[i + 1] + word[i] + word[i + 2 :]


class TypoCorrector:
    def __init__(self, terms: Iterable[str], known_words: Iterable[str] = ()) -> None:
        self.targets: Dict[str, int] = {}
        for term in terms:
            for word in WORD.findall(term.lower()):
                if len(word) >= 4:
                    self.targets[word] = self.targets.get(word, 0) + 1
        self.known = set(self.targets) | {w.lower() for w in known_words}
        self._cache: Dict[str, Optional[str]] = {}

    def _long_targets(self) -> Dict[str, List[str]]:
        """Domain words that may absorb two slips, by first letter (built on first use)."""
        if "_by_initial" not in self.__dict__:
            self._by_initial: Dict[str, List[str]] = {}
            for target in self.targets:
                if len(target) >= LONG_WORD - 2:
                    self._by_initial.setdefault(target[0], []).append(target)
        return self._by_initial

    def _fix(self, word: str) -> Optional[str]:
        if word in self.known or len(word) < 4 or english_word(word):
            return None
        if "_cache" not in self.__dict__:  # a corrector pickled by an older version
            self._cache = {}
        cached = self._cache.get(word, "")
        if cached != "":
            return cached
        candidates = _swaps(word) if len(word) == 4 else _edits(word)
        found = {c for c in candidates if c in self.targets}
        if not found and len(word) >= LONG_WORD:
            # "permenant", "requirments": two slips in a long word, same first letter
            found = {
                t for t in self._long_targets().get(word[0], ())
                if abs(len(t) - len(word)) <= 2 and _distance(word, t) <= 2
            }
        fixed = max(sorted(found), key=lambda c: self.targets[c]) if found else None
        if len(self._cache) < 50_000:
            self._cache[word] = fixed
        return fixed

    def correct(self, text: str) -> Tuple[str, List[int]]:
        """Corrected text (lower-case input expected) and, for each of its characters, the
        index of the character in ``text`` it came from."""
        pieces: List[str] = []
        index: List[int] = []
        position = 0
        for match in WORD.finditer(text):
            fixed = self._fix(match.group())
            if fixed is None:
                continue
            pieces.append(text[position : match.start()])
            index.extend(range(position, match.start()))
            pieces.append(fixed)
            span = match.end() - match.start()
            index.extend(match.start() + min(i, span - 1) for i in range(len(fixed)))
            position = match.end()
        pieces.append(text[position:])
        index.extend(range(position, len(text)))
        return "".join(pieces), index
