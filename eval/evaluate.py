"""`make eval`: accuracy of the trained assistant on the held-out question sets (eval/*.yml,
never used for training), per language, side by side with a char-n-gram TF-IDF + logistic
regression baseline trained on the same examples. See desk/admin/evaluation.py."""

from __future__ import annotations

import argparse
import sys
import time

from desk import settings
from desk.admin.evaluation import (
    HELDOUT_SETS,
    _same_aspect,
    assistant_predictor,
    baseline_predictor,
    examples,
    heldout,
    print_table,
    score,
)


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
    model = args.model or settings.require_model()
    started = time.perf_counter()
    assistant = assistant_predictor(model, known)
    print(f"model {model} loaded in {time.perf_counter() - started:.1f}s; training examples: {len(train_texts)}")
    baseline = baseline_predictor(known)
    for name, path in HELDOUT_SETS.items():
        questions = heldout(path)
        leaked = [q for q in questions if q["text"].strip().lower() in train_texts]
        kept = [q for q in questions if q["text"].strip().lower() not in train_texts]
        print(f"\n===== {name} set ({path.relative_to(path.parents[1])}): {len(kept)} questions "
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
