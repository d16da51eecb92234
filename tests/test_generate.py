"""Training data, domain and jieba dictionary are generated from the policy records."""

import yaml

from desk.admin.generate import generate, pinyin_of
from desk.policies.importer import all_records


def test_generated_files_cover_every_topic(loaded_sessions, tmp_path) -> None:
    with loaded_sessions() as session:
        records = all_records(session)
    files = generate(records, tmp_path)
    domain = yaml.safe_load((files.domain_dir / "topics.yml").read_text(encoding="utf-8"))
    nlu = yaml.safe_load((files.data_dir / "nlu_topics.yml").read_text(encoding="utf-8"))["nlu"]
    rules = yaml.safe_load((files.data_dir / "rules_topics.yml").read_text(encoding="utf-8"))["rules"]
    ids = {r.id for r in records}
    assert set(domain["intents"]) == {f"ask_{i}" for i in ids}
    intents = {b["intent"]: b["examples"] for b in nlu if "intent" in b}
    lookups = {b["lookup"] for b in nlu if "lookup" in b}
    assert lookups == {f"topic:{i}" for i in ids}
    for record in records:
        examples = intents[f"ask_{record.id}"]
        texts = [e["text"] for e in examples]
        assert record.examples.en[0] in texts and record.examples.zh[0] in texts
        assert any(e.get("metadata", {}).get("aspect") == "materials" for e in examples)
    assert {r["steps"][1]["action"] for r in rules} == {"action_answer"}
    userdict = (files.jieba_dir / "userdict.txt").read_text(encoding="utf-8")
    assert "口岸签证" in userdict


def test_pinyin_spelling() -> None:
    assert pinyin_of("工作许可") == "gong zuo xu ke"
    assert pinyin_of("R签") is None


def test_paraphrases_are_labelled_training_examples_of_their_topic(tmp_path) -> None:
    import pytest

    from desk.admin.generate import PARAPHRASES, paraphrases

    pairs = paraphrases("port_visa")
    assert len(pairs) >= 50 and {a for _, a in pairs} >= {"materials", "procedure", "eligibility", "where", "duration"}
    assert sorted(p.stem for p in PARAPHRASES.glob("*.yml"))  # one file per topic
    assert paraphrases("a_topic_just_imported", tmp_path) == []
    (tmp_path / "x.yml").write_text("topic: y\nexamples: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected 'x'"):
        paraphrases("x", tmp_path)
    (tmp_path / "z.yml").write_text("topic: z\nexamples:\n- {text: hi, aspect: price}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown aspect"):
        paraphrases("z", tmp_path)
