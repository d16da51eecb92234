"""Long pasted messages are read as the question inside them (desk.nlu.focus)."""

import pytest

from desk.nlu.focus import FOCUS_MAX_CHARS, focus


def test_short_messages_are_left_alone() -> None:
    assert focus("口岸签证要什么材料？") == "口岸签证要什么材料？"


def test_the_question_of_a_pasted_mail_is_kept_and_the_rest_dropped() -> None:
    mail = (
        "Dear team,\n\nThank you for the meeting on Monday. " + "Our office moved to a new floor last week. " * 40
        + "\nCould you tell me which documents the residence permit renewal needs?\n\nBest regards,\nAnna"
    )
    excerpt = focus(mail)
    assert "residence permit renewal" in excerpt and excerpt.count("new floor") <= 1
    assert len(excerpt) <= FOCUS_MAX_CHARS


def test_chinese_mail_and_very_long_text() -> None:
    mail = "各位好，" + "我们公司今年新招了几位外籍员工，行政同事在整理入职资料。" * 30 + "请问工作许可一般要多久能批下来？谢谢"
    assert "工作许可一般要多久" in focus(mail)
    assert len(focus("问" * 10_000)) <= FOCUS_MAX_CHARS
    assert len(focus("x " * 5_000)) <= FOCUS_MAX_CHARS


def test_a_message_of_blank_lines_or_one_long_run_is_read_in_linear_time() -> None:
    """The subject-line pattern once took ~2 s of CPU on 10,000 newlines (quadratic '^\\s*')."""
    import time

    for text in ("\n" * 10_000, "a\n" * 5_000, "1" * 10_000, " " * 10_000, "Subject:\n" * 1_000,
                 "【关于" * 3_000, "【关于通知\n" * 1_500):
        started = time.process_time()
        focus(text)
        assert time.process_time() - started < 0.5, repr(text[:10])
    assert "work permit" in focus("Subject: work permit renewal\n" + "Some context line.\n" * 200 + "What do we need?")


def test_a_forwarded_notices_title_is_read_with_the_question() -> None:
    notice = ("转发一段通知，麻烦帮忙看看：\n\n【关于开展2025年度“明珠计划”菁英人才申报工作的通知】\n各有关单位：\n"
              + "一、申报条件……具有硕士及以上学位；\n" * 20 + "我们也在考虑给他申请永居，不过那个等以后再说。像他这种外籍的能报吗？")
    excerpt = focus(notice)
    assert excerpt.startswith("关于开展2025年度“明珠计划”菁英人才申报工作的通知") and "能报吗" in excerpt


def test_mail_headers_are_dropped_and_a_summing_up_sentence_is_read() -> None:
    mail = ("---------- Forwarded message ---------\nFrom: Katrin Bauer\nDate: Tue, 14 May\nSubject: Onboarding\n\n"
            "Dear all,\n\n" + "We met the candidate twice and the board approved the offer last week. " * 12
            + "\nCan you check the flights? Can you book the hotel? Can you order the laptop?\n"
            "总的来说，就是想确认一下：工作许可申请到底需要哪些材料，别再被退了。\n")
    excerpt = focus(mail)
    assert "From:" not in excerpt and "Forwarded" not in excerpt
    assert "工作许可申请到底需要哪些材料" in excerpt


def test_the_sentence_naming_what_this_question_points_at_is_read() -> None:
    mail = ("Olá! Good evening. " + "We build drones for farms and have pilot clients in Brazil. " * 6
            + "Last month someone from Pudong told us about an international talent station that gives "
            "foreign talents some days of free apartment. " + "Our budget is small and we come in October. " * 4
            + "So my question is: how do we apply to this, to whom we must write?")
    assert "talent station" in focus(mail)


def test_a_question_about_this_visa_names_no_visa_itself() -> None:
    mail = ("Hi, pasting the email from our headhunter below. " + "The candidate has 90 papers and 14 patents. " * 8
            + "He asked whether he would qualify for the Chinese talent visa with multiple entries. "
            + "His contract starts in May. " * 4 + "Could your HR team advise what the employer must do to get this visa started?")
    assert "talent visa" in focus(mail)


