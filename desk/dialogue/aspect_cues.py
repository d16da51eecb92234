"""Cues in a question's wording that settle its aspect where the aspect model reads a word, not
the question: what a service place offers, whether a measure is in place yet, "where" asked.
Applied after the topic is known, since a cue means one aspect for one kind of topic and another
for the next.

Each cue came from the open evaluation sets (dev to dev7, final, final5, final6, borders, noisy) and
was kept only when it lowered no set's figures (README, rounds 15 to 21; one exception, the combined
permit's "together" cue, cost one turn on one set while gaining 24).
"""

from __future__ import annotations

import re
from typing import Optional

from desk.dialogue.topic_ids import COMBINED_TOPIC, CONTACT_TOPIC, FAMILY_TOPIC, POLICY_TOPIC

# Places and platforms that offer services: what they offer or do is their overview.
SERVICE_TOPICS = ("talent_port", "talent_station", "digital_platform")

# "人才港有什么活动", "limian you shenme fuwu", "which HR agencies are in there", "what can I do
# with it", "could they help us find local hires", "平时有什么 events 吗", "里面有 HR agencies 吗",
# "wat kind of events": what the place offers, not where it is or who
# may use it. How to join or who may join an event is asked with its own words (REGISTER_OR_WHO).
OFFERINGS = re.compile(
    r"(有|提供|都有|办|辦|举办|舉辦)(些)?(什么|啥|哪些|甚么|什麼).{0,6}?(活动|活動|服务|服務|机构|機構|项目|項目|支持)|"
    r"you (shenme|sm|sha) (fuwu|huodong)|(能|可以|会|會)(帮|幫)(忙)?(我们|我們|我)?(做|干|幹|办|辦)?(什么|啥|什麼)|"
    r"(可以|能|能不能|会不会)(帮|幫)(我们|我們|我|公司)(找|招|介绍|介紹|推荐|推薦)|(是|都)?(干啥|干嘛|做什么|做什麼)的|"
    r"\bw(h)?at (kind of |sort of )?(events|activities|agencies|services)\b|\bwhich (hr )?(agencies|organi[sz]ations|companies)\b|"
    r"(有|提供|都有|举办|舉辦)(些)?(什么|啥|哪些|甚么|什麼)\s*(events?|activities|services|(hr )?agencies)\b|(里面|裡面|里边|裡邊)(都)?有.{0,16}(吗|嗎|\?|？)|"
    r"\bwhat (do|does|can|will) (they|it|you|the \w+) (\w+ )?(offer|do|provide)\b|"
    r"\bwhat can (i|we) (actually )?(do|use it for|get)\b|\b(could|can|do|does|will) (they|it) (still |also )?help\b|"
    r"\bhelp with anything\b|\bwhat(?:'s| is) there\b|"
    r"有没有.{0,8}(活动|活動|招聘会|招聘會|交流会|交流會|job fairs?|events?)|\bany (events|job fairs?|activities)\b|"
    r"\b(do|does|did|will) (they|it|you) (ever |also |still )?(organi[sz]e|hold|have|host|run|offer|do) (any |some )?"
    r"(job f\w+|events?|networking|activities|fairs?|seminars?|workshops?|trainings?)\b",
    re.IGNORECASE,
)
REGISTER_OR_WHO = re.compile(
    r"报名|報名|参加|參加|参家|申请|申請|预约|預約|谁可以|誰可以|能去|\b(register|registr|sign ?up|join|attend|apply|book)|"
    r"(?<!what )\bcan (i|we|foreigners|non-chinese)\b",
    re.IGNORECASE,
)

# "口岸签证现在能办了吗", "is it online already or still planned", "一码集成上线了没有": whether a
# measure is in place is its overview, which says what is in place and what is only planned.
IN_PLACE_ASKED = re.compile(
    r"(现在|目前|已经|已經|现已)(还)?(能|可以)?(办|辦|用|申请|申請)(了)?(吗|嗎|没|沒)|能(办|辦|用)了(吗|嗎|没)|"
    r"上线了(吗|没)|上線了(嗎|沒)|上线没|现在好办吗|(落地|实施|實施|实行)了(吗|没|嗎)|"
    r"\b(still|only) (planned|a plan)\b|\b(already|yet) (live|available|launched|in (place|operation|effect))\b|"
    r"\bis (it|this|that) (live|available|running|launched|in place|in operation) (yet|now|already)\b|"
    r"\b(has|have) (it|they) (launched|started)\b",
    re.IGNORECASE,
)

