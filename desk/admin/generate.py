"""Generate Rasa training data, domain part and jieba dictionary from the policy records.

One source of truth: each topic's ``examples`` and ``keywords`` in the database become the
``ask_<topic>`` intent (examples plus keyword x question-template combinations), the
``topic:<id>`` lookup table for keyword entities (with pinyin spellings of Chinese terms),
a rule routing the intent to ``action_answer``, and jieba user-dictionary words.
"""

from __future__ import annotations

import random
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import yaml
from pypinyin import Style, lazy_pinyin

from desk import settings
from desk.admin.coverage import write_filtered_out_of_scope
from desk.dialogue.understanding import ASPECTS, TOPIC_INTENT_PREFIX
from desk.language import CJK
from desk.policies.schema import TopicRecord

ROOT = settings.PROJECT_ROOT
TEMPLATES = ROOT / "data" / "generation" / "templates.yml"
PARAPHRASES = ROOT / "data" / "generation" / "paraphrases"
TEMPLATES_PER_KEYWORD = 3
PINYIN_KEYWORDS_PER_TOPIC = 6


@dataclass
class GeneratedFiles:
    domain_dir: Path
    data_dir: Path
    jieba_dir: Path
    intents: List[str]
    examples: int
    left_out: Dict[str, List[str]]  # out-of-scope training examples a topic covers, per topic


def intent_name(topic_id: str) -> str:
    return f"{TOPIC_INTENT_PREFIX}{topic_id}"


def pinyin_of(term: str) -> str | None:
    """'工作许可' -> 'gong zuo xu ke' (the keyword matcher also accepts 'gongzuo xuke')."""
    if len(term) < 2 or not all(CJK.match(c) for c in term):
        return None
    return " ".join(lazy_pinyin(term, style=Style.NORMAL, v_to_u=False))


def _rng(topic_id: str) -> random.Random:
    return random.Random(zlib.crc32(topic_id.encode("utf-8")))


def _unique(items: Iterable[str]) -> List[str]:
    seen: Dict[str, None] = {}
    for item in items:
        text = " ".join(item.split())
        if text and text.lower() not in {k.lower() for k in seen}:
            seen[text] = None
    return list(seen)


def paraphrases(topic_id: str, directory: Path = PARAPHRASES) -> List[Tuple[str, Optional[str]]]:
    """Aspect-labelled questions about a topic in users' own words (indirect descriptions,
    typos, pinyin, own cases), written from the record's facts: what the keyword templates
    cannot teach. A topic without a file (e.g. one an admin just imported) has none."""
    path = directory / f"{topic_id}.yml"
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if data.get("topic") != topic_id:
        raise ValueError(f"{path}: topic is {data.get('topic')!r}, expected {topic_id!r}")
    pairs: List[Tuple[str, Optional[str]]] = []
    for item in data.get("examples") or []:
        aspect = item.get("aspect")
        if aspect is not None and aspect not in ASPECTS:
            raise ValueError(f"{path}: unknown aspect {aspect!r} for {item.get('text')!r}")
        pairs.append((str(item["text"]), aspect))
    return pairs


def topic_examples(
    record: TopicRecord, templates: Dict[str, Dict[str, List[str]]]
) -> List[Tuple[str, Optional[str]]]:
    """(text, aspect) pairs: hand-written examples (aspect unknown) first, then paraphrases
    of a known aspect, then keywords placed into question templates of a known aspect."""
    rng = _rng(record.id)
    pairs: List[Tuple[str, Optional[str]]] = [(t, None) for t in [*record.examples.zh, *record.examples.en]]
    pairs += paraphrases(record.id)
    for lang in ("zh", "en"):
        flat = [(t, a) for a in ASPECTS for t in templates.get(lang, {}).get(a, [])]
        for keyword in getattr(record.keywords, lang):
            for template, aspect in rng.sample(flat, min(TEMPLATES_PER_KEYWORD, len(flat))):
                pairs.append((template.format(kw=keyword), aspect))
    pinyin_templates = [(t, a) for a in ASPECTS for t in templates.get("pinyin", {}).get(a, [])]
    spellings = [p for p in (pinyin_of(k) for k in record.keywords.zh) if p]
    for spelling in spellings[:PINYIN_KEYWORDS_PER_TOPIC]:
        if pinyin_templates:
            template, aspect = rng.choice(pinyin_templates)
            pairs.append((template.format(kw=spelling.replace(" ", "")), aspect))
    seen: Dict[str, None] = {}
    unique: List[Tuple[str, Optional[str]]] = []
    for text, aspect in pairs:
        text = " ".join(text.split())
        if text and text.lower() not in seen:
            seen[text.lower()] = None
            unique.append((text, aspect))
    return unique


