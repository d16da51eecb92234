"""The question inside a long message.

People paste whole e-mails (up to 10,000 characters) with the question buried in greetings,
signatures, quoted history and case details. Classifying all of it lets the noise decide; so
a long message is cut down to its question sentences (a question mark, a question word or a
request such as "请问", "I would like to know"), plus the subject line (or a forwarded
notice's 【关于…的通知】 title), before the
NLU reads it; a sentence the writer sets aside ("不过这个我们之后再问", "that can wait") is not read.
A question pasted with rich-text formatting ("<p>…?</p>") is read without the tags. Other short
messages are left alone.
"""

from __future__ import annotations

import html
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
# A mail header's field names: a sentence starting with one is noise, and so is a whole header line.
_HEADER_FIELDS = r"from|to|cc|sent|date|发件人|收件人|抄送|日期|时间"
_NOISE = re.compile(
    r"^\s*(" + _HEADER_FIELDS + r")\s*[:：]|^\s*(best|kind)? ?regards|^\s*thanks|^\s*谢谢|^[-=_*\s]+$",
    re.IGNORECASE,
)
_SUBJECT = re.compile(
    r"^[ \t]*(subject|主题|標題|标题)[ \t]*[:：][ \t]*(.+)$|"
    r"^[ \t]*(【)((关于|關於)[^】\n]{4,80}(通知|公告|办法|辦法|意见|意見|指南|细则|細則))】[ \t]*$",  # a notice's title
    re.IGNORECASE | re.MULTILINE,
)


# A forwarded mail's header lines and separators: dropped before lines are joined into sentences.
_HEADER_LINE = re.compile(
    r"^[ \t]*((" + _HEADER_FIELDS + r"|bcc|subject|主题)[ \t]*[:：].*|"
    r"-{2,}[ \t]*(forwarded|original) message[ \t]*-*|[-=_*~ \t]{3,})$",
    re.IGNORECASE,
)
# "总的来说，就是想确认…", "so basically: what steps…": the writer sums up the question; read first.
SUMMARY = re.compile(
    r"总的来说|总之|总而言之|简单来说|简单说|一句话|说白了|我的问题是|主要想问|主要是想|想确认一下|主要想知道|最想知道|想知道的是|"
    r"\b(so basically|basically|in short|to sum up|in summary|bottom line|tl;?dr|my (main |real )?question is)\b",
    re.IGNORECASE,
)
# A sentence naming the desk's subjects ("代理建议走口岸签证", "a talent station that gives free
# apartments"): a question naming none ("how do we apply to this?") points at it, so it is read too
# when room is left; a question naming its subject needs no background ("I renew my work permit…").
DOMAIN = re.compile(
    r"visa|permit|residen|green card|permanent|talent|confirmation letter|work(ing)? authori[sz]ation|single window|"
    r"bureau|签证|簽證|许可|許可|居留|永居|绿卡|綠卡|人才|驿站|驛站|口岸|落地签|工作证|居留证|确认函|单一窗口|人社|贵局|貴局",
    re.IGNORECASE,
)

# "不过这个我们之后再问", "that can wait", "等他回来再说吧": the writer sets the sentence aside for
# later; it is not read, whatever it names.
DEFERRED = re.compile(
    r"(之后|之後|以后|以後|回头|回頭|下次|改天)再(问|問|说|說|咨询|諮詢)|再说吧|再說吧|等.{1,12}再(说|說|问|問)|"
    r"\b(that|this|it) can wait\b|\b(i'll|i will|we'll|we will) ask (about )?(that|this|it) (later|another time|separately)\b|"
    r"\bbut that'?s? (a question )?for later\b",
    re.IGNORECASE,
)

# "get him this visa", "这个签证怎么办": a question pointing back at a subject names none itself.
GENERIC_REFERENCE = re.compile(
    r"\b(this|that|these|those|such|the same)\s+(kind of\s+|type of\s+)?(visas?|permits?|cards?|letters?|polic(y|ies)|"
    r"services?|programs?|programmes?)\b|(这个|那个|这种|那种|该|此)(签证|簽證|许可|許可|证件|证|卡|政策|服务|项目)",
    re.IGNORECASE,
)