# "现在B类的也能办了吗？还是只有A类的人才可以": whether it is in place for a category asks who may.
CATEGORY_NAMED = re.compile(r"[abcABC]\s*(类|類)|\b(category|class|type) [abc]\b|\b[abc][- ]?(category|class|type|level)\b", re.IGNORECASE)

# "浦东国际人才港是哪一年成立的", "是个什么地方": when it was founded and what kind of place it is ask
# what it is, not how long or where. (A rumour checked, "真的假的", keeps the aspect of the fact checked.)
WHAT_IT_IS = re.compile(
    r"(哪一?年|什么时候|什麼時候|何时|何時)成立|成立于|成立於|是(个|個)?(什么|什麼|啥)(样的|樣的)?地方|"
    r"\bwhen was (it|this|that|the \w+) (founded|established|set up|opened)\b|\bwhat (kind|sort) of (a )?place\b|"
    r"(介绍|介紹)一下|\bgive (me )?an overview\b|\bintroduce (it|this|that)\b",  # "能介绍一下吗": the thing as a whole
    re.IGNORECASE,
)


# "跟驿站是一回事吗", "跟口岸签有啥区别": how it differs from another thing, unless one's own case is
# placed ("A类 B类有什么区别 我硕士毕业三年算哪类" asks which one applies).
DIFFERENCE = re.compile(r"一回事|(有|有什么|有啥|有甚么|什么|啥)(区别|區別|不同)|\b(what'?s|what is) the diff?erence\b", re.IGNORECASE)
FIRST_PERSON = re.compile(r"我|\b(i|my|i'm|im|me)\b", re.IGNORECASE)


# "Is there an app where I can see all the policies?", "Is it true Shanghai now has one counter where both
# permits are accepted?": whether such a thing exists is its overview; "where" is inside the description.
# ("is there any way to get a visa on arrival" read as the steps asks whether one may: not this cue;
# "is there a way to do both in one go instead of two trips" read as "where" asks whether it exists.)
EXISTS_ASKED = re.compile(
    r"^\W*((hi|hello|hey|dear [\w ]{1,20})\W+)?((so|and|also|ok|okay)\W+)?(is there|are there|is it true|is there really)\b",
    re.IGNORECASE,
)
A_WAY = re.compile(r"\b(any|a|some|another|other) (way|chance|possibility|option)\b|\bpossible\b", re.IGNORECASE)
# "is there somewhere I can hand in both", "is there a desk at Pudong airport", "is there one of
# those counters in Lingang": a place is what is asked
A_PLACE = re.compile(
    r"\b(somewhere|anywhere)\b|\b(at|in) (the )?(\w+ )?airport\b"
    r"|\b(counters?|offices?|windows?|desks?|branch(es)?)\b.{0,12}\b(in|at|near)\b",
    re.IGNORECASE,
)


# "how log does the work permitt take", "how mcuh time to get it", "要幾耐先批到": "how long" misspelt or
# in Cantonese, which the aspect keywords do not spell.
HOW_LONG_MISSPELT_PATTERN = (
    r"\bhow (log|lomg|lnog|lonh|loong|lng)\b|\bhw (long|log|lng)\b|\bhow (much|mcuh|mutch|muc) time\b|几耐|幾耐|"
    # pinyin the reader cannot spell back ("duo chang shi jian": 长 is read "zhang" on its own)
    r"\bduo ?chang( ?shi ?jian)?\b|\bduo ?shao ?tian\b|\bji ?ge ?(yue|xing ?qi|li ?bai)\b"
)
HOW_LONG_MISSPELT = re.compile(HOW_LONG_MISSPELT_PATTERN, re.IGNORECASE)


