"""The question inside a long message.

People paste whole e-mails (up to 10,000 characters) with the question buried in greetings,
signatures, quoted history and case details. Classifying all of it lets the noise decide; so
a long message is cut down to its question sentences (a question mark, a question word or a
request such as "请问", "I would like to know"), plus the subject line (or a forwarded
notice's 【关于…的通知】 title), before the
NLU reads it. Short messages are left alone.
"""

from __future__ import annotations

import re
from typing import List

# Messages up to this many characters are read whole.
FOCUS_MIN_CHARS = 400
# The excerpt the NLU reads from a longer message: at most this many characters.
FOCUS_MAX_CHARS = 800
# At most this many question sentences, the last ones first (the ask usually closes a mail).
FOCUS_MAX_SENTENCES = 3

_SENTENCE = re.compile(r"[^。！？!?\n]+(?:[。！？!?]+|\n|$)|[^.\n]+(?:\.(?=\s)|\n|$)")
_SPLIT = re.compile(r"(?<=[。！？!?])|(?<=[.;])\s+|\n\s*\n|\n(?=[-*•>\d])")
QUESTION = re.compile(
    r"[?？]|吗|么|呢|如何|怎么|怎样|多久|多长|哪里|哪儿|哪个|什么|是否|能否|可否|可不可以|能不能|有没有|请问|想问|想了解|咨询|"
    r"\b(how|what|where|when|which|who|whom|whether|can|could|may|do|does|is|are|am|would|should)\b\s+\w+|"
    r"\b(please (advise|let me know|tell|confirm)|i would like to know|i'd like to know|wondering|any idea)\b",
    re.IGNORECASE,
)
# A sentence that surely asks: a question mark, "吗", or a request to be told something.
ASKS = re.compile(
    r"[?？]|吗|请问|想问|想了解|请告知|请帮忙|please (advise|let me know|tell|confirm)|i would like to know|i'd like to know",
    re.IGNORECASE,
)
_NOISE = re.compile(
    r"^\s*(from|to|cc|sent|date|发件人|收件人|抄送|日期|时间)\s*[:：]|^\s*(best|kind)? ?regards|^\s*thanks|^\s*谢谢|^[-=_*\s]+$",
    re.IGNORECASE,
)
_SUBJECT = re.compile(
    r"^[ \t]*(subject|主题|標題|标题)[ \t]*[:：][ \t]*(.+)$|"
    r"^[ \t]*(【)((关于|關於)[^】\n]{4,80}(通知|公告|办法|辦法|意见|意見|指南|细则|細則))】[ \t]*$",  # a notice's title
    re.IGNORECASE | re.MULTILINE,
)


def _sentences(text: str) -> List[str]:
    joined = re.sub(r"(?<![\n。！？!?.])\n(?!\n)", " ", text)  # undo hard-wrapped lines
    pieces = [p.strip() for p in _SPLIT.split(joined)]
    return [p for p in pieces if p and not _NOISE.search(p)]


def focus(text: str) -> str:
    """The question of a long message (unchanged when the message is short): the subject
    line, the opening sentence and the last asking sentences, each with the sentence before it
    ("...to extend it" names its "it" there), in the message's order, within the budget."""
    if len(text) <= FOCUS_MIN_CHARS:
        return text
    sentences = [s for s in _sentences(text) if len(s) <= FOCUS_MAX_CHARS]
    if not sentences:
        return text[-FOCUS_MAX_CHARS:]
    asking = [i for i, s in enumerate(sentences) if ASKS.search(s)] or [
        i for i, s in enumerate(sentences) if QUESTION.search(s)
    ]
    questions = asking[-FOCUS_MAX_SENTENCES:] or list(range(len(sentences)))[-FOCUS_MAX_SENTENCES:]
    wanted = questions[::-1] + [i - 1 for i in questions[::-1] if i > 0] + [0]
    chosen: List[int] = []
    found = _SUBJECT.search(text)
    subject = (found.group(2) or found.group(4)).strip() if found else ""
    budget = FOCUS_MAX_CHARS - (len(subject) + 1 if subject else 0)
    for index in dict.fromkeys(wanted):
        if len(sentences[index]) + 1 <= budget:
            chosen.append(index)
            budget -= len(sentences[index]) + 1
    parts = ([subject] if subject else []) + [sentences[i] for i in sorted(chosen)]
    return " ".join(parts)[:FOCUS_MAX_CHARS]