def _example_items(pairs: Sequence[Tuple[str, Optional[str]]]) -> List[Dict[str, object]]:
    return [{"text": t, "metadata": {"aspect": a}} if a else {"text": t} for t, a in pairs]


def topic_lookup(record: TopicRecord) -> List[str]:
    terms = [*record.keywords.zh, *record.keywords.en, record.title.zh, record.title.en]
    terms += [p for p in (pinyin_of(k) for k in record.keywords.zh) if p]
    return _unique(terms)


def _literal_block(items: Sequence[str]) -> str:
    return "".join(f"- {item}\n" for item in items)


def _yaml_dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def write_config(build_dir: Path) -> Path:
    """config.yml with the jieba dictionary of this build directory (absolute path)."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    for component in config.get("pipeline", []):
        if "dictionary_path" in component:
            component["dictionary_path"] = str((build_dir / "jieba").resolve())
    path = build_dir / "config.yml"
    path.write_text(
        "# generated by `desk data generate` from config.yml; do not edit\n" + _yaml_dump(config),
        encoding="utf-8",
    )
    return path


def generate(records: Sequence[TopicRecord], build_dir: Optional[Path] = None,
             excluded: Optional[Dict[str, str]] = None) -> GeneratedFiles:
    """Write domain/, data/, jieba/ and config.yml under the build directory; ``excluded``
    out-of-scope examples (example -> topic that took it over) are left out of training."""
    build_dir = build_dir or settings.build_dir()
    templates = yaml.safe_load(TEMPLATES.read_text(encoding="utf-8"))
    domain_dir, data_dir, jieba_dir = build_dir / "domain", build_dir / "data", build_dir / "jieba"
    for directory in (domain_dir, data_dir, jieba_dir):
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
    shutil.copyfile(ROOT / "domain.yml", domain_dir / "domain.yml")

    intents = [intent_name(r.id) for r in records]
    (domain_dir / "topics.yml").write_text(
        "# generated by `desk data generate` from the policy database; do not edit\n"
        + _yaml_dump({"version": "3.1", "intents": intents}),
        encoding="utf-8",
    )

    nlu: List[Dict[str, object]] = []
    count = 0
    for record in records:
        examples = topic_examples(record, templates)
        count += len(examples)
        nlu.append({"intent": intent_name(record.id), "examples": _example_items(examples)})
    for record in records:
        nlu.append({"lookup": f"topic:{record.id}", "examples": _literal_block(topic_lookup(record))})
    (data_dir / "nlu_topics.yml").write_text(
        "# generated by `desk data generate` from the policy database; do not edit\n"
        + _yaml_dump({"version": "3.1", "nlu": nlu}),
        encoding="utf-8",
    )

    rules = [
        {
            "rule": f"answer {intent}",
            "steps": [{"intent": intent}, {"action": "action_answer"}],
        }
        for intent in intents
    ]
    (data_dir / "rules_topics.yml").write_text(
        "# generated by `desk data generate` from the policy database; do not edit\n"
        + _yaml_dump({"version": "3.1", "rules": rules}),
        encoding="utf-8",
    )

    words = _unique(
        k for r in records for k in [*r.keywords.zh, r.title.zh] if CJK.search(k) and " " not in k
    )
    (jieba_dir / "userdict.txt").write_text(
        "".join(f"{w} 2000 n\n" for w in words), encoding="utf-8"
    )
    write_config(build_dir)
    left_out = write_filtered_out_of_scope(excluded or {}, data_dir)
    return GeneratedFiles(domain_dir, data_dir, jieba_dir, intents, count, left_out)
