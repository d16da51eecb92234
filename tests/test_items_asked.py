"""Which document or step of a topic a question asks about (desk.dialogue.items_asked), and the
answer that leads with it, on the real seed policies."""

import pytest

from desk.dialogue.answer import compose_topic
from desk.dialogue.items_asked import items_asked
from desk.dialogue.render import render_text


@pytest.mark.parametrize("topic, question, name", [
    ("work_permit", "無犯罪記錄證明的有效期多久", "Certificate of no criminal record"),
    ("work_permit", "how long is the police certificate valid", "Certificate of no criminal record"),
    ("work_permit", "the health certificate, how old can it be?", "Health certificate"),
    ("work_permit", "does my degree need an apostille?", "Highest degree certificate"),
    ("work_permit", "学历认证要多久", "Highest degree certificate"),
    ("residence_permit", "Do kids need a health check?", "Health certificate"),
    ("residence_permit", "体检证明小孩要吗", "Health certificate"),
    ("residence_permit", "what was the second document again?", "Application form"),
    ("residence_permit", "第二个材料是什么", "Application form"),
    ("port_visa", "M visa at the port - do we need a business licence", "business licence"),
])
def test_a_question_about_one_document_names_it(repository, topic: str, question: str, name: str) -> None:
    keys = items_asked(repository.get(topic), question)
    assert keys and keys[0].startswith("materials[")
    assert name in repository.get(topic).materials[int(keys[0][10:-1])].name["en"]


@pytest.mark.parametrize("topic, question", [
    ("work_permit", "what documents do I need for the work permit"),
    ("work_permit", "工作许可需要什么材料"),
    ("work_permit", "工作许可证有效期多长"),
    ("residence_permit", "居留许可怎么办"),
    ("residence_permit", "how much does it cost"),
    ("port_visa", "can I get a visa on arrival at Pudong airport?"),
    ("port_visa", "landing visa for an urgent business meeting next week, am i eligible"),
    ("talent_visa", "确认函审批一般几天"),
    ("permanent_residence", "永居证有效期几年"),
    ("work_permit", "and the 20th document?"),  # no such place in the list
])
def test_a_question_about_the_topic_names_no_document(repository, topic: str, question: str) -> None:
    assert items_asked(repository.get(topic), question) == []


def test_the_answer_leads_with_the_document_and_the_step_that_says_more(repository) -> None:
    """"Do kids need a health check?" got the family's document list, and the residence permit's
    list never said who is exempt: now the answer leads with the health certificate and its step."""
    permit = repository.get("residence_permit")
    answer = compose_topic(permit, "materials", "en", focus=items_asked(permit, "Do kids need a health check?"))
    lead = [item["text"] for item in answer["items"]]
    assert lead[0].startswith("About “Health certificate") and "under 18 or over 70 exempt" in lead[1]
    assert render_text(answer).index("About “Health") < render_text(answer).index("• Original passport")
    criminal = compose_topic(repository.get("work_permit"), "duration", "zh",
                             focus=items_asked(repository.get("work_permit"), "無犯罪記錄證明的有效期多久"))
    assert criminal["items"][0]["text"].startswith("关于「无犯罪记录证明") and "6个月内有效" in criminal["items"][0]["text"]
    assert criminal["sources"], "the lead cites its sources"
    assert compose_topic(permit, "materials", "en", focus=["materials[99]", "steps[x]"])["items"] == []  # stale keys
