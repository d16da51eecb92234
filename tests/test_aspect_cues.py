"""Wording that settles a question's aspect once its topic is known (desk.dialogue.aspect_cues)."""

import pytest

from desk.dialogue.aspect_cues import cued_aspect, fees_asked


@pytest.mark.parametrize(
    "topic, guessed, text",
    [
        ("talent_port", "where", "人才港里都有哪些人力资源机构？"),
        ("talent_port", "where", "you shenme huodong ma"),
        ("talent_port", "eligibility", "and the Talent Port - could they help us find local hires?"),
        ("digital_platform", "eligibility", "what can I actually do with it day to day"),
        ("talent_station", "where", "驿站是干啥的"),
        ("talent_port", "where", "平时有什么 events 吗"),
        ("talent_port", "where", "里面有 HR agencies 吗"),
        ("talent_port", "where", "wat kind of events do they run"),
        ("talent_port", "where", "do they organise job fairs or networking events there?"),
        ("talent_port", "eligibility", "does it hold job fiars"),
    ],
)
def test_what_a_service_place_offers_is_its_overview(topic: str, guessed: str, text: str) -> None:
    assert cued_aspect(topic, guessed, text) is None


@pytest.mark.parametrize(
    "topic, guessed, text",
    [
        ("talent_port", "procedure", "人才港的交流活动 怎么报名参加"),
        ("talent_port", "eligibility", "人才港那边的 networking event，外国人也能去参加吗"),
        ("work_permit", "eligibility", "my work permit is a B, can I still renew it?"),
    ],
)
def test_how_to_join_or_who_may_keeps_its_aspect(topic: str, guessed: str, text: str) -> None:
    assert cued_aspect(topic, guessed, text) == guessed


def test_whether_a_measure_is_in_place_is_its_overview() -> None:
    assert cued_aspect("port_visa", "eligibility", "请问口岸签证现在能办了吗？") is None
    assert cued_aspect("digital_platform", "where", "thanks - and is it online already or still planned?") is None
    # "还能办吗" of one's own case asks whether one still qualifies
    assert cued_aspect("family_permits", "eligibility", "大的那个已经成年了还能办吗") == "eligibility"
    # a place asked beside it is still asked
    assert cued_aspect("digital_platform", "where", "那个人才码上线了没呀 哪里download") == "where"


def test_where_asked_as_the_question() -> None:
    assert cued_aspect("permanent_residence", "procedure", "OK, then at least tell me where I submit the application.") == "where"
    assert cued_aspect("talent_visa", "procedure", "ok back to the visa, were do i apply for it") == "where"
    assert cued_aspect("talent_port", "procedure", "那要怎麼去？") == "where"
    # the steps asked beside the place lead
    assert cued_aspect("residence_permit", "procedure", "签证上写着入境后30日内办居留 这个到底要去哪里办 怎么办") == "procedure"
    assert cued_aspect("talent_port", "procedure", "人才港的活动怎么报名？要收费吗？在哪栋楼？") == "procedure"


def test_whether_such_a_thing_exists_is_its_overview() -> None:
    text = "Is there an app or QR-code thing in Pudong where I can handle all the talent services in one place?"
    assert cued_aspect("digital_platform", "where", text) is None
    text = "Is it true Shanghai now has one counter where the work permit and the residence permit are accepted together?"
    assert cued_aspect("work_residence_permit", "where", text) is None
    # a place or a possibility asked is not
    assert cued_aspect("work_residence_permit", "where", "Is there somewhere I can hand in both applications in one go?") == "where"
    assert cued_aspect("talent_port", "where", "is there a desk at Pudong airport for arriving talent") == "where"
    assert cued_aspect("work_residence_permit", "where", "is there one of those counters in Lingang?") == "where"
    assert cued_aspect("port_visa", "procedure", "is there any way to get a visa after the plane lands?") == "procedure"
    # whether a way exists, where the aspect model read "where" from "two separate trips"
    text = "Is there a way to get my right-to-work paper and my stay card in one go, instead of two trips?"
    assert cued_aspect("work_residence_permit", "where", text) is None
    assert cued_aspect("work_residence_permit", "where", "Is there a way to do both in one go, and where do I go for it?") == "where"


