"""`desk publish` and `desk rollback`: put a new model live behind an evaluation gate, with
the swap done by the gateway (desk.gateway) so no conversation stalls.

The gate compares the candidate with the live model on the held-out dev questions (topic
accuracy may not drop by more than one point, out-of-scope rejection likewise) and checks that
every topic, new ones included, is recognised from its own examples. A refused gate changes
nothing live. Every publish and rollback is recorded in var/published.json.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import httpx

from desk import settings
from desk.policies.published import RECORD, SERVING_ACTIONS, serving_entry

MAX_DROP = 0.01
HISTORY = RECORD  # the publish record, read by desk.policies.published too
FIGURES_CACHE = "gate-figures.json"
METRICS = ("topic", "oos_rejection", "aspect")


class PublishError(RuntimeError):
    pass


def gateway_url() -> str:
    return settings.gateway_url()


def _headers() -> Dict[str, str]:
    return {"Authorization": f"Bearer {settings.secret('RASA_AUTH_TOKEN')}"}


# DESK_GATEWAY_URL=follow: no gateway to call (containers: every Rasa container runs
# `desk serve rasa --follow-published`); a publish only records the model, the servers follow.
FOLLOW = "follow"


def live_model() -> str:
    if gateway_url() == FOLLOW:
        model = published_model()
        if model is None:
            raise PublishError("nothing is published yet: record a first model (desk publish on an empty record)")
        return str(model)
    try:
        response = httpx.get(f"{gateway_url()}/_gateway/status", headers=_headers(), timeout=10)
    except httpx.HTTPError as exc:
        raise PublishError(f"the gateway at {gateway_url()} is not reachable (is `make run` running?): {exc}") from exc
    if response.status_code != 200 or not response.json().get("model"):
        raise PublishError(f"the gateway did not say which model is live: {response.status_code} {response.text}")
    return str(response.json()["model"])


def swap(model: Path) -> Dict[str, Any]:
    if gateway_url() == FOLLOW:  # the record written after this is what the servers swap to
        return {"model": str(model.resolve()), "load_seconds": "(servers follow the record)", "drained": True}
    try:
        response = httpx.post(
            f"{gateway_url()}/_gateway/swap", json={"model": str(model.resolve())}, headers=_headers(), timeout=600
        )
    except httpx.HTTPError as exc:
        raise PublishError(f"swap request failed: {exc}") from exc
    if response.status_code != 200:
        raise PublishError(f"the gateway refused the swap: {response.status_code} {response.text}")
    return response.json()


@dataclass
class GateResult:
    passed: bool
    figures: Dict[str, Any] = field(default_factory=dict)
    reasons: List[str] = field(default_factory=list)
    newly_covered: List[Dict[str, Any]] = field(default_factory=list)
    needs_confirmation: bool = False


def figures_key(model: Path, questions: List[dict], known: List[str]) -> str:
    """What a model's held-out figures depend on: the model file's content, the questions,
    the topics the database knows and the code that turns a parse into a topic."""
    from desk.dialogue import understanding
    from desk.nlu import code_fingerprint

    digest = hashlib.sha256()
    with model.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    digest.update(json.dumps([questions, sorted(known), code_fingerprint()], ensure_ascii=False,
                             sort_keys=True).encode())
    digest.update(Path(understanding.__file__).read_bytes())
    return digest.hexdigest()


def model_figures(model: Path, questions: List[dict], known: List[str],
                  predictor: Optional[Callable[[str], Any]] = None) -> Dict[str, float]:
    """Held-out figures of ``model``, evaluated once and kept in var/gate-figures.json: the
    live model was usually the candidate of the last publish, so the gate need not load it
    again (a model load is ~10 s of CPU on a small machine)."""
    from desk.admin import evaluation as ev

    path = settings.VAR_DIR / FIGURES_CACHE
    try:
        cache: Dict[str, Dict[str, float]] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    key = figures_key(model, questions, known)
    if key not in cache:
        scores = ev.score(questions, predictor or ev.assistant_predictor(str(model), known))["all"]
        cache = {key: {k: round(scores[k], 4) for k in METRICS}, **dict(list(cache.items())[:19])}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(cache, indent=1), encoding="utf-8")
    return cache[key]


def gate(candidate: Path, live: Optional[str], records: List[Any], confirmed: Optional[Dict[str, str]] = None,
         live_topics: Optional[Dict[str, str]] = None, accept_coverage: bool = False) -> GateResult:
    """Compare the candidate with the live model. ``confirmed`` is the coverage admins
    accepted before (question -> topic); ``live_topics`` the topic fingerprints recorded when
    the live model was published, which tell the new and widened topics; held-out
    out-of-scope questions the candidate answers with one of those are newly covered: they
    count as that topic's questions, and the publish waits for ``accept_coverage``."""
    from desk.admin import coverage
    from desk.admin import evaluation as ev

    known = [r.id for r in records]
    questions = coverage.relabel(ev.heldout(ev.HELDOUT_SETS["dev"]), confirmed or {})
    predict = ev.assistant_predictor(str(candidate), known)
    covered = coverage.newly_covered(questions, predict, coverage.widened_topics(records, live_topics))
    questions = coverage.relabel(questions, {c["text"]: c["topic"] for c in covered})
    new_scores = model_figures(candidate, questions, known, predict)
    result = GateResult(True, {"candidate": new_scores}, newly_covered=covered)
    if live and Path(live).exists() and Path(live).resolve() != candidate.resolve():
        old_scores = model_figures(Path(live), questions, known)
        result.figures["live"] = old_scores
        for metric in ("topic", "oos_rejection"):
            if new_scores[metric] < old_scores[metric] - MAX_DROP:
                result.passed = False
                result.reasons.append(
                    f"held-out {metric} would drop from {old_scores[metric]:.3f} to {new_scores[metric]:.3f}"
                )
    shares = ev.topic_self_check(predict, records)
    result.figures["own_examples"] = {t: round(s, 3) for t, s in shares.items()}
    for topic, share in shares.items():
        if share < ev.MIN_SELF_RECOGNITION:
            result.passed = False
            result.reasons.append(f"topic '{topic}' recognised from only {share:.0%} of its own examples")
    if covered and not accept_coverage:
        result.passed = False
        result.needs_confirmation = True
        topics = ", ".join(sorted({c["topic"] for c in covered}))
        result.reasons.append(
            f"{len(covered)} held-out question(s) labelled out of scope are now answered by the new or "
            f"widened topic(s) {topics}: confirm them with `desk publish --accept-coverage`"
        )
    return result


