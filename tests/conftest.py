"""Shared fixtures: a real SQLite policy database loaded from data/policies, and the domain."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator

# The tests never read the checkout's own var/ (a `make run` leaves its publish record, tracker
# and secrets there, and the topic lists follow that record): a fresh one for the whole run,
# set before any desk module reads the setting.
os.environ["DESK_VAR_DIR"] = tempfile.mkdtemp(prefix="desk-test-var-")

import pytest  # noqa: E402
import yaml  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from desk.policies.db import session_factory  # noqa: E402
from desk.policies.importer import import_paths  # noqa: E402
from desk.policies.repository import PolicyRepository  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "data" / "policies"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'policies.db'}"


@pytest.fixture
def sessions(db_url: str) -> sessionmaker:
    return session_factory(db_url)


@pytest.fixture
def loaded_sessions(sessions: sessionmaker) -> sessionmaker:
    with sessions() as session:
        import_paths(session, [str(POLICIES)], author="test")
    return sessions


@pytest.fixture
def repository(loaded_sessions: sessionmaker) -> PolicyRepository:
    return PolicyRepository(loaded_sessions, max_age=0)


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def policy_file(tmp_path: Path) -> Iterator[Path]:
    """A valid single-topic import file an admin might write."""
    path = tmp_path / "science_talent.yml"
    path.write_text(
        """
topics:
  - id: science_talent_residence
    title: {zh: "科技人才居留许可", en: "Science talent residence permit"}
    status: planned
    summary: {zh: "正在探索的措施。", en: "A measure being explored."}
    sources:
      - {ref: "浦人社提复〔2023〕30号", title: "答复", date: 2023-05-09, url: null}
    examples:
      zh: ["科技人才居留许可是什么"]
      en: ["what is the science talent residence permit"]
    keywords:
      zh: ["科技人才居留许可"]
      en: ["science talent residence permit"]
""",
        encoding="utf-8",
    )
    yield path
