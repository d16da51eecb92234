"""Evaluation shared by `desk evaluate`, `desk publish` (the gate) and `make eval`.

Topic accuracy counts in-scope questions whose predicted topic is right (a clarifying
question or a rejection counts as wrong); out-of-scope rejection counts out-of-scope
questions that got no policy answer. Aspect accuracy is over in-scope questions with the
right topic; "overview" and "general" (null) both mean the overview answer and count as equal.
The baseline is a char-n-gram TF-IDF + logistic regression trained on the same examples.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import yaml

from desk import settings
from desk.dialogue.understanding import FALLBACK_INTENT, text_for_rules, topic_of_intent, understand

ROOT = settings.PROJECT_ROOT
def nlu_sources() -> List[Path]:
    from desk.admin.coverage import hand_written_nlu_files

    return [*hand_written_nlu_files(), settings.build_dir() / "data"]
HELDOUT_SETS = {
    "dev": ROOT / "eval" / "heldout.yml",  # used for error analysis while developing
    "test": ROOT / "eval" / "test.yml",  # aggregate figures only (informed one decision, see README)
    "final": ROOT / "eval" / "final.yml",  # reported as is, never used to choose anything
}


def _files() -> List[Path]:
    files: List[Path] = []
    for source in nlu_sources():
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


LANGS = ("zh", "en", "mixed")
FALLBACK_THRESHOLD = 0.3  # the FallbackClassifier threshold in config.yml


def _same_aspect(gold: Optional[str], predicted: Optional[str]) -> bool:
    normal = {None: "overview", "overview": "overview"}
    return normal.get(gold, gold) == normal.get(predicted, predicted)


Prediction = Tuple[Optional[str], Optional[str], Optional[str]]  # topic, aspect, intent


def score(questions: List[dict], predict: Callable[[str], Prediction]) -> Dict[str, Dict[str, float]]:
    counts: Dict[str, Dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for q in questions:
        topic, aspect, intent = predict(q["text"])
        for lang in (q["lang"], "all"):
            c = counts[lang]
            if q["topic"] is None:
                c["oos"] += 1
                c["oos_rejected"] += topic is None
            else:
                c["in"] += 1
                c["topic_ok"] += topic == q["topic"]
                c["intent_ok"] += intent == f"ask_{q['topic']}"
                if topic == q["topic"]:
                    c["aspect_n"] += 1
                    c["aspect_ok"] += _same_aspect(q["aspect"], aspect)
    result: Dict[str, Dict[str, float]] = {}
    for lang, c in counts.items():
        result[lang] = {
            "topic": c["topic_ok"] / c["in"] if c["in"] else float("nan"),
            "intent": c["intent_ok"] / c["in"] if c["in"] else float("nan"),
            "aspect": c["aspect_ok"] / c["aspect_n"] if c["aspect_n"] else float("nan"),
            "oos_rejection": c["oos_rejected"] / c["oos"] if c["oos"] else float("nan"),
            "n_in": c["in"],
            "n_oos": c["oos"],
        }
    return result


def baseline_predictor(known_topics: List[str]) -> Callable[[str], Prediction]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pairs = examples()
    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, lowercase=True),
        LogisticRegression(max_iter=2000, C=10.0, class_weight="balanced"),
    )
    model.fit([t for t, _ in pairs], [i for _, i in pairs])

    def predict(text: str) -> Prediction:
        probs = model.predict_proba([text])[0]
        best = int(probs.argmax())
        intent = model.classes_[best]
        if probs[best] < FALLBACK_THRESHOLD:
            return None, None, FALLBACK_INTENT
        return topic_of_intent(intent, known_topics), None, intent

    return predict


def assistant_predictor(model_path: str, known_topics: List[str]) -> Callable[[str], Prediction]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    loop = asyncio.new_event_loop()

    def predict(text: str) -> Prediction:
        parsed: Dict[str, Any] = loop.run_until_complete(agent.parse_message(text))
        intent = (parsed.get("intent") or {}).get("name")
        turn = understand(
            intent=intent,
            ranking=parsed.get("intent_ranking") or [],
            entities=parsed.get("entities") or [],
            text=text_for_rules({**parsed, "text": parsed.get("text") or text}),  # a long message's excerpt, as the actions read it
            known_topics=known_topics,
            aspect_guess=parsed.get("aspect"),
        )
        topic = turn.topic if turn.kind == "answer" and intent not in NON_POLICY else None
        return topic, turn.aspect, intent

    return predict


NON_POLICY = {
    "greet", "goodbye", "thank", "bot_challenge", "capabilities", "human_handoff",
    "out_of_scope", "switch_language",
}


def print_table(results: Dict[str, Dict[str, Dict[str, float]]]) -> None:
    names = list(results)
    header = f"{'':16}" + "".join(f"{n:>14}" for n in names)
    for metric in ("topic", "intent", "aspect", "oos_rejection"):
        print(f"\n{metric} accuracy" if metric != "oos_rejection" else "\nout-of-scope rejection")
        print(header)
        for lang in (*LANGS, "all"):
            row = f"  {lang:14}" + "".join(
                f"{results[n].get(lang, {}).get(metric, float('nan')):>14.3f}" for n in names
            )
            print(row)


MIN_SELF_RECOGNITION = 0.8  # share of a topic's own examples that must come back as that topic


def topic_self_check(predict: Callable[[str], Prediction], records: List[Any]) -> Dict[str, float]:
    """For every topic (new ones included): the share of its own examples recognised as it."""
    shares: Dict[str, float] = {}
    for record in records:
        texts = [*record.examples.zh, *record.examples.en]
        hits = sum(1 for text in texts if predict(text)[0] == record.id)
        shares[record.id] = hits / len(texts) if texts else 0.0
    return shares


def per_topic(questions: List[dict], predict: Callable[[str], Prediction]) -> Dict[str, Tuple[int, int]]:
    """(right, total) per topic on the in-scope questions of a held-out set."""
    counts: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    for q in questions:
        if q["topic"]:
            counts[q["topic"]][1] += 1
            counts[q["topic"]][0] += predict(q["text"])[0] == q["topic"]
    return {t: (c[0], c[1]) for t, c in sorted(counts.items())}