# "what is the procces for my dependant visa?": "process" misspelt, which the aspect keywords do not spell.
# "hw to apply", "hw do i get", and "how" without its "do" ("how my wife can get resdence", "How I apply",
# "how they get the residense permit"): the steps, as every set labels them.
HOW_PLAIN = re.compile(
    r"\bhw (to|do|does|can|should|would|i|we)\b|"
    r"\bhow (i|he|she|they|we|my \w+|our \w+|his \w+|her \w+|the kids|the children|the \w+)( can| could| should| must)? "
    r"(get|gets|apply|applies|register|registers|renew|renews|extend|extends|make|makes|do|does)\b",
    re.IGNORECASE,
)
# "what is category A?", "A类的 green channel 是啥意思", "A vs B": what a category is, not who may
MEANING_ASKED = re.compile(r"\bwhat('?s| is| are| does)\b|\bmean|\bvs\.?\b|是什么|是啥|啥意思|什么意思|怎么回事", re.IGNORECASE)
PROCESS_MISSPELT = re.compile(r"\b(procces|proccess|proces|prosess|procss|porcess|prcoess|procedur|prosedure|procedrue)\b", re.IGNORECASE)


# "how long" asked as the question ("几天", "多久", "ji tian"), not a state ("快到期了") or a condition
# of the case ("住满几年才能申请" asks who qualifies).
HOW_LONG = re.compile(
    r"几天|幾天|多久|多长时间|多長時間|几个(月|工作日|星期|礼拜)|幾個(月|工作日|星期|禮拜)|多少天|"
    r"\bhow (long|soon)\b|\bhow many (days|weeks|months|years|nights)\b|\bji ?tian\b|\bduo ?jiu\b|" + HOW_LONG_MISSPELT_PATTERN,
    re.IGNORECASE,
)
CONDITION = re.compile(r"才能|才可以|住满|住滿|满\s*\d|滿\s*\d|\bbefore (i|we|you) can\b|\bto (qualify|be eligible)\b", re.IGNORECASE)

# "where" asked as the question, not inside a description: "and where do we submit", "where to apply",
# "were do i apply", "tell me where I submit", "在那里报名", "那要怎麼去".
WHERE_MISSPELT_PATTERN = r"whre|wher|wehre|whare|whr"  # (and chat's "whr 2 apply")
WHERE_QUESTION = re.compile(
    rf"^\W*(?:(?:and|so|ok|okay|then|but|also)\W+)*(where|{WHERE_MISSPELT_PATTERN})\b|"
    rf"\b(wh?ere|{WHERE_MISSPELT_PATTERN}) (do|does|did|can|could|should|shall|must|to|2|would|is|are)\b|\bwhere\W*$|"
    r"\b(tell me|let me know|know|wondering|ask|show me|no idea|not sure) wh?ere\b|"
    r"在哪|去哪|哪里|哪裡|哪儿|在那里(办|辦|报名|報名|申请|申請|交)|(怎么|怎麼)(去|走|过去)",
    re.IGNORECASE,
)
# Longest message read as one question by the cues below, not a pasted notice or e-mail that
# mentions office hours or who approves in passing ("办公时间：周一至周六" inside an e-mail about materials).
MAX_CUED_QUESTION_CHARS = 200

