"""A gateway that follows the published model (several gateways, one shared models volume)
swaps when the record changes to another model, and never back to the previous record while a
publish has swapped but not yet recorded. Unit test: the swap itself is tested end to end in
tests/test_replicas.py and tests/test_publish.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import List, Optional

from desk.gateway import server
from desk.gateway.server import Gateway


def test_follows_changes_of_the_record_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(server, "FOLLOW_SECONDS", 0.01)
    old, new, later = (tmp_path / f"{n}.tar.gz" for n in ("old", "new", "later"))
    for model in (old, new, later):
        model.write_bytes(b"model")
    gateway = Gateway("endpoints.yml", tmp_path, {})
    gateway.model = str(old.resolve())
    swapped: List[str] = []

    async def fake_swap(model: str) -> dict:
        swapped.append(model)
        gateway.model = model
        return {}

    gateway.swap = fake_swap  # type: ignore[method-assign]
    # what the record says on each poll: a local publish has already swapped to `new` while the
    # record still names `old`; then it records `new`; later another gateway publishes `later`
    records: List[Optional[Path]] = [old, old, old, new, new, later, later, later]
    polls = [0]

    def published() -> Optional[Path]:
        polls[0] += 1
        if polls[0] == 2:
            gateway.model = str(new.resolve())  # the local publish's swap, before its record
        return records.pop(0) if len(records) > 1 else records[0]

    async def run() -> None:
        task = asyncio.create_task(gateway.follow_published(published))
        while records != [later]:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        task.cancel()

    asyncio.run(run())
    assert swapped == [str(later.resolve())]


def test_publish_without_a_gateway_records_for_the_followers(tmp_path: Path, monkeypatch) -> None:
    """DESK_GATEWAY_URL=follow (containers): the live model is the record's, and a swap is the
    record written after it, which every `desk serve rasa --follow-published` picks up."""
    from desk import settings
    from desk.admin import publish

    monkeypatch.setenv("DESK_GATEWAY_URL", "follow")
    monkeypatch.setattr(settings, "VAR_DIR", tmp_path)
    live, candidate = tmp_path / "live.tar.gz", tmp_path / "candidate.tar.gz"
    live.write_bytes(b"m")
    candidate.write_bytes(b"m")
    publish.record({"action": "published", "model": str(live)})
    assert publish.live_model() == str(live)
    assert publish.swap(candidate)["model"] == str(candidate.resolve())
    publish.record({"action": "published", "model": str(candidate)})
    assert publish.published_model() == candidate
