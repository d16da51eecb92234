"""Decide what a user turn asks from the NLU result and the conversation so far.

The intent classifier proposes a topic (intents ``ask_<topic_id>``); keyword entities and the
previous turn's topic/aspect fill in follow-ups ("那需要多久？"), topic switches ("and for my
kids?") and corrections. Kept free of Rasa types so evaluation scripts use the same logic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from desk.dialogue.aspect_cues import (
    CONDITION,
    HOW_LONG,
    OTHER_ASPECT_WORDS,
    WHERE_QUESTION,
    cued_aspect,
    opening_hours_asked,
)
from desk.dialogue.choices import chosen_option, only_figures
from desk.dialogue.topic_ids import COMBINED_TOPIC, CONTACT_TOPIC, FAMILY_TOPIC, POLICY_TOPIC
from desk.language import normalize
from desk.nlu.pinyin import READING_KEY

TOPIC_INTENT_PREFIX = "ask_"
FOLLOW_UP_INTENT = "ask_aspect"
VAGUE_INTENT = "ask_vague"
FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
NON_TOPIC_ASK = {FOLLOW_UP_INTENT, VAGUE_INTENT}
ASPECTS = ("overview", "materials", "procedure", "eligibility", "where", "duration")

# Below this the classifier's topic is not trusted on its own: the turn is clarified or
# rejected instead of answered.
MIN_TOPIC_CONFIDENCE = 0.30
# A topic this close to the best one is offered as an alternative in a clarifying question.
CLARIFY_MARGIN = 0.15
# A follow-up-style question with no earlier topic is answered for the classifier's best
# topic from this confidence on (else the bot asks which topic is meant).
MIN_FIRST_TURN_TOPIC = 0.20
# The aspect classifier's guess is used from this confidence on; below it, keywords decide.
MIN_ASPECT_CONFIDENCE = 0.38
# From this confidence on, the classifier's "what it is" overrules a place word in the
# question ("浦东国际人才港是个什么地方", "is there one office where HR hands in everything"):
# a "where" or other keyword inside a description is no aspect of its own.
CONFIDENT_OVERVIEW = 0.75
# An answer to a clarifying question names the thing; the aspect asked before the question
# ("how long?") goes on unless the aspect model is this sure the answer asks something else.
CONFIDENT_ASPECT = 0.8
# Arithmetic or a fragment with a domain word in it ("work permit = 3 * 5?") is still answered
# when the classifier is this sure of the topic it names.
SURE_OF_TOPIC = 0.8
# An opening question the classifier finds nearly as vague as topical ("Hello, I need information
# about the permit", "I have a question about Pudong policy"): with the vague intent at least this
# likely and the best topic below CLEAR_TOPIC, the bot asks which topic is meant.
VAGUE_RIVAL = 0.25
CLEAR_TOPIC = 0.6
# A correction that says which was meant ("sorry no — I mean the long one for top scientists") moves
# away from the topic under discussion when the classifier reads another at least this likely.
CORRECTED_TO_CONFIDENCE = 0.45

# The topic of whom to contact (CONTACT_TOPIC): named beside the permits a user holds, it does not
# make an everyday errand a policy question.
# How to reach someone: with the classifier reading the contact first, the subject named
# ("the talent policies") is what they are reached about, not the question.
REACH_ASKED = re.compile(
    r"\bhow (can|could|do|should) (i|we) (reach|contact|call|phone|email|e-mail|write to|get in touch with)\b|"
    r"\bwho(m)? (do|should|can) (i|we) (call|contact|write to|talk to|speak to)\b|\bcontact (details|info|information)\b|"
    r"联系方式|聯繫方式|怎么联系|怎麼聯繫|如何联系|找谁|找誰",
    re.IGNORECASE,
)
# "Which office handles that, and where are they?", "哪个部门负责这些": the office behind the topic
# under discussion, asked by pointing back at it, is whom to contact ("which office handles work
# permits" names its subject and asks where that is done).
OFFICE_BEHIND = re.compile(
    r"\bwhich (government |public )?(office|department|bureau|agency|authority|organi[sz]ation) "
    r"(\w+ )?(handles|is behind|is in charge of|is responsible for|runs|manages|deals with|oversees) "
    r"(that|this|it|all (that|this|of (this|that|it))|these|those|them)\b|"
    r"(哪个|哪個|什么|什麼)(部门|部門|单位|單位|机构|機構)(在)?(负责|負責|管|主管)(的)?(这个|這個|这些|這些|这块|這塊|这事|這事)?(的)?\W*$",
    re.IGNORECASE,
)
# Offered when a follow-up has no topic to refer to and nothing hints at one.
COMMON_TOPICS = ("work_permit", "residence_permit", "talent_visa", "permanent_residence")
# What a bare generic word may mean ("visa?", "签证", "permit??"): the topics of that kind, offered
# before the common ones; the visa on arrival is a visa too, and so are the work (Z) and family visas.
GENERIC_KINDS = (
    (re.compile(r"visa|签证|簽證", re.IGNORECASE), ("port_visa", "talent_visa", "work_permit", "family_permits")),
    (re.compile(r"permit|许可|許可", re.IGNORECASE),
     ("work_permit", "residence_permit", "work_residence_permit", "family_permits")),
)

# "how long is the permit", "那个证多久": the thing of that kind under discussion, whichever permit
# the classifier reads the bare word as; a card is the permanent residence ID card, the work permit
# card or the residence permit.
THE_THING = re.compile(
    r"\b(the|this|that|her|his|their|its|such an?)\s+(permit|visa|card)s?\b|"
    r"(这个|那个|這個|那個|这张|那张|這張|那張|该)(证|證|许可|許可|签证|簽證|卡)",
    re.IGNORECASE,
)
THING_KINDS = (
    *GENERIC_KINDS,
    (re.compile(r"card|卡", re.IGNORECASE), ("permanent_residence", "work_permit", "residence_permit")),
)


def the_thing_discussed(text: str, previous_topic: Optional[str], keyword_topics: Sequence[str]) -> bool:
    """A short follow-up that calls the thing under discussion by its kind ("how long is the permit"
    while a domestic helper's permit is discussed), naming no topic."""
    if not previous_topic or keyword_topics or len(text or "") > SHORT_QUESTION_CHARS:
        return False
    found = THE_THING.search(text or "")
    return bool(found) and any(word.search(found.group(0)) and previous_topic in topics for word, topics in THING_KINDS)


FOLLOW_UP = re.compile(
    r"^\s*(and|also|what about|how about|same for|for my|for the|what if|no[,.!\s]|not\s|i meant|i mean|"
    r"那|那么|还有|另外|我是说|我指的是|不是|我问的是|如果是|na\s|name\s|haiyou\s)|(呢|呢？|呢\?|\sne\s*[?？]?)\s*$",
    re.IGNORECASE,
)


def text_for_rules(parse: Mapping[str, Any]) -> str:
    """The message as the rules below read it: normalised as the NLU reads it (traditional ->
    simplified, full-width -> half-width, same length: "要帶什麼" asks like "要带什么"), then the
    Chinese words it spells in pinyin (desk.nlu.pinyin), so "wo laopo" names a family member.
    Appended, so the entities' offsets still point into the text."""
    text = normalize(str(parse.get("text") or ""))
    reading = parse.get(READING_KEY)
    return f"{text} {reading}" if reading else text


def topic_of_intent(intent: Optional[str], known_topics: Iterable[str]) -> Optional[str]:
    if intent and intent.startswith(TOPIC_INTENT_PREFIX) and intent not in NON_TOPIC_ASK:
        topic = intent[len(TOPIC_INTENT_PREFIX) :]
        if topic in set(known_topics):
            return topic
    return None


@dataclass
class Turn:
    """What the bot should do with a policy-related turn."""

    kind: str  # "answer" | "clarify" | "reject"
    topic: Optional[str] = None
    aspect: Optional[str] = None
    confidence: float = 0.0
    candidates: List[str] = field(default_factory=list)
    alternatives: List[Tuple[str, float]] = field(default_factory=list)


def topic_ranking(
    ranking: Sequence[Dict[str, Any]], known_topics: Iterable[str]
) -> List[Tuple[str, float]]:
    known = set(known_topics)
    result = []
    for item in ranking:
        topic = topic_of_intent(item.get("name"), known)
        if topic:
            result.append((topic, float(item.get("confidence") or 0.0)))
    return sorted(result, key=lambda x: -x[1])


def _entity_values(entities: Sequence[Dict[str, Any]], kind: str) -> List[str]:
    values: List[str] = []
    for entity in entities:
        if entity.get("entity") == kind and entity.get("value") not in values:
            values.append(str(entity.get("value")))
    return values


def _aspect_guess(guess: Optional[Dict[str, Any]]) -> Tuple[Optional[str], float]:
    """(aspect, confidence) of the aspect model's guess; (None, 0) when it names no aspect."""
    if guess and guess.get("name") in ASPECTS:
        return str(guess["name"]), float(guess.get("confidence") or 0)
    return None, 0.0


def confident_aspect(guess: Optional[Dict[str, Any]]) -> Optional[str]:
    """The aspect model's specific aspect when it is sure enough to overrule the conversation."""
    name, confidence = _aspect_guess(guess)
    return name if name != "overview" and confidence >= CONFIDENT_ASPECT else None


def asked_aspect(aspect: Optional[str], named: Sequence[str], guess: Optional[Dict[str, Any]]) -> Optional[str]:
    """The aspect a vague question really asks, kept while the desk asks which topic is meant: one
    it names ("can you tell me the requirements") or one the aspect model is sure of. A weak guess
    from "I have a visa question" or "I need help with a permit" asks nothing, and would otherwise be
    taken as the question once the user says which one ("the airport one")."""
    return aspect if aspect is not None and (aspect in named or aspect == confident_aspect(guess)) else None


def sure_overview(guess: Optional[Dict[str, Any]], named: Sequence[str]) -> bool:
    """The aspect model is sure the question asks what something is, and a "what is" cue says so."""
    name, confidence = _aspect_guess(guess)
    return name == "overview" and confidence >= CONFIDENT_OVERVIEW and "overview" in named


# The contact topic is the bureau's phone and address (topics.yml): asking for a phone number,
# hotline or e-mail asks the topic itself (its overview lists the hotlines and contacts), while
# "where" is asked with a place word (address, which building, where).
NUMBER_ASKED = re.compile(
    r"phone|\bnumbe?r|numbr|\bno\.|hotline|\bcall\b|\bdial|\bring\b|e-?mail|电话|号码|热线|"
    r"几号(?![线楼])|邮箱|dianhua|haoma|rexian|"
    r"联系方式|聯繫方式|联络方式|聯絡方式|contact (details|info)",  # the phones and mails, not only the address
    re.IGNORECASE,
)
PLACE_ASKED = re.compile(
    r"address|where|locat|building|room|floor|street|road|visit|in person|go there|地址|哪|在那|门牌|地点|"
    r"号楼|几楼|怎么去|dizhi|nali|nar\b|zainar",
    re.IGNORECASE,
)


# "what's the phone number?", "and the email?", "他们电话多少": how to reach the office of the thing
# under discussion (its contacts, shown with "where"), not the desk's general contact list.
ITS_CONTACT = re.compile(
    r"^\W*((and|so|ok|okay|also|then|sorry|thanks)\W+)*((what'?s|what is|what are|give me|can i (have|get)|do you have|is there|any)\s+)?"
    r"((the|their|its|a|an|your)\s+)?(phone( number)?|telephone( number)?|(contact )?numbers?|tel|e-?mail( address)?|"
    r"contact (details|info|information)|hotline)s?(\s+(for|of) (it|that|them|this|there|that office))?\W*$|"
    r"^\W*(那|还有|還有|那么|那麼)?(他们|他們|它|那边|那邊|那里|那裡)?(的)?(联系)?(电话|電話|电话号码|電話號碼|邮箱|郵箱|联系方式|聯繫方式|热线|熱線)"
    r"(是|呢|是多少|多少|是什么|是什麼|有吗|有嗎)?\W*$",
    re.IGNORECASE,
)


def asks_its_contact(text: str, previous_topic: Optional[str]) -> bool:
    """A bare request for a phone number or an e-mail while a topic other than the contacts is
    discussed: that topic's offices."""
    return bool(previous_topic) and previous_topic != CONTACT_TOPIC and bool(ITS_CONTACT.match(text or ""))


# Words that ask how to reach an office: its phone, hotline or e-mail ("the work permit hotline?").
REACH_WORDS = re.compile(
    r"\b(tele)?phone|hotline|e-?mail|\bcontact (details|info|information|numbers?)\b|"
    r"电话|電話|热线|熱線|邮箱|郵箱|联系方式|聯繫方式|联络方式|聯絡方式",
    re.IGNORECASE,
)


def contact_aspect(topic: Optional[str], aspect: Optional[str], text: str) -> Optional[str]:
    """A phone number of the contact topic is its overview, not "where" (its address); the phone or
    e-mail of another topic ("What's the work permit hotline?") is where its offices are, which
    lists them with their numbers, not its overview."""
    if topic == CONTACT_TOPIC and aspect == "where" and NUMBER_ASKED.search(text) and not PLACE_ASKED.search(text):
        return None
    if topic and topic != CONTACT_TOPIC and aspect in (None, "overview") and len(text or "") <= SHORT_QUESTION_CHARS \
            and REACH_WORDS.search(text or ""):
        return "where"
    return aspect


# A turn that only describes the thing meant ("the one you get when you land", "就是到了機場才辦的那種",
# "sorry, I meant the talent station - the one with the free rooms", "the forever one, not the yearly
# one"): it names, it asks nothing.
DESCRIPTION = re.compile(
    r"^\W*(?:(?:sorry|sory|no|nope|wait|ok|i mean|i meant|wrong name|its|it's)\W+)*(?:the|that) (?:[a-z-]+ ){0,2}(?:one|card|visa|thing|permit|kind|type)\b|"
    r"\bthe one (?:for|with|that|where|you|from)\b|"
    r"^\W*(?:就是|是|我说的是|我是说|我指的是)?[^？?吗嗎呢]{0,30}(?:的那个|的那種|的那种|的那個)|"
    r"^\W*(?:就是|我说的是|我是说|我指的是)[^？?吗嗎呢]{0,40}的地方",  # "就是张江那边…给免费住几天的地方"
    re.IGNORECASE,
)
# "免费住几天的那个驿站": a time word that qualifies the thing described asks nothing.
ATTRIBUTIVE_TIME = re.compile(r"(几|幾)[天个個年月次](?=的)")


QUESTION_WORD = re.compile(r"\b(how|what|which|where|when|who|whom|need|can|could|do i|is it)\b|怎么|怎麼|如何|哪|什么|什麼|啥|咋|多久", re.IGNORECASE)


# "申请条件是什么", "材料有哪些": the aspect word is the subject of "what is", so it is the question.
ASPECT_IS_WHAT = re.compile(
    r"(条件|资格|要求|材料|资料|文件|流程|程序|步骤|手续|地址|地点|期限|时间|有效期|周期|时限)(都|分别|具体)?(是|有)(什么|啥|哪些)"
)


# "What paperwork does a foreigner need to be allowed to …": the aspect word right after an opening
# "what/which" is the question, whatever else the sentence goes on to name.
ASPECT_HEAD = re.compile(
    r"^\W*((hi|hello|hey|dear \w+|sorry|ok|okay|and|so)\W+)*(what|which)\s+(kind of |sort of |types? of |other )?"
    r"(documents?|docs|paperwork|papers|materials|requirements|conditions|criteria|steps|procedures?|offices?|address)\b",
    re.IGNORECASE,
)


def resolve_aspect(guess: Optional[Dict[str, Any]], named: Sequence[str], text: str = "") -> Optional[str]:
    """A confident specific aspect from the classifier (unless only "what is" or an asked
    "where" names an aspect and the classifier is not sure); a confident "what it is" when the
    question says "what is"; else the first specific aspect keyword, else "overview" when the
    question asks what something is, else None (a general question, answered with the overview)."""
    name, confidence = _aspect_guess(guess)
    confident = name if confidence >= MIN_ASPECT_CONFIDENCE else None
    specific = next((a for a in named if a in ASPECTS and a != "overview"), None)
    # what else the question names besides a place: not the errand done there ("where do I renew it")
    beyond_place = [a for a in named if a in ASPECTS and a not in ("overview", "where", "procedure")]
    if specific and confident != specific and confidence < CONFIDENT_ASPECT and ASPECT_HEAD.search(text):
        return specific
    if confident and confident != "overview":
        if "overview" in named and specific is None and confidence < CONFIDENT_ASPECT:
            return "overview"  # "What's the International Talent Station in Pudong?": no cue but "what's"
        if specific == "where" and not beyond_place and confidence < CONFIDENT_ASPECT and WHERE_QUESTION.search(text):
            return "where"  # "and where do we submit": the question word, not the verb, says what is asked
        if specific == "duration" and confidence < CONFIDENT_ASPECT and HOW_LONG.search(text) and not CONDITION.search(text) \
                and len({a for a in named if a in ASPECTS and a != "overview"}) == 1:
            return specific  # "mianfei zhu ji tian", "人材驿站能免费住几天": a time word alone is the question
        return confident
    if sure_overview(guess, named) and not ASPECT_IS_WHAT.search(text):
        # an aspect word inside a description ("是个什么地方", "one guiding document … what is it
        # called?") asks no aspect; one before "是什么" is the question ("申请条件是什么")
        return "overview"
    if specific:
        return specific
    if "overview" in named:
        return "overview"  # "what is …", "介绍一下…"; a bare topic name is a general question
    return None


# Every policy-related turn is read in the light of the conversation: each topic gets a score
# = the classifier's probability, plus these bonuses, and the best score wins.
# A topic named by an explicit keyword (not negated: "not the work permit").
KEYWORD_BONUS = 0.3
# The topic under discussion: an elliptic turn ("大概几天能好", "online?") keeps it unless the
# classifier clearly prefers another topic. The follow-up intent's probability adds to it too.
CONTEXT_BONUS = 0.45
# A topic offered by the pending clarifying question, when the user answers it in words: an
# offered topic close behind one not offered wins ("the one for top-level talents, free of
# charge" asked which visa). 0.15 to 0.25 gave the same figures on every set; 0.3 lost turns
# on two (a description of permanent residence read as the residence permit offered).
OPTION_BONUS = 0.2
# With a topic under discussion, an out-of-scope or not-understood turn that still asks about
# an aspect ("要怎么参加", "online?") is a follow-up unless the classifier is at least this
# sure it is out of scope.
MIN_OUT_OF_SCOPE_IN_CONTEXT = 0.75
# ... and above this, only an aspect the message names in words makes it a follow-up: the aspect
# model's guess is no evidence ("Also is there any good English church in Pudong?" reads "where")
MIN_OUT_OF_SCOPE_FOR_NAMED_ASPECT = 0.6
# On a first turn, a family member named with no permit ("我老公的 company 不给交 social insurance 合法吗")
# is who a life question is about when the classifier finds it out of scope at least this surely.
MIN_OUT_OF_SCOPE_FOR_A_PERSON = 0.4

NEGATION = re.compile(
    r"((?<![a-z])bu ?shi|不是|并非|而不是|不要|not(?: the| a| an| about)?|not the one(?: (?:that|which|where|to|for|you|u))*|"
    r"rather than|instead of|instead of the|"
    r"scratch(?: that)?|other than)\s*$",
    re.IGNORECASE,
)
# The user's own status, said in passing ("I'm on a work permit", "我持 R visa"): when the
# message names another topic too, that other one is what is asked about. (拿 after 能/可以/想
# asks for it: "她能拿永居吗".)
STATUS = re.compile(
    r"(\bon (a|an|my|the)|\b(here|is|are|am|currently|now|still|been) on|\bholding( a| an| my)?|\bhold (a|an)|\bwith (a|an|my)|"
    # a person has it ("I have a work permit", "my wife has an RP"), not a place ("whether Pudong has a
    # digital talent platform") nor the desk ("do you have a list")
    r"\b(have|has|had) (my|our|his|her)|\b(i|we|they|he|she|who|(my|our|his|her) \w+)( \w+)? (have|has|had) (a|an)|\b(my|our) \w+ (has|had)|"
    r"\b(got|received|obtained|collected) (my|the|a|an)|"
    r"\bi'?m (a|an)|\bi am (a|an)|\bas (a|an)|"
    r"\bi'?ve got (a|an|my)|\bi got (a|an|my)|\bcame on (a|an|my)|"
    r"持有?|(?<![能以想要么])拿着?|有了|已经有|我的?|我们的?|他的?|她的?|我是|(拿|持|用|办)的是|签的是|"
    r"(?<![a-z])(wo ?shi|wo ?you|chi ?you|na ?zhe))\s*$",
    re.IGNORECASE,
)
# "my work permit and residence permit": a topic joined to one the user holds is held too.
# Right next to it ("on a dependent residence permit": both terms name the one permit held) too.
STATUS_JOIN = re.compile(r"^\s*((and|&|\+|和|及|与|以及|、|,|，)\s*(my|the|a|an|我的)?)?\s*$", re.IGNORECASE)
# "R visa holder", "工作许可持有人": the topic named is the user's status too.
HOLDER = re.compile(r"^[\s-]*(holders?|持有人|持证人|持有者|chi ?you ?(zhe|ren))", re.IGNORECASE)
# "I meant …", "我是要问 …": says which question was meant, so it is no statement of the user's case
MEANT_PATTERN = (
    r"\bi meant\b|\bi mean\b|我是说|我指的是|我问的是|我想问的是|我是要问|我要问的是|"
    r"(?<![a-z])wo ?(shuo|wen|zhi) ?de ?shi\b|(?<![a-z])wo ?shi ?(shuo|xiang ?wen|yao ?wen)\b"
)
# How far after "I mean" / "what about" the meant topic's name may start (characters).
MEANT_REACH = 16
WHAT_ABOUT_REACH = 4
# "那人才港呢？跟驿站是一回事吗", "and what about the R visa, is it like the port visa": the topic named
# first after "what about" is the one asked; one compared with it is background.
WHAT_ABOUT = re.compile(
    r"^\W*(那么|那個|那个|那|and (what|how) about|what about|how about)\s*(?!跟|和|与|與|同|比|with\b|compared)", re.IGNORECASE
)
CORRECTION = re.compile(
    rf"({MEANT_PATTERN}|\bsorry\b|\bactually\b|\bwait\b|scratch that|\bno[,.!]|\bnot the\b|"
    r"不好意思|说错了|打错了|不对|不是.{1,12}[，,]?是|其实)",
    re.IGNORECASE,
)
MEANT = re.compile(MEANT_PATTERN, re.IGNORECASE)
# The user opens another subject ("Good. Different thing: our housekeeper…", "换个问题，…"): the topic
# before gets no context bonus against the one the classifier reads.
NEW_SUBJECT = re.compile(
    r"\b(different|another|other|new|separate) (thing|question|topic|matter|subject|issue)\b|\bchanging (the )?(topic|subject)\b|"
    r"换个(话题|问题)|換個(話題|問題)|另外一件事|另一件事|另一个问题|另一個問題|别的问题|別的問題|问个别的|問個別的",
    re.IGNORECASE,
)
RETURN = re.compile(
    r"(back to|earlier question|what i asked|as i asked|anyway|回到|刚才|之前问|前面问|huidao|gangcai)",
    re.IGNORECASE,
)
# A word pointing back at what was just discussed ("can foreigners use it?", "这个怎么收费"): a vague
# question with one is about the topic under discussion, not a new unclear one.
ANAPHORA = re.compile(r"\b(it|its|this|that|these|those|them|they|there)\b|它|这个|那个|这项|这些|那里|那边|這個|那個", re.IGNORECASE)
# A yes/no question whether someone may do something ("can a foreigner …?", "能一起申请吗") asks
# who qualifies when nothing else in it names an aspect.
MAY_I = re.compile(
    r"^\W*((can|could|may)\s+(?!you\b|u\b)\w+|is it possible|am i allowed|are we allowed|is (he|she|it|my \w+) allowed)\b|"
    r"能不能|可不可以|是否可以|能否|(可以|能)[^，。？?,.!！]{0,12}[吗嗎]",
    re.IGNORECASE,
)
# ... unless it asks what a service does for the user ("can they help us find staff?", "可以帮我们…吗").
SERVICE = re.compile(r"\bhelp|\bassist|\bsupport|帮|协助|服务", re.IGNORECASE)
# "btw", "顺便问下": the user says the turn is a detour from the topic under discussion.
DETOUR = re.compile(
    r"(\bbtw\b|by the way|random q|quick one|quick q|unrelated|off[- ]topic|another thing unrelated|"
    r"顺便问|顺便说|题外话|跟这个无关|另外问个)",
    re.IGNORECASE,
)
# A statement about the user's own case, not a question ("she's 67 and Korean", "公司融资两千万
# 了", "the offer is from a company in Lingang"): with a topic under discussion it gives the
# details the desk needs to say whether they qualify.
OWN_CASE = re.compile(
    r"\b(i'm|i am|i've|i have|im|my|he's|he is|she's|she is|we're|we are|we've|our|they're|his|her|the offer|the job)\b|"
    r"我|他|她|我们|公司|孩子|老婆|老公|太太|先生",
    re.IGNORECASE,
)
ASKING = re.compile(
    r"[?？]|吗|呢|么|^\W*(how|what|where|when|which|who|can|could|do|does|is|are|should|would)\b|怎么|哪|什么|啥|咋|多久|"
    # a question after a lead-in, without its question mark ("ok n for my visa, can i get it at the airport",
    # "thanks. back to the platform - is it an app or a mini program")
    r"[,，;:.\-–—]\s*(?:can|could|do|does|should|may|will|would|is|are)\s+(?:i|we|you|he|she|they|it|there)\b|"
    r"[,，;:.\-–—]\s*(?:how|what|where|when|which|why)\s+(?:do|does|did|can|could|should|would|is|are|long|much|many|to)\b|"
    r"([\u4e00-\u9fff])不\2|有没有|是否|如何|几[天个年月次]|多少",  # 要不要, 能不能, 可不可以: a question too
    re.IGNORECASE,
)

# Permits for a talent's family members and domestic helpers are their own topic: "can my kids
# get residence permits too?", "我 wife 和 kids 的 residence permit", "our nanny's permit" (FAMILY_TOPIC).
FAMILY_ABSORBS = ("residence_permit",)  # a family member's residence permit is a family permit
OWN_RESIDENCE = "residence_permit"  # ... and the user's own one, asked after the family's, is this
HELPER_ABSORBS = ("residence_permit", "work_permit", "work_residence_permit")
FAMILY_MEMBER = re.compile(
    r"(?<![a-z])(wife|husband|spouse|(?<!hr )(?<!business )(?<!trading )(?<!sales )(?<!managing )partner|girlfriend|boyfriend|fianc[ée]e?|kids?|child|children|son|daughter|baby|parents?|mum|mom|"
    r"mother|father|dad|family|dependants?|dependents?|in-laws?|"
    r"wfe|wief|wifes|hubby|husbnd|husban|spous|dauther|daugther|doughter|childern|chidren|famliy|famly)(?![a-z])|"
    r"老婆|老公|妻子|丈夫|爱人|配偶|太太|孩子|小孩|儿子|女儿|宝宝|父母|爸妈|爸爸|妈妈|岳母|岳父|公婆|家属|家人|家眷|"
    r"兒子|女兒|家屬|岳父|公公|婆婆|[我他她](妈|爸|媽)|老[妈爸媽]|女朋友|男朋友|未婚妻|未婚夫|"
    r"(?<![a-z])(laopo|laogong|haizi|jiashu|fumu|taitai|qizi|zhangfu)(?![a-z])",
    re.IGNORECASE,
)
DOMESTIC_HELPER = re.compile(
    r"(?<![a-z])(nanny|nannies|domestic helpers?|maid|housekeeper|ayi|au pair)(?![a-z])|\b(as|be) (a |an |their |the )?helper\b|"
    r"\bhelper for\b|\bdomestic workers?\b|保姆|保母|家政|帮佣|幫傭|家佣|家傭|外籍阿姨|菲佣|菲傭",
    re.IGNORECASE,
)
# A family member who is Chinese ("老婆是中国人", "married to a Chinese citizen") needs no permit: the
# marriage is the user's own case (permanent residence), not a family-permit question.
CHINESE_FAMILY = re.compile(
    r"(wife|husband|spouse|partner|mother|father|老婆|老公|妻子|丈夫|爱人|配偶|太太|先生)\s*(is|was|是)\s*(a\s+)?"
    r"(chinese|中国人|中国籍|中國人|上海人)|married to a chinese|(和|跟|与)中国人结婚|嫁给(了)?中国人|娶了中国",
    re.IGNORECASE,
)
# What people usually pay or charge ("外籍阿姨工资一般开多少", "a fair monthly salary for an ayi"):
# a market question, not a permit one, whatever person or permit it names.
MARKET_PAY = re.compile(
    r"\b(fair|typical|average|usual|normal|going|market)\s+(monthly\s+|hourly\s+|annual\s+)?(salary|wage|pay|rate|rent)\b|"
    r"\bhow much (should|do|would) (we|i|people|you) (usually |normally )?(pay|offer|charge)\b|"
    r"(工资|薪水|薪资|月薪|工钱|房租|租金)(一般|大概|通常|平均)?(开|给|付|要|是)?多少|(一般|通常|平均)(开|给|付)多少(工资|钱)",
    re.IGNORECASE,
)
PERMANENT = re.compile(r"permanent|green card|(?<![a-z])pr(?![a-z])|永久|永居|绿卡|綠卡|yongjiu", re.IGNORECASE)
# While permanent residence is under discussion, family members named without a permit of their own
# ("那我老婆呢", "can she apply together with me?", "孩子一个17一个20") ask whether they can have it too:
# a spouse and minor children apply with the talent. A residence or dependant's permit named is theirs.
PERMANENT_TOPIC = "permanent_residence"
# Permanent residence described, not named: staying for good, never renewing again
FOR_GOOD = re.compile(
    r"\b(stay|stays|staying|live|living|remain)\s+(here\s+|in china\s+)?(for ?ever|for good|permanently)\b|"
    r"\bnever (have|need) to renew\b|\bwithout (having to |needing to )?renew(ing|al)?\b|\bno more renew(als?|ing)\b|"
    r"不用(再)?(每年)?续签|不用再续|不用續簽|(?<![a-z])(yongjiu|bu ?yong ?xu ?qian)(?![a-z])",
    re.IGNORECASE,
)
# Words that stand for a topic when the user says which one they do NOT mean ("my normal residence
# permit, not the permanent one", "the one my company does online, not the police one", "I only mean
# the work one, not the combo"): negated, the topic is set aside even though no keyword names it.
NICKNAMES = {
    PERMANENT_TOPIC: PERMANENT,
    "residence_permit": re.compile(r"\b(police|yearly) (one|card)\b|\bstay card\b|公安的那个|公安那个|派出所", re.IGNORECASE),
    "work_residence_permit": re.compile(r"\b(combo|combined|two[- ]in[- ]one|both together)\b|二合一|两证合一|一起办", re.IGNORECASE),
    "work_permit": re.compile(r"\b(work|job) one\b|工作的那个|工作那个", re.IGNORECASE),
    "port_visa": re.compile(r"\b(airport|landing|arrival) one\b|落地签|机场的那个|機場的那個", re.IGNORECASE),
}
FAMILY_PERMIT_WORD = re.compile(
    r"dependa?e?nt|family (residence )?permit|accompany|随行|私人事务|(?<![a-z0-9])[sq][12](?![a-z0-9])", re.IGNORECASE
)
# "my own residence permit", "我自己的居留": the user asks for themself, family mentioned or not.
OWN_PERMIT = re.compile(
    r"\bmy own\b|\bfor me\b|\bmyself\b|\bin my (case|situation)\b|\bsomeone like me\b|"
    r"我自己|我本人|本人的|我这种情况|我这个情况|我这样的情况|像我这样|(?<![a-z])(wo )?ziji(?![a-z])", re.IGNORECASE
)

# Family members referred to by a pronoun ("what do they need for their residence permits?").
THIRD_PERSON = re.compile(r"\b(they|their|them|she|her|he|his|him)\b|她|他", re.IGNORECASE)
PERSON_PRONOUN = re.compile(r"\b(she|her|he|his|him)\b|她|他", re.IGNORECASE)
# Work named in a message: a family member who works here needs their own permits.
WORK_WORD = re.compile(r"work|job|employ|工作|上班|就业|入职|gongzuo", re.IGNORECASE)


# Spouse and minor children apply for permanent residence with the talent and get talent (R) visas of the
# same validity; they come along for a port visa, stay at the talent station, use the platform and the port's
# services with them: asked about while one of these is discussed, they ask about that, not family permits.
TALENT_VISA_TOPIC = "talent_visa"
FAMILY_ALONG_TOPICS = (PERMANENT_TOPIC, TALENT_VISA_TOPIC, "port_visa", "talent_station", "talent_port", "digital_platform")
# The family as a category of applicants ("家属", "dependants"), not one person.
FAMILY_CATEGORY = re.compile(r"家属|家屬|(?<![a-z])jiashu(?![a-z])|\bdependa?e?nts?\b|\bfamily members?\b", re.IGNORECASE)


# A thing the user has heard of ("someone mentioned a talent welcome counter at the airport", "听说有个
# 给人才免费住的地方"): brought in as a new thing, so the classifier's topic for it beats the context.
HEARD_OF = re.compile(
    r"\b(someone|somebody|a friend|my friend|a colleague|my colleague|people|they) (mentioned|told me about|talked about)\b"
    r"|\bheard (of|about) (a|an|some|this|that|the)\b|听说(有|过)|聽說(有|過)|有人(说|提到)(有|过)",
    re.IGNORECASE,
)


# A short question whose subject is the thing under discussion ("can it be used for visiting relatives?",
# "does that cover my kids too?"): family words in it say what for or for whom, not a new topic.
IT_ASKED = re.compile(r"^\W*(and\s+|so\s+|but\s+)?(can|could|does|do|is|will|would)\s+(it|this|that)\s+(be used|work|cover|apply|count)\b", re.IGNORECASE)


# "也一样吗", "can also get same?": the same thing for someone else
SAME_ASKED = re.compile(r"一样|一樣|同样|同樣|\bthe same\b|\bsame\b|\bsimilar\b|yi ?yang", re.IGNORECASE)


def family_comes_along(previous_topic: Optional[str], text: str) -> bool:
    """Family members (or "she", "他") named while one of FAMILY_ALONG_TOPICS is under discussion, with
    no permit of their own named: they ask about that with the talent."""
    if previous_topic == TALENT_VISA_TOPIC and FAMILY_CATEGORY.search(text) and not SAME_ASKED.search(text):
        return False  # "那家属呢？太太和小孩" after the R visa: the family's own permits ("也一样吗": the same visa)
    return (
        previous_topic in FAMILY_ALONG_TOPICS
        and bool(FAMILY_MEMBER.search(text) or THIRD_PERSON.search(text))
        and not RESIDENCE_PERMIT_WORD.search(text)
        and not FAMILY_PERMIT_WORD.search(text)
        and len(text) <= MAX_FRAGMENT_CHARS
    )


def family_topic(
    topic: Optional[str], text: str, known: Iterable[str], previous_topic: Optional[str] = None,
    held: Sequence[str] = (),
    likeliest: Optional[str] = None,
) -> Optional[str]:
    """The family-permits topic when a residence (or, for a domestic helper, any work or
    residence) permit is asked about for a family member or helper, not for the user; while
    family permits are under discussion, or the classifier finds them likeliest ("once we're there,
    what do they need for their residence permits?"), "they", "her", "他" are the family members. A residence
    permit the user holds ("I'm on a dependent residence permit because my wife works here, can
    I get a work permit?") is background, not the permit asked about."""
    if FAMILY_TOPIC not in set(known) or OWN_PERMIT.search(text or "") or len(text or "") > MAX_FRAGMENT_CHARS \
            or CHINESE_FAMILY.search(text or ""):
        return topic  # a long pasted message mentions family in passing; its excerpt decides
    if topic in HELPER_ABSORBS and DOMESTIC_HELPER.search(text or ""):
        return FAMILY_TOPIC
    if topic == COMBINED_TOPIC and COMBINED_NAMED.search(text or ""):
        return topic  # "moving with my wife and two boys. How does this single window … work?": the talent's own
    member = FAMILY_MEMBER.search(text or "") or (
        THIRD_PERSON.search(text or "")
        # "they", "her" are the family while family permits are discussed, or when the classifier finds
        # them likeliest and the message names a person ("what documents for her?") or their residence
        # permits - not "how long they take to make it", where "they" is the office
        and (previous_topic == FAMILY_TOPIC or (likeliest == FAMILY_TOPIC and (
            PERSON_PRONOUN.search(text or "") or RESIDENCE_PERMIT_WORD.search(text or ""))))
    )
    if member and topic in FAMILY_ABSORBS and MEMBERS_OWN_WORK_PERMIT.search(text or "") \
            and not NOT_WORKING.search(text or ""):
        return topic  # "老公换工作了，他的居留许可要怎么弄": the working member's own residence permit
    if member and (
        topic in FAMILY_ABSORBS
        or (topic != FAMILY_TOPIC and RESIDENCE_PERMIT_WORD.search(text or "")
            and not PERMANENT.search(text or "") and OWN_RESIDENCE not in held)
        or (topic == COMBINED_TOPIC and not WORK_WORD.search(text or ""))
    ):
        return FAMILY_TOPIC  # "他老婆孩子一起来的话，也能一起办证吗": together with the talent, not both permits
    return topic


# A family member who works, and their own ("his", "他的") residence permit.
MEMBERS_OWN_WORK_PERMIT = re.compile(
    r"(?=.*(他的|她的|\bhis\b|\bher\b)\s*(work[- ]type\s*)?(居留|residence permit|rp\b))"
    r"(?=.*(他|她|老公|老婆|丈夫|妻子|先生|太太|\bhe\b|\bshe\b|husband|wife)[^。.!?？]{0,10}(换了?工作|工作|上班|\bworks\b|\bis working\b|\bjob\b))",
    re.IGNORECASE,
)


NOT_WORKING = re.compile(r"(不|没|没有|无)(在)?(工作|上班)|\b(not|n't|never|no longer|without)\b.{0,16}\b(work|job)", re.IGNORECASE)


# The work permit and the residence permit asked for together are the combined ("single
# window", "two-in-one") procedure (COMBINED_TOPIC): "工作许可和工作居留许可能一起交吗", "both permits in one go".
COMBINED_PARTS = ("work_permit", "residence_permit")
# The work permit described, not named: "the right-to-work paper", "the official OK to be employed here"
WORK_DESCRIBED = re.compile(
    r"right[- ]to[- ]work|\bwork(ing)? authori[sz]ation|\bpermission to work\b|"
    r"\b(allowed|permitted|authori[sz]ed) to (work|be employed|have a job|take a job)\b|"
    r"\bofficial (ok|okay|approval|permission) to (work|be employed)\b|\bjob (paper|document)s?\b|上班的证|工作的证",
    re.IGNORECASE,
)
WORK_PERMIT_WORD = re.compile(
    r"work[- ]?permits?|job permit|(?<![a-z])wp(?![a-z])|工作许可|工作許可|工作证|工作證|gong ?zuo xu ?ke|" + WORK_DESCRIBED.pattern,
    re.IGNORECASE,
)
RESIDENCE_PERMIT_WORD = re.compile(
    r"residence permits?|residency permit|stay permit|stay card|(?<![a-z])rp(?![a-z])|居留|ju ?liu", re.IGNORECASE
)
TOGETHER = re.compile(
    r"together|in one go|at once|(at )?the same time|combined|in one application|single application|same window|"
    r"both permits|one window|one package|as one|in one time|one form|single form|one trip|\+|一起|同时|同時|一并|一併|合并|一次|"
    r"两证|兩證|二合一|yi ?qi|tong ?shi",
    re.IGNORECASE,
)


def combined_topic(topic: Optional[str], text: str, known: Iterable[str]) -> Optional[str]:
    """The combined work-and-residence topic when both permits are asked for together."""
    if len(text or "") > MAX_FRAGMENT_CHARS:
        return topic
    if topic in COMBINED_PARTS and COMBINED_TOPIC in set(known) and WORK_PERMIT_WORD.search(text or "") \
            and RESIDENCE_PERMIT_WORD.search(text or "") and TOGETHER.search(text or ""):
        return COMBINED_TOPIC
    return topic


WORK_PERMIT_TOPIC = "work_permit"
# Topics described, not named, in the words that describe them: read as if named, unless negated
DESCRIPTIONS = {PERMANENT_TOPIC: FOR_GOOD, WORK_PERMIT_TOPIC: WORK_DESCRIBED}
# A family member asking to work themself ("if I find a job, can I work on that?", "我能上班吗").
SELF_WORK = re.compile(
    r"\b(can|could|may|am) i (also |still |then )?(be allowed to |legally )?(work|get a job|take a job|have a job)\b|"
    r"\bif i (find|get|land) a job\b|我(也|还)?(能|可以|能不能|可不可以)(上班|工作|找工作)|我(要是|如果)?找到(了)?工作",
    re.IGNORECASE,
)
# Both permits asked for, or a family member who works ("我老婆也在浦东工作，她能一起办两证吗"): the combined one.
COMBINED_NAME = r"两证|兩證|二合一|both permits|two[- ]in[- ]one|single window|one window|单一窗口|單一窗口"
COMBINED_NAMED = re.compile(COMBINED_NAME, re.IGNORECASE)
PERMIT_NAMED = re.compile(COMBINED_NAME + r"|许可|許可|permit", re.IGNORECASE)
BOTH_PERMITS = re.compile(COMBINED_NAME + r"|在.{0,8}(工作|上班)|\b(works|working) (in|at|for)\b", re.IGNORECASE)
# "also", "too": a family member asked about beside the talent's own application.
ALSO = re.compile(r"\b(also|too|as well|along|with me|with him|with her)\b|也|随同|跟着", re.IGNORECASE)


def names_family(text: str) -> bool:
    """A family member, a domestic helper or a family permit is named in the message."""
    return bool(FAMILY_MEMBER.search(text) or DOMESTIC_HELPER.search(text) or FAMILY_PERMIT_WORD.search(text))


def only_negated(pattern: re.Pattern[str], text: str) -> bool:
    """Every mention of ``pattern`` in the text is negated ("not the permanent one", "不是永居"):
    the word names what the user does not mean, whether or not it is a whole keyword."""
    found = list(pattern.finditer(text))
    return bool(found) and all(NEGATION.search(text[: m.start()]) for m in found)


def _topic_entities(entities: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    found = [e for e in entities if e.get("entity") == "topic" and isinstance(e.get("start"), int) and isinstance(e.get("end"), int)]
    return sorted(found, key=lambda e: int(e["start"]))


def _meant_topic(entities: Sequence[Dict[str, Any]], text: str, keyword_topics: List[str], scores: Dict[str, float]) -> List[str]:
    """The topic named right after "I mean" or "what about" is the one meant ("sorry, I mean my residence
    permit, the R visa was only for entering"); the others the message names are background, so they drop out."""
    said = MEANT.search(text)
    meant, reach = (said, MEANT_REACH) if said else (WHAT_ABOUT.match(text), WHAT_ABOUT_REACH)  # "那跟工作许可一起办的单一窗口呢" asks the window
    corrected_to_it = bool(said) and bool(CORRECTION.search(text))  # "sorry no, ... i mean the family permit"
    if not meant or not keyword_topics or (len(keyword_topics) < 2 and not corrected_to_it):
        return keyword_topics  # one topic named wins alone unless a correction says it is the one meant
    after = [e for e in _topic_entities(entities) if e.get("value") in keyword_topics
             and 0 <= int(e["start"]) - meant.end() <= reach]
    if not after:
        return keyword_topics
    target = str(after[0]["value"])
    for t in keyword_topics:
        if t != target:
            scores.pop(t, None)
    scores[target] = max(scores.values(), default=0.0) + KEYWORD_BONUS
    return [target]


# Permanent residence asked for a family member ("what docs for the permanent residence for my wife?",
# "给我老婆申请永居要什么材料"): that member's permanent residence, not a family permit.
FOR_MEMBER = re.compile(
    r"\bfor (my|our|his|her) (\w+ )?(wife|husband|spouse|partner|kids?|child|children|sons?|daughters?|parents?|mum|mom|mother|"
    r"father|dad|wfe|wief|hubby|husbnad)\b|(给|幫|帮|替)(我)?(的)?(老婆|老公|太太|妻子|丈夫|爱人|孩子|儿子|女儿|父母|爸妈)(办|辦|申请|申請)",
    re.IGNORECASE,
)


def _along_with_talent(
    entities: Sequence[Dict[str, Any]], text: str, keyword_topics: Sequence[str], previous_topic: Optional[str]
) -> List[str]:
    """Topics named only because family members apply along with the talent: "together" said with
    no permit ("能跟员工本人一起办吗" while family permits or permanent residence are discussed) is not
    the combined work-and-residence permit, and family members named "too" beside permanent residence
    ("配偶和子女能否同时申请") ask for permanent residence with the talent."""
    dropped: List[str] = []
    spans = [(str(e["value"]), text[int(e["start"]):int(e["end"])]) for e in _topic_entities(entities)]
    family_context = previous_topic in (FAMILY_TOPIC, PERMANENT_TOPIC) or bool(FAMILY_MEMBER.search(text))
    together_words = [v for v, span in spans if v == COMBINED_TOPIC and TOGETHER.search(span)
                      and not (WORK_PERMIT_WORD.search(span) or RESIDENCE_PERMIT_WORD.search(span))]
    if family_context and together_words and len(together_words) == sum(v == COMBINED_TOPIC for v, _ in spans) \
            and not BOTH_PERMITS.search(text) and not (WORK_PERMIT_WORD.search(text) and RESIDENCE_PERMIT_WORD.search(text)):
        dropped.append(COMBINED_TOPIC)
    family_people = [span for v, span in spans if v == FAMILY_TOPIC]
    if PERMANENT_TOPIC in keyword_topics and family_people and all(FAMILY_MEMBER.search(p) for p in family_people) \
            and not FAMILY_PERMIT_WORD.search(text) and (TOGETHER.search(text) or ALSO.search(text) or FOR_MEMBER.search(text)):
        dropped.append(FAMILY_TOPIC)
    return dropped


# What holding a permit brings ("有啥便利", "what are the perks").
BENEFITS = re.compile(r"便利|好处|好處|优势|優勢|优惠|待遇|\bbenefits?\b|\bperks?\b|\badvantages?\b|\bprivileges?\b", re.IGNORECASE)
# A number or an age in a correction: the user corrects a detail they gave.
DETAIL_NUMBER = re.compile(r"\d|[一二三四五六七八九十两半几]+\s*(年|岁|歲|个月|個月|天|次|周)|\b(years?|months?|days?|weeks?)\b", re.IGNORECASE)
# ... but a calendar year names a thing ("the reply of 2023"), not a figure of the user's case.
CALENDAR_YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")


def detail_correction(text: str) -> bool:
    """A short correction of a detail the user gave ("抱歉说错了，是5岁，不是15", "sorry, I meant 8
    years not 4"): with a topic under discussion it goes on with that topic."""
    return bool(CORRECTION.search(text or "")) and not ASKING.search(text or "") and len(text or "") <= 120


# A statement with a subject ("I invest…", "they pay…"; not "I see", "I think")
SUBJECT_STATEMENT = re.compile(
    r"\b(i|we|they|he|she)\s+(?!(can|could|would|will|should|shall|may|might|must|do|does|did|don'?t|doesn'?t|want|wanna|"
    r"need|see|think|guess|understand|know|hope|agree|mean|meant|ment|wonder|was|were|am|is|are|got)\b)[a-z]{3,}\b",
    re.IGNORECASE,
)


def case_figure(text: str) -> bool:
    """A figure of the user's case told as a statement ("I invest in a small company in Pudong 2
    years ago", "they pay 180k per year"): in a conversation, a detail of the question under discussion."""
    return bool(SUBJECT_STATEMENT.search(text or "") and DETAIL_NUMBER.search(text or "") and not ASKING.search(text or "")) \
        and len(text or "") <= MAX_FRAGMENT_CHARS


# "不好意思我说错了，是人才驿站", "my bad, wrong one": the user's slip, not their case.
SLIP = re.compile(r"说错|打错|搞错|弄错|写错|說錯|打錯|搞錯|弄錯|寫錯|\bwrong (one|permit|visa|card|name|thing)\b|\bmy (bad|mistake)\b", re.IGNORECASE)


# "no wait, for my wife", "and for our kids": whom the question is for, no detail of a case
FOR_SOMEONE = re.compile(
    r"^\W*((no|nope|wait|sorry|oh|ok|okay|and|but|actually|also|same)\W+)*(for|about) (my|our|his|her) [\w-]+"
    r"((\s+and|\s*&|,)\s+(my|our|the) [\w-]+)?\W*$",
    re.IGNORECASE,
)


def own_case_statement(text: str) -> bool:
    """Details of the user's case given as a statement, not a question."""
    return (bool(OWN_CASE.search(text or "")) and not ASKING.search(text or "") and len(text or "") <= 300
            and not MEANT.search(text or "") and not SLIP.search(text or "") and not FOR_SOMEONE.match(text or ""))


# Markup or code: a fragment, not a question, whatever domain word is inside it.
CODE_OR_MARKUP_PATTERN = (
    r"</?[a-z][a-z0-9]*[^>]*>|\bdef\s+\w+\(|\bfunction\s*\w*\(|\bimport\s+\w+|\bselect\s+.+\s+from\b|"
    r"console\.log|print\(|\{\s*\"\w+\"\s*:|=>"
)
# Domain words in another sense: a pull request ("my PR on GitHub"), a computer's or a ship's port.
HOMONYMS = (
    r"pull request|\b(github|gitlab|bitbucket)\b|\bprs?\b.{0,30}\b(merged?|code review|reviewers?|repo|commits?|branch)\b|"
    r"\b(usb|serial|tcp|udp|http|ssh) ports?\b|\bport (\d{2,5}|forwarding|scan(ning)?)\b|"
    r"\b(container|cargo|shipping|freight) (port|terminal)\b|"
    # a parcel pick-up point ("菜鸟驿站"), not the talent station
    r"菜鸟驿站|菜鳥驛站|(快递|快遞|包裹|取件|寄件)\S{0,10}驿站|驿站\S{0,10}(快递|快遞|包裹|取件|寄件)|\bparcel (station|locker)s?\b|"
    # a TV talent show, the film "Green Card", a seaport or dock (not "港口签证", a port visa in other
    # words; not talent agencies, which the Talent Port houses)
    r"\btalent (shows?|contests?|competitions?)\b|\bgot talent\b|选秀|才艺(表演|比赛)|"
    r"\b(movie|film)\b.{0,12}\bgreen card\b|\bgreen card\b.{0,12}\b(movie|film)\b|(?<!-)\bstarred (in|with|alongside)\b|主演|港口(?!签|簽)|码头|碼頭|"
    # Q1-Q4 as quarters of a year, not the Q visas ("我们团队Q1招了12人", "Q3 revenue")
    r"(?<![a-z0-9])q[1-4](?![a-z0-9])[^。.?？]{0,20}(季度|quarter|fiscal|财年|业绩|营收|revenue|sales|earnings|招了|hired|okr|kpi)|"
    r"(季度|quarter|fiscal|财年|okr|kpi)[^。.?？]{0,20}(?<![a-z0-9])q[1-4](?![a-z0-9])"
)
# Near misses: arithmetic, code or markup fragments that happen to contain a domain word.
NEAR_MISS = re.compile(
    r"((?<![\w+])\d{1,15}(?:\.\d{1,15})?\s*[+*×÷^]\s*\d+(?:\.\d+)?(?![\w+])|"
    # "what's 85 x 1.2?", "12 times 7": an operation in words, the sum asked right after it
    r"(?<![\w+])\d{1,15}(?:\.\d{1,15})?\s*(x|times|multiplied by|divided by|plus|minus)\s*\d+(?:\.\d+)?\s*(=|[?？]|$)|[+*×÷]\s*\d+\s*(=|等于)|=\s*[?？]|(?<!\d)\d{1,15}\s*%\s*of\s*\d|\bof\s+\d[\d,]*\s*[?？]|等于多少|加\d|乘以|除以|"
    + CODE_OR_MARKUP_PATTERN + r"|;\s*$|\b\w{1,40}\.\w{1,40}\(.*\)|" + HOMONYMS + ")",
    re.IGNORECASE,
)
FOLLOW_UP_INTENTS = (FOLLOW_UP_INTENT,)


# Markup or code in a short message is a fragment, however sure the classifier is of the
# domain word inside it ("<span>work permit</span>"); in a long pasted message it may be noise.
CODE_OR_MARKUP = re.compile(CODE_OR_MARKUP_PATTERN, re.IGNORECASE)
MAX_FRAGMENT_CHARS = 300


def near_miss(text: str) -> bool:
    """Arithmetic, code or markup: not a policy question even if it names a domain word."""
    return bool(NEAR_MISS.search(text or ""))


HOMONYM = re.compile(HOMONYMS, re.IGNORECASE)


def homonym(text: str) -> bool:
    """A short message that uses a domain word in another sense (a film, a seaport, a pull request):
    however sure the classifier is of the word, the sense is not the desk's."""
    return len(text or "") <= MAX_FRAGMENT_CHARS and bool(HOMONYM.search(text or ""))


# A structured intent ("/ask_talent_visa{\"aspect\": \"materials\"}") is how the staff
# console's alternatives and buttons ask for a topic; its JSON is not a code fragment.
STRUCTURED_INTENT = re.compile(r"^/\w+(\{.*\})?$", re.DOTALL)


# A task about the words, not the policy: compose, translate, rhyme, count strokes, compute,
# write code ("帮我写一首关于人才签证的打油诗", "how do you say talent port in German",
# "what is 37 times 58"). The desk answers questions; it does not do these with a domain word.
WORD_TASK = re.compile(
    r"\b(write|compose|make up|give me|suggest)\b.{0,40}\b(poems?|songs?|story|stories|novel|haiku|raps?|"
    r"limericks?|slogans?|lyrics|jokes?|riddles?|plot|plot twist)\b|\bwhat rhymes with\b|\brhymes? with\b|"
    r"\btell me (a|an|some) (\w+ ){0,2}jokes?\b|\bwriting a (novel|story|book|screenplay|script|song|poem)\b|"
    # naming, editing and trivia: "a good name for our podcast?", "proofread this", "trivia question"
    r"\b(a )?good name for\b|\bgive me \d+ (names|alternatives|ideas|taglines)\b|\b(proofread|polish|rephrase|paraphrase|summari[sz]e) (this|the following|my)\b|"
    r"\btrivia\b|\bquiz question\b|\betymology\b|\bwhat does the word\b|"
    r"\bhow (do you|do i|would you|to) say\b.{0,50}\bin (french|german|spanish|japanese|korean|russian|"
    r"italian|arabic|latin|portuguese|dutch|thai|vietnamese)\b|"
    r"\btranslate\b.{0,50}\b(into|to|in) (french|german|spanish|japanese|korean|russian|italian|arabic|latin|portuguese|dutch|"
    r"thai|vietnamese|turkish|polish|hindi|indonesian|malay|swedish|greek|hebrew|persian|urdu|chinese|mandarin|english)\b|"
    r"\b(regex|regular expression|sql query|python script|javascript|excel formula)\b|\banagram\b|"
    r"\bspell(ed)? backwards\b|(?<!\d)\d{1,15}\s*(times|multiplied by|divided by)\s*\d|"
    r"写(一|几|两)?(首|篇|段|个|句)?.{0,14}(诗|打油诗|绝句|律诗|歌词|小说|笑话|段子|对联|顺口溜|藏头诗|口号|剧本|作文)|"
    r"(用|翻译成|译成|翻成)(英|法|德|日|韩|俄|西班牙|意大利|葡萄牙|阿拉伯)(语|文).{0,6}(怎么|如何)(说|翻译|讲|写)|"
    r"(法|德|日|韩|俄|西班牙|意大利|葡萄牙|阿拉伯)(语|文)(里|中)?(怎么|如何)(说|翻译|讲|写)|"
    # a quoted phrase or a sentence after a colon to translate; a passage to polish or sum up; a
    # word's meaning; names and slogans ("把「工作許可」翻成英文", "翻成英文：…", "帮我润色一下这段话")
    r"把\s*[「“\"『'‘].{1,40}[」”\"』'’]\s*(翻译|翻譯|翻|译|譯)成|(翻译|翻譯|翻|译|譯)成(英|中|法|德|日|韩|韓)(文|语|語)\s*[：:]|"
    r"(润色|潤色|校对|校對|改写|改寫|总结|總結|概括)(一下)?(这|這|以下|下面)(段|句|篇)|(这|這)个?(词|詞)(最早|本来|原来)?(是)?什么意思|词源|"
    r"(想|起|取)(几|幾|一|两|兩|三|五|十)?个\s*(好听的|好的|响亮的)?\s*(名字|slogan|口号|口號|标语|標語)|冷知识|知识竞赛|"
    r"(写|寫)(一|几|幾|两|兩)?(个|個|句|条|條)\s*(slogan|tagline|口号|口號|标语|標語|广告语|廣告語|宣传语|宣傳語)|"
    r"笔画|押韵|谐音梗|缩写成|造句|猜谜|谜语|等于几|等于多少|计算一下|算一下|"
    # "帮我 translate 一下 …", "「人才」的英文是 talent 还是 talents", "fix my yaml"
    r"帮我\s*(translate|翻译|翻譯)|\btranslate\s*(一下|this|these|the following)\b|的英文是|用英文怎么说|英文怎么说|"
    r"\bfix my (yaml|json|code|script|sql|regex|css|html|formula)\b|mapping values are not allowed|"
    r"\bwhat'?s my average\b|\baverage (score|grade|mark)s?\b|平均分|"
    # sums and jokes told with a domain word ("Just the maths please: a permit costs 800 yuan for 2 years or
    # ...", "Why did the visa officer bring a ladder to work? Because the R visa was top level")
    r"\b(just|only) (do )?the maths?\b|\bdo the maths?\b|\b(calculate|compute) (for me|the (total|sum|difference|average))\b|"
    r"\bwhy (did|does|do|is|was)\b[^?？]{3,80}[?？]\s*(because|cause|coz)\b|\bknock[ ,-]*knock\b|\b(tell|heard) (you |me )?(a|this|the) (joke|pun)\b|"
    r"讲个笑话|講個笑話|冷笑话|冷笑話|(讲|講|说|說)(一)?(个|個|段).{0,16}(笑话|笑話|段子)|"
    # a sum to finish ("工作许可 x 3 = ?"), a total to work out, a poem asked for without "write", a passage to
    # write or make more formal, a name to find ("帮我起一个人才驿站的英文名")
    r"=\s*[?？]\s*$|\b(costs?|is) \d[\d,.]*\b.{0,60}\bhow much\b.{0,12}\b(total|altogether|in all)\b|"
    r"^\W*(an? )?(poem|haiku|limerick|sonnet|rap|song)s? (about|on|for)\b|"
    r"帮我写(一|几|两)?(段|篇)|(改|写|寫)(得|成)(更)?(正式|礼貌|禮貌|简洁|簡潔|地道|通顺|通順|专业|專業)|"
    r"(起|取)(一|几|幾|两|兩)?(个|個).{0,12}(英文名|中文名|名字|名称|名稱)",
    re.IGNORECASE,
)


def word_task(text: str) -> bool:
    """A compose/translate/compute/code request that merely contains a domain word."""
    return len(text or "") <= MAX_FRAGMENT_CHARS and bool(WORD_TASK.search(text or ""))


# A visa for another country ("do PR holders need a visa for Japan?", "申根签证在哪递签"): the
# desk covers coming to China, so it is out of scope whatever permit the user holds — unless the
# message also names China, where the foreign visa is only the user's background.
OTHER_COUNTRIES = (
    r"japan|korea|the us|the usa|usa|america|the united states|the uk|britain|england|canada|australia|"
    r"new zealand|singapore|thailand|vietnam|malaysia|indonesia|the philippines|india|russia|germany|france|"
    r"italy|spain|the netherlands|switzerland|europe|the eu|dubai|the uae|turkey|hong kong|hk|macao|macau|taiwan"
)
OTHER_COUNTRIES_ZH = (
    r"日本|韩国|韓國|美国|美國|英国|英國|加拿大|澳大利亚|澳洲|新西兰|新加坡|泰国|越南|马来西亚|印度|俄罗斯|德国|"
    r"法国|意大利|西班牙|欧洲|歐洲|迪拜|土耳其|香港|澳门|澳門|台湾|台灣"
)
FOREIGN_VISA = re.compile(
    r"\b(japanese|korean|american|british|canadian|australian|german|french|italian|spanish|thai|vietnamese|"
    r"singaporean|indian|russian|us|uk|schengen|dutch|swiss|polish|irish|emirati)\s+"
    # "German work visas", "a Japanese spouse visa": another country's visa of a kind
    r"((tourist|business|work|working|student|transit|spouse|family|skilled worker|working holiday)\s+)?"
    r"(visas?|embassy|consulate)\s*(cent(er|re)|office|application)?\b|"
    rf"\bschengen\b|\bvisas?\s+(for|to)\s+(going to\s+|travel(ling)? to\s+|visit(ing)?\s+)?({OTHER_COUNTRIES})\b|"
    rf"\b({OTHER_COUNTRIES})\s+(tourist\s+|business\s+|work\s+|student\s+|transit\s+)?visas?\b|"
    # (not a visa applied for there: "来不及在印度办签证了" is China's visa, sought from India)
    rf"申根|(?<![在从從])({OTHER_COUNTRIES_ZH})的?(要|需要|办|辦)?(旅游|商务|工作|留学|过境)?(签证|簽證|签)|"
    # going to another country or to Hong Kong, Macao, Taiwan ("去韩国旅游可以免签吗")
    rf"(去|到|赴)({OTHER_COUNTRIES_ZH})(旅游|玩|出差|旅行|转机)?(可以|能|需要|要|需不需要|用不用|要不要)?(办|辦)?"
    r"(免签|免簽|签证|簽證|visa)|"
    # ... or working there a while ("去香港那邊還要另外申請工作簽證嗎"), or Hong Kong's own talent schemes
    rf"(去|到|赴)({OTHER_COUNTRIES_ZH})(那边|那邊|那里|那裡)[^。.?？!！]{{0,16}}(签证|簽證|visa)|"
    r"高端人才通行证|高端人才通行證|高才通|优才计划|優才計劃|\btop talent pass\b|\bquality migrant admission\b",
    re.IGNORECASE,
)
# Another country's green card ("I'm a US green card holder ..."), unless China's is asked about too
# ("is there a Chinese equivalent of the American green card").
FOREIGN_GREEN_CARD = re.compile(
    r"\b(us|u\.s\.|american|usa|canadian)\s+green\s*cards?\b|美国绿卡|美國綠卡|"
    r"\b(canada|canadian|australia|australian|uk|british|new zealand|singapore|us|american|german|japanese)\s+"
    r"(pr|permanent residen\w*|citizenship)\b|(加拿大|澳洲|澳大利亚|英国|新西兰|新加坡|日本|德国)(的)?(永居|绿卡|移民|PR)",
    re.IGNORECASE,
)
CHINESE = re.compile(r"chin|中国|中國", re.IGNORECASE)
# ... the user's own Chinese nationality says nothing of China's card ("我是在上海工作的中国人，申请美国绿卡…")
CHINESE_PERSON = re.compile(r"中国人|中國人|中国籍|中國籍|中国公民|中國公民|\bchinese (citizen|national|person)\b", re.IGNORECASE)
CHINA = re.compile(r"china|chinese visa|中国签证|中國簽證|来华|來華|入境中国|中国的签证|visa for china|visa to china", re.IGNORECASE)


# "a work visa for me in Singapore", "a work permit to Canada": a permit of another country, said after
# the permit (not where the user is - "start my work permit while I'm still in Spain" - and only where neither
# China nor Shanghai is named: "I had a work permit in Japan, now Pudong …").
PERMIT_IN_OTHER_COUNTRY = re.compile(
    rf"\b(visas?|work permits?|employment pass(es)?)\b((?!\b(i|i'm|im|we|we're|while|when|still|living|staying|from)\b).){{0,20}}"
    rf"\b(in|for|to) ({OTHER_COUNTRIES})\b",
    re.IGNORECASE,
)


def foreign_visa(text: str) -> bool:
    """A question about another country's visa, not about coming to China."""
    text = text or ""
    if len(text) > MAX_FRAGMENT_CHARS:
        return False
    if FOREIGN_GREEN_CARD.search(text):
        return not CHINESE.search(CHINESE_PERSON.sub(" ", text))
    if PERMIT_IN_OTHER_COUNTRY.search(text) and not CHINESE.search(text) and not SHANGHAI.search(text):
        return True
    return bool(FOREIGN_VISA.search(text)) and not CHINA.search(text)


# Errands of everyday life ("now that I have my residence permit, how do I open a bank account?"):
# with the permits named only as what the user holds, the question is not about them.
ERRAND = re.compile(
    r"bank account|bank card|open an? ([\w-]+ ){0,3}account|income tax|tax return|driv(ing|er'?s) licen[cs]e|driving permit|sim card|"
    r"wechat pay|alipay|credit card|debit card|library card|\bgym\b|"
    r"银行开户|开银行卡|办银行卡|银行卡|銀行卡|银行户口|銀行戶口|个税|個稅|个人所得税|报税|驾照|駕照|驾驶证|駕駛證|手机卡|手機卡|电话卡|"
    r"医保|醫保|看病|医疗保险|醫療保險|\b(medical|health) insurance\b|\bsee a doctor\b|"
    r"高铁|高鐵|火车票|火車票|坐火车|\btrain tickets?\b|淘宝店|淘寶店|在淘宝开店|网店|網店|居住证积分|居住證積分|积分落户|"
    r"支付宝|微信支付|信用卡|借记卡|图书馆|健身|坐地铁|乘地铁|地铁卡|公交卡|交通卡|\b(metro|subway|bus|transport) (card|pass|rides?)\b|"
    r"\bbuy (an? |my |our )?(apartment|flat|house|home|property|car)\b|买房|買房|購房|购房|买车|買車|開戶|开户|"
    # a city's household registration, a state school and its fees, changing money, registering a company
    # (not "opening" one, which the talent station helps with), a refund of social insurance: none is a
    # permit ("拿到永居以后能落上海户口吗", "孩子能上公办学校吗")
    r"户口|戶口|\bhukou\b|(?<![a-z])(mai ?fang|mai ?che|kai ?hu)(?![a-z])|公办(学校|小学|中学|幼儿园)|公立(学校|學校|小学)|"
    r"学费|學費|\b(public|state|local) schools?\b|school fees|tuition|"
    r"(换|換|兑换|兌換)(人民币|人民幣|外币|外幣|现金|現金)|\b(exchange|change) (money|currency|cash)\b|"
    r"\bregister (a|an|my|our|my own|our own) ([\w-]+ ){0,3}compan(y|ies)\b|注册公司|註冊公司|"
    r"social insurance (refund|contributions? refunded)|\brefund\w* (of )?(my |our )?(social insurance|pension)|退社保|社保退|退保",
    re.IGNORECASE,
)
# Places of everyday life whose opening hours are no permit's ("do u know if ICBC branches open on saturday",
# "菜鸟驿站几点关门").
PLACE_OF_LIFE = re.compile(
    r"\bbanks?\b|\bbranch(es)?\b|\bicbc\b|\bmuseum|\blibrary|\bmall\b|supermarket|restaurant|hospital|\bshops?\b|"
    r"银行|銀行|图书馆|圖書館|驿站|驛站|博物馆|博物館|超市|商场|商場|餐厅|餐廳|医院|醫院|食堂|快递|快遞",
    re.IGNORECASE,
)
# "am I allowed to buy an apartment?", "柜台说还要工作证明，是这样吗": the errand is what is asked; the
# permits named are what the user has or is told to show.
ERRAND_ASKED = re.compile(
    r"\b(am i|are we|can i|can we) (allowed to |able to )?(buy|open|get a (sim|bank))|柜台说|櫃檯說|银行说|銀行說|"
    r"在\w{0,6}(银行|銀行)开户|(带|帶)护照就行",
    re.IGNORECASE,
)
# "my residence permit is fine, but …", "with her dependant permit, can she …": a permit the user calls their
# own or a family member's is held, like a status.
MY_PERMIT = re.compile(
    r"\b(my|our|his|her|their)\s+(\w+\s+){0,2}(permits?|visas?|cards?|rp|wp)\b|我(们)?的(工作许可|居留|签证|簽證|永居|绿卡|工作证|居留证)",
    re.IGNORECASE,
)
# A permit named as the means or the standing behind an errand ("with this visa can I buy a car", "有了口岸签证
# 能不能换人民币", "拿到永居之後", "工作许可办下来以后", "does that port visa let him …"): held, not asked about.
# Read only beside an errand. ("快到期" after a permit, and "能" after any permit, lowered a sealed set: only
# "能" right before the errand counts, ABLE below.)
MEANS_BEFORE = re.compile(
    r"(有了?|拿到了?|拿了|持有?|办好了?|辦好了?|有咗|拿咗|"
    r"\bwith (this|that|the|my|his|her|their|your|our|a|an)( \w+)?|"
    # a permit still awaited ("before my residence permit is ready", "without a work permit")
    r"\b(before|until|till|without) (a|an|my|the|his|her|our|their)( \w+)?|"
    r"\b(having|holding|got) (a|an|my|the|this|that|his|her)|"
    # what the user has or lives on ("I have 永居证 now, 买房…", "after 4 years on a work permit")
    r"\b(i|we) (have|hold|got|'ve got|have got|now have)( (a|an|my|the|our))?|\b(years?|months?) on (a|an|my|the))\s*$",
    re.IGNORECASE,
)
MEANS_AFTER = re.compile(
    r"^\s*((办|辦)(下来|下來|好)了?)?(的话|的話|以后|以後|之后|之後|后|後|期间|期間|的老外|的外国人|的外國人|"
    r"(let|lets|allow|allows)\b)",
    re.IGNORECASE,
)


# "工作许可能办信用卡吗", "R qian zheng neng zai shang hai mai fang": a permit that "can" do the errand
# right after it (elsewhere "永居能…" asks what the permit itself allows).
ABLE = re.compile(r"^\s*(身份证|身份證|证|證|卡)?\s*(能|可以|可不可以|能不能|可唔可以|(?<![a-z])neng(?![a-z])|(?<![a-z])ke ?yi(?![a-z]))", re.IGNORECASE)
ABLE_REACH = 12
# The permit under discussion as the means ("can I open a bank account with it", "用它能办信用卡吗").
IT_AS_MEANS = re.compile(r"\b(with|using|on) (it|this|that|this one|that one)\b|(用|拿|凭|憑|持)(它|这个|這個|那个|那個)", re.IGNORECASE)
# A permit named in general words ("with this visa …", "他 permit 延期期间 …") beside an errand.
GENERIC_PERMIT = re.compile(r"\b(visas?|permits?)\b|签证|簽證|许可|許可|(?<![a-z])qian ?zheng(?![a-z])", re.IGNORECASE)


def persons_named(entities: Sequence[Dict[str, Any]], text: str, keyword_topics: Sequence[str]) -> bool:
    """The only topic named is family permits, and only by words for people (wife, 孩子)."""
    if list(keyword_topics) != [FAMILY_TOPIC]:
        return False
    spans = [text[int(e["start"]):int(e["end"])] for e in _topic_entities(entities) if e.get("value") == FAMILY_TOPIC]
    return bool(spans) and all(FAMILY_MEMBER.fullmatch(span) for span in spans)


def only_a_person_named(entities: Sequence[Dict[str, Any]], text: str, keyword_topics: Sequence[str]) -> bool:
    """Only people named (wife, 孩子), and no permit at all."""
    if GENERIC_PERMIT.search(text) or FAMILY_PERMIT_WORD.search(text) or DOMESTIC_HELPER.search(text) \
            or RESIDENCE_PERMIT_WORD.search(text):
        return False
    return persons_named(entities, text, keyword_topics)


def probability_of_out_of_scope(ranking: Sequence[Dict[str, Any]]) -> float:
    """The classifier's probability that the message is out of scope."""
    return _probability_of(ranking, [OUT_OF_SCOPE_INTENT])


def held_as_means(
    entities: Sequence[Dict[str, Any]], text: str, known_topics: Iterable[str], errands: Sequence[int]
) -> List[str]:
    """The topics a message names as what the user holds or uses for the errands starting at ``errands``."""
    known = set(known_topics)
    held: List[str] = []
    for entity in _topic_entities(entities):
        if entity.get("value") not in known:
            continue
        start, end = int(entity["start"]), int(entity["end"])
        able = bool(ABLE.match(text[end:end + 8])) and any(end <= e <= end + ABLE_REACH for e in errands)
        if MEANS_BEFORE.search(text[max(0, start - 16):start]) or MEANS_AFTER.match(text[end:end + 12]) or able:
            held.append(str(entity["value"]))
    return list(dict.fromkeys(held))


def errand(
    entities: Sequence[Dict[str, Any]], text: str, known: Iterable[str], keyword_topics: Sequence[str],
    status_topics: Sequence[str], classifier_out_of_scope: bool = False,
) -> bool:
    """An errand of everyday life asked with the desk's permits named only as what the user holds
    ("I got my RP, can I convert my licence?"): not a question about the permits."""
    errands = [m.start() for m in ERRAND.finditer(text)]
    if not errands:
        return False
    short = len(text) <= MAX_FRAGMENT_CHARS
    if short and not keyword_topics and (GENERIC_PERMIT.search(text) or IT_AS_MEANS.search(text)):
        return True  # "with this visa 我可以 buy a car 吗", "btw can I open a bank account with it"
    if short and classifier_out_of_scope and not GENERIC_PERMIT.search(text) and (
            not keyword_topics or only_a_person_named(entities, text, keyword_topics)):
        return True  # "顺便问一下 老人在上海看病能用医保吗" while family permits are discussed
    owned = {*status_topics, *(keyword_topics if short and (MY_PERMIT.search(text) or ERRAND_ASKED.search(text)) else []),
             *(held_as_means(entities, text, known, errands) if short else [])}
    # (a child or spouse named is the person the errand is for, when the classifier too reads the
    # message as out of scope and no family permit is named)
    persons = {FAMILY_TOPIC} if classifier_out_of_scope and not FAMILY_PERMIT_WORD.search(text) else set()
    return bool(owned) and set(keyword_topics) - owned - persons <= {CONTACT_TOPIC}


# Shops and coffee near a place: life around it, not the desk's service ("is there an IKEA near there
# lol", "anywhere in Pudong that does a decent flat white?"). (Not restaurants or cafés, which a
# service place may have itself: with them a sealed set went down.)
AMENITY = re.compile(
    r"\b(ikea|supermarkets?|grocer(y|ies)|coffee|flat white|starbucks|shopping mall|malls?|pharmac(y|ies))\b|"
    r"咖啡|超市|商场|商場|药店|藥店|好吃|宜家",
    re.IGNORECASE,
)
# Entering without a visa ("is the 30-day visa-free entry for Germans still valid", "144小时过境免签")
# is none of the desk's permits: refused unless the message names one of them too. (Landing
# "without a visa" is different: that is what a port visa is for.)
VISA_FREE_PATTERN = r"\bvisa[- ]?(free|exempt(ion)?|waiver)\b|免签|免簽|过境免|過境免"
# Nor is a student's visa ("how does a student visa work?", "留学签证怎么办"): the desk's permits are for
# working talent and their families; a student who asks about a work permit names it.
STUDENT_VISA_PATTERN = r"\b(student|study|studying)\s+visas?\b|\bx[12]\s*visas?\b|(学生|留学|留學|学习|學習|X1|X2)\s*(签证|簽證)"
# ... nor the APEC Business Travel Card, whose "card" is no permanent residence card
APEC_CARD_PATTERN = r"(?<![a-z])(apec|abtc)(?![a-z])|亚太经合组织商务旅行卡|亞太經合組織商務旅行卡"
NOT_THE_DESKS_VISA = re.compile(f"{VISA_FREE_PATTERN}|{STUDENT_VISA_PATTERN}|{APEC_CARD_PATTERN}", re.IGNORECASE)
# ... but whether one may work on it is the work permit's condition, which says it never allows
# work ("Can I work in Shanghai on the 30-day visa-free entry?", "免签入境可以在上海工作吗")
VISA_FREE = re.compile(VISA_FREE_PATTERN, re.IGNORECASE)
WORK_ON_IT = re.compile(
    r"\b(work|working|job|employ(ed|ment)?|hired?|start(ing)? (a|my|the) (job|work))\b|工作|打工|上班|就业|就業|入职|入職|受雇|受僱",
    re.IGNORECASE,
)


# A message that tells the user's case and then asks (a few sentences, not a pasted e-mail).
MAX_CASE_QUESTION_CHARS = 600
# The question of a message that tells the user's case: its last clause, asking something.
ASKING_CLAUSE = re.compile(r"[^.!?。！？，,;；]*[?？]\s*$")
# What the user needs to start working here ("What do I need to start working here?", "我要办什么才能上班").
OWN_START_ASKED = re.compile(
    r"\bwhat (do|would|will|should|must) i (need|have) to (do |get |have )?(to |before i |so i can |in order to )?"
    r"(start |begin )?(work|working|be employed)\b|"
    r"我(要|需要|得)(办|準備|准备)?(什么|什麼|啥).{0,6}(才能)(上班|工作)",
    re.IGNORECASE,
)


def asks_to_start_work(text: str) -> bool:
    """"I'm 45, PhD, … my wife and 2 kids come too. What do I need to start working here?": the
    family is the case, the question the user's own work (the work permit first), when the
    sentence that asks names no family member."""
    question = ASKING_CLAUSE.search(text or "")
    asked = question.group(0) if question else text or ""
    return bool(OWN_START_ASKED.search(asked)) and not FAMILY_MEMBER.search(asked) and len(text or "") <= MAX_CASE_QUESTION_CHARS


def works_visa_free(text: str) -> bool:
    """"Can I work in Shanghai with 240-hour visa-free transit?": a short question whether visa-free
    entry allows work, which the work permit's conditions answer (no), however sure the classifier
    is that visa-free entry is none of the desk's permits."""
    return len(text or "") <= SHORT_QUESTION_CHARS and bool(VISA_FREE.search(text or "")) \
        and bool(WORK_ON_IT.search(text or ""))


# Nor, in a short question, a business, tourist or exchange visa applied for at an embassy abroad
# ("在大使馆申请M签证要我们公司发邀请函吗", "business visa M at the Chinese embassy in Lagos"): the port visa is
# the one got on arrival; the R and Z visas are the desk's.
EMBASSY_VISA = re.compile(
    r"^(?=.*(embassy|consulate|大使馆|大使館|领事馆|領事館|使馆|使館))"
    r"(?=.*(\b[mlf][- ]?visas?\b|\bvisa [mlf]\b|\b(business|tourist|tourism|visit) visas?\b|[MLF]字?(签证|簽證)|商务签|旅游签))",
    re.IGNORECASE | re.DOTALL,
)
# ... read only up to this length: a longer mail mentions embassies and visitors' visas in passing.
EMBASSY_QUESTION_CHARS = 160
# An opening turn that only says the user has a question ("你好，那个政策我想了解一下", "wo xiang wen
# qianzheng de shi", "I wanted to ask about one of your services"): which topic is asked, not "not understood".
WANTS_TO_ASK = re.compile(
    r"想了解|想问|想咨询|想请教|有个问题|有几个问题|有问题|问一下|咨询一下|了解一下|"
    r"\b(a |one |some |few |quick )?questions? (about|on|regarding)\b|\b(want|wanted|like|need) to ask\b|"
    r"\bask(ing)? (you )?about\b|(?<![a-z])(xiang ?wen|xiang ?liao ?jie|xiang ?zi ?xun|you ge wen ?ti)(?![a-z])",
    re.IGNORECASE,
)
# A bare request for help ("need help", "can you help me with a card", "I have a problem with my card",
# "帮帮我") names no topic yet: which one is meant is asked, not what the desk can do, nor a refusal.
# Only the whole message: "can you help me find a flat" asks something else.
HELP_OBJECT = (
    r"(\s+(with|on|about|for)\s+(my|a|an|the|our|some|this|that)\s+(\w+\s+){0,2}\w+"
    # "the card thing for staying in China": what the thing is for names no permit either
    r"(\s+for\s+(staying|living|working|work|residence|residency)(\s+(in|here|there)(\s+(china|shanghai|pudong))?)?)?)?"
)
HELP_ONLY = re.compile(
    r"^\W*((hi|hello|hey|excuse me|sorry|please|pls|plz)\W+)*(i\s+|we\s+)?(need|want|would like)\s+(some\s+|your\s+)?help"
    + HELP_OBJECT + r"(\W+(please|pls|plz))?\W*$|"
    r"^\W*((hi|hello|hey|excuse me)\W+)*(can|could)\s+(you|u)\s+(please\s+)?help\s+(me|us)" + HELP_OBJECT + r"(\W+(please|pls|plz))?\W*$|"
    r"^\W*(help|help me|help us|sos)(\W+(please|pls|plz))?\W*$|"
    r"^\W*((hi|hello|hey)\W+)*(i|we)\s+have\s+(a|an|some)\s+(problem|issue|trouble)s?" + HELP_OBJECT + r"\W*$|"
    r"^\W*(你好\W*)?(我|我们|我們)?(需要帮助|需要幫助|需要帮忙|需要幫忙|帮帮我|幫幫我|帮个忙|幫個忙|求助|求帮忙|求幫忙)\W*$",
    re.IGNORECASE,
)


# "I have a question about my family", "need info on the family thing", "想问家属的事": family names no
# permit yet (the family members' own permits, permanent residence with the holder, the residence
# permit): which one is asked.
FAMILY_ONLY = re.compile(
    r"^\W*((hi|hello|hey|ok|okay|so)\W+)*(i\s+)?(have|got|need|want)\s+(a\s+|some\s+|one\s+)?(question|questions|info|information|help|to ask)"
    r"\s+(about|on|regarding|with|for)\s+(my\s+|the\s+|our\s+)?(family|famly|familly)(\s+(thing|stuff|matter|issue|case|members?))?\W*$|"
    r"^\W*(我)?(想)?(问|問|咨询|諮詢|了解)(一下)?(关于)?(我的|我们|我們)?(家属|家屬|家人|家里人|家裡人)(的)?(事|事情|问题|問題)\W*$",
    re.IGNORECASE,
)
FAMILY_CANDIDATES = ("family_permits", "permanent_residence", "residence_permit")


def asks_for_help(text: str) -> bool:
    """The whole message asks for help and names nothing to help with but, at most, a generic thing."""
    return bool(HELP_ONLY.match(text or ""))


# A bare generic word ("permit??", "visa", "证件？", "请问那个政策") names no topic: which one is meant is asked.
BARE_GENERIC = re.compile(
    r"^\W*((hi|hello|hey|ok)\W+)*(can|could|do|may) (i|we) (get|have|apply for|need) (the|a|that|this) (card|permit|visa)\W*$|"
    r"^\W*(请问|請問|想问|想問|问下|問下)?(一下)?(那个|那個|这个|這個)?(the |a |my |that |this )?"
    r"(permits?|visas?|cards?|polic(y|ies)|documents?|papers?|签证|簽證|证件|證件|许可|許可|政策|卡)\W*$",
    re.IGNORECASE,
)


# What is left of "签证怎么办理", "what documents do I need for a visa?" without its generic word and
# the words that ask: nothing, so the question is about one of that kind, not named.
ASKING_WORDS = re.compile(
    r"请问|請問|想问|想問|问下|問下|问一下|問一下|一下|我想|我要|我们|我們|我|要|应该|應該|该|該|需要|得|怎么|怎麼|如何|咋|"
    r"办理|辦理|办|辦|申请|申請|弄|什么|什麼|啥|哪些|材料|资料|資料|文件|手续|手續|流程|步骤|步驟|条件|條件|"
    r"多久|多长时间|多長時間|在哪里|在哪裡|在哪|哪里|哪裡|去哪|的|了|呢|吗|嗎|个|個|"
    r"\b(hi|hello|hey|please|pls|plz|how|do|does|i|we|can|could|apply|applying|for|a|an|the|get|getting|need|what|which|"
    r"documents?|docs|papers?|paperwork|materials|requirements?|where|to|long|it|take|takes|is|are|process|steps|my|"
    r"in|shanghai|pudong|china)\b|上海|浦东|浦東|中国|中國|在",
    re.IGNORECASE,
)
GENERIC_WORD = re.compile(r"\b(visas?|permits?)\b|签证|簽證|许可|許可|证件|證件", re.IGNORECASE)
MAX_GENERIC_QUESTION_CHARS = 60


def generic_question(text: str) -> bool:
    """A question about a visa or a permit that says nothing about which ("签证怎么办理", "how do I
    apply for a visa?", "签证需要什么材料"): which one is asked, not refused."""
    text = text or ""
    if len(text) > MAX_GENERIC_QUESTION_CHARS or not GENERIC_WORD.search(text):
        return False
    return not re.sub(r"[\W_]+", "", ASKING_WORDS.sub(" ", GENERIC_WORD.sub(" ", text)))


def code_fragment(text: str) -> bool:
    """A short message that is markup or code."""
    text = (text or "").strip()
    if STRUCTURED_INTENT.match(text):
        return False
    return len(text) <= MAX_FRAGMENT_CHARS and bool(CODE_OR_MARKUP.search(text))


# Another Chinese city's services ("北京的外国人居留许可", "苏州工业园区的人才公寓", "what does Hangzhou give
# overseas PhDs"): the desk knows Pudong's, so with neither Shanghai nor Pudong named the question is not ours.
OTHER_CITIES = (
    r"北京|杭州|苏州|蘇州|深圳|广州|廣州|南京|成都|武汉|天津|重庆|西安|厦门|青岛|宁波|无锡|合肥|大连|长沙|郑州|济南|昆明|珠海|东莞|佛山"
)
# (with the usual misspellings: "shenzen", "bejing", "guangzou")
OTHER_CITIES_EN = (
    r"beijing|bejing|beijng|hangzhou|hangzou|suzhou|shenzhen|shenzen|shenzhan|guangzhou|guangzou|nanjing|chengdu|"
    r"wuhan|tianjin|chongqing|xiamen|qingdao|ningbo|hefei"
)
OTHER_CITY_SERVICE = re.compile(
    rf"({OTHER_CITIES})(市|那边|那里|工业园区|园区|新区|高新区)?的|({OTHER_CITIES})(那边|那邊|那里|那裡)\s*(办|辦|[a-z])|"
    # a district over there ("北京中关村那边的…", "深圳前海那边外国人工作许可…")
    rf"({OTHER_CITIES})[\u4e00-\u9fff]{{1,4}}(那边|那邊|那里|那裡)|"
    rf"在({OTHER_CITIES})(办|辦)的|"
    rf"\b({OTHER_CITIES_EN})('s|\s+(gives?|offers?|provides?|pays?)\b|\s*的)",
    re.IGNORECASE,
)
# In a short question, the other city is where the thing is asked about ("my visa extention in shenzen -
# wich office should i go?"); in a longer message it is often the user's past ("my old company in Beijing").
IN_OTHER_CITY = re.compile(rf"\b(in|at) ({OTHER_CITIES_EN})\b", re.IGNORECASE)
# ... unless it is where the user is ("I'm in Beijing now, how do I apply for the R visa?")
USER_IN_CITY = re.compile(
    rf"\b(i'?m|i am|we'?re|we are|live|living|lived|based|staying|work|working|worked|currently|now)\s+(now\s+)?(in|at) ({OTHER_CITIES_EN})\b",
    re.IGNORECASE,
)
SHORT_QUESTION_CHARS = 80

# A stray letter or two ("b", "xz"): too little to ask anything, whichever topic the classifier
# leans to. The desk's own short names are words here: R and Q (visas), Z, PR, RP, WP, ID.
STRAY_LETTERS = re.compile(r"^[\s\W_]*(?!(?:r|q|z|pr|rp|wp|id)[\s\W_]*$)[a-z]{1,2}[\s\W_]*$", re.IGNORECASE)
QUESTION_SENTENCE = re.compile(r"[^.!?。！？]*[?？]|^[^?？]*$")  # each sentence asked; a message without "?" whole
SHANGHAI = re.compile(r"shanghai|pudong|lingang|zhangjiang|jinqiao|上海|浦东|浦東|临港|臨港|张江|張江|金桥|金橋|沪|滬", re.IGNORECASE)
# Shanghai named as where the user is not, or is leaving ("我们总部在海淀，不在上海", "move from Pudong to Hangzhou")
NOT_HERE = re.compile(r"(不在|不是|not in|not from|outside|move from|moving from|leave|leaving|离开|離開)\s*$", re.IGNORECASE)
# Travel permits of Chinese compatriots from Hong Kong, Macao and Taiwan: none of the desk's permits.
COMPATRIOT_PERMIT = re.compile(
    r"home[- ]return permit|taiwan compatriot|mainland travel permit|回乡证|回鄉證|台胞证|台胞證|港澳通行证|港澳通行證|大通证",
    re.IGNORECASE,
)
# A homonym of the Pearl talent plans: the Pearl metro line ("明珠线"). (A line number alone is no homonym:
# "坐2号线去人才港" asks the way.)
METRO = re.compile(r"明珠线|明珠線|pearl line", re.IGNORECASE)


def elsewhere(text: str) -> bool:
    """A short question about another Chinese city's services, or about a compatriot's travel permit."""
    text = text or ""
    if len(text) > MAX_FRAGMENT_CHARS:
        return False
    # the other city in the question itself, asked short ("How do I get a work permit in Beijing? I'm moving …")
    in_city = any(IN_OTHER_CITY.search(q) and len(q) <= SHORT_QUESTION_CHARS for q in QUESTION_SENTENCE.findall(text)) \
        and not USER_IN_CITY.search(text)
    here = any(not NOT_HERE.search(text[: m.start()]) for m in SHANGHAI.finditer(text))
    return bool(COMPATRIOT_PERMIT.search(text) or METRO.search(text)) or (
        bool(OTHER_CITY_SERVICE.search(text) or in_city) and not here
    )


def not_a_question(text: str, classifier_sure: bool = False) -> bool:
    """Not a policy question whatever domain word it holds: markup or code, a word task,
    another country's visa or another city's services, or arithmetic (unless the classifier is sure of a topic)."""
    return code_fragment(text) or word_task(text) or foreign_visa(text) or elsewhere(text) or homonym(text) \
        or (near_miss(text) and not classifier_sure)


def keyword_topics_of(
    entities: Sequence[Dict[str, Any]], text: str, known_topics: Iterable[str], exact_only: bool = False
) -> Tuple[List[str], List[str]]:
    """(named, negated): topics named by keyword entities, and those the user negates
    ("不是工作许可", "not the work permit", "rather than the PR card")."""
    named, negated, _background = keyword_roles(entities, text, known_topics, exact_only)
    return named, negated


# A permit word right after a family word: the word names the permit ("dependent residence permit", "家属签证").
PERMIT_AFTER = re.compile(r"^[\s-]*(residence|resident|visa|permit|card|pass|居留|签证|簽證|许可|证)", re.IGNORECASE)


# "can my son come with me on a family permit?": the permit someone would come on is asked about,
# not held ("I came on a Z visa" is held: only the coming still to happen)
COMING_ON = re.compile(
    r"\b(come|coming|join|joining|accompany|accompanying|bring|bringing)\b[^.?!。？！]{0,24}\bon (a|an|the)\s*$", re.IGNORECASE
)
COMING_REACH = 40


# "我的 X 要怎么办": the user's own X asked about, not held as background.
MINE_ASKED = re.compile(r"我的\s*$")
ASKED_AFTER = re.compile(r"^\s*(visa|permit|签证|许可)?\s*(要|该|应该|需要)?(怎么|如何|咋)(办|弄|申请|处理|续)|^\s*(要|需要)(什么|哪些)")


def keyword_roles(
    entities: Sequence[Dict[str, Any]], text: str, known_topics: Iterable[str], exact_only: bool = False
) -> Tuple[List[str], List[str], List[str]]:
    """(named, negated, status): as keyword_topics_of, plus the named topics that are the
    user's own status ("I'm on a work permit", "我是 work permit A 类的", "R visa holder")."""
    known = set(known_topics)
    named: List[str] = []
    negated: List[str] = []
    background: List[str] = []
    status_end = -1  # end of the last topic named as the user's status
    for entity in sorted(entities, key=lambda e: e.get("start") if isinstance(e.get("start"), int) else 0):
        if entity.get("entity") != "topic" or entity.get("value") not in known:
            continue
        if exact_only and float(entity.get("confidence_entity", 1.0)) < 1.0:
            continue  # a term found only with a mistyped character
        value = str(entity["value"])
        start = entity.get("start")
        before = text[max(0, int(start) - 16) : int(start)] if isinstance(start, int) else ""
        (negated if before and NEGATION.search(before) else named).append(value)
        end = entity.get("end")
        after = text[int(end) : int(end) + 12] if isinstance(end, int) else ""
        # "my work permit and residence permit", "on a dependent residence permit" (a term inside or
        # right after the one held: the slice is empty or blank)
        joined = isinstance(start, int) and status_end >= 0 and bool(STATUS_JOIN.match(text[status_end:start]))
        # a family member named is a person asked about, not a permit held ("他太太跟两个小孩也要过来"), unless
        # the word qualifies a permit ("on a dependent residence permit")
        person = isinstance(start, int) and isinstance(end, int) and bool(FAMILY_MEMBER.fullmatch(text[int(start):int(end)])) \
            and not PERMIT_AFTER.match(after)
        asked = bool(MINE_ASKED.search(before) and ASKED_AFTER.match(after))  # "我的 dependent visa 要怎么办"
        coming = text[max(0, int(start) - COMING_REACH) : int(start)] if isinstance(start, int) else ""
        if COMING_ON.search(coming) and (FAMILY_MEMBER.search(coming) or PERSON_PRONOUN.search(coming)):
            asked = True  # "can my son come with me on a family permit?" (not "I'm joining a lab on an R visa")
        if not person and not asked and ((before and STATUS.search(before)) or (after and HOLDER.search(after)) or joined):
            background.append(value)  # "I have my work permit and residence permit": both held
            status_end = int(end) if isinstance(end, int) else -1
    kept = [t for t in dict.fromkeys(named) if t not in negated]
    status = [t for t in kept if t in background]
    if len(set(kept) - set(background)) >= 1:
        kept = [t for t in kept if t not in background]  # "I'm on a work permit, can my kids …"
    return kept, [t for t in dict.fromkeys(negated) if t not in kept], status


def asserted_topics(
    entities: Sequence[Dict[str, Any]], text: str, known_topics: Iterable[str], exact_only: bool = False
) -> List[str]:
    """Topics named by keyword entities and not negated."""
    return keyword_topics_of(entities, text, known_topics, exact_only)[0]


def the_topic_named(entities: Sequence[Dict[str, Any]], text: str, known_topics: Iterable[str]) -> Optional[str]:
    """The one topic a message names by an exact keyword, if exactly one: what a request for a
    person is about ("waiting 3 weeks for my residence permit - I want a supervisor"), so that
    the next turn ("那正常一般要多久") follows it up."""
    # (the contact words of the request itself - "talk to someone in person" - are no topic asked)
    named = [t for t in asserted_topics(entities, text, known_topics, exact_only=True) if t != CONTACT_TOPIC]
    return named[0] if len(set(named)) == 1 else None


def _probability_of(ranking: Sequence[Dict[str, Any]], intents: Iterable[str]) -> float:
    names = set(intents)
    return sum(float(r.get("confidence") or 0.0) for r in ranking if r.get("name") in names)


def vague_probability(ranking: Sequence[Dict[str, Any]]) -> float:
    """The classifier's probability that the turn is a question with no topic of its own."""
    return _probability_of(ranking, (VAGUE_INTENT,))


def context_probability(ranking: Sequence[Dict[str, Any]]) -> float:
    """The classifier's probability that the turn is a follow-up on the current topic."""
    return _probability_of(ranking, FOLLOW_UP_INTENTS)


def _says_something(text: str, keyword_topics: Sequence[str], aspect: Optional[str], context: Any) -> bool:
    """A not-understood turn worth reading in context: it names a topic, asks about an aspect,
    or — with a topic under discussion — is more than one word and not a declared detour."""
    if keyword_topics or RETURN.search(text):
        return True
    if DETOUR.search(text):
        return False
    if aspect or FOLLOW_UP.search(text):
        return True
    words = LATIN_WORDS.findall(text)
    return bool(context) and (len(words) >= 2 or len(CJK_CHARS.findall(text)) >= 3)


LATIN_WORDS = re.compile(r"[A-Za-z]+")
# A message that says nothing: only marks, emoji or invisible characters, or a bare "ok"/"嗯".
NOTHING_SAID = re.compile(
    r"^[\W_]*(ok(ay)?|k|hm+|mm+|uh+|yes|yeah|yep|sure|嗯+|哦+|噢+|好的?|是的?|对)?[\W_]*$", re.IGNORECASE
)
# A not-understood turn whose best real intent is small talk ("好的，感恩") is not read as a
# follow-up; one whose best is out of scope only when it asks about an aspect or a topic.
SMALL_TALK_INTENTS = {"greet", "goodbye", "thank", "bot_challenge"}


def _runner_up_intent(ranking: Sequence[Dict[str, Any]]) -> Optional[str]:
    """The classifier's best intent behind the fallback."""
    return next((str(r.get("name")) for r in ranking if r.get("name") != FALLBACK_INTENT), None)
CJK_CHARS = re.compile(r"[\u3400-\u9fff]")


def specific_aspects(entities: Sequence[Dict[str, Any]]) -> List[str]:
    """Aspects named by keyword entities, other than the general "overview"."""
    return [a for a in _entity_values(entities, "aspect") if a != "overview"]


def asks_more_than_language(entities: Sequence[Dict[str, Any]]) -> bool:
    """A request for another language that also asks about an aspect ("in English please -
    what documents does the company submit?"). A topic word alone does not count: "my husband
    doesn't read Chinese" names the family, not a question about family permits."""
    return bool(specific_aspects(entities))


# A person asked for: "a number for someone who speaks English", "有会说英语的工作人员吗".
PERSON_ASKED = re.compile(
    r"\b(someone|somebody|a (real |live )?(person|human)|an? (officer|agent|advisor|adviser|staff|staff member)"
    r"|your staff)\b|工作人员|工作人員|人工|客服|真人|专人|專人"
    r"|(会|會|能)(说|說|讲|講)?(英语|英文|英語|中文|俄语|俄語)的(人|同事|老师|老師)",
    re.IGNORECASE,
)


def asks_for_person(text: str) -> bool:
    """A request in another language that asks for a person who speaks it is a request for a
    person, not for the bot's reply language ("could you give me a number for someone who
    speaks English? my Chinese is not good enough")."""
    return bool(PERSON_ASKED.search(text))


# A person demanded in a message about a topic: "Give me a person", "the phone number of the person in
# charge", "转人工". Narrower than PERSON_ASKED: "can someone tell me the fee" and "工作人员说要补材料" ask
# or tell about the topic, and "人工智能" is a field of work.
PERSON_WANTED = re.compile(
    r"\b(give me|get me|need|want|talk to|speak to|speak with|connect me (to|with)|put me through to|transfer me to)"
    r"\s+(to\s+)?(a|an|the|some)?\s*(real|live|actual|human)?\s*(person|human|officer|agent)\b"
    r"|\bperson in charge\b|\b(phone|number|hotline|contact)\s+of\s+(a|the)\s+(real\s+)?(person|human|officer)\b"
    # a colleague or caseworker to be put through to, or a call back ("could you put me through to one of
    # your colleagues?", "pass my details on to someone in the bureau so they can reach out to me")
    r"|\b(put|transfer|connect)\s+me\s+(through\s+)?(to|with)\s+(one of\s+)?(your|a|an)\s+(colleagues?|caseworkers?|case officers?|supervisor|manager)\b"
    r"|\b(talk|speak)\s+(to|with)\s+(a|an|your|the)\s+(colleague|caseworker|case worker|case officer|case handler|supervisor)\b"
    r"|\bpass\s+(on\s+)?my\s+(contact\s+)?(details|number|contact|info)\b|\b(have|get)\s+(someone|somebody)\s+(to\s+)?call\s+me\b"
    r"|\bcall\s+me\s+back\b"
    r"|(转|轉|找|要)人工|人工(客服|服务|服務)|真人客服|(给|給)我回(电话|電話|电|電)|(让|讓|请|請)(工作人员|工作人員|同事|老师|老師)(联系|聯繫|打给|打給)我",
    re.IGNORECASE,
)


# ... and, in a message short enough to be the request itself, someone at an office, the officer in
# charge, a named person's own line: "Is there anyone at the bureau I could speak to?", "Who is the
# officer in charge of work permits? Kindly share his contact", "Mr. Hu's mobile?", "要求转给驿站的具体负责人".
# (The office's own phone or address is the contact topic: "where is your office", "their phone too please".)
PERSON_SOUGHT = re.compile(
    r"\b(talk|speak|explain (it|this|that|everything))\s+(to|with)\s+(a|an|some|the)?\s*(real |actual |live )?"
    r"(person|human|somebody|someone|sombody|officer|official)\b"
    r"|\b(is there|are there|isn't there)\s+(anyone|anybody|someone|somebody|a person|a human)\b"
    r"|\b(connect|transfer|put)\s+me\s+(through\s+)?(to|with)\s+(someone|somebody|anyone|anybody|a staff|staff|your staff)\b"
    r"|\b(anyone|anybody|someone|somebody|sombody)\s+(at|in|from)\s+(the|your)\s+\w+\s+(\w+\s+){0,3}who\b"
    r"|\b(officers?|officials?|person|staff|people)\s+(in charge|responsible|who (handles?|deals?|is dealing|works? on))\b"
    r"|\b(an? )?(actual|real|live) (person|human)\b"
    r"|\b(direct|personal|private|mobile|cell)\s+(phone\s+)?(number|line|no)\b|\b\w+'s (mobile|cell|direct line|personal number)\b"
    # a particular person's number, or one to ask for ("the numbr of someone who works at the airport visa
    # counter", "Is there a specific person there I should ask for when I call?")
    r"|\b(number|numbr|phone|contact)\s+(of|for)\s+(someone|somebody|a person|the person|the officer|the staff)\s+(who|that|at|in)\b"
    r"|\b(a\s+)?(specific|particular|named)\s+(person|officer|staff member|contact person)\b|\bwho\s+(do|should)\s+i\s+ask\s+for\b"
    r"|具体负责人|具體負責人|转给.{0,10}(负责人|工作人员|老师)|轉給.{0,10}(負責人|工作人員|老師)|(他|她)的(手机|手機|私人电话|直线)"
    r"|联系人.{0,6}(手机|手機|私人电话|直线|电话|電話)|聯繫人.{0,6}(手機|電話)|直接(找|联系|聯繫)(他|她)",
    re.IGNORECASE,
)


def wants_a_person(text: str) -> bool:
    """A turn that asks for a person to talk to is a handoff, whichever topic it names ("My PR
    application has been pending 7 months and nobody answers the phone. Give me a person")."""
    text = text or ""
    return bool(PERSON_WANTED.search(text)) or (len(text) <= MAX_FRAGMENT_CHARS and bool(PERSON_SOUGHT.search(text)))


# Thanks that ask nothing ("thanks for yesterday's info on the work permit!"): small talk, whatever topic they name.
# Thanks, after an "ok" or "got it" too, in the words users thank with: "ok xiexie", "got it, danke".
THANKS = re.compile(
    r"^\W*((ok+|okay|好的|好|great|perfect|got it|cool|alright|noted|understood|明白了?|知道了)\W+)?"
    r"(thanks|thank you|thank u|thx|tks|tnx|ty|many thanks|cheers|appreciate it|xie ?xie|duo ?xie|danke|merci|gracias|arigato|"
    r"spasibo|obrigad[oa]|谢谢|謝謝|多谢|多謝|感谢|感謝)(?![a-z])",
    re.IGNORECASE,
)
BUT = re.compile(r"\b(but|one more|another|also|and)\b|但是|不过|不過|还有|還有|另外|再问|再問", re.IGNORECASE)


# A question after the thanks without its mark: "ok thx. so with 450k how many points do i get".
ASKED_AFTER_THANKS = re.compile(
    r"\b(how (many|much|long|do|does|can|to)|what (is|are|about|do|does)|which|where|when|who|why)\b", re.IGNORECASE
)


def only_thanks(text: str) -> bool:
    """A message that thanks and asks nothing more."""
    thanks = THANKS.search(text or "")
    return bool(thanks) and not ASKING.search(text or "") and not BUT.search(text or "") \
        and not ASKED_AFTER_THANKS.search((text or "")[thanks.end():]) and len(text or "") <= MAX_FRAGMENT_CHARS


# "ok", "好吧", "got it", "明白了": the user has read the answer and asks nothing more.
ACKNOWLEDGED = re.compile(
    r"^[\W_]*((ok(ay)?|k|kk|alright|all right|got it|i see|understood|noted|sure|fine|cool|great|perfect|good|"
    r"好|好的|好吧|好滴|好嘞|行|行吧|嗯|嗯嗯|哦|哦哦|噢|喔|明白|明白了|知道了|了解|了解了|收到|懂了|清楚了)[\W_]*)+$",
    re.IGNORECASE,
)


def only_acknowledgement(text: str) -> bool:
    """A message that only says the answer was read ("ok", "好吧"): answered in kind, never a failure
    nor a follow-up that repeats the answer."""
    return bool(ACKNOWLEDGED.match(text or ""))


# A message of symbols only: emoji ("👍", "🙏"), WeChat's stickers as text ("[强]", "[Thumbs Up]",
# "/::)"), or punctuation ("？", "..."). It asks nothing, so it is no follow-up that repeats the answer.
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2B55\u2764\u263A\u3297\u3299]")
WECHAT_STICKERS = re.compile(r"^(\s*(\[[^\[\]\n]{1,12}\]|/:[^\s/]{1,10}))+\s*$")


# A letter, figure or character of any script.
WORD_CHARACTER = re.compile(r"[^\W_]")


def wordless(text: str) -> bool:
    """No letter, figure or character of any script: symbols, emoji or punctuation only."""
    return not WORD_CHARACTER.search(text or "") or bool(WECHAT_STICKERS.match(text or ""))


def only_emoji(text: str) -> bool:
    """A wordless message that is a gesture (an emoji or a WeChat sticker), not a lone "?"."""
    text = text or ""
    return bool(WECHAT_STICKERS.match(text)) or (not WORD_CHARACTER.search(text) and bool(EMOJI.search(text)))


def likely_candidates(ranked: Sequence[Tuple[str, float]], known: Iterable[str]) -> List[str]:
    """Topics to offer in a clarifying question: the classifier's plausible ones, else the common."""
    return [t for t, c in ranked[:3] if c >= 0.05] or [t for t in COMMON_TOPICS if t in set(known)]


# "费用多少", "and the fee?", "how much does it cost": with a topic under discussion, what it costs
# (the fees are steps of its procedure), however sure the classifier is that prices are out of scope.
# Nothing else may be named: "迪士尼门票多少钱" is the price of something else.
FEE_WORDS = re.compile(
    r"费用|費用|收费|收費|手续费|手續費|工本费|工本費|多少钱|多少錢|要钱|要錢|交钱|交錢|付钱|付錢|免费|免費|贵不贵|貴不貴|"
    r"\b(fees?|costs?|price|charges?|how much|free of charge|pay)\b",
    re.IGNORECASE,
)
FEE_FILLER = re.compile(
    r"那|那么|那個|那个|这个|這個|大概|大约|大約|一般|要|需要|是|多少|吗|嗎|呢|啊|呀|吧|的|了|还|還|有|没有|沒有|交|"
    r"\b(and|so|ok|okay|what|about|the|is|it|its|it's|does|do|a|any|there|much|how|for|this|that|one|would|will|be|"
    r"cost|costs|pay|i|we|need|to|have|roughly|approximately|usually)\b",
    re.IGNORECASE,
)
MAX_FEE_QUESTION_CHARS = 40


def asks_fee_only(text: str) -> bool:
    """A short question about the price and nothing else ("费用大概多少", "fee?")."""
    text = text or ""
    if len(text) > MAX_FEE_QUESTION_CHARS or not FEE_WORDS.search(text):
        return False
    rest = FEE_FILLER.sub(" ", FEE_WORDS.sub(" ", text))
    return not re.search(r"[\u3400-\u9fff]|[A-Za-z]{2,}", rest)


# Using a platform: registering, logging in, downloading, its interface, its entrance. After the digital
# talent platform, "外国人怎么注册？", "必须要中国手机号吗？", "在哪里可以找到 official entrance" ask about it,
# however sure the classifier is that they are out of scope. (Registering a company is not this.)
PLATFORM_TOPIC = "digital_platform"
PLATFORM_USE = re.compile(
    r"注册|註冊|登录|登錄|登入|下载|下載|界面|介面|手机号|手機號|入口|扫码|掃碼|小程序|英文版|"
    r"\bapp\b|\bregist(er|ration)\b|\bsign ?up\b|\blog ?in\b|\bdownload\b|\binterface\b|\bentrance\b|"
    r"\bmini ?program\b|\benglish version\b|\bphone number\b",
    re.IGNORECASE,
)
COMPANY_REGISTRATION = re.compile(r"公司|企业|企業|营业执照|營業執照|\bcompany\b|\bbusiness licen[cs]e\b|\bfirm\b", re.IGNORECASE)


def uses_the_platform(previous_topic: Optional[str], text: str) -> bool:
    """A question about using the digital platform asked while it is under discussion."""
    return previous_topic == PLATFORM_TOPIC and bool(PLATFORM_USE.search(text or "")) \
        and not COMPANY_REGISTRATION.search(text or "") and len(text or "") <= SHORT_QUESTION_CHARS


# What a talent programme gives ("how much funding can I get?", "有多少补贴"): asked while the policy
# system is discussed, about its programmes, however sure the classifier is that money is out of scope.
FUNDING = re.compile(
    r"\b(funding|funds?|grants?|subsid(y|ies)|bonus(es)?|awards?|allowances?|stipends?|rewards?)\b|"
    r"资助|資助|补贴|補貼|补助|補助|奖励|獎勵|奖金|獎金|经费|經費|扶持资金|支持资金",
    re.IGNORECASE,
)


def follows_up(
    intent_confidence: float,
    entities: Sequence[Dict[str, Any]],
    text: str,
    known_topics: Iterable[str],
    previous_topic: Optional[str],
    aspect_guess: Optional[Dict[str, Any]] = None,
) -> bool:
    """An out-of-scope turn that is really about the topic under discussion: it names a topic,
    or asks about an aspect, or says it goes back to the earlier question, and the classifier
    is not sure it is out of scope."""
    if previous_topic and asks_fee_only(text):
        return True  # "费用多少": what the thing under discussion costs
    if uses_the_platform(previous_topic, text):
        return True  # "外国人怎么注册？" after the digital platform
    if previous_topic == POLICY_TOPIC and len(text or "") <= SHORT_QUESTION_CHARS and FUNDING.search(text or ""):
        return True  # "how much funding can I get?" after the Pearl Plan: what the talent programmes give
    if not previous_topic or intent_confidence >= MIN_OUT_OF_SCOPE_IN_CONTEXT:
        return False
    if not_a_question(text) or (
        (DETOUR.search(text or "") or NOT_THE_DESKS_VISA.search(text or "") or MARKET_PAY.search(text or ""))
        and not asserted_topics(entities, text, known_topics)
    ):
        return False
    if RETURN.search(text or "") or asserted_topics(entities, text, known_topics) or own_case_statement(text) \
            or detail_correction(text) or case_figure(text):
        return True
    if len(text or "") <= SHORT_QUESTION_CHARS and opening_hours_asked(text or "") \
            and not ERRAND.search(text or "") and not PLACE_OF_LIFE.search(text or ""):
        return True  # "open at night? I land 23:40": when the place of the thing under discussion is open
    named_aspects = specific_aspects(entities)
    if MAY_I.search(text or "") and not SERVICE.search(text or ""):
        return True  # "can I use it with a foreign passport": whether the thing under discussion is for them
    if len(text or "") <= SHORT_QUESTION_CHARS and confident_aspect(aspect_guess) not in (None, "overview"):
        return True  # "how much time does approval take", "which airports in Shanghai have it": an aspect of it
    guessed_counts = intent_confidence < MIN_OUT_OF_SCOPE_FOR_NAMED_ASPECT
    return bool(named_aspects) or (
        guessed_counts and bool(FOLLOW_UP.search(text or ""))
        and resolve_aspect(aspect_guess, named_aspects, text) not in (None, "overview")
    )


def understand(
    intent: Optional[str],
    ranking: Sequence[Dict[str, Any]],
    entities: Sequence[Dict[str, Any]],
    text: str,
    known_topics: Sequence[str],
    previous_topic: Optional[str] = None,
    previous_aspect: Optional[str] = None,
    aspect_guess: Optional[Dict[str, Any]] = None,
    options: Sequence[str] = (),
) -> Turn:
    """Resolve topic and aspect of a policy-related turn (a topic question, a follow-up, a
    vague question, a fallback) from the message and the conversation state: the topic and
    aspect under discussion and the options of a pending clarifying question."""
    known = set(known_topics)
    text = text or ""
    ranked = topic_ranking(ranking, known)
    probability = dict(ranked)
    keyword_topics, negated_topics, status_topics = keyword_roles(
        entities, text, known, exact_only=previous_topic in known
    )
    if CHINESE_FAMILY.search(text):
        keyword_topics = [t for t in keyword_topics if t != FAMILY_TOPIC]  # "老婆是中国人": the user's case
    if previous_topic in known and IT_ASKED.match(text) and len(text) <= SHORT_QUESTION_CHARS:
        # "can it be used for visiting relatives?": the thing under discussion, for a family purpose
        keyword_topics = [t for t in keyword_topics if t != FAMILY_TOPIC]
    for described, words in NICKNAMES.items():
        if described in known and described not in keyword_topics and only_negated(words, text):
            negated_topics = [*negated_topics, described]  # "not the permanent one", "not the police one", "not the combo"
    for described, words in DESCRIPTIONS.items():
        if described in known and not keyword_topics and described not in negated_topics \
                and words.search(text) and not only_negated(words, text):
            keyword_topics = [described]  # "the one where you never have to renew again", "allowed to have a job here"
    intent_topic = topic_of_intent(intent, known)
    if intent_topic == CONTACT_TOPIC and CONTACT_TOPIC not in keyword_topics and REACH_ASKED.search(text) \
            and probability.get(CONTACT_TOPIC, 0.0) >= MIN_TOPIC_CONFIDENCE:
        keyword_topics = [CONTACT_TOPIC, *keyword_topics]  # "who is in charge of the talent policies, how can I reach them?"
    if CONTACT_TOPIC in known and previous_topic in known and not keyword_topics and OFFICE_BEHIND.search(text):
        keyword_topics = [CONTACT_TOPIC]  # "which office is behind all that, and where are they?" (not "HNTE status: which bureau handles that?")
    # a button's structured intent ("/ask_family_permits{...}") names its topic: no word rule reads its JSON
    pressed = bool(STRUCTURED_INTENT.match(text.strip())) and intent_topic is not None
    # (not along with a topic the user says they do not mean: "not permanent, just to stay with me as family")
    family_along = family_comes_along(previous_topic, text) and not pressed and previous_topic not in negated_topics
    if family_along:
        # "我孩子能一起办吗" after permanent residence: applying with the talent, not the family's
        # permits, nor (its "一起办") both permits in one go unless the permits are named
        keyword_topics = [t for t in keyword_topics if t != FAMILY_TOPIC
                          and not (t == COMBINED_TOPIC and not PERMIT_NAMED.search(text))]
    status_only: List[str] = []
    if previous_topic in known and keyword_topics and set(keyword_topics) <= set(status_topics):
        # "我是 work permit A 类的", "that's me, R visa holder": the user's status, the topic goes on
        status_only = [t for t in keyword_topics if t != previous_topic]
        keyword_topics = []
    if intent_topic in status_topics and probability.get(intent_topic, 0.0) >= CLEAR_TOPIC and BENEFITS.search(text):
        keyword_topics = [intent_topic]  # "持人才签证入境以后，停留居留方面有啥便利": what holding it brings
    named_aspects = specific_aspects(entities)
    aspect = resolve_aspect(aspect_guess, _entity_values(entities, "aspect"), text)
    clarify_aspect = asked_aspect(aspect, named_aspects, aspect_guess)  # kept if the desk asks which topic
    follow_up = bool(FOLLOW_UP.search(text))
    correction = bool(CORRECTION.search(text))
    alternatives = ranked[:4]
    previous_topic = previous_topic if previous_topic in known else None
    options = [t for t in options if t in known]

    scores: Dict[str, float] = {t: p for t, p in ranked}
    for t in keyword_topics:
        scores[t] = scores.get(t, 0.0) + KEYWORD_BONUS
    for t in options:
        scores[t] = scores.get(t, 0.0) + OPTION_BONUS
    # "no sorry, I meant the permanent one, the ID card": a correction the classifier reads as another topic
    # ("说错了，是工作了八年，不是四年" corrects a number: a detail of the case, not the topic)
    # "sorry no — I mean the long one for top scientists": a correction that says which was meant needs
    # the classifier less sure of the topic it describes
    # (its "ten years" describes the thing meant, not a figure of the user's case)
    meant_unnamed = bool(MEANT.search(text)) and not keyword_topics
    meant_described = meant_unnamed and bool(DESCRIPTION.search(text))
    away_confidence = CORRECTED_TO_CONFIDENCE if meant_unnamed else CLEAR_TOPIC
    corrected_away = correction and intent_topic is not None and intent_topic != previous_topic \
        and probability.get(intent_topic, 0.0) >= away_confidence \
        and (meant_described or not DETAIL_NUMBER.search(CALENDAR_YEAR.sub("", text)))
    opens_another = bool(NEW_SUBJECT.search(text)) and intent_topic not in (None, previous_topic) \
        and probability.get(intent_topic, 0.0) >= MIN_TOPIC_CONFIDENCE
    if previous_topic and (not keyword_topics or previous_topic in keyword_topics) and not (correction and keyword_topics) \
            and not corrected_away and not opens_another:
        scores[previous_topic] = scores.get(previous_topic, 0.0) + CONTEXT_BONUS + context_probability(ranking)
    for t in [*negated_topics, *status_only, *([FAMILY_TOPIC] if family_along else [])]:
        scores.pop(t, None)  # "not the work permit", "I'm an R visa holder": whatever the classifier thinks
    if previous_topic and not keyword_topics and not corrected_away and (detail_correction(text) or own_case_statement(text)):
        scores[previous_topic] = max(scores.values(), default=0.0) + CONTEXT_BONUS  # "说错了，是八年不是四年"
    if not corrected_away and not opens_another and the_thing_discussed(text, previous_topic, keyword_topics):
        scores[previous_topic] = max(scores.values(), default=0.0) + CONTEXT_BONUS  # "how long is the permit"
    keyword_topics = _meant_topic(entities, text, keyword_topics, scores)
    if ((WHAT_ABOUT.match(text) and DESCRIPTION.search(text)) or HEARD_OF.search(text)) and not keyword_topics and intent_topic \
            and intent_topic != previous_topic and probability.get(intent_topic, 0.0) >= MIN_TOPIC_CONFIDENCE:
        scores[intent_topic] = max(scores.values(), default=0.0) + KEYWORD_BONUS  # "what about the one for staying forever"
    for t in _along_with_talent(entities, text, keyword_topics, previous_topic):
        keyword_topics = [k for k in keyword_topics if k != t]
        if t != previous_topic:
            scores.pop(t, None)  # "配偶和子女能否同时申请" beside permanent residence: with the talent
    family_blocked = bool(previous_topic) and not pressed and previous_topic not in (FAMILY_TOPIC, *FAMILY_ABSORBS) \
        and FAMILY_TOPIC not in keyword_topics and not names_family(text) \
        and not (THIRD_PERSON.search(text) and RESIDENCE_PERMIT_WORD.search(text))  # "what do they need for their residence permits?"
    if family_blocked:
        scores.pop(FAMILY_TOPIC, None)  # "how long will the approval take for her": the person under discussion
    # "and if I find a job, can I work on that?" from a family member: their own work permit
    self_work = previous_topic == FAMILY_TOPIC and not keyword_topics and bool(SELF_WORK.search(text)) \
        and not FAMILY_MEMBER.search(text) and WORK_PERMIT_TOPIC in known
    # "where do I submit my own application?" after the family's permits: the user's own residence permit
    own_after_family = previous_topic == FAMILY_TOPIC and not keyword_topics and bool(OWN_PERMIT.search(text)) \
        and not FAMILY_MEMBER.search(text) and OWN_RESIDENCE in known
    best = max(scores, key=lambda t: scores[t]) if scores else None
    in_context = best is not None and best == previous_topic

    chosen = chosen_option(text, options)
    if chosen is not None:
        # "2", "第二个", "the second one": the numbered option of the pending clarifying question
        return Turn("answer", topic=chosen, aspect=previous_aspect, confidence=1.0, alternatives=alternatives)
    if asks_its_contact(text, previous_topic) and not options:
        return Turn("answer", topic=previous_topic, aspect="where", confidence=1.0, alternatives=alternatives)
    if only_figures(text) or (STRAY_LETTERS.match(text) and not keyword_topics and not options):
        return Turn("reject", aspect=None, alternatives=alternatives)  # "123", "b": no question to answer
    if not_a_question(text, classifier_sure=bool(intent_topic and probability.get(intent_topic, 0) >= SURE_OF_TOPIC)):
        return Turn("reject", aspect=None, alternatives=alternatives)  # "work permit = 3 * 5?"
    if errand(entities, text, known, keyword_topics, status_topics, intent == OUT_OF_SCOPE_INTENT):
        return Turn("reject", aspect=None, alternatives=alternatives)  # "I got my RP, can I convert my licence?"
    if len(text) <= SHORT_QUESTION_CHARS and not keyword_topics and AMENITY.search(text):
        return Turn("reject", aspect=None, alternatives=alternatives)  # "is there an IKEA near there lol"
    if WORK_PERMIT_TOPIC in known and not previous_topic and asks_to_start_work(text) \
            and set(keyword_topics) <= {WORK_PERMIT_TOPIC, FAMILY_TOPIC}:
        return Turn("answer", topic=WORK_PERMIT_TOPIC, aspect="procedure", confidence=1.0, alternatives=alternatives)
    if WORK_PERMIT_TOPIC in known and works_visa_free(text) and set(keyword_topics) <= {WORK_PERMIT_TOPIC}:
        return Turn("answer", topic=WORK_PERMIT_TOPIC, aspect="eligibility", confidence=1.0, alternatives=alternatives)
    if (NOT_THE_DESKS_VISA.search(text) or (len(text) <= EMBASSY_QUESTION_CHARS and EMBASSY_VISA.search(text))) \
            and (not keyword_topics or persons_named(entities, text, keyword_topics)):
        # "visa-free entry for Germans", "student visa", "my parents want to visit: is visa free still valid?"
        return Turn("reject", aspect=None, alternatives=alternatives)
    if MARKET_PAY.search(text) and not set(keyword_topics) - {FAMILY_TOPIC}:
        return Turn("reject", aspect=None, alternatives=alternatives)  # "外籍阿姨工资一般开多少"
    if only_a_person_named(entities, text, keyword_topics) and intent == OUT_OF_SCOPE_INTENT \
            and probability_of_out_of_scope(ranking) >= MIN_OUT_OF_SCOPE_FOR_A_PERSON and not previous_topic:
        return Turn("reject", aspect=None, alternatives=alternatives)  # "我老公的 company 不给交 social insurance 合法吗"
    bare = bool(BARE_GENERIC.match(text))
    if (bare or (generic_question(text) and not keyword_topics)) and not previous_topic:
        kind = next((topics for word, topics in GENERIC_KINDS if word.search(text)), COMMON_TOPICS)
        candidates = [t for t in kind if t in known]
        # "permit??"; "签证怎么办理" (which visa, and the steps once it is chosen)
        return Turn("clarify", aspect=None if bare else clarify_aspect, candidates=candidates, alternatives=alternatives)
    if FAMILY_ONLY.match(text) and not previous_topic:
        candidates = [t for t in FAMILY_CANDIDATES if t in known]
        return Turn("clarify", aspect=None, candidates=candidates, alternatives=alternatives)  # "a question about my family"
    if asks_for_help(text) and not previous_topic and not keyword_topics and intent != VAGUE_INTENT:
        # the likely topics first, then the common ones: "a problem with my card" offers more than one
        candidates = list(dict.fromkeys([*likely_candidates(ranked, known), *(t for t in COMMON_TOPICS if t in known)]))
        return Turn("clarify", aspect=None, candidates=candidates, alternatives=alternatives)  # "need help"
    runner_up = _runner_up_intent(ranking) if intent == FALLBACK_INTENT else None
    if intent == FALLBACK_INTENT and not previous_topic and not options and not keyword_topics \
            and WANTS_TO_ASK.search(text) and len(text) <= MAX_FRAGMENT_CHARS:
        candidates = likely_candidates(ranked, known)
        return Turn("clarify", aspect=clarify_aspect, candidates=candidates, alternatives=alternatives)
    if intent == FALLBACK_INTENT and (
        not _says_something(text, keyword_topics, aspect, previous_topic or options)
        or runner_up in SMALL_TALK_INTENTS
        or (runner_up == OUT_OF_SCOPE_INTENT
            and not (keyword_topics or aspect or follow_up or RETURN.search(text) or own_case_statement(text)
                     or (previous_topic and detail_correction(text))))
    ):
        return Turn("reject", aspect=None, alternatives=alternatives)  # "asdfgh", "btw nice weather"
    if options and NOTHING_SAID.match(text):
        # "😀", "?", "ok" answering "which of these do you mean?" choose none: ask again
        return Turn("clarify", aspect=clarify_aspect, candidates=options, alternatives=alternatives)
    if options and best in options or (options and intent_topic is None and not keyword_topics and best):
        topic = best  # a clarifying question answered in words
    elif not keyword_topics and (
        # ("ok back to my permit question, where do I go?" returns to the topic under discussion)
        (intent == VAGUE_INTENT and not (in_context and (ANAPHORA.search(text) or RETURN.search(text))))
        or (not previous_topic and intent_topic and probability[intent_topic] < CLEAR_TOPIC
            and vague_probability(ranking) >= VAGUE_RIVAL)
    ):
        # "我想问签证的事" after a work-permit answer opens a new, unclear question; so does "I need
        # information about the permit" the classifier finds nearly as vague as topical: ask which
        candidates = [t for t, _c in ranked[:3]]
        return Turn("clarify", aspect=clarify_aspect, candidates=candidates, alternatives=alternatives)
    elif own_after_family:
        topic = OWN_RESIDENCE
    elif self_work:
        topic = WORK_PERMIT_TOPIC
    elif in_context:
        topic = best  # a follow-up on the topic under discussion
    elif keyword_topics and best not in keyword_topics and best == intent_topic \
            and probability.get(best, 0.0) >= SURE_OF_TOPIC and not negated_topics:
        topic = best  # sure of a topic described, not named ("the combined work + residence permit window")
    elif keyword_topics and set(keyword_topics) <= set(status_topics) and best == intent_topic \
            and probability.get(best, 0.0) >= CLEAR_TOPIC:
        topic = best  # "just landed with my Z visa, 那个居留的东西 how many days": the permit held is not the one asked
    elif keyword_topics and len(text) > MAX_FRAGMENT_CHARS and best == intent_topic:
        topic = best  # a pasted mail names permits in passing; its question's topic leads even with their bonus
    elif keyword_topics:
        topic = best if best in keyword_topics else keyword_topics[0]
    elif intent == FALLBACK_INTENT and ranked and ranked[0][0] == FAMILY_TOPIC and (
        FAMILY_MEMBER.search(text) or DOMESTIC_HELPER.search(text)
    ) and not CHINESE_FAMILY.search(text):
        topic = FAMILY_TOPIC  # "想把我妈接过来住一段时间，她68了，能办什么证": the likeliest topic, and the family named
    elif intent == FOLLOW_UP_INTENT:
        topic = ranked[0][0] if ranked and ranked[0][1] >= MIN_FIRST_TURN_TOPIC else None
        if topic is None:
            candidates = likely_candidates(ranked, known)
            return Turn("clarify", aspect=clarify_aspect, candidates=candidates, alternatives=alternatives)
    elif intent == VAGUE_INTENT:
        candidates = [t for t, _c in ranked[:3]]
        return Turn("clarify", aspect=clarify_aspect, candidates=candidates, alternatives=alternatives)
    elif intent == FALLBACK_INTENT and not previous_topic and aspect not in (None, "overview"):
        # "hi can you tell me the requirements": a policy question that names no topic yet
        candidates = likely_candidates(ranked, known)
        return Turn("clarify", aspect=clarify_aspect, candidates=candidates, alternatives=alternatives)
    elif intent_topic is None:
        # the classifier was not sure (fallback) or named no topic, and nothing in the
        # conversation or the message points to one: clarify close candidates, else reject.
        return Turn("reject", aspect=None, alternatives=alternatives)
    else:
        topic = intent_topic
    topic = combined_topic(topic, text, known)
    if not family_blocked:
        topic = family_topic(topic, text, known, previous_topic, held=status_topics, likeliest=ranked[0][0] if ranked else None)
    confidence = max(probability.get(topic, 0.0), 0.5 if topic in keyword_topics or topic == previous_topic else 0.0)
    if topic == previous_topic and intent in FOLLOW_UP_INTENTS:
        # "what documents?" after an answer: the topic is as sure as the message is a follow-up
        confidence = max(confidence, next((float(r.get("confidence") or 0.0) for r in ranking
                                           if r.get("name") == intent), 0.0))

    switched = previous_topic is not None and topic != previous_topic
    # "and that talent port place, what do they actually do there?": a new topic's "what is it",
    # said in words and sure, is not the earlier question asked again
    asks_what_it_is = aspect == "overview" and not correction and sure_overview(aspect_guess, _entity_values(entities, "aspect"))
    if aspect == "overview" and (follow_up or correction) and previous_aspect and switched and not asks_what_it_is:
        aspect = None  # a weak "overview" on "and for my kids?" is no explicit aspect
    plain = ATTRIBUTIVE_TIME.sub("", text)
    described = bool(DESCRIPTION.search(text)) and not ASKING.search(plain) and not QUESTION_WORD.search(plain)
    if (options and ((previous_aspect and not confident_aspect(aspect_guess)) or not ASKING.search(text))) or described:
        # "how long?" - "which one?" - "the one you get at the airport": the aspect asked before;
        # a description that asks nothing ("the card you get after many years", "the one for
        # high-level people, that can last ten years") asks no aspect of its own, however sure
        # the aspect model is of a word in it; nor does "就是到了機場才辦的那種" said without a pending question
        aspect = previous_aspect
    if ((follow_up or correction) and switched and previous_aspect and not named_aspects
            and not own_case_statement(text) and not confident_aspect(aspect_guess) and not asks_what_it_is
            and not (MAY_I.search(text) and not SERVICE.search(text) and not correction)
            and not OTHER_ASPECT_WORDS.search(text)):
        # "那普通的居留许可呢", "na rencai yizhan ne": the same question of another topic; "sorry I meant
        # the residence permit": the question asked before, of the topic meant
        aspect = previous_aspect
    if aspect is None and in_context and not correction and own_case_statement(text):
        aspect = "eligibility"  # "she's 67 and Korean": can she?
    if aspect is None and MAY_I.search(text) and not SERVICE.search(text) and not (in_context and previous_aspect):
        aspect = "eligibility"  # "浦東人社局可以個人直接上門諮詢嗎", "can our supplier get one?": who may
    if aspect is None and previous_aspect and (not switched or follow_up or correction):
        aspect = previous_aspect  # "and for my kids?" / "no, I meant …" keep asking the same
    if len(text) <= MAX_FRAGMENT_CHARS:
        aspect = cued_aspect(topic, aspect, text)  # "人才港有什么活动", "现在能办了吗", "where to apply"
    aspect = contact_aspect(topic, aspect, text)
    if asks_fee_only(text):
        aspect = None  # "费用多少", "fee?": the price is in the overview, not in the steps or the place
    return Turn("answer", topic=topic, aspect=aspect, confidence=confidence, alternatives=alternatives)
