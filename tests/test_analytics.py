"""Analytics: one question row per turn written by the tracker store on save, the figures
`desk analytics` computes from them and the feedback table, and its CSV/JSON export."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from desk.admin import analytics, cli
from desk.channels import turnlog
from desk.channels.stores import EnvSQLTrackerStore
from desk.policies import models
from tests.conftest import ROOT


def user(message: str, intent: str, ts: float, channel: str = "hotline") -> UserUttered:
    return UserUttered(message, {"name": intent, "confidence": 0.9}, timestamp=ts, input_channel=channel,
                       parse_data={"intent": {"name": intent, "confidence": 0.9}, "intent_ranking": []})


def bot(ts: float, topic=None, lang="zh", handoff=False, buttons=None) -> BotUttered:
    desk = {"desk": {"language": lang, "topic": topic, "handoff": handoff, "intent": {"name": "x"}}}
    return BotUttered("...", {"custom": desk, "buttons": buttons}, timestamp=ts)


@pytest.fixture
def store_urls(tmp_path, monkeypatch, loaded_sessions, db_url):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    monkeypatch.setenv("DESK_TRACKER_URL", url)
    monkeypatch.setenv("DESK_DB_URL", db_url)
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = EnvSQLTrackerStore(domain=domain, host=url)
    now = time.time()
    tracker = DialogueStateTracker.from_events("call-1", [
        ActionExecuted("action_session_start", timestamp=now - 10), SessionStarted(timestamp=now - 10),
        user("口岸签证要多久", "ask_port_visa", now - 9), ActionExecuted("action_answer", timestamp=now - 9),
        bot(now - 8.96, topic="port_visa"),
        user("how do i open a bank account", "out_of_scope", now - 8, "rest"), bot(now - 7.9, lang="en"),
        user("我想问签证的事", "nlu_fallback", now - 7), bot(now - 6.98, buttons=[{"title": "a", "payload": "/x"}]),
        user("how do i open a bank account", "out_of_scope", now - 6, "rest"), bot(now - 5.95, lang="en", handoff=True),
        user("你好", "greet", now - 5), bot(now - 4.99),
    ], slots=domain.slots)
    asyncio.run(store.save(tracker))
    with loaded_sessions() as session:
        session.add_all([
            models.Feedback(staff_name="lin", sender="call-1", question="q", topic="port_visa", correct=True),
            models.Feedback(staff_name="lin", sender="call-1", question="q", topic="port_visa", correct=False),
        ])
        session.commit()
    return url, db_url


def test_the_store_writes_one_row_per_question(store_urls) -> None:
    engine = create_engine(store_urls[0])
    with engine.connect() as c:
        rows = c.execute(text("SELECT outcome, topic, lang, channel, answer_ms FROM desk_turns ORDER BY ts")).fetchall()
    assert [r[0] for r in rows] == ["answered", "refused", "clarified", "handed off", "small talk"]
    assert rows[0][1:4] == ("port_visa", "zh", "hotline") and 30 <= rows[0][4] <= 50
    assert turnlog.rebuild(engine) == 5  # the same rows derived again from the stored events


def test_figures_and_export(store_urls, capsys) -> None:
    figures = analytics.compute(7)
    assert figures["questions"] == 4  # small talk is not a question
    assert figures["outcomes"]["answered"] == {"count": 1, "share": 0.25}
    assert figures["top_unanswered"][0] == {"question": "how do i open a bank account", "count": 2}
    assert set(figures["per_day"]["channel"]) == {"hotline", "rest"}
    assert figures["feedback"] == [{"topic": "port_visa", "count": 2, "correct": 1, "accuracy": 0.5}]
    assert figures["answer_ms"]["median"] is not None and figures["answer_ms"]["p95"] >= figures["answer_ms"]["median"]
    with pytest.raises(ValueError):
        analytics.compute(0)

    assert cli.main(["analytics", "--format", "json", "--days", "7"]) == 0
    assert json.loads(capsys.readouterr().out)["questions"] == 4
    assert cli.main(["analytics", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["section", "key", "day", "value"]
    assert ["outcome count", "handed off", "", "1"] in rows
    assert cli.main(["analytics", "--days", "0"]) == 1


def test_the_gateways_warm_up_questions_are_not_counted() -> None:
    """The gateway asks a Rasa server it starts three questions; no user asked them."""
    now = time.time()
    events = [user("口岸签证需要什么材料", "ask_port_visa", now).as_dict(), bot(now + 0.1, topic="port_visa").as_dict()]
    assert turnlog.turn_rows(f"hotline:{turnlog.WARM_UP_SENDER}", events) == []
    assert len(turnlog.turn_rows("hotline:call-9", events)) == 1