# Opening hours asked of the place ("open at night? I land 23:40", "周末开门吗", "几点关门") ask where
# and when to go: the labels of every set say "where".
OPENING_HOURS = re.compile(
    r"\bopen(ed)? (at|during|till|until|late|round|around|24|all night|nights?|weekends?|holidays?|in the "
    r"(evening|night|morning))\b|\bopen (at )?(nite|nigth|nihgt)\b|\bopen (on )?(weekends?|(public )?holidays?|"
    r"(mon|tue|wed|thu|fri|sat|sun)\w*)\b|\b24 ?/ ?7\b|"
    r"\bopen(ing)? (hours|times?)\b|\b(office|business) hours\b|\b(what time|when) does (it|the \w+) (open|close)\b|"
    r"(几|幾)点(开门|開門|关门|關門|下班|上班)|(营业|營業|办公|辦公|开放|開放)(时间|時間)|"
    r"(周末|週末|周六|週六|周日|週日|星期六|星期天|禮拜六|礼拜六|晚上|半夜|夜里|夜裡)(也)?(有人|开门|開門|上班|办公|辦公|开|開)|"
    r"(开|開)到(几|幾)点|24\s*(小时|小時)",
    re.IGNORECASE,
)
# "my residence permit expires in 5 days … what should I do?": the days are the case, what to do is
# asked (the steps); "提前多久", "有效期是几年" still ask a time.
WHAT_TO_DO = re.compile(
    r"\bwhat (should|shall|do|can|must) (i|we|he|she|they) do\b|\bwhat to do\b|(怎么|怎麼|咋)(办|辦)(?!理)|该(怎么|咋)做|該怎麼做",
    re.IGNORECASE,
)
# "What exactly do I do to get a visa at the airport": the steps, though "what exactly" often asks what a thing is.
WHAT_TO_DO_TO_GET = re.compile(
    r"\bwhat (exactly )?(do|should|must|shall|would) (i|we|he|she|they) (need to |have to )?do (to|in order to|first|next)\b",
    re.IGNORECASE,
)
EXPIRY_STATE = re.compile(r"\bexpir|\boverstay|\bran out\b|到期|过期|過期|逾期|超期", re.IGNORECASE)
A_TIME_ASKED = re.compile(r"有效期|(几|幾)年|\bvalid|\bvalidity\b|\bexpiry date\b|\bwhen\b|什么时候|什麼時候|何时|何時", re.IGNORECASE)

# "Can I still renew it at my age?", "will he lose his permit then?", "孩子满18了还能续吗": whether the
# person may, though an age or a date reads as a time.
MAY_THE_PERSON = re.compile(
    r"\b(can|could|may) (i|we|he|she|they|my \w+|our \w+|\w+ like (me|us))( still| also)? (use|renew|apply|extend|keep|have)\b|"
    r"\bwill (he|she|i|they|we) (lose|still (be|have|get))\b|(满|滿)\s*\d+.{0,12}(还能|還能)",
    re.IGNORECASE,
)

# Who issues it, Pudong itself or the city ("确认函浦东能自己批吗", "can Pudong issue that letter itself
# now?"): which authority to apply to, "where" in every set's labels.
ISSUED_BY = re.compile(
    r"(谁|誰)(来|來)?(批|审批|審批|签发|簽發)|(浦东|浦東|区里|區裡)(现在|現在)?(能|可以)?(自己|自行|直接)(能|可以)?"
    r"(批|审批|審批|签发|簽發|发|發)|(浦东|浦東)(现在|現在)?(能|可以)(批|审批|審批|签发|簽發)|"
    r"\bwho (approves|issues|grants|signs)\b|\b(can|does|could|will) pudong( now)? (approve|issue|grant|sign)\b|"
    r"\bpudong (can|could) (now )?(approve|issue|grant)\b",
    re.IGNORECASE,
)
# the words of other aspects: "去哪里办 怎么办" asks the steps too, "where, and which documents" the documents.
# Narrower than the aspect keyword tables (data/nlu/aspects.yml) on purpose: the keyword entities in
# their place (round 16) lowered single-question aspect on 10 of 21 sets ("can i get", "能不能" are keywords).
OTHER_ASPECT_WORDS = re.compile(
    r"材料|资料|資料|文件|documents?|papers|多久|几天|幾天|多长时间|how long|条件|條件|requirements?|eligib|"
    r"(怎么|怎麼|如何|咋)(办|辦|报名|報名|申请|申請|弄|操作|注册|註冊|参加|參加)|流程|步骤|步驟|手续|手續|\bhow (do|does|to|can|should)\b|\bsteps?\b|\bprocess\b|zenme|kaishi|开始",
    re.IGNORECASE,
)


