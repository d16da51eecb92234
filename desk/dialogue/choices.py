"""A clarifying question's options chosen by their number.

WeChat and plain-text channels cannot show buttons, so the options of "which of these do you
mean?" are listed numbered (desk.dialogue.render) and a user answers "2", "第二个" or "the
second one". A message of figures alone, with no question pending, asks nothing the desk can
answer: it is not understood rather than read as whatever topic the classifier leans to."""

from __future__ import annotations

import re
from typing import Optional, Sequence

CHINESE_NUMERALS = {"一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "last": -1}
ORDINAL_SUFFIX = r"(?:st|nd|rd|th)"

# "2", "2.", "#2", "no. 2", "option 2", "number two"-less forms; "第二个", "2号", "选3", "第3项"
NUMBER_CHOICE = re.compile(
    r"^[\s\W_]*(?:(?:option|opt|number|no|nr|choice|choose|pick|#|选|選|选择|選擇|要)\s*[.:#]?\s*)?(?:第\s*)?"
    r"(?P<n>[1-9]|[一二两兩三四五六七八九])\s*" + ORDINAL_SUFFIX + r"?"
    r"\s*(?:个|個|项|項|号|號|种|種|one|option)?\s*(?:吧|呀|啊|哈)?"
    r"\s*(?:please|pls|plz|thanks|thx|谢谢|謝謝)?[\s\W_]*$",
    re.IGNORECASE,
)
# "the second one", "2nd one please", "the last", "第一个吧"
ORDINAL_CHOICE = re.compile(
    r"^[\s\W_]*(?:i mean |i meant |i want |i'd like )?(?:the )?(?P<w>first|second|third|fourth|fifth|sixth|last)"
    r"(?: one| option)?\s*(?:please|pls|plz|thanks|thx)?[\s\W_]*$",
    re.IGNORECASE,
)
LETTER = re.compile(r"[^\W\d_]")  # a letter of any script, CJK included
DIGIT = re.compile(r"\d")


def chosen_number(text: str) -> Optional[int]:
    """The option's number the message names (1-based; -1 for "the last"), or None."""
    text = (text or "").strip()
    match = NUMBER_CHOICE.match(text)
    if match:
        n = match.group("n")
        return int(n) if n.isdigit() else CHINESE_NUMERALS[n]
    match = ORDINAL_CHOICE.match(text)
    return ORDINALS[match.group("w").lower()] if match else None


def chosen_option(text: str, options: Sequence[str]) -> Optional[str]:
    """The pending option the message picks by its number, or None (none pending, or out of range)."""
    n = chosen_number(text)
    if not options or n is None or n == 0 or n > len(options):
        return None
    return options[n - 1] if n > 0 else options[-1]


def only_figures(text: str) -> bool:
    """"123", "2024", "+86 138 ..." : figures without a word."""
    text = text or ""
    return bool(DIGIT.search(text)) and not LETTER.search(text)
