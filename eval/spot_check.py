"""Print 20 composed answers (both languages, every topic) for a person to read against the
fact sheet: `python -m eval.spot_check [--today YYYY-MM-DD] [--wechat]`.

The answers are composed from the policy database (DESK_DB_URL) by the same function the
channels use (desk.dialogue.answer.compose_answer), with the planned sub-measures a question
names; the topic and aspect are given, so this checks the knowledge, not the classifier.
"""

from __future__ import annotations

import argparse
import os
from typing import List, Optional, Tuple

from desk.dialogue.answer import TODAY_ENV, compose_answer, planned_named
from desk.dialogue.render import render_text, render_wechat
from desk.policies.repository import PolicyRepository

# (question, topic, aspect, language)
QUESTIONS: List[Tuple[str, str, Optional[str], str]] = [
    ("浦东的1+1+N人才政策现在还有效吗？", "talent_policy_system", "duration", "zh"),
    ("What is Pudong's 1+1+N talent policy?", "talent_policy_system", None, "en"),
    ("Can foreign talent get a port visa on arrival in Pudong?", "port_visa", None, "en"),
    ("口岸签证需要什么材料？", "port_visa", "materials", "zh"),
    ("人才签证怎么办理？", "talent_visa", "procedure", "zh"),
    ("How long is the R visa valid?", "talent_visa", "duration", "en"),
    ("工作许可怎么申请？", "work_permit", "procedure", "zh"),
    ("Can I work on visa-free entry?", "work_permit", "eligibility", "en"),
    ("What documents do I need for a work permit?", "work_permit", "materials", "en"),
    ("两证合一现在能办吗？", "work_residence_permit", None, "zh"),
    ("How do I use the single window for work and residence permits?", "work_residence_permit", "procedure", "en"),
    ("科技人才居留许可要什么材料", "residence_permit", "materials", "zh"),
    ("Where do I apply for a residence permit?", "residence_permit", "where", "en"),
    ("60岁以上的外国人能申请永久居留吗？", "permanent_residence", "eligibility", "zh"),
    ("Where do I apply for permanent residence?", "permanent_residence", "where", "en"),
    ("Can my adult children get a family residence permit?", "family_permits", None, "en"),
    ("国际人才驿站可以免费住几天？", "talent_station", "duration", "zh"),
    ("Where is the Pudong International Talent Port?", "talent_port", "where", "en"),
    ("人才服务数字化平台上线了吗？", "digital_platform", None, "zh"),
    ("Who can I call for help?", "contact", None, "en"),
]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", help="pin today's date (ISO), e.g. 2026-12-03")
    parser.add_argument("--wechat", action="store_true", help="render as WeChat text (2048 bytes)")
    args = parser.parse_args(argv)
    if args.today:
        os.environ[TODAY_ENV] = args.today
    repo = PolicyRepository()
    for number, (question, topic_id, aspect, lang) in enumerate(QUESTIONS, 1):
        topic = repo.get(topic_id)
        if topic is None:
            print(f"## {number}. {question}\n(topic {topic_id} is not in the database)\n")
            continue
        decision = {"language": lang, "topic": topic_id, "aspect": aspect, "planned": planned_named(topic, question)}
        answer = compose_answer(decision, repo)
        shown = render_wechat(answer) if args.wechat else render_text(answer)
        print(f"## {number}. {question}  [{topic_id} / {aspect or 'overview'} / {lang}]\n{shown}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