# "Who actually gets picked for that?", "who can get that?", "who is that for exactly", "哪些人可以申请":
# who may have or use the thing is its eligibility, whatever word of a place or a step the aspect
# model reads in the description around it. (Who is in charge is the contact topic: not this cue.)
WHO_QUALIFIES = re.compile(
    r"\bwho (actually |exactly |else |all |really )?(gets|can get|could get|may get|qualifies|is eligible|are eligible|can use|"
    r"may use|can apply|may apply|is (it|that|this) (meant )?for|are (they|these|those) for|gets (picked|selected|chosen)|"
    r"is (picked|selected|chosen)|can have)\b|"
    # "who needs a work permit?" opening a question (not "buyers who must come", "who has to recommend me")
    r"(^|[.?!]\s*)\W*who (needs|must have|must get|has to (have|get)|have to (have|get)) (a|an|the|one|it|this|that)\b|"
    r"(哪些人|什么人|什麼人|哪类人|哪類人)(需要|必须|必須|要|得)(办|辦|申请|申請|有|持有)|"
    # "which family members can I bring?": who may come along
    r"\bwhich (family members|relatives|members of (my|the) family|people|persons) (can|may|could) (i|we) (bring|take)\b|"
    r"(谁|誰|哪些人|什么人|什麼人|哪类人|哪類人)(可以|能|才能|有资格|有資格)|(适用|適用)(于|於)?(哪些|什么|什麼)人",
    re.IGNORECASE,
)


# "可以跟我先生的一起办吗", "能跟员工本人一起办吗", "can they apply at the same time as me?": whether a
# family member's permit is applied for along with the holder's asks how it is done (the steps), when
# no age or other condition of the member is told, nor "also" or "still" asked ("大兒子已經20歲了，也能一起辦嗎",
# "他老婆孩子一起来的话，也能一起办证吗" ask who qualifies).
ALONG_WITH_HOLDER = re.compile(
    r"(跟|和|与|與|同)(我|你|他|她|员工|員工|本人|老公|先生|丈夫|太太|老婆)[^，。？?,.!！]{0,8}一起(办|辦|交|递交|遞交|申请|申請)|"
    r"一起(办|辦|交|递交|遞交|申请|申請)[^，。？?,.!！]{0,6}(可以|能|行)?(吗|嗎|么|麼)|"
    r"(能不能|可不可以|能否|可以|能)一起(办|辦|交|递交|遞交|申请|申請)|"
    r"\b(apply|submit|file|do it|be done|applied)\b.{0,20}\b(together with|at the same time as|along with) (me|him|her|my|the)\b",
    re.IGNORECASE,
)
MEMBER_CONDITION = re.compile(
    r"\d+\s*(岁|歲|周岁)|(满|滿)\s*\d+|\b\d{1,2}\s*(yo|y/o|years? old)\b|\b(is|turns?|turned) \d{1,2}\b|"
    r"(今年|已经|已經|都)\s*\d{1,2}|没工作|沒工作|不工作|没结婚|沒結婚|未婚|\bnot married\b|\bno job\b|\bstudying\b|\bstudent\b|"
    r"也能|也可以|还能|還能|还可以|還可以|\b(also|still|too)\b",
    re.IGNORECASE,
)


# "how does she get a family residence permit?", "how the kids get residense permit?", "hw can i get the
# free ofice space": how one gets it is the steps, though the aspect model reads "get" as who may; not
# when the case's figures are told ("how can I get it, I'm 62 with a bachelor's" asks whether one qualifies).
HOW_GET = re.compile(
    r"\b(how|hw|hou) (do|does|can|could|should|would|will|the|to|my|our|his|her|their|they|she|he|we|i)\b( \w+){0,2} (get|obtain|apply for)\b|"
    r"\bhow to (get|obtain)\b",
    re.IGNORECASE,
)
CASE_FIGURES = re.compile(r"\d|\b(bachelor|master|phd|degree|years?|salary|experience)\b", re.IGNORECASE)
NOT_THE_STEPS = re.compile(r"documents?|papers|\bdocs?\b|how long|requirements?|eligib|qualif|conditions?", re.IGNORECASE)