def test_when_founded_and_what_kind_of_place_ask_what_it_is() -> None:
    assert cued_aspect("talent_port", "duration", "浦東國際人才港是哪一年成立的？主要做什麼？") is None
    assert cued_aspect("talent_port", "where", "浦东国际人才港是个什么地方？") is None
    assert cued_aspect("talent_port", "where", "人才港最近有没有招聘会或者人才交流活动啊 想去逛逛") is None
    # a rumour checked keeps the aspect of the fact checked
    assert cued_aspect("permanent_residence", "duration", "中国绿卡办下来要多久啊？朋友说要等小半年，真的假的") == "duration"


def test_how_long_or_process_misspelt_or_in_cantonese() -> None:
    assert cued_aspect("work_permit", "procedure", "hi, how log does the work permitt take in shangai?") == "duration"
    assert cued_aspect("residence_permit", "procedure", "how mcuh time to get the residnce permit after i submit everyting?") == "duration"
    assert cued_aspect("work_permit", "materials", "要幾耐先批到") == "duration"
    assert cued_aspect("work_permit", "procedure", "how do I log in to the work permit system?") == "procedure"
    # "process" misspelt
    assert cued_aspect("residence_permit", "overview", "residance permit after Z visa, what is the procces?") == "procedure"
    assert cued_aspect("family_permits", None, "what is the proces for my dependant visa?") == "procedure"


def test_how_it_differs_from_another_is_its_overview() -> None:
    assert cued_aspect("talent_port", "duration", "那人才港呢？跟驿站是一回事吗") is None
    assert cued_aspect("talent_port", "duration", "人才港里都有哪些活动") is None  # the earlier "几天" carried over
    assert cued_aspect("work_permit", "eligibility", "A类 B类 C类 工作许可有什么区别 我硕士毕业三年工作经验算哪类") == "eligibility"


def test_where_asked_misspelt_or_after_a_how_long_question_asks_where() -> None:
    assert cued_aspect("talent_station", None, "whre is it") == "where"
    assert cued_aspect("talent_station", "duration", "whre is it") == "where"  # "how many nights free" - "whre is it"
    assert cued_aspect("residence_permit", "duration", "where and how long does it take") == "duration"
    assert cued_aspect("work_permit", "materials", "无犯罪记录证明要在哪开") == "materials"  # where a document is got


def test_what_the_talent_policies_contain_is_no_place() -> None:
    """"1+1+N 里的 N 指什么", "is the Pearl Plan part of that?": what the policies contain; where to
    apply for one of them is still "where"."""
    for text in ("另外，1+1+N 里的 N 指什么？", "which special policies are inside the N?", "is the Pearl Plan part of that?"):
        assert cued_aspect("talent_policy_system", "where", text) is None, text
    assert cued_aspect("talent_policy_system", "where", "明珠计划在哪里申报，网上可以吗") == "where"
    assert cued_aspect("talent_port", "where", "is the talent port inside the Expo area?") == "where"
    assert cued_aspect("talent_policy_system", "where", "Caller asks where she can read the full text of the opinions") == "where"


def test_who_may_have_it_is_its_eligibility() -> None:
    """"Who actually gets picked for that?" after a description full of places and steps: who may
    have it; who is in charge is still the contact, and "who can get it, and where?" asks where."""
    assert cued_aspect("talent_policy_system", None, "a programme with big funding for top scientists. Who actually gets picked for it?") == "eligibility"
    assert cued_aspect("talent_station", "where", "free flat for founders while they scout for an office. Who is that for exactly?") == "eligibility"
    assert cued_aspect("family_permits", "procedure", "家属的居留许可，哪些人可以申请？") == "eligibility"
    assert cued_aspect("contact", "where", "who can get me an answer about my permit, which office?") == "where"
    assert cued_aspect("talent_visa", None, "who can get it, and where do they apply?") == "where"
    assert cued_aspect("work_permit", "materials", "who can apply and what documents are needed") == "materials"


