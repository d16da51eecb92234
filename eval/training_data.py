"""Read the assistant's NLU training examples (hand-written + generated) as (text, intent)
pairs, for the baseline and for checks; the held-out questions are never among them."""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import yaml

from desk import settings

ROOT = settings.PROJECT_ROOT
NLU_SOURCES = [ROOT / "data" / "nlu", ROOT / "build" / "data"]


def _files() -> List[Path]:
    files: List[Path] = []
    for source in NLU_SOURCES:
        files.extend(sorted(source.glob("*.yml")) if source.is_dir() else [source])
    return files


def examples() -> List[Tuple[str, str]]:
    pairs: List[Tuple[str, str]] = []
    for path in _files():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []) or []:
            if "intent" not in block:
                continue
            items = block.get("examples") or []
            if isinstance(items, str):
                texts = [ln.strip()[2:].strip() for ln in items.splitlines() if ln.strip().startswith("- ")]
            else:
                texts = [str(item["text"]).strip() for item in items]
            pairs.extend((text, block["intent"]) for text in texts)
    return pairs


def heldout(path: Path = ROOT / "eval" / "heldout.yml") -> List[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