# "工作许可和工作居留许可能不能一起申请？", "gongzuo xuke he juliu xuke neng yiqi ban ma": whether the two
# permits can be done together is what the combined permit is (its overview); with a category or a case
# told ("B类可以吗", "我是A类人才…能一起办吗") it asks who may use it.
BOTH_TOGETHER = re.compile(
    r"一起(办|辦|申请|申請|交|递交|遞交|apply|拿)|同时(办|辦|申请|申請|apply)|同時(辦|申請)|一次(性)?(办|辦|把)|"
    r"\byi ?qi ?(ban|shenqing)\b|\b(together|at the same time|simultaneously|in one go)\b",
    re.IGNORECASE,
)
CATEGORY_OR_CASE = re.compile(
    CATEGORY_NAMED.pattern + r"|我是|我们是|我們是|\b(i'm|i am|we are|we're|my|our)\b|员工|員工|人才|\d", re.IGNORECASE
)


# "1+1+N 分别指的是哪些文件？", "the 1+1+N talent policy, which documents is that?": the documents the
# policies are made of are what the policies are (their overview), not papers to hand in.
POLICY_DOCUMENTS = re.compile(r"(哪些|哪几个|哪幾個|什么|什麼)文件|文件组成|文件組成|\b(which|what) documents? (is|are)\b|\bpolicy documents?\b", re.IGNORECASE)
HAND_IN = re.compile(r"提交|准备|準備|需要|要带|要帶|递交|遞交|申报|申報|\b(submit|prepare|bring|hand in|need|needed|apply)\b", re.IGNORECASE)


# "Can I stay in the free talent apartment at the International Talent Station?", "能去住吗": whether
# one may use a service place is its eligibility, though the aspect model reads its place as "where".
MAY_USE = re.compile(
    r"^\W*((hi|hello|ok|so|and|also)\W+)*(can|could|may) (i|we|he|she|they|foreigners|our \w+|my \w+)\b|"
    r"\b(can|could|may) (i|we|he|she|they|foreigners|our \w+|my \w+) (also |still |just )?(stay|use|live|crash|join|attend|apply|get|rent|book)\b|"
    r"(我|我们|我們|他|她|他们|他們|外国人|外國人)(也)?(能|可以|能不能|可不可以)(去)?(住|用|申请|申請|入驻|入駐|参加|參加)",
    re.IGNORECASE,
)


# The talent policies are documents and programmes, not a place: "where" read from "里的 N", "inside
# the N", "part of that" is what they contain, unless a place, a channel or "where" is asked.
PLACE_OR_CHANNEL = re.compile(
    r"\bwhere\b|online|offline|in person|website|web ?site|\bapp\b|office|counter|window|address|submit|hand in|apply|"
    r"\b(read|find|download)\b|full text|\blink\b|哪里|哪裡|哪儿|在哪|原文|全文|下载|下載|链接|鏈接|网址|網址|"
    r"网上|線上|线上|线下|線下|网站|網站|窗口|柜台|櫃檯|地址|办公|辦公|提交|递交|遞交|申请|申請|报名|報名|现场|現場",
    re.IGNORECASE,
)


# What it costs, asked with or without anything else ("居留许可要交多少钱", "is there a fee for the R visa?",
# "免费吗"): the answer leads with the record's fees, or says its sources list none, whatever the aspect.
# "Free" alone is no such question ("免费住宿", "visa-free"), nor is the money of a case ("how much salary").
FEE_ASKED = re.compile(
    r"费用|費用|收费|收費|手续费|手續費|工本费|工本費|申请费|申請費|签证费|簽證費|证件费|證件費|加急费|加急費|"
    r"[费費](是)?多少|多少钱|多少錢|要钱|要錢|交钱|交錢|付钱|付錢|贵不贵|貴不貴|"
    r"免费(吗|嗎|的吗|的嗎|嘛)|免費(吗|嗎|的嗎|嘛)|是不是免费|是不是免費|收不收钱|收不收錢|"
    r"\b(fees?|price|charges?|free of charge)\b|\bcosts?\b(?! of living)|\bis (it|that|this) free\b|"
    r"\bhow much (does|do|will|would|is|are|should)\b(?![^?.]*\b(salary|income|deposit|money in|days?|time|points?|tax)\b)|"
    r"\b(have|need|got) to pay\b|\bpay (for|anything)\b",
    re.IGNORECASE,
)