def test_a_family_permit_along_with_the_holders_asks_the_steps() -> None:
    """"可以跟我先生的一起办吗": how the member's permit goes along with the holder's; told with an age
    or asked "also" or "still", who qualifies."""
    for text in ("可以跟我先生的一起办吗", "那他 wife 的 residence permit 能不能一起交", "my wife and kids, can they apply at the same time as me?"):
        assert cued_aspect("family_permits", "eligibility", text) == "procedure", text
    for text in ("大兒子已經20歲了，也能一起辦嗎", "那他女儿今年20了，还能按家属一起办吗？", "my son is 19, can he apply together with me?"):
        assert cued_aspect("family_permits", "eligibility", text) == "eligibility", text
    assert cued_aspect("permanent_residence", "eligibility", "can my wife apply together with me?") == "eligibility"


def test_how_one_gets_it_is_the_steps() -> None:
    """"how does she get a family residence permit?": the steps, though "get" reads as who may; with
    the case's figures, or asking documents or conditions, not this cue."""
    assert cued_aspect("family_permits", "eligibility", "and my wife would come too - how does she get a family residence permit?") == "procedure"
    assert cued_aspect("talent_station", "eligibility", "hw can i get the free ofice space for my startup in pudong?") == "procedure"
    assert cued_aspect("work_permit", "eligibility", "how can I get a work permit, I'm 62 with a bachelor's?") == "eligibility"
    assert cued_aspect("family_permits", "eligibility", "how does she get one, what are the conditions?") == "eligibility"


def test_whether_both_permits_go_together_is_the_combined_permits_overview() -> None:
    """"工作许可和工作居留许可能不能一起申请？": whether the two can be done together is what the combined
    permit is; with a category or one's own case, who may use it."""
    for text in ("工作许可和工作居留许可能不能一起申请？听说现在有个单一窗口", "gongzuo xuke he juliu xuke neng yiqi ban ma",
                 "work permit 和 residence permit 可以一起办吗？"):
        assert cued_aspect("work_residence_permit", "eligibility", text) is None, text
    for text in ("那A类的可以走单一窗口把居留许可一起办了吗", "Can B-level people also use it, both permits together?",
                 "我是A类人才，刚跳槽到浦东一家公司，工作许可和工作居留能一起办吗"):
        assert cued_aspect("work_residence_permit", "eligibility", text) == "eligibility", text


def test_the_documents_the_policies_are_made_of_are_their_overview() -> None:
    """"1+1+N 分别指的是哪些文件？": the policy documents are what the policies are; what to submit for
    one of them is still its materials."""
    assert cued_aspect("talent_policy_system", "materials", "浦东的“1+1+N”人才政策，具体是哪几个文件组成的？") is None
    assert cued_aspect("talent_policy_system", "materials", "the 1+1+N talent policy, which documents is that?") is None
    assert cued_aspect("talent_policy_system", "materials", "明珠计划申报需要提交哪些文件？") == "materials"


def test_whether_one_may_use_a_service_place_is_its_eligibility() -> None:
    """"Can I stay in the free talent apartment at the International Talent Station?": who may use it,
    though its place reads as "where"; "where can I stay" still asks where."""
    text = "PhD here, flying in to interview. Can I stay in the free talent apartment at the International Talent Station?"
    assert cued_aspect("talent_station", "where", text) == "eligibility"
    assert cued_aspect("talent_station", "where", "人才驿站的免费公寓我们能住吗") == "eligibility"
    assert cued_aspect("talent_station", "where", "where can I stay for free at the talent station?") == "where"
    assert cued_aspect("work_permit", "where", "can I apply at the Pudong office?") == "where"


def test_whether_it_is_in_place_for_a_category_asks_who_may() -> None:
    assert cued_aspect("work_residence_permit", "eligibility", "单一窗口那个，现在B类的也能办了吗？还是只有A类的人才可以") == "eligibility"
    assert cued_aspect("port_visa", "eligibility", "口岸签证现在能办了吗") is None


