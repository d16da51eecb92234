"""Knowledge current to 2026-12, cited fact by fact: per-fact sources survive import and
export, freshness (stale report, time limits), planned sub-measure warnings, English source
titles, hand-offs to public lines, and one answer object rendered the same way by every
channel (REST text, WeChat text, hotline JSON)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Dict, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine, inspect

import actions.actions as acts
import desk.policies.repository as repository_module
from desk.admin import cli
from desk.channels.hotline import build_reply
from desk.channels.wechat import REPLY_LIMIT_BYTES, reply_text
from desk.dialogue.answer import compose_answer, compose_topic, handoff_contacts, planned_named
from desk.dialogue.render import (
    body_blocks,
    render_text,
    render_wechat,
    sources_line,
    wechat_pages,
    wechat_sources_line,
)
from desk.dialogue.structured import expand_messages
from desk.policies.db import session_factory
from desk.policies.freshness import stale_facts
from desk.policies.importer import all_records, import_paths, read_policy_file
from desk.policies.repository import PolicyRepository
from desk.policies.schema import ImportError_
from tests.conftest import POLICIES

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef《》“”]")
BRACKETED = re.compile(r"\([^()]*\)|（[^（）]*）")
TODAY = dt.date(2026, 12, 3)


def cjk_outside_brackets(value: str) -> bool:
    previous = None
    while previous != value:
        previous, value = value, BRACKETED.sub("", value)
    return bool(re.search(r"[\u3400-\u9fff]", value))


@pytest.fixture(autouse=True)
def use_test_repository(repository, monkeypatch):
    monkeypatch.setattr(repository_module, "_shared", repository)
    monkeypatch.setenv("DESK_TODAY", TODAY.isoformat())


def turn(text_: str, intent: str, domain, aspect: Optional[str] = None, slots=None):
    latest: Dict[str, Any] = {"text": text_, "intent": {"name": intent, "confidence": 0.9},
                              "intent_ranking": [{"name": intent, "confidence": 0.9}], "entities": []}
    if aspect:
        latest["aspect"] = {"name": aspect, "confidence": 0.9}
    tracker = Tracker("t", slots or {}, latest, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    action = acts.ActionSmallTalk() if not intent.startswith("ask_") else acts.ActionAnswer()
    action.run(dispatcher, tracker, domain)
    return dispatcher.messages


# --- import format ------------------------------------------------------------------------


def test_per_fact_sources_round_trip(loaded_sessions, tmp_path: Path, monkeypatch) -> None:
    with loaded_sessions() as session:
        records = {r.id: r for r in all_records(session)}
    work = records["work_permit"]
    assert work.steps[3].sources == ["wp_card", "kpmg", "cas_qa", "h12333"]
    assert records["talent_policy_system"].duration.valid_until == dt.date(2025, 12, 31) and work.checked == TODAY
    assert records["residence_permit"].planned[0].id == "science_talent_residence_permit"
    kpmg = next(s for s in work.sources if s.id == "kpmg")
    assert kpmg.title.en.startswith("China tax alert") and kpmg.date == "2024-12" and kpmg.url
    # export through the CLI, re-import: nothing changes, every field came back
    db = tmp_path / "policies.db"
    monkeypatch.setenv("DESK_DB_URL", f"sqlite:///{db}")
    with session_factory(f"sqlite:///{db}")() as session:
        import_paths(session, [str(POLICIES)], author="test")
    assert cli.main(["policy", "export", str(tmp_path / "out")]) == 0
    exported = yaml.safe_load((tmp_path / "out" / "work_permit.yml").read_text(encoding="utf-8"))["topics"][0]
    assert exported["steps"][3]["sources"] == ["wp_card", "kpmg", "cas_qa", "h12333"]
    assert exported["sources"][0]["title"] == {"zh": work.sources[0].title.zh, "en": work.sources[0].title.en}
    with loaded_sessions() as session:
        report = import_paths(session, [str(tmp_path / "out")], author="test")
    assert report.changed == [] and len(report.unchanged) == 12


def test_old_format_still_imports_and_bad_citations_are_refused(tmp_path: Path, policy_file: Path) -> None:
    record = read_policy_file(policy_file)[0]  # plain string title, no ids
    assert record.sources[0].id == "s1" and record.sources[0].title.en == "答复"
    base = "topics:\n  - id: x9\n    title: {zh: a, en: b}\n    summary: {zh: a, en: b, sources: [%s]}\n    sources: [{id: s1, ref: r, title: t, date: %s}]\n"
    for cited, date, message in (("nope", "2023-05-09", "unknown source id"), ("s1", "2023-13", "not a valid date"),
                                 ("s1", "May 2023", "must be a date")):
        path = tmp_path / "x.yml"
        path.write_text(base % (cited, date), encoding="utf-8")
        with pytest.raises(ImportError_) as error:
            read_policy_file(path)
        assert message in str(error.value)
    path.write_text(base % ("s1", "2015"), encoding="utf-8")
    assert read_policy_file(path)[0].sources[0].date == "2015"


def test_database_of_the_previous_revision_is_migrated(tmp_path: Path) -> None:
    """A policy database at revision 0001 (no per-fact columns, DATE sources.date) is
    brought to the head by `desk db upgrade` and then imports and serves per-fact sources."""
    from alembic import command

    from desk.migrations import DATABASES, current_revision, head, pending_changes, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = DATABASES["policies"]
    command.upgrade(database.config(url), "0001")
    assert "meta" not in {c["name"] for c in inspect(create_engine(url).connect()).get_columns("steps")}
    upgrade(database, url)
    assert current_revision(database, url) == head(database) and pending_changes(database, url) == []
    with session_factory(url)() as session:
        import_paths(session, [str(POLICIES)], author="test")
    repo = PolicyRepository(session_factory(url), max_age=0)
    assert repo.get("work_permit").fact_meta("steps[3]").sources[0] == "wp_card"


# --- the data -----------------------------------------------------------------------------


def test_every_fact_names_its_sources_and_every_source_is_bilingual(loaded_sessions) -> None:
    with loaded_sessions() as session:
        records = all_records(session)
    for record in records:
        for field, fact in record.facts():
            assert fact.sources, (record.id, field)
        for source in record.sources:
            assert source.title.zh and source.title.en, (record.id, source.id)
            assert not cjk_outside_brackets(source.title.en), (record.id, source.id, source.title.en)
        for contact in record.contacts:
            assert "58601037" not in (contact.phone or ""), record.id
    texts = json.dumps([r.canonical() for r in records], ensure_ascii=False, default=str)
    assert "入境后15日内申领" not in texts and "QR-code" not in texts  # C1: no physical card
    assert "目前有效" not in texts and "it is in force" not in texts  # C4


def test_handoff_leads_with_the_public_lines(repository) -> None:
    assert [c.phone for c in handoff_contacts(repository)[:3]] == ["12345", "12367", "12333"]


def test_stale_report(loaded_sessions, monkeypatch, capsys, db_url) -> None:
    with loaded_sessions() as session:
        records = all_records(session)
    found = {(f.topic, f.field, f.reason) for f in stale_facts(records, today=TODAY)}
    assert ("talent_policy_system", "duration", "ended") in found
    soon = {(f.topic, f.field, f.reason) for f in stale_facts(records, today=dt.date(2025, 12, 20))}
    assert ("talent_policy_system", "duration", "ends_soon") in soon
    assert not [f for f in found if f[2] in ("not_checked", "never_checked")]
    later = {(f.topic, f.reason) for f in stale_facts(records, today=dt.date(2027, 7, 1), months=6)}
    assert ("port_visa", "not_checked") in later
    monkeypatch.setenv("DESK_DB_URL", db_url)
    assert cli.main(["policy", "stale", "--json"]) == 0
    assert any(item["reason"] == "ended" for item in json.loads(capsys.readouterr().out))


# --- answers ------------------------------------------------------------------------------


def test_planned_sub_measure_warning_where_it_is_asked(repository, domain) -> None:
    messages = turn("科技人才居留许可要什么材料", "ask_residence_permit", domain, aspect="materials")
    reply = messages[-1]["text"]
    assert reply.startswith("【外国人居留许可】所需材料") and "⚠ 计划中的措施" in reply and "科技人才居留许可" in reply
    assert "电子社会保障卡" in reply  # C1 in the materials
    plain = turn("居留许可要什么材料", "ask_residence_permit", domain, aspect="materials")[-1]["text"]
    assert "⚠" not in plain
    port = compose_topic(repository.get("port_visa"), "overview", "en")
    assert any("port visa for foreign talent" in w for w in port["warnings"])


def test_answers_cite_exactly_their_facts_sources(repository) -> None:
    answer = compose_topic(repository.get("work_permit"), "procedure", "en", day=TODAY)
    cited = {i for step in answer["steps"] for i in step["sources"]}
    assert {s["id"] for s in answer["sources"]} == cited
    assert len(answer["sources"]) < len(repository.get("work_permit").sources)


def test_english_answers_have_english_source_titles(repository) -> None:
    for topic in repository.all():
        for aspect in ("overview", "materials", "procedure", "eligibility", "where", "duration"):
            answer = compose_topic(topic, aspect, "en", day=TODAY)
            for source in answer["sources"]:
                assert not cjk_outside_brackets(source["line"]), (topic.id, source["line"])
            sources_line = render_text(answer).split("\n")[-1]
            assert not answer["sources"] or not cjk_outside_brackets(sources_line), sources_line


def test_time_limited_facts_say_until_when_and_then_that_they_may_have_ended(repository) -> None:
    plan = repository.get("talent_policy_system")
    before = render_text(compose_topic(plan, "duration", "en", day=dt.date(2025, 6, 1)))
    assert "(runs until 2025-12-31)" in before and "⚠" not in before
    after = compose_topic(plan, "duration", "en", day=TODAY)
    assert after["items"][0]["ended"] and "may have ended; check with" in after["items"][0]["ended_warning"]
    assert "12345" in after["items"][0]["ended_warning"]
    zh_before = render_text(compose_topic(plan, "duration", "zh", day=dt.date(2025, 6, 1)))
    assert "（有效期至2025-12-31）" in zh_before
    # a rule that does not run out (visa-free entry never allows work) carries no date of its own
    visa_free = render_text(compose_topic(repository.get("work_permit"), "eligibility", "en", day=TODAY))
    assert "never allow work" in visa_free and "runs until" not in visa_free


def test_greeting_lists_the_catalogue_including_an_imported_topic(repository, loaded_sessions, policy_file, domain) -> None:
    assert "Foreigner's Work Permit" in turn("hello", "greet", domain)[-1]["text"]
    with loaded_sessions() as session:
        import_paths(session, [str(policy_file)], author="admin")
    assert "Science talent residence permit" in turn("hello", "greet", domain)[-1]["text"]
    assert "科技人才居留许可" in turn("你能做什么", "capabilities", domain)[-1]["text"]


# --- one answer object, every channel -----------------------------------------------------


@pytest.mark.parametrize("question, intent, aspect, lang", [
    ("科技人才居留许可要什么材料", "ask_residence_permit", "materials", "zh"),
    ("what documents for a science talent residence permit", "ask_residence_permit", "materials", "en"),
    ("工作许可需要什么材料", "ask_work_permit", "materials", "zh"),
    ("talent port visa on arrival?", "ask_port_visa", None, "en"),
])
def test_each_channel_renders_the_same_answer_object(repository, domain, question, intent, aspect, lang) -> None:
    messages = turn(question, intent, domain, aspect=aspect)
    decision = messages[-1]["custom"]["desk"]
    assert decision["language"] == lang and len(json.dumps(decision)) < 700
    answer = compose_answer(decision, repository)
    rest_text = messages[-1]["text"]
    assert rest_text == render_text(answer)  # REST: the action's text is the object's rendering
    hotline = build_reply("call", expand_messages(messages, with_other_language=True, repo=repository))
    assert hotline["answer_object"] == answer and hotline["replies"] == [rest_text]
    assert [s["id"] for s in hotline["sources"]] == [s["id"] for s in answer["sources"]]
    assert hotline["answer_other"]["answer_object"]["language"] != lang
    wechat = reply_text([{"text": rest_text}, {"custom": {"desk": decision}}], repository)
    assert len(wechat.encode("utf-8")) <= REPLY_LIMIT_BYTES
    sources_label = "来源：" if lang == "zh" else "Sources: "
    assert wechat.split("\n")[-1].startswith(sources_label) and wechat.split("\n")[0] == answer["heading"]
    for warning in answer["warnings"]:
        assert warning in rest_text and warning in wechat
    if "science" in question or "科技" in question or "talent port" in question:
        assert answer["warnings"], "the planned sub-measure's warning"


def test_wechat_splits_a_single_overlong_block_rather_than_dropping_it(repository) -> None:
    """One block too long for 2048 bytes on its own (a greeting listing a thousand topics): it is
    split between words over the pages, the first with the note and the sources line."""
    answer = compose_topic(repository.get("port_visa"), None, "en")
    answer["items"] = [{**answer["items"][0], "text": "Pudong talent services " * 200}]
    fitted = render_wechat(answer)
    assert len(fitted.encode("utf-8")) <= REPLY_LIMIT_BYTES and "Pudong talent services Pudong" in fitted
    assert fitted.split("\n")[-1] == wechat_sources_line(answer) != ""
    said = " ".join(line for page in wechat_pages(answer) for line in page.split("\n")
                    if set(line.split()) <= {"Pudong", "talent", "services"})
    assert said == ("Pudong talent services " * 200).strip()


def test_wechat_drops_items_never_the_sources_or_warnings(repository) -> None:
    answer = compose_topic(repository.get("residence_permit"), "materials", "zh", planned=["science_talent_residence_permit"])
    answer["materials"] = answer["materials"] * 20
    fitted = render_wechat(answer)
    lines = fitted.split("\n")
    assert len(fitted.encode("utf-8")) <= REPLY_LIMIT_BYTES and len(render_text(answer).encode()) > REPLY_LIMIT_BYTES
    assert lines[0] == answer["heading"] and lines[1] == answer["warnings"][0]
    assert lines[-1].startswith("来源：") and "……" in lines[-2]
    assert all(line.startswith("• ") for line in lines[2:-2])


def test_wechat_pages_carry_every_item_once_with_warnings_and_sources(repository) -> None:
    """A long answer's pages: each within the limit, with the heading (marked continued after the
    first) and the warnings, the sources line on the first and the last; together every item
    once, in order."""
    answer = compose_topic(repository.get("residence_permit"), "materials", "en", planned=["science_talent_residence_permit"])
    answer["materials"] = [{**m, "text": f"{m['text']} #{i}"} for i, m in enumerate(answer["materials"] * 20)]
    pages = wechat_pages(answer)
    assert len(pages) > 2
    items = [line for block in body_blocks(answer) for line in block]
    seen = []
    for number, page in enumerate(pages):
        lines = page.split("\n")
        assert len(page.encode("utf-8")) <= REPLY_LIMIT_BYTES
        assert lines[0] == answer["heading"] + ("" if number == 0 else " (continued)")
        assert lines[1] == answer["warnings"][0]
        last = number == len(pages) - 1
        assert (lines[-1] == wechat_sources_line(answer)) == (number == 0 or last)
        assert ("reply “more”" in page) == (not last)
        seen += [line for line in lines[1 + len(answer["warnings"]):] if line in items]
    assert seen == items
    assert render_wechat(answer) == pages[0]
    short = compose_topic(repository.get("port_visa"), None, "en")
    rest_lines = render_text(short).split("\n")
    assert wechat_pages(short) == ["\n".join(rest_lines)]  # cited as REST cites it
    assert rest_lines[-1] == sources_line(short) == wechat_sources_line(short)


@pytest.mark.parametrize("lang, agent, official", [
    ("en", "“Talent visa: confirmation letter processing time” (Team Relocations), 2018-01-10",
     "(Pudong HR and Social Security Bureau reply No. 30 [2023] (浦人社提复〔2023〕30号)), 2023-05-09"),
    ("zh", "Team Relocations《人才签证：确认函办理时间》（2018-01-10）", "浦人社提复〔2023〕30号《"),
], ids=["en", "zh"])
def test_wechat_sources_say_who_published_them(repository, lang: str, agent: str, official: str) -> None:
    """The blind tester's case: on WeChat the agent's note on the R visa's confirmation letter
    showed only its title and date, and 浦人社提复〔2023〕30号 was missing; the hotline showed both.
    Now WeChat cites each source with its reference (publisher, document number) in the reply's
    language, within the page, on the first page and the last."""
    visa = compose_topic(repository.get("talent_visa"), "duration", lang)
    assert agent in render_wechat(visa).split("\n")[-1] and agent in sources_line(visa)
    contact = compose_topic(repository.get("contact"), None, lang)
    pages = wechat_pages(contact)
    assert all(len(page.encode("utf-8")) <= REPLY_LIMIT_BYTES for page in pages)
    assert official in pages[0].split("\n")[-1] and official in pages[-1].split("\n")[-1]
    many = compose_topic(repository.get("work_permit"), "procedure", lang)  # nine sources: by reference and date
    pages = wechat_pages(many)
    assert all(len(page.encode("utf-8")) <= REPLY_LIMIT_BYTES for page in pages)
    for source in many["sources"]:
        assert source["ref"] in pages[0].split("\n")[-1] and source["ref"] in pages[-1].split("\n")[-1]


def test_a_planned_measure_named_in_other_words_carries_its_warning(repository) -> None:
    port = repository.get("port_visa")
    for question in ("I'm a certified foreign talent. Can I get a talent visa on arrival at Pudong airport?",
                     "我是认定的高端人才，到了浦东机场能落地签吗", "Talent here - port visa possible?"):
        assert planned_named(port, question) == ["talent_port_visa"], question
        answer = compose_topic(port, "eligibility", "en", planned=planned_named(port, question), day=TODAY)
        assert any("planned measure" in w for w in answer["warnings"]), question
    # a part alone is not the measure ("on arrival" without talent, "talent" without the port)
    assert planned_named(port, "Can my colleague get a visa on arrival?") == []
    assert planned_named(repository.get("talent_visa"), "talent visa on arrival?") == []


def test_a_planned_measure_is_warned_about_once(repository) -> None:
    hub = repository.get("talent_port")
    question = "Is there a talent service window at Pudong airport?"
    shown = render_text(compose_topic(hub, "where", "en", planned=planned_named(hub, question), day=TODAY))
    assert shown.count("planned") == 1, shown


def test_the_station_overview_gives_the_figures_it_mentions(repository) -> None:
    for lang, figure in (("en", "14 days"), ("zh", "14天")):
        shown = render_text(compose_topic(repository.get("talent_station"), None, lang, day=TODAY))
        assert figure in shown and "see the dated figures" not in shown
