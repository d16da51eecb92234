"""desk.rasa_compat: the start-up check refuses a Rasa that differs, and each patch does
what it says, against the real Rasa 3.6.21 classes."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Any, List

import jsonschema
import pytest
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from desk import rasa_compat
from desk.channels.stores import EnvSQLTrackerStore, events_after
from tests.conftest import ROOT


def test_the_installed_rasa_passes_the_check() -> None:
    assert rasa_compat.problems() == []
    rasa_compat.check()


def test_another_version_or_a_changed_target_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import rasa
    from rasa.core.actions.action import RemoteAction

    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(rasa_compat.IncompatibleRasa, match="3.7.0"):
        rasa_compat.check()
    monkeypatch.undo()

    def changed(self: Any, result: Any, strict: bool) -> bool:
        return True

    monkeypatch.setattr(RemoteAction, "_validate_action_result", changed)
    assert any("_validate_action_result" in p for p in rasa_compat.problems())
    monkeypatch.delattr(FailSafeTrackerStore, "retrieve_full_tracker")
    assert any("FailSafeTrackerStore.retrieve_full_tracker" in p for p in rasa_compat.problems())


def test_action_result_validation() -> None:
    assert rasa_compat.validate_action_result(None, {"events": [{"event": "slot"}], "responses": [{"text": "x"}]})
    with pytest.raises(jsonschema.ValidationError):
        rasa_compat.validate_action_result(None, {"events": [{"no_event": 1}]})


def test_cached_all_subclasses_sees_a_later_subclass() -> None:
    calls: List[Any] = []

    def walk(cls: Any) -> List[Any]:
        calls.append(cls)
        return list(cls.__subclasses__())

    cached = rasa_compat.cached_all_subclasses(walk)

    class Base:
        pass

    class One(Base):
        pass

    assert cached(Base) == [One] and cached(Base) == [One] and len(calls) == 1

    class Two(Base):
        pass

    assert cached(Base) == [One, Two] and len(calls) == 2


def test_gc_is_frozen_after_the_model_loads() -> None:
    async def load(*_: Any) -> str:
        return "agent"

    try:
        assert asyncio.run(rasa_compat.freezing_gc_after(load)(1, 2)) == "agent"
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


class Broken(InMemoryTrackerStore):
    async def retrieve(self, sender_id: str) -> Any:
        raise OSError("database is locked")

    async def save(self, tracker: DialogueStateTracker) -> None:
        raise OSError("database is locked")


def test_tracker_store_errors_are_raised_not_kept_in_memory(caplog: pytest.LogCaptureFixture) -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = FailSafeTrackerStore(Broken(domain))
    original = (FailSafeTrackerStore.retrieve, FailSafeTrackerStore.save)
    try:
        FailSafeTrackerStore.retrieve = rasa_compat.failsafe_retrieve  # type: ignore[method-assign]
        FailSafeTrackerStore.save = rasa_compat.failsafe_save  # type: ignore[method-assign]
        with pytest.raises(rasa_compat.TrackerStoreError):
            asyncio.run(store.retrieve("hotline:x"))
        tracker = DialogueStateTracker.from_events("hotline:x", [UserUttered("hi")], domain.slots)
        with pytest.raises(rasa_compat.TrackerStoreError):
            asyncio.run(store.save(tracker))
        assert store._fallback_tracker_store is None  # nothing went to an in-memory store
        assert all(len(r.getMessage()) < 300 for r in caplog.records)
    finally:
        FailSafeTrackerStore.retrieve, FailSafeTrackerStore.save = original  # type: ignore[method-assign]


class FakeSio:
    def __init__(self) -> None:
        self.handlers = {"/": {"session_request": "rasa's"}}

    def on(self, event: str, namespace: Any = None) -> Any:
        def register(handler: Any) -> Any:
            self.handlers.setdefault(namespace or "/", {})[event] = handler
            return handler

        return register


def test_socketio_handlers_are_replaced_only_when_rasa_registered_them() -> None:
    sio = FakeSio()
    rasa_compat.replace_socketio_handler(sio, "session_request", None, print)
    assert sio.handlers["/"]["session_request"] is print
    with pytest.raises(rasa_compat.IncompatibleRasa):
        rasa_compat.replace_socketio_handler(sio, "user_uttered", None, print)


def turn_events(n: int) -> List[Event]:
    return [UserUttered(f"q{n}", {"name": "ask_port_visa", "confidence": 0.9}), ActionExecuted("action_answer"),
            BotUttered(f"a{n}"), SlotSet("aspect", f"x{n}"), ActionExecuted("action_listen")]


def test_a_tracker_rebuilt_between_load_and_save_stores_no_duplicates(tmp_path: Path) -> None:
    """Rasa (or a later Rasa) may hand save() a different tracker object than the one
    loaded: the store must still append only the new events."""
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = EnvSQLTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'tracker.db'}")
    for n in range(3):
        loaded = asyncio.run(store.get_or_create_tracker("web:s1"))
        rebuilt = DialogueStateTracker.from_dict("web:s1", [e.as_dict() for e in loaded.events], domain.slots)
        for event in turn_events(n):
            rebuilt.update(event)
        asyncio.run(store.save(rebuilt))
        asyncio.run(store.save(rebuilt))  # saving the same tracker twice adds nothing
    full = asyncio.run(store.retrieve_full_tracker("web:s1"))
    texts = [e.text for e in full.events if isinstance(e, UserUttered)]
    assert texts == ["q0", "q1", "q2"]
    assert len(full.events) == 1 + 3 * 5


def test_events_after_without_the_stored_tail_uses_time() -> None:
    old, new = turn_events(0), turn_events(1)
    for event in new:
        event.timestamp += 10
    stored = old[-1].as_dict()
    assert events_after(old + new, stored) == new
    assert events_after(new, stored) == new  # tail no longer in the tracker: newer ones
    assert events_after(old, None) == old