def test_opening_hours_of_the_place_ask_where() -> None:
    """"is it open at 2am? my flight lands really late": when to go to the place is asked with where to
    go; a pasted notice that happens to list office hours keeps its question's aspect."""
    for text in ("is it open at 2am? my flight lands really late", "open at night? I land 23:40", "周末开门吗",
                 "is the counter open 24/7?", "晚上几点关门", "what are the opening hours", "are they open on saterday?"):
        assert cued_aspect("port_visa", "duration", text) == "where", text
        assert cued_aspect("residence_permit", "procedure", text) == "where", text
    assert cued_aspect("residence_permit", "procedure", "is it open?") == "procedure"
    assert cued_aspect("digital_platform", "procedure", "how do I open an account on the app") == "procedure"
    notice = "以下是公众号上的办事指南，受理地点：出入境管理局，办公时间：周一至周六 9:00-17:00。" + "说明" * 100
    assert cued_aspect("residence_permit", "eligibility", notice + "我这种情况能续签吗") == "eligibility"
    assert cued_aspect("residence_permit", "materials", "办公时间是几点？要带哪些材料") == "materials"


def test_what_to_do_about_an_expiry_asks_the_steps() -> None:
    """"my residence permit expires in 5 days … what should I do?": the days are the case, the steps are
    asked; "提前多久", "有效期是几年" still ask a time."""
    for text in ("My residence permit expires in 5 days and my contract is not signed. What should I do?",
                 "我的 work permit 过期了三天 怎么办 还能补救吗"):
        assert cued_aspect("residence_permit", "duration", text) == "procedure", text
    for text in ("居留许可快到期了，要提前多久去续？怎么办", "永久居留身份证有效期是几年？到期怎么办？",
                 "my permit expires in 5 days, when should I apply?", "what should I do, it takes how long?"):
        assert cued_aspect("residence_permit", "duration", text) == "duration", text


def test_whether_the_person_may_go_on_is_eligibility_though_a_date_is_named() -> None:
    """"I'm 58 … my work permit expires in June. Can I still renew it at my age?": whether they may,
    though the age and the date read as a time; "how long" or "when" still asks a time."""
    for text in ("I'm 58, Jordanian, my work permit expires in June. Can I still renew it at my age?",
                 "Kerem turns 18 in February. Will he lose his permit then?", "孩子明年就满18了，到时候还能续吗？"):
        assert cued_aspect("family_permits", "duration", text) == "eligibility", text
    for text in ("can I renew it, and how long does it take?", "when can I apply to renew it?", "它还能用几年"):
        assert cued_aspect("work_permit", "duration", text) == "duration", text


def test_who_issues_it_pudong_or_the_city_asks_where() -> None:
    """"那个确认函是谁批的？浦东能自己发吗": which authority to apply to; asked with the steps, the steps."""
    for text in ("那个确认函是谁批的？浦东能自己发吗", "R字簽證要的那個高端人才確認函，浦東可以自己審批嗎？",
                 "and can Pudong issue that letter itself now, or does it go to the city?"):
        assert cued_aspect("talent_visa", "procedure", text) == "where", text
        assert cued_aspect("talent_visa", "materials", text) == "where", text
    assert cued_aspect("talent_visa", "procedure", "请问外国高端人才确认函如何申请？浦东新区企业是否可由区里直接审批？") == "procedure"
    assert cued_aspect("talent_visa", "procedure", "how does the company apply for the confirmation letter?") == "procedure"


def test_how_misspelt_or_without_its_do_asks_the_steps() -> None:
    """"hw to apply work permt for my staf", "how my wife can get resdence", "How I apply": the steps;
    with documents, a time or who qualifies asked too, that aspect stays."""
    for text in ("hw to apply work permt for my staf from indonesia?", "how my wife can get resdence as depandent",
                 "How I apply, sir?", "hw to apply portvisa at pudong airprt", "how the kids get residense permit?"):
        for aspect in (None, "eligibility", "where"):
            assert cued_aspect("work_permit", aspect, text) == "procedure", (text, aspect)
    assert cued_aspect("work_permit", "materials", "hw to apply, which documents?") == "materials"
    assert cued_aspect("work_permit", "eligibility", "how I apply and who qualifies?") == "eligibility"
    assert cued_aspect("port_visa", "where", "hw to apply, where is the counter?") == "where"


