"""Correct one-letter typos in English words of a message ("wrok permit", "premanent",
"residnce") towards the words of the keyword tables, so keyword features still fire.

Only words of 5+ letters (4 for a swap of two letters) that are not known words are changed,
and only into a domain term one edit away (delete, swap, replace or insert one letter).
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Tuple

WORD = re.compile(r"[a-z]+")
LETTERS = "abcdefghijklmnopqrstuvwxyz"


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

    def _fix(self, word: str) -> Optional[str]:
        if word in self.known or len(word) < 4:
            return None
        candidates = _swaps(word) if len(word) == 4 else _edits(word)
        found = {c for c in candidates if c in self.targets}
        if not found:
            return None
        return max(sorted(found), key=lambda c: self.targets[c])

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
