"""The SQL tracker store on a real SQLite file: a turn works on a window of the latest
events, while slots, the stored history and the full-tracker API stay complete."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, AllSlotsReset, BotUttered, SlotSet, UserUttered

from desk.channels.stores import WINDOW_EVENTS, EnvSQLTrackerStore
from tests.conftest import ROOT


def one_turn(store: EnvSQLTrackerStore, sender: str, turn: int) -> None:
    """What Rasa's processor does per message: load, append the turn's events, save."""
    tracker = asyncio.run(store.get_or_create_tracker(sender))
    tracker.update(UserUttered(f"question {turn}", {"name": "ask_port_visa", "confidence": 0.9}))
    tracker.update(ActionExecuted("action_answer"))
    tracker.update(BotUttered(f"answer {turn}"))
    if turn == 0:
        tracker.update(SlotSet("language_preference", "en"))  # set once, long before the window
        tracker.update(SlotSet("topic", "port_visa"))
    if turn == 1:
        tracker.update(SlotSet("topic", "talent_visa"))  # its latest value counts, not the first
    tracker.update(SlotSet("aspect", f"aspect-{turn}"))
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))


def test_long_conversation_keeps_slots_and_history_but_loads_a_window(tmp_path: Path) -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = EnvSQLTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'tracker.db'}")
    turns = 60  # 5 events each: 300 events, more than twice the window
    for turn in range(turns):
        one_turn(store, "long", turn)

    windowed = asyncio.run(store.get_or_create_tracker("long"))
    assert len(windowed.events) == WINDOW_EVENTS
    with store.engine.connect() as connection:  # what a turn reads: the window + one row per slot
        read = store._window_events(connection, "long")
    assert WINDOW_EVENTS < len(read) <= WINDOW_EVENTS + len(domain.slots)
    assert windowed.get_slot("language_preference") == "en"
    assert windowed.get_slot("topic") == "talent_visa"
    assert windowed.get_slot("aspect") == f"aspect-{turns - 1}"
    assert windowed.latest_message.text == f"question {turns - 1}"

    full = asyncio.run(store.retrieve_full_tracker("long"))
    users = [e.text for e in full.events if isinstance(e, UserUttered)]
    assert users == [f"question {t}" for t in range(turns)]  # every turn stored once, in order
    assert len(full.events) == 1 + turns * 5 + 3  # action_listen at creation, slots on turns 0-1
    assert full.get_slot("topic") == "talent_visa" and full.get_slot("language_preference") == "en"


def test_a_slot_reset_before_the_window_still_counts(tmp_path: Path) -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = EnvSQLTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'tracker.db'}")
    one_turn(store, "reset", 0)
    tracker = asyncio.run(store.get_or_create_tracker("reset"))
    tracker.update(AllSlotsReset())
    asyncio.run(store.save(tracker))
    for turn in range(2, 40):
        one_turn(store, "reset", turn)
    windowed = asyncio.run(store.get_or_create_tracker("reset"))
    assert windowed.get_slot("language_preference") is None and windowed.get_slot("topic") is None
    assert windowed.get_slot("aspect") == "aspect-39"


def test_saving_twice_stores_nothing_twice(tmp_path: Path) -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = EnvSQLTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'tracker.db'}")
    one_turn(store, "twice", 0)
    tracker = asyncio.run(store.get_or_create_tracker("twice"))
    asyncio.run(store.save(tracker))
    tracker.update(SlotSet("topic", "port_visa"))
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(tracker))
    full = asyncio.run(store.retrieve_full_tracker("twice"))
    assert len(full.events) == 1 + 7 + 1 and full.get_slot("topic") == "port_visa"


def test_a_locked_sqlite_file_fails_the_save_cleanly_without_holding_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite runs on the event loop: while another process holds the write lock, each try
    waits only briefly for it, the loop keeps serving other work between tries, and after the
    patience the save is a TrackerStoreError with nothing half-stored."""
    from desk.channels import stores
    from desk.rasa_compat import TrackerStoreError

    monkeypatch.setattr(stores, "DB_PATIENCE_SECONDS", 1.0)
    path = tmp_path / "tracker.db"
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = EnvSQLTrackerStore(domain=domain, host=f"sqlite:///{path}")
    assert store.inline
    one_turn(store, "locked", 0)
    before = len(asyncio.run(store.retrieve_full_tracker("locked")).events)
    tracker = asyncio.run(store.get_or_create_tracker("locked"))
    tracker.update(UserUttered("a question while the file is locked"))

    holder = sqlite3.connect(str(path))
    holder.execute("BEGIN IMMEDIATE")  # another process writing: the store's write must wait

    async def save_while_ticking() -> float:
        gaps, last = [], time.monotonic()

        async def tick() -> None:
            nonlocal last
            while True:
                await asyncio.sleep(0.01)
                gaps.append(time.monotonic() - last)
                last = time.monotonic()

        ticker = asyncio.ensure_future(tick())
        try:
            with pytest.raises(TrackerStoreError, match="saving locked"):
                await store.save(tracker)
        finally:
            ticker.cancel()
        return max([*gaps, time.monotonic() - last])

    try:
        longest_wait = asyncio.run(save_while_ticking())
    finally:
        holder.rollback()
        holder.close()
    assert longest_wait < 0.5  # the loop ran between tries (each waits at most 50 ms for the lock)
    assert len(asyncio.run(store.retrieve_full_tracker("locked")).events) == before  # nothing stored
    asyncio.run(store.save(tracker))  # once the lock is gone the same turn is stored
    assert len(asyncio.run(store.retrieve_full_tracker("locked")).events) == before + 1