def test_a_category_named_in_a_general_question_asks_whether_it_may() -> None:
    """"Is that true for category B too?" with no aspect read: whether that category may; "what is
    A类" stays what it is."""
    assert cued_aspect("work_residence_permit", None, "you can do both permits in one go. Is that true for category B too?") \
        == "eligibility"
    assert cued_aspect("work_permit", None, "what is category A?") is None
    assert cued_aspect("work_permit", "overview", "work permit A类 的 green channel 是啥意思") == "overview"


def test_how_one_gets_it_asks_the_steps_when_no_aspect_is_read() -> None:
    assert cued_aspect("family_permits", None, "how does she get one?") == "procedure"
    assert cued_aspect("family_permits", None, "how does she get one? she is 19") is None


@pytest.mark.parametrize(
    "text",
    ["居留许可办下来要多少钱", "费用多少", "永居申請費是多少", "is there a fee for the R visa?", "how much does it cost",
     "How much is the residence permit for 2 years?", "人才驿站住宿免费吗", "do we have to pay anything for the port visa",
     "work permit fees pls", "is it free?"],
)
def test_a_question_about_the_cost_is_seen(text: str) -> None:
    assert fees_asked(text)


@pytest.mark.parametrize(
    "text",
    ["人才驿站有免费住宿吗？在哪", "can I come visa-free and work?", "how much salary do I need for category A",
     "how much time does it take", "what documents do I need", "cost of living in Pudong for a family",
     "How much is the minimum deposit for the spouse route?", "现在能办了吗", "需要存款证明吗？要多少钱",
     "how much is the rent near the talent station"],
)
def test_free_services_salaries_and_other_money_are_not_fee_questions(text: str) -> None:
    assert not fees_asked(text)


def test_how_long_a_condition_must_have_held_is_who_qualifies() -> None:
    from desk.dialogue.aspect_cues import cued_aspect
    for text in ("How long must we have been married?", "how many years do I need to have lived in China?", "结婚要满几年才可以申请"):
        assert cued_aspect("permanent_residence", "duration", text) == "eligibility", text
    assert cued_aspect("permanent_residence", "duration", "how long does the PR application take?") == "duration"


@pytest.mark.parametrize("topic, guessed, text, aspect", [
    ("residence_permit", "materials", "哪些人需要办居留许可？", "eligibility"),
    ("family_permits", "where", "Which family members can I bring? Can I bring a domestic helper?", "eligibility"),
    ("work_permit", "overview", "who needs a work permit?", "eligibility"),
    ("work_permit", "procedure", "how lng", "duration"),
    ("work_permit", "eligibility", "whr 2 apply", "where"),
])
def test_who_must_and_chat_shorthand_settle_the_aspect(topic: str, guessed: str, text: str, aspect: str) -> None:
    """The blind tester's cases: "哪些人需要办" got the documents, "which family members can I
    bring" the place; "how lng" and "whr 2 apply" read as nothing."""
    assert cued_aspect(topic, guessed, text) == aspect


@pytest.mark.parametrize("text, expected", [
    ("my kids need to come with me, what permit do they need?", None),
    ("Can I bring my Filipino helper (nanny) to Shanghai?", "eligibility"),
    ("能带保姆过来吗", "eligibility"),
    ("what documents do they need", "materials"),
    ("can I bring my helper, what papers does she need", "materials"),
    ("Can we bring our nanny? What do we need to provide?", "materials"),  # the documents asked too
])
def test_which_permit_and_whether_someone_may_come_are_not_documents(text: str, expected) -> None:
    """Mystery-shopper run 5: "what permit do they need?" and "Can I bring my helper?" got the
    family's document list; the documents, when they are asked as well, still come."""
    assert cued_aspect("family_permits", "materials", text) == expected