def test_what_we_mainly_want_to_know_is_read_before_the_cases_background() -> None:
    """"我们主要想知道：…" sums the question up; the permits the case mentions in passing (永久居留,
    人才签证) are background."""
    mail = ("各位好，我把员工的邮件转过来：" + "我2021年入境，公司帮我办了工作许可，后来续期也很顺利。" * 14
            + "另外我们明年可能会考虑申请永久居留，还有人说可以试试人才签证。照片要自己拍还是现场拍？旧护照要不要带？\n\n"
            "我们主要想知道：员工换了新护照以后，把居留许可转到新护照上需要准备哪些材料。谢谢！")
    assert "居留许可转到新护照上需要准备哪些材料" in focus(mail)


def test_a_question_to_your_bureau_names_the_desks_subject() -> None:
    """"贵局的通讯地址是哪里？": a question to the bureau itself, so the letter's praise of talent
    policies is not read as what it asks about."""
    mail = ("致浦东新区人力资源和社会保障局：\n\n" + "公司也关注到浦东近年来陆续出台的“1+1+N”人才政策体系和明珠计划，部分员工已在准备申报材料。" * 8
            + "\n\n考虑到材料中含有公司内部数据，我们希望以挂号信方式寄送，避免遗失。"
            + "\n\n请问：我们如以纸质信函方式寄送建议材料，贵局的通讯地址是哪里？收件部门应如何填写？")
    assert "人才政策体系" not in focus(mail) and "贵局的通讯地址" in focus(mail)


def test_a_question_that_names_its_subject_leaves_the_sentence_before_it_out() -> None:
    """The sentence before a question is read for what its "it" points at; a question that names
    its own permit needs none, so an aside just before it ("bring his wife next year, that can
    wait") does not make the question the family's."""
    mail = ("Hi,\n\nI'm writing on behalf of our colleague. " + "His work permit came through quite smoothly. " * 8
            + "He also plans to bring his wife next year but that can wait. Could you please give us the list of "
            "documents he needs for a 1-year work-type residence permit?\n\nMany thanks")
    assert "residence permit" in focus(mail) and "wife" not in focus(mail)
    pointing = ("Hi,\n\n" + "We hired an engineer from Lagos last month. " * 8
                + "Our agent says he should extend his residence permit. How do we do that?")
    assert "extend his residence permit" in focus(pointing)


def test_a_sentence_the_writer_sets_aside_for_later_is_not_read() -> None:
    """"德国同事的太太也要办居留……不过这个我们之后再问", "等他回来再说吧": set aside by the writer, so
    the family's residence permit it names does not decide what the paste asks."""
    mail = ("各位老师好，下面是园区转发的通知。" + "浦东新区正积极探索建设人才服务数字化平台，推动人才服务一码集成。" * 14
            + "另外德国同事的太太也要办居留，不过这个我们之后再问。请问外籍员工要怎么注册、怎么使用这个平台？")
    assert "太太" not in focus(mail) and "怎么注册" in focus(mail)
    mail = ("Hi team, " + "Our engineer joined in January and his work permit came through. " * 8
            + "His wife may join him next year, but that can wait. What documents does he need for his residence permit?")
    assert "wife" not in focus(mail)


@pytest.mark.parametrize("pasted, read", [
    ("<p>How do I apply for a work permit?</p>", "How do I apply for a work permit?"),
    ("<div>工作许可怎么办理？</div>", "工作许可怎么办理？"),
    ("<p>Hello,</p><p>how long does the R visa take?</p><br/>", "Hello, how long does the R visa take?"),
    ("<p>what&#39;s the fee for a work permit?</p>", "what's the fee for a work permit?"),
])
def test_a_question_pasted_with_formatting_is_read_without_it(pasted: str, read: str) -> None:
    assert focus(pasted) == read


@pytest.mark.parametrize("fragment", [
    "<span>work permit</span>",  # a tag and a domain word: no question
    "<h1>Work Permit Application</h1>",
    '<script>alert("how do I get a work permit?")</script>',  # code, not formatting
    '<p onclick="x()">how do I get a work permit?</p>',
    "<p>Work Permit</p><p>Residence Permit</p> 这段 HTML 怎么让两个 p 显示在同一行？",  # about the markup
    "<p>how do I make <b>work permit</b> bold?</p>",
    '<div class="visa-form"><input name="passport"></div> why is my input box not showing?',
])
def test_markup_that_is_no_formatted_question_is_left_as_it_is(fragment: str) -> None:
    assert focus(fragment) == fragment