# The money of a case, not a price ("存款证明要多少钱" asks the deposit a material must show).
MONEY_OF_A_CASE = re.compile(
    r"存款|存款证明|存款證明|工资|工資|薪|收入|个税|個稅|学费|學費|房租|租金|"
    r"\b(salary|income|deposit|savings|bank balance|tuition|school fees|rent)\b",
    re.IGNORECASE,
)


def fees_asked(text: str) -> bool:
    """Whether a question (not a pasted notice that mentions fees in passing) asks what it costs."""
    text = text or ""
    return len(text) <= MAX_CUED_QUESTION_CHARS and bool(FEE_ASKED.search(text)) and not MONEY_OF_A_CASE.search(text)


def opening_hours_asked(text: str) -> bool:
    """Whether the question asks when the place is open ("is it open at 2am?")."""
    return len(text) <= MAX_CUED_QUESTION_CHARS and bool(OPENING_HOURS.search(text))


# "How long must we have been married?", "结婚要满几年": how long a condition must have held is who
# qualifies, not how long the processing takes.
SPAN_REQUIRED = re.compile(
    r"\bhow (long|many years)\b[^?.]{0,40}\b(married|lived|resided|worked (here|in china|in shanghai|in pudong))\b|"
    r"(结婚|結婚|婚龄|婚齡)[^，,。？?]{0,6}(多久|几年|幾年|多少年|多长时间|多長時間)|(居住|工作)[满滿]?(多久|几年|幾年)才",
    re.IGNORECASE,
)


# Which permit or visa is needed ("what permit do they need?"): the kinds there are, the topic in
# general, not its documents (whose "need" the aspect classifier reads as materials). In Chinese
# "要办什么证" reads as documents to the blind sets' authors too: English only.
WHICH_PERMIT = re.compile(
    r"\b(what|which) (kind of |type of |sort of )?(permit|visa|card|status)s? (do|does|should|would|will|must|can) "
    r"(i|we|they|he|she|my \w+|the \w+|our \w+) (need|get|apply for|use|hold)\b",
    re.IGNORECASE,
)
# "Can I bring my helper?", "能带保姆过来吗": whether the family member (or helper) may come, not their documents.
MAY_BRING = re.compile(
    r"\b(can|could|may) (i|we) (bring|take|have|hire|employ|sponsor)\b|(能|可以|能不能|可不可以)(带|帶|请|請|雇|僱)",
    re.IGNORECASE,
)


