"""Which one document or step of a topic's lists a question is about ("无犯罪记录证明的有效期多久",
"do kids need a health check?", "what was the second document again?").

Such a question got the topic's whole aspect — the processing times, the list of twelve documents —
with the one fact it asked for buried in it (or not shown at all: the health certificate's exemption
for children is in a step, not in the documents list). The answer now leads with the item asked
about (desk.dialogue.answer.compose_topic, ``focus``), and with the step that says more of it (the
residence permit's health check: who is exempt). A document is named by a word or phrase of its
name that no other document of the topic has, or by its place in the list; a word every document
shares ("permit", "证明") names none.
"""

from __future__ import annotations

import re
from typing import Dict, List, Set, Tuple

import jieba

from desk.language import CJK, normalize
from desk.policies.repository import TopicView

# What users call a document that its name calls otherwise: "体检" for "健康证明", "police
# certificate" for the certificate of no criminal record.
SAME_THING = {"体检": "健康", "medical": "health", "police": "criminal", "犯罪": "无犯罪记录", "diploma": "degree"}
# A Chinese name is split into phrases at these, and a phrase's generic ending dropped:
# "无犯罪记录证明及认证材料" names "无犯罪记录证明", "无犯罪记录", "认证材料", "认证".
ZH_SPLIT = re.compile(r"[及和或与、，,；;：:（）()/／\s]+")
ZH_GENERIC_END = re.compile(r"(证明|證明|证书|證書|材料|资料|文件|复印件|原件|申请表|表格|表)$")
ZH_GENERIC = {"证明", "证书", "材料", "资料", "文件", "申请", "申请表", "护照页", "相关", "照片", "认证", "原件", "复印件",
              "上海", "浦东", "中国", "境内", "境外", "国外", "有效", "有效期", "签证", "准备", "办理", "雇主", "单位",
              "用人单位", "本人", "外国人", "家属", "子女", "父母", "出生"}
MIN_ZH_PHRASE = 2
EN_WORD = re.compile(r"[a-z]+")
# Words that name no document of their own: the permits, the paperwork, and plain English.
EN_GENERIC = set(
    "a an the of or and for to from in on at by with your you their its it is be if as any all other "
    "copy copies original originals certificate certificates document documents proof form forms letter "
    "material materials paper papers permit permits visa visas card cards application apply applicant "
    "foreign foreigner foreigners china chinese work working residence resident valid issued "
    "required needed relevant related etc e g new one two three months month years year shanghai pudong "
    "abroad category approval inviting invite inviter parent parents born employer company prepare "
    "family member members spouse child children business busine".split()
)
MIN_EN_WORD = 4
ORDINALS_EN = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
               "eighth": 8, "ninth": 9, "tenth": 10, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5,
               "6th": 6, "7th": 7, "8th": 8, "9th": 9, "10th": 10}
ORDINALS_ZH = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# "the second document", "the 3rd one", "第二个材料", "第3项": a place in the documents list
ORDINAL_ASKED = re.compile(
    r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|1st|2nd|3rd|[4-9]th|10th)\s+"
    r"(document|doc|item|paper|thing|one)s?\b|"
    r"第\s*([一二三四五六七八九十]|[1-9]|10)\s*(个|個|项|項|份|样|樣|条|條)(材料|文件|资料|資料|证明|證明)?",
    re.IGNORECASE,
)


def _zh_phrases(name: str) -> Set[str]:
    """A Chinese name's parts and words: "境内出入境检验检疫部门出具的健康证明" names "健康" too."""
    phrases: Set[str] = set()
    for part in ZH_SPLIT.split(normalize(name)):
        for phrase in (part, ZH_GENERIC_END.sub("", part), *jieba.lcut(part)):
            if len(phrase) >= MIN_ZH_PHRASE and CJK.match(phrase) and phrase not in ZH_GENERIC:
                phrases.add(phrase)
    return phrases


def _en_words(text: str) -> Set[str]:
    """An English text's words, a plural's -s dropped: "certificates" is "certificate"."""
    return {w.rstrip("s") if len(w) > MIN_EN_WORD else w for w in EN_WORD.findall(text.lower())}


def _en_terms(name: str) -> Set[str]:
    return {w for w in _en_words(name) if len(w) >= MIN_EN_WORD and w not in EN_GENERIC and w + "s" not in EN_GENERIC}


def _distinctive(topic: TopicView) -> Dict[int, Set[str]]:
    """Each document's terms (both languages) that no other document of the topic has."""
    # what the topic's title or summary says names the topic, not one document: "居留许可" (not its
    # form), the R visa's confirmation letter, the port visa's airport
    said_zh = normalize((topic.title.get("zh") or "") + (topic.summary.get("zh") or ""))
    said_en = _en_words((topic.title.get("en") or "") + " " + (topic.summary.get("en") or ""))
    terms = [{t for t in _zh_phrases(m.name.get("zh") or "") | _en_terms(m.name.get("en") or "")
              if t not in said_en and t not in said_zh}
             for m in topic.materials]
    return {i: own - set().union(*(t for j, t in enumerate(terms) if j != i)) for i, own in enumerate(terms)}


def _in(term: str, text: str, words: Set[str]) -> bool:
    return term in words if term.isascii() else term in text


def items_asked(topic: TopicView, text: str) -> List[str]:
    """The keys of the items the question names ("materials[4]", and "steps[2]" when a step
    says more of that document), best first; none when it names no single document."""
    text = normalize(text or "")
    ordinal = ORDINAL_ASKED.search(text)
    if ordinal:
        word = (ordinal.group(1) or ordinal.group(3) or "").lower()
        place = ORDINALS_EN.get(word) or ORDINALS_ZH.get(word) or (int(word) if word.isdigit() else 0)
        return [f"materials[{place - 1}]"] if 0 < place <= len(topic.materials) else []
    words = _en_words(text)
    for said, meant in SAME_THING.items():
        if _in(said, text, words):
            words.add(meant)
            text += " " + meant
    found: List[Tuple[int, int, str]] = []
    for index, terms in _distinctive(topic).items():
        hits = sorted(((len(t) * (1 if t.isascii() else 3), t) for t in terms if _in(t, text, words)), reverse=True)
        if hits:
            found.append((hits[0][0], index, hits[0][1]))
    best = [f for f in found if f[0] == max((f[0] for f in found), default=0)]
    if len(best) != 1:
        return []  # no document named, or two named alike
    _score, index, term = best[0]
    steps = [i for i, step in enumerate(topic.steps)
             if any(_in(term, normalize(step.get(lang) or ""), _en_words(step.get(lang) or "")) for lang in ("zh", "en"))]
    return [f"materials[{index}]", *(f"steps[{i}]" for i in steps[:1])]
