"""Topic lists shown to users name only the topics the served model knows: a topic imported but
not yet published is not offered (the bot could not answer it yet). Unit test over a publish
record; the publish itself is exercised in test_publish.py."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from desk import settings
from desk.dialogue.answer import compose_message
from desk.policies import published
from desk.policies.published import advertised_titles, live_topic_ids


def topic(topic_id: str, status: str = "in_force") -> SimpleNamespace:
    return SimpleNamespace(id=topic_id, title={"zh": topic_id, "en": topic_id}, status=status)


def record(var: Path, *entries: dict) -> None:
    (var / "published.json").write_text(json.dumps(list(entries)), encoding="utf-8")


def test_only_the_served_models_topics_are_offered(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(settings, "VAR_DIR", tmp_path)
    published._cache.clear()
    catalogue = [topic("port_visa"), topic("contact"), topic("imported_yesterday")]
    assert live_topic_ids() is None  # nothing recorded: every topic but the contacts
    assert [t["en"] for t in advertised_titles(catalogue)] == ["port_visa", "imported_yesterday"]
    # a planned topic comes after those in force, whatever the catalogue's order
    planned_first = [topic("digital_platform", "planned"), topic("port_visa")]
    assert [t["en"] for t in advertised_titles(planned_first)] == ["port_visa", "digital_platform"]

    old, new = tmp_path / "old.tar.gz", tmp_path / "new.tar.gz"
    old.write_bytes(b"model")
    record(tmp_path, {"action": "initial", "model": str(old), "topics": {"port_visa": "f1", "contact": "f2"}},
           {"action": "refused", "model": str(new), "topics": {"imported_yesterday": "f3"}})
    assert [t["en"] for t in advertised_titles(catalogue)] == ["port_visa"]  # imported, not published

    new.write_bytes(b"model")
    record(tmp_path, {"action": "initial", "model": str(old), "topics": {"port_visa": "f1"}},
           {"action": "published", "model": str(new), "topics": {"port_visa": "f1", "imported_yesterday": "f3"}})
    assert [t["en"] for t in advertised_titles(catalogue)] == ["port_visa", "imported_yesterday"]


def test_the_greeting_lists_what_the_bot_can_answer(repository, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(settings, "VAR_DIR", tmp_path)
    published._cache.clear()
    model = tmp_path / "m.tar.gz"
    model.write_bytes(b"model")
    record(tmp_path, {"action": "published", "model": str(model), "topics": {"port_visa": "f", "talent_visa": "f"}})
    greeting = " ".join(compose_message(["greet"], "en", repository, handoff=False)["paragraphs"])
    short = {t: repository.get(t).title["en"].split(" (")[0] for t in ("port_visa", "talent_visa", "work_permit")}
    assert short["port_visa"] in greeting and short["talent_visa"] in greeting
    assert short["work_permit"] not in greeting  # in the database, not in the served model
