"""Import: validation names file/topic/field, a refused file changes nothing, re-imports
report unchanged topics, history is kept."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from desk.policies import models
from desk.policies.importer import all_records, import_paths
from desk.policies.schema import ImportError_, Note
from tests.conftest import POLICIES


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_seed_policies_cover_every_topic_with_sources(loaded_sessions) -> None:

    with loaded_sessions() as session:
        records = {r.id: r for r in all_records(session)}
    expected = {
        "talent_policy_system", "port_visa", "talent_visa", "work_permit", "work_residence_permit",
        "residence_permit", "permanent_residence", "family_permits", "talent_station", "talent_port",
        "digital_platform", "contact",
    }
    assert expected <= set(records)
    for record in records.values():
        assert record.sources, record.id
        assert any(s.ref.zh.startswith("浦人社提复") for s in record.sources), record.id
        assert len(record.examples.zh) >= 20 and len(record.examples.en) >= 20, record.id
    assert records["digital_platform"].status == "planned"


def test_reimport_reports_unchanged(loaded_sessions) -> None:
    with loaded_sessions() as session:
        report = import_paths(session, [str(POLICIES)], author="test")
    assert report.added == [] and report.changed == []
    assert len(report.unchanged) >= 12


def test_new_topic_is_added_and_versioned(loaded_sessions, policy_file: Path) -> None:
    with loaded_sessions() as session:
        report = import_paths(session, [str(policy_file)], author="alice")
    assert report.added == ["science_talent_residence"]
    with loaded_sessions() as session:
        revision = session.scalars(
            select(models.TopicRevision).where(models.TopicRevision.topic_id == "science_talent_residence")
        ).one()
    assert revision.author == "alice" and revision.version == 1 and revision.action == "added"


@pytest.mark.parametrize(
    "body, message",
    [
        ("topics: [{id: Bad-Id}]", "field 'id'"),
        ("topics:\n  - id: port_visa\n    title: {zh: x}\n", "field 'title.en'"),
        ("topics: not-a-list", "field 'topics'"),
        ("just text", "expected a mapping"),
        ("topics: [{id: x1, title: {zh: a, en: b}, summary: {zh: a, en: b}, sources: []}]", "field 'sources'"),
        ("topics: [{id: x2, title: {zh: a, en: b}, summary: {zh: a, en: b}, status: maybe, sources: [{ref: r, title: t}]}]", "field 'status'"),
        ("topics:\n  - {id: x3\n", "not valid YAML"),
        # a lone surrogate escape is no character: refused by name, not a crash of the database's encoder
        ('topics: [{id: x4, title: {zh: a, en: b}, summary: {zh: a, en: "\\ud800 x"}, sources: [{ref: r, title: t}]}]',
         "topic 'x4': field 'summary.en': contains a lone surrogate"),
        ('topics: [{id: x5, title: {zh: a, en: b}, summary: {zh: a, en: b}, keywords: {zh: [a], en: ["\\udfff"]}, '
         'sources: [{ref: r, title: t}]}]', "field 'keywords.en'"),
        # an alias repeats a node without its bytes: 134 KB of them stored 235 MB
        ("topics:\n  - id: x6\n    title: {zh: a, en: b}\n    summary: {zh: &s long text, en: b}\n"
         "    examples: {zh: [*s, *s, *s], en: [b]}\n    sources: [{ref: r, title: t}]\n", "line 5: YAML aliases (*s)"),
    ],
)
def test_broken_file_is_refused_whole(loaded_sessions, tmp_path: Path, policy_file: Path, body: str, message: str) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(body, encoding="utf-8")
    before = (count(loaded_sessions, models.Topic), count(loaded_sessions, models.TopicRevision))
    with loaded_sessions() as session, pytest.raises(ImportError_) as error:
        import_paths(session, [str(policy_file), str(broken)], author="test")
    assert "broken.yml" in str(error.value) and message in str(error.value)
    after = (count(loaded_sessions, models.Topic), count(loaded_sessions, models.TopicRevision))
    assert after == before  # the valid file given alongside was not imported either


def test_duplicate_topic_across_files_is_refused(loaded_sessions, tmp_path: Path, policy_file: Path) -> None:
    copy = tmp_path / "copy.yml"
    copy.write_text(policy_file.read_text(encoding="utf-8"), encoding="utf-8")
    with loaded_sessions() as session, pytest.raises(ImportError_, match="also defined"):
        import_paths(session, [str(policy_file), str(copy)])


def test_non_utf8_file_is_refused(loaded_sessions, tmp_path: Path) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes("topics: [{id: caf\xe9}]".encode("latin-1"))
    with loaded_sessions() as session, pytest.raises(ImportError_, match="not UTF-8"):
        import_paths(session, [str(path)])


def test_changed_topic_gets_new_version(loaded_sessions, tmp_path: Path) -> None:
    text = (POLICIES / "contact.yml").read_text(encoding="utf-8")
    changed = tmp_path / "contact.yml"
    changed.write_text(text.replace("status: in_force", "status: superseded", 1), encoding="utf-8")
    with loaded_sessions() as session:
        report = import_paths(session, [str(changed)], author="bob")
    assert report.changed == ["contact"]
    with loaded_sessions() as session:
        assert session.get(models.Topic, "contact").version == 2


def test_history_and_revert(loaded_sessions, tmp_path: Path) -> None:
    from desk.policies.importer import history, revert

    text = (POLICIES / "talent_port.yml").read_text(encoding="utf-8")
    changed = tmp_path / "talent_port.yml"
    changed.write_text(text.replace("status: in_force", "status: superseded", 1), encoding="utf-8")
    with loaded_sessions() as session:
        import_paths(session, [str(changed)], author="carol")
    with loaded_sessions() as session:
        assert revert(session, "talent_port", 1, author="dave") == "changed"
    with loaded_sessions() as session:
        versions = [(r.version, r.author, r.action) for r in history(session, "talent_port")]
        assert versions == [(1, "test", "added"), (2, "carol", "changed"), (3, "dave", "reverted")]
        assert session.get(models.Topic, "talent_port").status == "in_force"
        with pytest.raises(ImportError_, match="no version 9"):
            revert(session, "talent_port", 9)


def test_export_round_trips(loaded_sessions, tmp_path: Path, monkeypatch) -> None:
    from desk.admin.cli import main

    out = tmp_path / "export"
    monkeypatch.setenv("DESK_DB_URL", str(loaded_sessions.kw["bind"].url))
    assert main(["policy", "export", str(out)]) == 0
    with loaded_sessions() as session:
        report = import_paths(session, [str(out)], author="test")
    assert report.added == [] and report.changed == [] and len(report.unchanged) >= 12


def test_a_note_names_known_aspects_only() -> None:
    assert Note(zh="a", en="b", aspect=["where", "duration"]).aspect == ["where", "duration"]
    for bad in (["where", "price"], [], "price"):
        with pytest.raises(ValueError):
            Note(zh="a", en="b", aspect=bad)
