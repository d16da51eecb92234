"""Import: validation names file/topic/field, a refused file changes nothing, re-imports
report unchanged topics, history is kept."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from desk.policies import models
from desk.policies.importer import all_records, import_paths
from desk.policies.schema import (
    MAX_EXAMPLE_CHARS,
    MAX_EXAMPLES,
    MAX_ITEMS,
    MAX_KEYWORD_CHARS,
    MAX_KEYWORDS,
    MAX_TEXT,
    MAX_TITLE,
    ImportError_,
    Note,
)
from tests.conftest import POLICIES


def entries(count: int, text: str, numbered: bool = True) -> str:
    """``count`` YAML flow-list entries: text0, text1, ... (or ``text`` each time)."""
    return ", ".join(f"{text}{i}" if numbered else text for i in range(count))


def topic(extra: str = "", source: str = "", title: str = "b", summary: str = "b") -> str:
    """A one-topic file (id x9), valid unless ``extra`` (more fields of the topic), ``source``
    (more fields of its source), ``title`` or ``summary`` (their English text) break it."""
    fields = f"\n    {extra}" if extra else ""
    return (f"topics:\n  - id: x9\n    title: {{zh: a, en: '{title}'}}\n    summary: {{zh: a, en: '{summary}'}}{fields}\n"
            f"    sources: [{{ref: r, title: t{', ' + source if source else ''}}}]\n")


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
        # an impossible date crashed PyYAML's timestamp constructor (a traceback, a 503 on the console)
        (topic("effective_from: 2027-02-30"), "topic 'x9': field 'effective_from': '2027-02-30' is not a valid date"),
        (topic("checked: 2024-13-45"), "topic 'x9': field 'checked': '2024-13-45' is not a valid date"),
        (topic(source="date: 2024-13-45"), "topic 'x9': field 'sources[0].date': '2024-13-45' is not a valid date"),
        (topic("steps: [{zh: a, en: b, valid_until: 2026-02-29}]"), "field 'steps[0].valid_until'"),
        (topic("checked: 2024"), "field 'checked': must be a date"),  # pydantic read 2024 as seconds since 1970
        # nesting too deep for libyaml made the pure-Python loader overflow the stack
        pytest.param("topics: " + "[" * 2000 + "]" * 2000, "not valid YAML", id="deep-nesting"),
        # links are http(s) only: the pages show them as links
        (topic(source="url: 'javascript:alert(1)'"), "field 'sources[0].url': must be an http:// or https:// link"),
        (topic("contacts: [{name: {zh: a, en: b}, url: 'data:text/html,x'}]"), "field 'contacts[0].url'"),
        (topic(source="url: '//example.org/x'"), "field 'sources[0].url'"),
        # policy texts are plain text, shown to the public as written
        (topic(title="<script>alert(1)</script>"), "field 'title.en': contains HTML markup ('<script>')"),
        (topic("steps: [{zh: a, en: '<img src=x onerror=alert(1)>'}]"), "field 'steps[0].en': contains HTML markup"),
        (topic("materials: [{zh: '</b>', en: b}]"), "field 'materials[0].zh': contains HTML markup"),
        (topic("examples: {zh: [a], en: [ok, 'click <a href=x>here</a>']}"), "field 'examples.en': contains HTML markup"),
        (topic("keywords: {zh: ['<!-- x -->'], en: [b]}"), "field 'keywords.zh': contains HTML markup"),
        (topic(source="title: '<b>t</b>'"), "field 'sources[0].title.en': contains HTML markup"),
        # size limits per topic: 100,000 examples made every topic list take seconds
        (topic(f"examples: {{zh: [a], en: [{entries(MAX_EXAMPLES + 1, 'q')}]}}"),
         f"field 'examples.en': has {MAX_EXAMPLES + 1} entries: at most {MAX_EXAMPLES} per language"),
        (topic(f"keywords: {{zh: [{entries(MAX_KEYWORDS + 1, 'k')}], en: [b]}}"),
         f"field 'keywords.zh': has {MAX_KEYWORDS + 1} entries: at most {MAX_KEYWORDS} per language"),
        (topic(f"examples: {{zh: [a], en: [{'x' * (MAX_EXAMPLE_CHARS + 1)}]}}"),
         f"field 'examples.en[0]': must be at most {MAX_EXAMPLE_CHARS} characters"),
        (topic(f"keywords: {{zh: [{'k' * (MAX_KEYWORD_CHARS + 1)}], en: [b]}}"),
         f"field 'keywords.zh[0]': must be at most {MAX_KEYWORD_CHARS} characters"),
        (topic(f"steps: [{entries(MAX_ITEMS + 1, '{zh: a, en: b}', numbered=False)}]"),
         f"field 'steps': has {MAX_ITEMS + 1} entries: at most {MAX_ITEMS} per topic"),
        (topic(title="t" * (MAX_TITLE + 1)), f"field 'title.en': must be at most {MAX_TITLE} characters"),
        (topic(summary="s" * (MAX_TEXT + 1)), "field 'summary.en'"),
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
    path.write_bytes("topics:\n  - {id: caf\xe9}".encode("latin-1"))
    with loaded_sessions() as session, pytest.raises(ImportError_, match=r"latin1.yml: not UTF-8 text \(line 2\)"):
        import_paths(session, [str(path)])


def test_replacement_characters_are_refused_as_not_utf8(loaded_sessions, tmp_path: Path) -> None:
    """U+FFFD is what a decoder leaves of bytes that were not UTF-8 (the console's browser reads
    the file so): "Caf\ufffd" was stored as the title."""
    path = tmp_path / "decoded.yml"
    path.write_text(topic(title="Caf\ufffd"), encoding="utf-8")
    with loaded_sessions() as session, pytest.raises(ImportError_, match=r"decoded.yml: not UTF-8 text \(line 3\)"):
        import_paths(session, [str(path)])


def test_plain_text_dates_and_links_that_are_fine(loaded_sessions, tmp_path: Path) -> None:
    """A '<' that opens no tag is text; dates and http(s) links as the seed files write them."""
    path = tmp_path / "fine.yml"
    path.write_text(topic("effective_from: 2024-02-29\n    examples: {zh: ['少于<3个月'], en: ['is a < b?', 'age<18']}",
                          source="date: 2024-02, url: 'HTTPS://example.org/a?b=1'", title="a < b"), encoding="utf-8")
    with loaded_sessions() as session:
        assert import_paths(session, [str(path)], author="test").added == ["x9"]
    with loaded_sessions() as session:
        record = next(r for r in all_records(session) if r.id == "x9")
    assert str(record.effective_from) == "2024-02-29" and record.title.en == "a < b"
    assert record.examples.en == ["is a < b?", "age<18"] and record.sources[0].date == "2024-02"


def test_an_impossible_date_is_a_message_not_a_traceback(loaded_sessions, tmp_path: Path, monkeypatch, capsys) -> None:
    from desk.admin.cli import main

    path = tmp_path / "dates.yml"
    path.write_text(topic(source="date: 2024-13-45"), encoding="utf-8")
    monkeypatch.setenv("DESK_DB_URL", str(loaded_sessions.kw["bind"].url))
    assert main(["policy", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "import refused, nothing changed" in err and "field 'sources[0].date'" in err
    assert "Traceback" not in err


def test_records_stored_under_older_rules_still_read_and_take_their_fix(loaded_sessions, tmp_path: Path) -> None:
    """A database filled before a rule existed (markup, 100,000 examples) must still list and
    export, and take the file that fixes it; reverting to such a version is refused by name."""
    from desk.policies.importer import history, revert

    with loaded_sessions() as session:
        row = session.get(models.Topic, "contact")
        row.title_en = "<b>Contacts</b>"
        row.examples = [*row.examples, *(models.Example(position=1000 + i, lang="en", text=f"q{i}")
                                         for i in range(MAX_EXAMPLES + 1))]
        first = history(session, "contact")[0]
        first.snapshot = {**first.snapshot, "title": {**first.snapshot["title"], "en": "<b>Contacts</b>"}}
        session.commit()
    with loaded_sessions() as session:
        assert len(all_records(session)) >= 12
        changed = tmp_path / "contact.yml"
        changed.write_text((POLICIES / "contact.yml").read_text(encoding="utf-8")
                           .replace("status: in_force", "status: superseded", 1), encoding="utf-8")
        assert import_paths(session, [str(changed)], author="test").changed == ["contact"]
    with loaded_sessions() as session, pytest.raises(ImportError_, match="topic 'contact': version 1 .* field 'title.en': contains HTML"):
        revert(session, "contact", 1)


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