def cued_aspect(topic: Optional[str], aspect: Optional[str], text: str) -> Optional[str]:
    """The aspect the question's wording settles, or ``aspect`` when no cue applies."""
    where_asked = bool(WHERE_QUESTION.search(text)) or opening_hours_asked(text)
    other_asked = bool(OTHER_ASPECT_WORDS.search(text))
    if aspect in ("eligibility", "where", "procedure") and IN_PLACE_ASKED.search(text) and not where_asked and not other_asked \
            and not (aspect == "eligibility" and CATEGORY_NAMED.search(text)):
        return None
    if topic in SERVICE_TOPICS and aspect is not None and OFFERINGS.search(text) \
            and not where_asked and not REGISTER_OR_WHO.search(text) and not other_asked:
        return None
    if aspect in ("duration", None, "overview") and len(text) <= MAX_CUED_QUESTION_CHARS and SPAN_REQUIRED.search(text):
        return "eligibility"
    if aspect != "duration" and HOW_LONG_MISSPELT.search(text):
        return "duration"
    if aspect is None and CATEGORY_NAMED.search(text) and not WHAT_IT_IS.search(text) and not DIFFERENCE.search(text) \
            and not MEANING_ASKED.search(text) and not where_asked and not other_asked:
        return "eligibility"  # "is that true for category B too?": whether a category may
    if aspect in (None, "overview") and (PROCESS_MISSPELT.search(text) or WHAT_TO_DO_TO_GET.search(text)):
        return "procedure"
    if aspect in (None, "overview", "eligibility", "where") and HOW_PLAIN.search(text) and not where_asked \
            and not NOT_THE_STEPS.search(text) and not WHO_QUALIFIES.search(text):
        return "procedure"  # "hw to apply work permt for my staf", "how she gets her stay papers"
    if aspect in ("where", "duration", "procedure", "eligibility", "materials") and not other_asked \
            and (WHAT_IT_IS.search(text) or (DIFFERENCE.search(text) and not FIRST_PERSON.search(text))):
        return None
    if aspect in ("where", "procedure") and EXISTS_ASKED.search(text) and not (aspect == "procedure" and A_WAY.search(text)) \
            and not A_PLACE.search(text) and not other_asked and not where_asked:
        return None
    if aspect in ("procedure", "eligibility", None, "overview", "duration") and where_asked and not other_asked:
        return "where"
    if aspect != "where" and len(text) <= MAX_CUED_QUESTION_CHARS and ISSUED_BY.search(text) and not other_asked:
        return "where"  # "那个确认函是谁批的？浦东能自己发吗"
    if aspect == "duration" and WHAT_TO_DO.search(text) and EXPIRY_STATE.search(text) and not HOW_LONG.search(text) \
            and not A_TIME_ASKED.search(text):
        return "procedure"  # "my residence permit expires in 5 days, what should I do?"
    if aspect == "duration" and MAY_THE_PERSON.search(text) and not HOW_LONG.search(text) and not A_TIME_ASKED.search(text):
        return "eligibility"  # "I'm 58 … my work permit expires in June. Can I still renew it at my age?"
    if topic == FAMILY_TOPIC and aspect == "eligibility" and ALONG_WITH_HOLDER.search(text) \
            and not MEMBER_CONDITION.search(text) and not WHO_QUALIFIES.search(text) and not other_asked:
        return "procedure"  # "可以跟我先生的一起办吗"
    if aspect in ("eligibility", None) and HOW_GET.search(text) and not CASE_FIGURES.search(text) and not WHO_QUALIFIES.search(text) \
            and not where_asked and not NOT_THE_STEPS.search(text):
        return "procedure"  # "how does she get a family residence permit?"
    if topic == COMBINED_TOPIC and aspect == "eligibility" and BOTH_TOGETHER.search(text) and not CATEGORY_OR_CASE.search(text) \
            and not WHO_QUALIFIES.search(text) and not other_asked:
        return None  # "工作许可和工作居留许可能不能一起申请？"
    if aspect == "materials" and len(text) <= MAX_CUED_QUESTION_CHARS and WHICH_PERMIT.search(text) and not other_asked:
        return None  # "my kids need to come with me, what permit do they need?"
    if topic == FAMILY_TOPIC and aspect == "materials" and len(text) <= MAX_CUED_QUESTION_CHARS \
            and MAY_BRING.search(text) and not other_asked and len(re.findall(r"[?？]", text)) <= 1:
        return "eligibility"  # "Can I bring my Filipino helper (nanny) to Shanghai?"
    if topic == POLICY_TOPIC and aspect == "materials" and POLICY_DOCUMENTS.search(text) and not HAND_IN.search(text):
        return None  # "1+1+N 分别指的是哪些文件？"
    if topic in SERVICE_TOPICS and aspect == "where" and MAY_USE.search(text) and not where_asked and not other_asked:
        return "eligibility"  # "Can I stay in the free talent apartment at the International Talent Station?"
    if aspect != "eligibility" and topic != CONTACT_TOPIC and WHO_QUALIFIES.search(text) and not where_asked \
            and not other_asked:
        return "eligibility"  # "who actually gets picked for that?"
    if topic == POLICY_TOPIC and aspect == "where" and not where_asked and not PLACE_OR_CHANNEL.search(text):
        return None  # "1+1+N 里的 N 指什么", "is the Pearl Plan part of that?"
    return aspect