def record(entry: Dict[str, Any]) -> None:
    path = settings.VAR_DIR / HISTORY
    path.parent.mkdir(parents=True, exist_ok=True)
    history = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    history.append({**entry, "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
    path.write_text(json.dumps(history, ensure_ascii=False, indent=2), encoding="utf-8")


def history() -> List[Dict[str, Any]]:
    path = settings.VAR_DIR / HISTORY
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def published_model() -> Optional[Path]:
    """The model of the last publish, rollback or initial record whose file still exists:
    what the servers start, so a refused candidate or a newer file never goes live by a
    restart."""
    entry = serving_entry(history())
    return Path(entry["model"]) if entry else None


def model_to_serve() -> Path:
    """published_model(); on the very first start (nothing published yet) the newest trained
    model, recorded as the initial published model."""
    model = published_model()
    if model is not None:
        return model
    newest = settings.newest_model()
    if newest is None:
        raise SystemExit(f"no trained model in {settings.models_dir()}: run `make train` first")
    record({"action": "initial", "model": str(newest.resolve()), "by": "make run", "topics": live_topic_record()})
    return newest


def live_topic_record() -> Dict[str, str]:
    """Topic fingerprints of the database now (what a model trained now knows)."""
    from desk.admin.coverage import topic_fingerprints
    from desk.policies.db import new_session
    from desk.policies.importer import all_records

    with new_session() as session:
        return topic_fingerprints(all_records(session))


def topics_of(model: str) -> Optional[Dict[str, str]]:
    """The topic fingerprints recorded when ``model`` was last put live, if any."""
    for entry in reversed(history()):
        if entry.get("action") in SERVING_ACTIONS and entry.get("model") and \
                Path(entry["model"]).resolve() == Path(model).resolve() and "topics" in entry:
            return entry["topics"]
    return None
