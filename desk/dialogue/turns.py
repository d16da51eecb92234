"""Helpers shared by the actions: reply language, bot texts from the domain, and the
structured payload (CONTRACT.md fields) attached to every bot turn."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from desk.dialogue import texts
from desk.language import detect

LANGUAGES = ("zh", "en")
# "eng" only as a word: pinyin "neng", "sheng" and "Minsheng Road" end in it
WANTS_ENGLISH = re.compile(r"english|英文|英语|英語|\beng\b", re.IGNORECASE)
WANTS_CHINESE = re.compile(r"chinese|mandarin|中文|汉语|漢語|普通话|华语|zhongwen", re.IGNORECASE)


# The names of each language that a request for it, or a refusal of it, uses.
ENGLISH_NAMES = r"english|英文|英语|英語"
CHINESE_NAMES = r"chinese|mandarin|中文|汉语|漢語|普通话"


# "用中文回答吧，我们HR同事英文不太好", "English please, my boss doesn't read Chinese": the
# language attached to a request wins over one merely mentioned.
ASKS_ENGLISH = re.compile(
    rf"(用|说|講|讲|换成|改成|翻译成|翻成|in|into|to)\s*({ENGLISH_NAMES})|({ENGLISH_NAMES})\s*(please|pls|回答|回复|说|版)"
    r"|^\W*english\b",
    re.IGNORECASE,
)
ASKS_CHINESE = re.compile(
    rf"(用|说|講|讲|换成|改成|翻译成|翻成|in|into|to)\s*({CHINESE_NAMES})|"
    rf"({CHINESE_NAMES})\s*(please|pls|回答|回复|说|版|再说)|^\W*(中文|chinese)\b",
    re.IGNORECASE,
)


def asked_language(text: str) -> Optional[str]:
    """The language a message explicitly asks for ("in English please", "用中文回答"), None
    when it only mentions one ("foreigners without a Chinese ID", "my English is bad")."""
    asks_en, asks_zh = ASKS_ENGLISH.search(text or ""), ASKS_CHINESE.search(text or "")
    if asks_en and asks_zh:
        return "en" if asks_en.start() > asks_zh.start() else "zh"
    return "en" if asks_en else "zh" if asks_zh else None


# A reply language directed in a question ("Please answer in Chinese: what documents…?", "Reply in
# Chinese: 口岸签证 documents?", "用英文回答：…"): the language asked for the reply, not one mentioned in
# the question ("must the diploma be translated into Chinese?").
DIRECTS_LANGUAGE = re.compile(
    r"(?<!to )\b(answer|reply|respond|explain|tell me|say it)\b[^.?!:：]{0,20}?\b(in|into)\s+"
    rf"({ENGLISH_NAMES}|{CHINESE_NAMES})\b|^\W*(please\s+)?(in\s+)?({ENGLISH_NAMES}|{CHINESE_NAMES})\s*(please|pls)\b"
    rf"|(请|請)?(用|以)({ENGLISH_NAMES}|{CHINESE_NAMES})(来|來)?(回答|回复|回覆|答复|答覆|解释|解釋|说明|說明)",
    re.IGNORECASE,
)


def directed_language(text: str) -> Optional[str]:
    """The reply language a question directs ("answer in Chinese: …"), else None."""
    found = DIRECTS_LANGUAGE.search(text or "")
    if not found:
        return None
    return "en" if re.search(ENGLISH_NAMES, found.group(0), re.IGNORECASE) else "zh"


def _cannot_read(names: str) -> re.Pattern[str]:
    """Saying one does not read a language ("my Chinese is not good enough", "看不懂英文")."""
    return re.compile(
        rf"(don'?t|do not|can'?t|cannot|can not|unable to)\s+(read|speak|understand|write)\s+(much\s+)?({names})"
        rf"|({names})\s+(is\s+)?(not|isn'?t|is not)\s+(very\s+|so\s+|that\s+)?(good|great|fluent)"
        rf"|({names})\s+(is\s+)?(bad|poor|weak|limited|terrible|basic)|\bno\s+({names})\b"
        rf"|(看不懂|听不懂|聽不懂|读不懂|讀不懂|不懂|不太懂|不会|不會|不太会|不太會)(说|說|讲|講|看)?({names})"
        rf"|({names})(不好|不太好|不行|不太行|很差|太差|一般)",
        re.IGNORECASE,
    )


CANNOT_READ = {"en": _cannot_read(ENGLISH_NAMES), "zh": _cannot_read(CHINESE_NAMES)}


def requested_language(text: str) -> Optional[str]:
    """The language a message the classifier took for a language switch asks for: an explicit
    request, else the one language it mentions ("English?"). A language the user says they
    cannot read ("sorry, I don't understand Chinese", "no Chinese please") asks for the other,
    first of all."""
    refused = [lang for lang, pattern in CANNOT_READ.items() if pattern.search(text or "")]
    if len(refused) == 1:
        return "zh" if refused[0] == "en" else "en"
    asked = asked_language(text)
    if asked:
        return asked
    en, zh = WANTS_ENGLISH.search(text or ""), WANTS_CHINESE.search(text or "")
    if en and not zh:
        return "en"
    if zh and not en:
        return "zh"
    if en and zh:  # "不要中文，用英文" / "not chinese, english please": the later one wins
        return "en" if en.start() > zh.start() else "zh"
    return None


def reply_language(text: str, preference: Optional[str], previous: Optional[str]) -> str:
    """The user's explicit choice wins; else the message's language; else the last one."""
    if preference in LANGUAGES:
        return preference  # type: ignore[return-value]
    return detect(text or "") or (previous if previous in LANGUAGES else None) or "zh"


def response_text(domain: Dict[str, Any], name: str, lang: str, **values: Any) -> str:
    """A bot phrase: from the one texts file (desk.dialogue.texts; ``utter_greet`` is
    ``replies.greet``), else the variation of a domain response whose ``language``
    condition matches (responses a later change may add to domain.yml)."""
    key = name[len("utter_"):] if name.startswith("utter_") else name
    if texts.has_reply(key):
        from desk.policies.published import advertised_titles
        from desk.policies.repository import shared_repository

        titles = advertised_titles(shared_repository().all())
        return texts.reply(key, lang, titles, **values)
    variations: List[Dict[str, Any]] = (domain.get("responses") or {}).get(name) or []
    chosen = None
    for variation in variations:
        conditions = variation.get("condition") or []
        if any(c.get("name") == "language" and c.get("value") == lang for c in conditions):
            chosen = variation
            break
        if not conditions and chosen is None:
            chosen = variation
    text = (chosen or {}).get("text", "")
    return text.format(**values) if values else text


def desk_payload(
    *,
    language: str,
    intent: Dict[str, Any],
    topic: Optional[str] = None,
    aspect: Optional[str] = None,
    alternatives: Sequence[Tuple[str, float]] = (),
    handoff: bool = False,
    confidence: Optional[float] = None,
    say: Sequence[str] = (),
    planned: Sequence[str] = (),
    fees: bool = False,
    hours: bool = False,
    focus: Sequence[str] = (),
    also: Sequence[str] = (),
) -> Dict[str, Any]:
    """The structured part of a bot turn (custom payload key ``desk``): what the bot decided,
    nothing more, because it is stored with every turn. Channels that show the structured
    answer, its sources or the other-language copy add them on the way out
    (desk.dialogue.structured)."""
    return {
        "desk": {
            "language": language,
            "topic": topic,
            "aspect": aspect,
            "intent": {
                "name": intent.get("name"),
                "confidence": round(float(intent.get("confidence") or 0.0), 4),
            },
            "confidence": round(float(confidence), 4) if confidence is not None else None,
            "alternatives": [
                {"topic": t, "confidence": round(float(c), 4)}
                for t, c in alternatives
                if t != topic
            ][:3],
            "handoff": handoff,
            # phrases (data/texts.yml replies) of a turn without policy facts, and the
            # planned sub-measures the question named, whether it asked what it costs or when the
            # place is open: the rest of the decision the answer object is composed from
            # (desk.dialogue.answer.compose_answer)
            "say": list(say),
            "planned": list(planned),
            "fees": fees,
            "hours": hours,
            # the documents and steps the question named (desk.dialogue.items_asked)
            "focus": list(focus),
            # the topics a comparison sets beside ``topic`` (desk.dialogue.comparison)
            "also": list(also),
        }
    }
