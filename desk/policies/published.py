"""Which topics the model being served knows: the topic fingerprints its publish recorded in
var/published.json (desk.admin.publish writes it on every publish, rollback and first start).

Lists of topics shown to users (the greeting, "what can you do", the out-of-scope reply, the
WeChat welcome, the web pages) name only these: a topic an admin has imported but not yet
published is one the bot cannot answer yet, so it is not offered before the publish. With no
record at all (a database used without `make run` or `desk publish`), every topic is listed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from desk import settings
from desk.dialogue.topic_ids import CONTACT_TOPIC
from desk.policies.repository import TopicView

RECORD = "published.json"  # written by desk.admin.publish
# the record's entries that put a model live
SERVING_ACTIONS = ("published", "rolled back", "initial")

_cache: Dict[Path, Tuple[Tuple[float, int], Optional[FrozenSet[str]]]] = {}


def serving_entry(history: Sequence[Any]) -> Optional[Dict[str, Any]]:
    """The record's last publish, rollback or initial entry whose model file still exists: what
    the servers start (desk.admin.publish.published_model) and what the topic lists follow."""
    for entry in reversed(history):
        if isinstance(entry, dict) and entry.get("action") in SERVING_ACTIONS and entry.get("model") \
                and Path(entry["model"]).is_file():
            return entry
    return None


def _read(path: Path) -> Optional[FrozenSet[str]]:
    try:
        history = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    entry = serving_entry(history if isinstance(history, list) else [])
    topics = entry.get("topics") if entry else None
    return frozenset(topics) if isinstance(topics, dict) else None


def live_topic_ids() -> Optional[FrozenSet[str]]:
    """The topic ids the served model was trained on, or None when no publish recorded them.
    Read again only when the record file changes."""
    path = settings.VAR_DIR / RECORD
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (stat.st_mtime, stat.st_size)
    cached = _cache.get(path)
    if cached is None or cached[0] != key:
        cached = (key, _read(path))
        _cache[path] = cached
    return cached[1]


def advertised_titles(topics: Iterable[TopicView]) -> List[Dict[str, str]]:
    """Titles of the topics to offer users: every topic but the contacts, and while a model is
    served, only those it knows; those in force first (a planned platform is no service to lead
    a welcome with: its answers say it is not confirmed)."""
    live = live_topic_ids()
    offered = [t for t in topics if t.id != CONTACT_TOPIC and (live is None or t.id in live)]
    return [t.title for t in sorted(offered, key=lambda t: t.status in ("planned", "superseded"))]