# Rich-text formatting a pasted question may carry ("<p>How do I apply for a work permit?</p>").
# Only these tags, without scripts, event handlers or links, are formatting; any other tag is code.
_FORMATTING_TAG = re.compile(
    r"</?(p|div|span|b|strong|i|em|u|br|font|h[1-6]|li|ul|ol|blockquote|section)\b[^<>]*/?>", re.IGNORECASE
)
_ANY_TAG = re.compile(r"</?[a-z][a-z0-9]*\b[^<>]*>", re.IGNORECASE)
_ACTIVE = re.compile(r"\bon\w+\s*=|javascript:|<\s*/?\s*(script|style|iframe|object|svg|img|a)\b", re.IGNORECASE)
# A question about the markup itself ("how do I centre this <p>?") is a near miss, not a policy question.
_ABOUT_MARKUP = re.compile(
    r"\b(html|css|tags?|div|span|class|style|font|bold|italic|colou?r|cent(er|re)|align|paragraph|markup|render|"
    r"browser|element|display|margin|padding|js|javascript|react|vue|selector|format(ting)?)\b|"
    r"居中|加粗|斜体|颜色|顏色|样式|樣式|标签|標籤|代码|代碼|网页|網頁|字体|字體|段落|对齐|對齊|格式",
    re.IGNORECASE,
)
# The words a wrapped question must keep: a question, not a title ("<h1>Work Permit</h1>").
UNWRAP_MIN_CHARS = 8


def unwrap_formatting(text: str) -> str:
    """A question pasted with rich-text formatting, read without it; anything else is unchanged
    (a tag alone, code, a script, or a question about the markup stay near misses)."""
    if "<" not in text or not _FORMATTING_TAG.search(text) or _ACTIVE.search(text):
        return text
    untagged = _FORMATTING_TAG.sub(" ", text)
    if _ANY_TAG.search(untagged):
        return text  # another tag besides formatting
    plain = html.unescape(re.sub(r"\s+", " ", untagged)).strip()
    if len(plain) < UNWRAP_MIN_CHARS or "<" in plain or not ASKS.search(plain) and not QUESTION.search(plain):
        return text
    return text if _ABOUT_MARKUP.search(plain) else plain


def _sentences(text: str) -> List[str]:
    text = "\n".join(line for line in text.split("\n") if not _HEADER_LINE.match(line))
    joined = re.sub(r"(?<![\n。！？!?.])\n(?!\n)", " ", text)  # undo hard-wrapped lines
    pieces = [p.strip() for p in _SPLIT.split(joined)]
    return [p for p in pieces if p and not _NOISE.search(p)]


def focus(text: str) -> str:
    """The question of a long message (unchanged when the message is short): the subject
    line, a sentence that sums the question up, the last asking sentences, the last sentences
    naming the desk's subjects (when the questions name none), the sentence before each question
    that names none itself ("...to extend it" names its "it" there; before "what documents for his
    residence permit?" it is an aside) and the opening sentence, in that priority, in
    the message's order, within the budget."""
    text = unwrap_formatting(text)
    if len(text) <= FOCUS_MIN_CHARS:
        return text
    sentences = [s for s in _sentences(text) if len(s) <= FOCUS_MAX_CHARS and not DEFERRED.search(s)]
    if not sentences:
        return text[-FOCUS_MAX_CHARS:]
    asking = [i for i, s in enumerate(sentences) if ASKS.search(s)] or [
        i for i, s in enumerate(sentences) if QUESTION.search(s)
    ]
    questions = asking[-FOCUS_MAX_SENTENCES:] or list(range(len(sentences)))[-FOCUS_MAX_SENTENCES:]
    summaries = [i for i, s in enumerate(sentences) if SUMMARY.search(s)][-1:]
    names = [bool(DOMAIN.search(GENERIC_REFERENCE.sub(" ", s))) for s in sentences]
    named = any(names[i] for i in summaries + questions)
    naming = [] if named else [i for i in range(questions[-1], -1, -1) if names[i]][:FOCUS_MAX_SENTENCES]
    wanted = summaries + questions[::-1] + naming + [i - 1 for i in questions[::-1] if i > 0 and not names[i]] + [0]
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
