"""`make eval`: accuracy of the trained assistant on the held-out questions (eval/heldout.yml,
never used for training), per language, side by side with a char-n-gram TF-IDF + logistic
regression baseline trained on the same examples.

Topic accuracy counts in-scope questions whose predicted topic is right (a clarifying
question or a rejection counts as wrong); out-of-scope rejection counts out-of-scope
questions that got no policy answer. Aspect accuracy is over in-scope questions with the
right topic; "overview" and "general" (null) both mean the overview answer and count as equal.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from desk.dialogue.understanding import FALLBACK_INTENT, topic_of_intent, understand
from eval.training_data import examples, heldout

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
            text=text,
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


def latest_model() -> str:
    models = sorted(Path("models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        sys.exit("no model in models/: run `make train` first")
    return str(models[-1])


SETS = {
    "dev": "eval/heldout.yml",  # used for error analysis while developing
    "test": "eval/test.yml",  # aggregate figures only (informed one decision, see README)
    "final": "eval/final.yml",  # reported as is, never used to choose anything
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None, help="model archive (default: newest in models/)")
    parser.add_argument("--errors", action="store_true", help="list the assistant's mistakes on the dev set")
    args = parser.parse_args()

    from desk.policies.db import new_session
    from desk.policies.importer import all_records

    with new_session() as session:
        known = [r.id for r in all_records(session)]
    train_texts = {t.strip().lower() for t, _ in examples()}
    model = args.model or latest_model()
    started = time.perf_counter()
    assistant = assistant_predictor(model, known)
    print(f"model {model} loaded in {time.perf_counter() - started:.1f}s; training examples: {len(train_texts)}")
    baseline = baseline_predictor(known)
    for name, path in SETS.items():
        questions = heldout(Path(path))
        leaked = [q for q in questions if q["text"].strip().lower() in train_texts]
        kept = [q for q in questions if q["text"].strip().lower() not in train_texts]
        print(f"\n===== {name} set ({path}): {len(kept)} questions "
              f"({len(leaked)} left out because the same text is in the training data)")
        results = {"assistant": score(kept, assistant), "tfidf+LR": score(kept, baseline)}
        print(f"in scope: {results['assistant']['all']['n_in']}, out of scope: {results['assistant']['all']['n_oos']}")
        print_table(results)
        if args.errors and name == "dev":
            print("\nassistant mistakes (gold -> predicted):")
            for q in kept:
                topic, aspect, intent = assistant(q["text"])
                if topic != q["topic"] or (topic and not _same_aspect(q["aspect"], aspect)):
                    print(f"  [{q['lang']}] {q['text']!r}: {q['topic']}/{q['aspect']} -> {topic}/{aspect} ({intent})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
