"""`desk draft` on the seed document: one candidate per section, existing topics proposed,
source from the header, and a draft that cannot be imported before it is completed."""

from pathlib import Path

import pytest
import yaml

from desk.admin.draft import draft, parse_document
from desk.policies.importer import all_records, import_paths
from desk.policies.schema import ImportError_

# the shared folder sits next to the repository (as in CI)
SEED = Path(__file__).resolve().parents[2] / "shared" / "sources" / "pudong-hrss-reply-2023-30.txt"


@pytest.fixture
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip("seed document not found next to the repository")
    return SEED.read_text(encoding="utf-8")


def test_document_header_and_sections(seed_text: str) -> None:
    document = parse_document(seed_text)
    assert document.ref == "浦人社提复〔2023〕30号"
    assert document.date.isoformat() == "2023-05-09"
    assert "第075号提案的答复" in document.title
    assert [s.number for s in document.sections] == ["一", "二", "三", "四", "五", "六"]
    assert all(s.body for s in document.sections)


def test_draft_proposes_existing_topics_and_refuses_import(seed_text, loaded_sessions, tmp_path) -> None:
    with loaded_sessions() as session:
        keywords = {r.id: [*r.keywords.zh, *r.keywords.en, r.title.zh] for r in all_records(session)}
    body = draft(seed_text, keywords)
    records = yaml.safe_load(body)["topics"]
    ids = [r["id"] for r in records]
    assert len(records) == 6
    assert ids[0] == "talent_policy_system" and "talent_port" in ids and "talent_station" in ids
    assert all(r["sources"][0]["ref"] == "浦人社提复〔2023〕30号" for r in records)
    assert all(r["examples"]["zh"] and r["keywords"]["zh"] for r in records)
    path = tmp_path / "draft.yml"
    path.write_text(body, encoding="utf-8")
    with loaded_sessions() as session, pytest.raises(ImportError_, match="TODO"):
        import_paths(session, [str(path)])
