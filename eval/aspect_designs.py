"""Aspect-model designs side by side (issue 8, round 8): `python -m eval.aspect_designs`.

Parses each question once with the trained model, then for each design trains an aspect model
on the model's training data and puts its guess, in place of the shipped one, into ``understand``
with the parse's intent ranking and entities, as `make eval` does. Scored on the single questions
of the OPEN sets (dev, final, final5, heldout, test): a design comparison must not spend the
sealed sets. A question counts when its topic came out right, as in `make eval`.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from contextlib import nullcontext
from typing import Any, Callable, Dict, List, Tuple
from unittest import mock

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from desk import settings
from desk.admin.evaluation import HELDOUT_SETS, _same_aspect
from desk.dialogue import understanding
from desk.language import normalize
from desk.nlu.classifier import Featurizer, aspect_label, fast_proba, fit_aspect_model, keyword_tables
from desk.nlu.focus import focus
from eval.conversations import quiet_rasa
from eval.evaluate import SEALED, SINGLE_SETS, UNSCORED

ROOT = settings.PROJECT_ROOT
# the sets whose mistakes may be looked at: not sealed, not kept for a later round
OPEN_SETS = {
    name: path for name, path in {**SINGLE_SETS, **{p.stem: p for p in HELDOUT_SETS.values()}}.items()
    if not name.startswith(SEALED) and not name.startswith(UNSCORED)
}


class TopicPlaceholder(Featurizer):
    """Each topic keyword becomes its own placeholder, so the aspect may depend on the topic
    ("the bureau's number" is where for contact)."""

    def _texts(self, messages: List[Any]) -> List[str]:
        out = []
        for message in messages:
            text = normalize(message.get("text") or "")
            for hit in reversed(self.topic_matcher.find(text)):
                text = text[: hit.start] + f" {self.PLACEHOLDER}{hit.value.replace('_', '')} " + text[hit.end :]
            out.append(self.PLACES.sub(" ", text))
        return out


class FirstQuestion(Featurizer):
    """Trained as usual; a short message of several questions is judged by its first one."""

    QUESTION_END = re.compile(r"(?<=[?？])\s*")
    at_inference = False

    def _texts(self, messages: List[Any]) -> List[str]:
        texts = super()._texts(messages)
        if not self.at_inference:
            return texts
        out = []
        for text in texts:
            questions = [p for p in self.QUESTION_END.split(text) if p.rstrip().endswith(("?", "？"))]
            out.append(questions[0] if len(questions) >= 2 and len(text) < 400 else text)
        return out


def _fit(featurizer: Featurizer, labelled: List[Tuple[Any, str]], C: float = 5.0) -> Tuple[Featurizer, LogisticRegression]:
    return featurizer, fit_aspect_model(featurizer, labelled, C)


def _chars_2_5(tables: Dict[str, List[str]]) -> Featurizer:
    featurizer = Featurizer(tables, 1.0, mask_topics=True)
    featurizer.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=False)
    return featurizer


def _first_question(tables: Dict[str, List[str]], labelled: List[Tuple[Any, str]]) -> Tuple[Featurizer, LogisticRegression]:
    featurizer, model = _fit(FirstQuestion(tables, 1.0, mask_topics=True), labelled)
    featurizer.at_inference = True
    return featurizer, model


Maker = Callable[[Dict[str, List[str]], List[Tuple[Any, str]]], Tuple[Any, Any]]


def _masked(featurizer: Callable[[Dict[str, List[str]]], Featurizer] = lambda tables: Featurizer(tables, 1.0, mask_topics=True),
            C: float = 5.0) -> Maker:
    return lambda tables, labelled: _fit(featurizer(tables), labelled, C=C)


# name: (how the aspect model is built, understanding constants changed while it is scored)
DESIGNS: Dict[str, Tuple[Maker, Dict[str, float]]] = {
    "as shipped (masked topics, C=5)": (_masked(), {}),
    "C=2": (_masked(C=2.0), {}),
    "C=10": (_masked(C=10.0), {}),
    "aspect keywords weigh 2": (_masked(lambda tables: Featurizer(tables, 2.0, mask_topics=True)), {}),
    "one placeholder per topic": (_masked(lambda tables: TopicPlaceholder(tables, 1.0, mask_topics=True)), {}),
    "character 2-5-grams": (_masked(_chars_2_5), {}),
    "first question only": (_first_question, {}),
    "trust the model from 0.25": (_masked(), {"MIN_ASPECT_CONFIDENCE": 0.25}),
    "trust the model from 0.50": (_masked(), {"MIN_ASPECT_CONFIDENCE": 0.50}),
}


def _training() -> Tuple[Dict[str, List[str]], List[Tuple[Any, str]]]:
    from rasa.shared.data import is_nlu_file
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from desk.admin.cli import rasa_data

    parts = []
    for source in rasa_data():
        path = ROOT / source
        for file in [path] if path.is_file() else sorted(path.glob("*.yml")):
            if is_nlu_file(str(file)):
                parts.append(load_data(str(file)))
    data = TrainingData().merge(*parts)
    tables = keyword_tables(data)
    labelled = [(m, aspect_label(m)) for m in data.intent_examples if m.get("intent") and m.get("text") and aspect_label(m)]
    return tables, labelled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(ROOT / "build" / "test-models" / "desk-test.tar.gz"))
    args = parser.parse_args()
    quiet_rasa()
    from rasa.core.agent import Agent
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from desk.policies.db import new_session
    from desk.policies.importer import all_records

    agent = Agent.load(args.model)
    with new_session() as session:
        known = [r.id for r in all_records(session)]
    tables, labelled = _training()
    questions = [
        (name, q) for name, path in OPEN_SETS.items() if path.exists()
        for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"] if q.get("topic")
    ]
    loop = asyncio.new_event_loop()
    parses = [loop.run_until_complete(agent.parse_message(q["text"])) for _, q in questions]
    # the classifier reads a long message's question only (the tokenizer's focus): so do the designs
    read = [Message(data={TEXT: focus(q["text"]) or q["text"]}) for _, q in questions]
    print(f"{len(labelled)} aspect-labelled training examples; {len(questions)} open questions with a topic")
    print(f"{'design':34}{'all':>7}{'zh':>7}{'en':>7}{'mixed':>7}   " + "".join(f"{n[:8]:>9}" for n in OPEN_SETS))
    for name, (make, constants) in DESIGNS.items():
        started = time.time()
        featurizer, model = make(tables, labelled)
        counts: Dict[str, List[int]] = {}
        with mock.patch.multiple(understanding, **constants) if constants else nullcontext():
            for (set_name, q), parsed, message in zip(questions, parses, read):
                probs = fast_proba(model, *featurizer.row(message))
                best = int(probs.argmax())
                turn = understanding.understand(
                    intent=(parsed.get("intent") or {}).get("name"), ranking=parsed.get("intent_ranking") or [],
                    entities=parsed.get("entities") or [], text=q["text"], known_topics=known,
                    aspect_guess={"name": str(model.classes_[best]), "confidence": float(probs[best])},
                )
                if turn.topic != q["topic"]:
                    continue
                right = _same_aspect(q.get("aspect"), turn.aspect)
                for key in ("all", q["lang"], set_name):
                    counts.setdefault(key, [0, 0])
                    counts[key][0] += right
                    counts[key][1] += 1
        rate = {k: ok / n for k, (ok, n) in counts.items()}
        print(f"{name:34}" + "".join(f"{rate.get(k, float('nan')):7.3f}" for k in ("all", "zh", "en", "mixed"))
              + "   " + "".join(f"{rate.get(n, float('nan')):9.3f}" for n in OPEN_SETS) + f"   ({time.time() - started:.0f} s)",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
