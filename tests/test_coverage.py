"""New coverage (desk.admin.coverage) and the one source of truth: out-of-scope training
examples a new topic covers are left out of training; held-out out-of-scope questions a new
or widened topic answers are "newly covered", never a move to another topic; the database
is only seeded when empty; the servers start the published model, not the newest file."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml

from desk import settings
from desk.admin import cli, coverage
from desk.admin import publish as pub
from desk.admin.generate import generate
from desk.policies.importer import all_records, read_policy_file

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def licence():
    return read_policy_file(FIXTURES / "driving_licence.yml")[0]


def test_matcher_uses_keywords_on_word_boundaries(licence) -> None:
    match = coverage.matcher(licence)
    assert match("How do I convert my foreign DRIVING LICENCE") == "driving licence"
    assert match("外国驾照怎么换中国驾照") == "驾照"
    assert match("driving licenses of my family") is None  # "driving license" only as a whole word
    assert match("how do i open a bank account") is None


def test_import_of_a_new_topic_leaves_out_the_examples_it_takes_over(loaded_sessions, licence, tmp_path) -> None:
    with loaded_sessions() as session:
        records = all_records(session)
        before = {r.id: r for r in records}
        # the shipped topics keep their hard negatives ("canadian pr express entry" stays out of scope)
        assert coverage.record_exclusions(session, before, records, "test") == {}
        left_out = coverage.record_exclusions(session, before, [licence], "test")["driving_licence"]
        excluded = coverage.exclusions(session)
    assert "how do i convert my foreign driving licence" in left_out
    assert "can i take the chinese driving test in english" in left_out
    assert "外国驾照怎么换中国驾照" in left_out
    assert "canadian pr express entry points calculator" not in excluded
    files = generate([*records, licence], tmp_path, excluded)
    assert files.left_out == {"driving_licence": left_out}
    kept = yaml.safe_load((tmp_path / "data" / "out_of_scope.yml").read_text(encoding="utf-8"))
    texts = coverage._block_texts(kept["nlu"][0])
    assert not set(left_out) & set(texts)
    assert "canadian pr express entry points calculator" in texts
    assert len(texts) + len(left_out) == len(coverage.out_of_scope_examples())
    # what Rasa trains on: the filtered copy, never the hand-written file
    assert "data/nlu/out_of_scope.yml" not in cli.rasa_data()
    # a changed topic only takes over what its new keywords match
    assert coverage.newly_overlapping(licence, licence) == []


def test_importing_the_shipped_policies_into_an_empty_database_keeps_every_hard_negative(tmp_path) -> None:
    """The test model and `make run` train on the same out-of-scope examples: importing
    data/policies into an empty database leaves none out (as seeding does), while a shipped
    topic given a new keyword takes over only what that keyword matches."""
    from desk.policies.db import new_session
    from desk.policies.importer import import_paths

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with new_session(url) as session:
        report = import_paths(session, [str(settings.PROJECT_ROOT / "data" / "policies")], author="test")
        records = [r for r in all_records(session) if r.id in [*report.added, *report.changed]]
        assert records, "the shipped policies were imported"
        assert coverage.record_exclusions(session, {}, records, "test") == {}
        assert coverage.exclusions(session) == {}
    shipped = coverage.shipped_record("permanent_residence")
    assert shipped is not None and coverage.shipped_record("driving_licence") is None
    widened = shipped.copy(deep=True)
    widened.keywords.en.append("bank account")
    taken = coverage.newly_overlapping(shipped, widened)
    assert taken and all("bank account" in t.lower() for t in taken)


def test_newly_covered_only_for_widened_topics(loaded_sessions, licence) -> None:
    with loaded_sessions() as session:
        records = all_records(session)
    live = coverage.topic_fingerprints(records)
    assert coverage.widened_topics([*records, licence], live) == ["driving_licence"]
    assert coverage.widened_topics(records, live) == []
    assert coverage.widened_topics(records, None) == []
    questions = [
        {"text": "外国驾照怎么换中国驾照", "lang": "zh", "topic": None},
        {"text": "how do i open a bank account", "lang": "en", "topic": None},  # moves to another topic
        {"text": "口岸签证要多久", "lang": "zh", "topic": "port_visa"},
    ]
    answers = {"外国驾照怎么换中国驾照": "driving_licence", "how do i open a bank account": "work_permit",
               "口岸签证要多久": "port_visa"}
    covered = coverage.newly_covered(questions, lambda t: (answers[t], None, None), ["driving_licence"])
    assert covered == [{"text": "外国驾照怎么换中国驾照", "lang": "zh", "topic": "driving_licence"}]
    relabelled = coverage.relabel(questions, {"外国驾照怎么换中国驾照": "driving_licence"})
    assert relabelled[0]["topic"] == "driving_licence" and relabelled[1]["topic"] is None


def test_confirmed_coverage_is_kept(loaded_sessions) -> None:
    with loaded_sessions() as session:
        coverage.confirm(session, [{"text": "外国驾照怎么换中国驾照", "topic": "driving_licence"}], "admin")
    with loaded_sessions() as session:
        assert coverage.accepted(session) == {"外国驾照怎么换中国驾照": "driving_licence"}


def test_seed_fills_only_an_empty_database(db_url, monkeypatch, licence, capsys) -> None:
    monkeypatch.setenv("DESK_DB_URL", db_url)
    assert cli.main(["policy", "seed", str(FIXTURES / "driving_licence.yml")]) == 0
    assert cli.main(["policy", "seed", "data/policies"]) == 0
    assert "not re-importing" in capsys.readouterr().out
    from desk.policies.db import new_session

    with new_session(db_url) as session:
        assert [r.id for r in all_records(session)] == ["driving_licence"]


def test_servers_start_the_published_model_not_the_newest_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(settings, "VAR_DIR", tmp_path / "var")
    models = tmp_path / "models"
    models.mkdir()
    monkeypatch.setenv("DESK_MODELS_DIR", str(models))
    monkeypatch.setattr(pub, "live_topic_record", lambda: {"port_visa": "x"})
    first = models / "desk-first.tar.gz"
    first.write_bytes(b"1")
    assert pub.published_model() is None
    assert pub.model_to_serve() == first  # first start: the newest model, recorded as published
    assert pub.history()[-1]["action"] == "initial" and pub.topics_of(str(first)) == {"port_visa": "x"}
    refused = models / "desk-refused.tar.gz"
    refused.write_bytes(b"2")
    os.utime(refused, (time.time() + 10, time.time() + 10))
    pub.record({"action": "refused", "model": str(refused)})
    assert settings.newest_model() == refused
    assert pub.model_to_serve() == first
    second = models / "desk-second.tar.gz"
    second.write_bytes(b"3")
    pub.record({"action": "published", "model": str(second), "previous": str(first)})
    assert pub.model_to_serve() == second
    pub.record({"action": "rolled back", "model": str(first), "previous": str(second)})
    assert pub.model_to_serve() == first
    assert cli.main(["published"]) == 0


def test_the_out_of_scope_file_is_parsed_once_per_version(monkeypatch, tmp_path) -> None:
    """An import compares every topic with every out-of-scope example: parsing the file per
    topic made a 3,000-topic import take minutes. A changed file is read again."""
    path = tmp_path / "out_of_scope.yml"
    path.write_text("nlu:\n- intent: out_of_scope\n  examples: |\n    - weather in pudong\n", encoding="utf-8")
    parsed = []
    real = coverage._oos_document
    monkeypatch.setattr(coverage, "_oos_document", lambda p: parsed.append(p) or real(p))
    assert coverage.out_of_scope_examples(path) == coverage.out_of_scope_examples(path) == ["weather in pudong"]
    assert len(parsed) == 1
    path.write_text("nlu:\n- intent: out_of_scope\n  examples: |\n    - weather in pudong\n    - a taxi\n", encoding="utf-8")
    assert coverage.out_of_scope_examples(path) == ["weather in pudong", "a taxi"] and len(parsed) == 2
