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
