"""The `desk` command for admins and the Makefile: policy import/list/show/export, training
data generation and training."""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, List, Optional

import yaml

from desk import settings
from desk.admin import database, roles
from desk.admin.priority import become_background
from desk.policies.db import new_session
from desk.policies.freshness import ENDING_WITHIN_DAYS, STALE_AFTER_MONTHS, stale_facts
from desk.policies.importer import all_records, default_author, history, import_paths, revert
from desk.policies.schema import ImportError_

if TYPE_CHECKING:
    from desk.admin import generate as gen

ROOT = settings.PROJECT_ROOT
HAND_WRITTEN_DATA = ["data/rules.yml"]


def rasa_data() -> List[str]:
    """What Rasa trains on: the hand-written NLU files (out_of_scope.yml only as the
    generation step filtered it, into build/data), rules, and the generated data."""
    from desk.admin.coverage import hand_written_nlu_files

    nlu = [str(p.relative_to(ROOT)) for p in hand_written_nlu_files()]
    return [*nlu, *HAND_WRITTEN_DATA, str(settings.build_dir() / "data")]


def rasa_executable() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def cmd_policy_import(args: argparse.Namespace) -> int:
    from desk.admin.coverage import record_exclusions
    from desk.admin.joblock import BUSY, publish_running

    if publish_running():
        print(f"import refused, nothing changed: {BUSY}; import after it ends", file=sys.stderr)
        return 1
    session = new_session()
    try:
        before = {r.id: r for r in all_records(session)}
        report = import_paths(session, args.files, author=args.by)
        changed = [*report.added, *report.changed]
        left_out = record_exclusions(session, before, [r for r in all_records(session) if r.id in changed], args.by)
    except ImportError_ as exc:
        print(f"import refused, nothing changed: {exc}", file=sys.stderr)
        return 1
    finally:
        session.close()
    print("\n".join(report.lines()))
    for topic, texts in left_out.items():
        print(f"{topic}: {len(texts)} out-of-scope training example(s) about it are left out of training "
              "from now on: " + "; ".join(repr(t) for t in texts))
    return 0


def cmd_policy_seed(args: argparse.Namespace) -> int:
    """The database owns the policies: the repository's files only fill an empty one, so a
    restart never undoes an admin's import, review accept or revert."""
    with new_session() as session:
        count = len(all_records(session))
        if count:
            print(f"the policy database has {count} topics: not re-importing {' '.join(args.files)} "
                  "(`desk policy import` applies file changes; `desk policy export` writes the database back)")
            return 0
        try:
            report = import_paths(session, args.files, author=args.by)
        except ImportError_ as exc:
            print(f"seed refused, nothing changed: {exc}", file=sys.stderr)
            return 1
    print("seeded the empty policy database: " + "; ".join(report.lines()))
    return 0


def cmd_policy_list(_: argparse.Namespace) -> int:
    with new_session() as session:
        for record in all_records(session):
            print(f"{record.id:28} {record.status:11} {record.title.en} / {record.title.zh}")
    return 0


def cmd_policy_show(args: argparse.Namespace) -> int:
    with new_session() as session:
        for record in all_records(session):
            if record.id == args.topic:
                print(yaml.safe_dump(record.canonical(), allow_unicode=True, sort_keys=False))
                return 0
    print(f"no topic '{args.topic}'", file=sys.stderr)
    return 1


def cmd_policy_export(args: argparse.Namespace) -> int:
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    with new_session() as session:
        records = all_records(session)
    for record in records:
        path = out / f"{record.id}.yml"
        body = yaml.safe_dump(
            {"topics": [record.canonical()]}, allow_unicode=True, sort_keys=False, width=1000
        )
        path.write_text(body, encoding="utf-8")
    print(f"exported {len(records)} topics to {out}")
    return 0


def cmd_policy_stale(args: argparse.Namespace) -> int:
    if args.months < 0:
        print("--months must be 0 or more", file=sys.stderr)
        return 2
    with new_session() as session:
        records = all_records(session)
    found = stale_facts(records, months=args.months)
    if args.json:
        print(json.dumps([f.as_dict() for f in found], ensure_ascii=False, indent=2))
        return 0
    for fact in found:
        print(fact.line())
    print(f"{len(found)} fact(s) to check (not checked for {args.months} months, or ending within "
          f"{ENDING_WITHIN_DAYS} days / ended)")
    return 0


def cmd_policy_history(args: argparse.Namespace) -> int:
    with new_session() as session:
        revisions = history(session, args.topic)
    if not revisions:
        print(f"no history for topic '{args.topic}'", file=sys.stderr)
        return 1
    for r in revisions:
        print(f"v{r.version:<4} {r.created_at:%Y-%m-%d %H:%M:%S}  {r.action:9} by {r.author:12} {r.source_file or ''}")
    return 0


def cmd_policy_revert(args: argparse.Namespace) -> int:
    with new_session() as session:
        try:
            outcome = revert(session, args.topic, args.to, args.by)
        except ImportError_ as exc:
            print(f"revert refused, nothing changed: {exc}", file=sys.stderr)
            return 1
    print(f"{args.topic}: {'already at that content' if outcome == 'unchanged' else f'reverted to the content of v{args.to}'}")
    return 0


def generate_from_db() -> "gen.GeneratedFiles":
    # imported here: pypinyin's dictionaries take a second, which `desk analytics` should not pay
    from desk.admin import generate as gen
    from desk.admin.coverage import exclusions

    with new_session() as session:
        records = all_records(session)
        excluded = exclusions(session)
    if not records:
        raise SystemExit("the policy database is empty: run `desk policy import data/policies` first")
    return gen.generate(records, excluded=excluded)


def cmd_data_generate(_: argparse.Namespace) -> int:
    files = generate_from_db()
    print(f"generated {len(files.intents)} topic intents, {files.examples} examples -> {files.data_dir.parent}")
    for topic, texts in files.left_out.items():
        print(f"  left out of training: {len(texts)} out-of-scope example(s) about {topic}")
    return 0


def training_fingerprint() -> str:
    """Hash of everything a model is trained from: config, generated domain and data,
    hand-written data and the code of the custom NLU components."""
    from desk.nlu import code_fingerprint

    digest = hashlib.sha256(code_fingerprint().encode())
    build = settings.build_dir()
    files = [build / "config.yml", *sorted(build.glob("domain/*.yml"))]
    for source in rasa_data():
        path = ROOT / source
        files.extend(sorted(path.rglob("*.yml")) if path.is_dir() else [path])
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def train(out: Optional[str] = None, fixed_name: Optional[str] = None, force: bool = False) -> int:
    """Generate data and train, unless a model of the same fingerprint is already in `out`."""
    return 0 if train_model(out, fixed_name, force) else 1


def train_model(out: Optional[str] = None, fixed_name: Optional[str] = None, force: bool = False) -> Optional[Path]:
    """The trained (or already matching) model's path, None if training failed."""
    out = out or str(settings.models_dir())
    generate_from_db()
    fingerprint = training_fingerprint()
    stamp = Path(out if Path(out).is_absolute() else ROOT / out) / f".{fixed_name or 'desk'}.fingerprint"
    name = fixed_name or f"desk-{fingerprint}"
    model = stamp.parent / f"{name}.tar.gz"
    if not force and model.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        print(f"model {model.relative_to(ROOT) if model.is_relative_to(ROOT) else model} matches the current data: not retraining")
        model.touch()  # newest model is the one `make run` serves
        return model
    command = [
        rasa_executable(), "train",
        "--config", str(settings.build_dir() / "config.yml"),
        "--domain", str(settings.build_dir() / "domain"),
        "--data", *rasa_data(),
        "--out", out,
    ]
    command += ["--fixed-model-name", name]
    if force:
        command.append("--force")
    code = subprocess.call(command, cwd=ROOT)
    if code != 0:
        return None
    stamp.write_text(fingerprint)
    return model


def cmd_train(args: argparse.Namespace) -> int:
    return train(args.out, args.fixed_model_name, args.force)


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Held-out figures per language and per topic, and every topic's own examples."""
    from desk.admin import evaluation as ev

    model = Path(args.model) if args.model else settings.newest_model()
    if model is None or not model.exists():
        print("no model: run `desk train` first", file=sys.stderr)
        return 1
    with new_session() as session:
        records = all_records(session)
    known = [r.id for r in records]
    predict = ev.assistant_predictor(str(model), known)
    print(f"model: {model.name}")
    questions = ev.heldout(ev.HELDOUT_SETS["dev"])
    ev.print_table({"assistant": ev.score(questions, predict)})
    print("\nheld-out topic accuracy per topic:")
    for topic, (right, total) in ev.per_topic(questions, predict).items():
        print(f"  {topic:28} {right:3}/{total:<3} {right / total:.3f}")
    shares = ev.topic_self_check(predict, records)
    print(f"\nown examples recognised (needs >= {ev.MIN_SELF_RECOGNITION:.2f}):")
    failing = []
    for topic, share in shares.items():
        flag = "" if share >= ev.MIN_SELF_RECOGNITION else "  <- NOT RECOGNISED"
        failing += [topic] if flag else []
        print(f"  {topic:28} {share:.3f}{flag}")
    return 1 if failing else 0


class Progress:
    """Phases of a publish or rollback on stdout and, with ``--report FILE``, as JSON for the
    admin console, which runs the command as a background job and polls the file."""

    def __init__(self, kind: str, report: Optional[str]) -> None:
        import time

        self.clock = time.monotonic
        self.started = self.clock()
        self.path = Path(report) if report else None
        self.state: dict = {"kind": kind, "status": "running", "phases": [], "figures": {}, "reasons": [],
                            "newly_covered": [], "message": ""}
        self._write()

    def _write(self) -> None:
        if self.path:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.state, ensure_ascii=False), encoding="utf-8")
            tmp.replace(self.path)

    def phase(self, name: str) -> None:
        elapsed = round(self.clock() - self.started, 1)
        print(f"[{elapsed:6.1f}s] {name}", flush=True)
        self.state["phases"].append({"name": name, "at": elapsed})
        self._write()

    def update(self, **values: object) -> None:
        self.state.update(values)
        self._write()

    def finish(self, status: str, message: str, code: int) -> int:
        print(message, file=sys.stderr if code else sys.stdout, flush=True)
        self.update(status=status, message=message, seconds=round(self.clock() - self.started, 1))
        return code


def cmd_publish(args: argparse.Namespace) -> int:
    """Generate, train, evaluate against the live model, and swap only if the gate passes;
    one at a time (desk.admin.joblock)."""
    return _one_at_a_time("publish", args, _publish)


def cmd_rollback(args: argparse.Namespace) -> int:
    return _one_at_a_time("rollback", args, _rollback)


def _one_at_a_time(kind: str, args: argparse.Namespace, job: Callable[[argparse.Namespace], int]) -> int:
    from desk.admin.joblock import Busy, publishing

    try:
        with publishing():
            return job(args)
    except Busy as exc:
        return Progress(kind, args.report).finish("failed", f"{kind} refused, nothing changed: {exc}", 1)


def _publish(args: argparse.Namespace) -> int:
    from desk.admin import coverage
    from desk.admin import publish as pub

    # Training and evaluating are CPU-heavy; on a small machine the live servers must keep
    # answering first, so this process (and the training it starts) runs in the background.
    priority = become_background()
    progress = Progress("publish", args.report)
    try:
        live = pub.live_model()
        progress.phase(f"training ({priority})")
        model = train_model()
        if model is None:
            return progress.finish("failed", "training failed: nothing changed live", 1)
        with new_session() as session:
            records = all_records(session)
            confirmed = coverage.accepted(session)
        progress.phase("gate: evaluating the candidate against the live model")
        result = pub.gate(model, live, records, confirmed, pub.topics_of(live), args.accept_coverage)
        print(f"gate figures: {json.dumps(result.figures, ensure_ascii=False)}")
        for item in result.newly_covered:
            print(f"newly covered by {item['topic']}: {item['text']!r}")
        progress.update(figures=result.figures, reasons=result.reasons, newly_covered=result.newly_covered,
                        model=model.name)
        if not result.passed:
            status = "needs confirmation" if result.reasons and result.needs_confirmation and len(result.reasons) == 1 \
                else "refused"
            pub.record({"action": "refused", "model": str(model), "by": args.by, "reasons": result.reasons})
            return progress.finish(status, "gate refused, nothing changed live:\n  " + "\n  ".join(result.reasons), 2)
        if Path(live).resolve() == model.resolve():
            return progress.finish("unchanged", f"{model.name} is already live", 0)
        progress.phase("swap: the gateway loads the new model next to the live one")
        swap = pub.swap(model)
    except pub.PublishError as exc:
        return progress.finish("failed", f"publish failed, nothing changed live: {exc}", 1)
    if result.newly_covered:
        with new_session() as session:
            coverage.confirm(session, result.newly_covered, args.by)
    pub.record({"action": "published", "model": str(model), "previous": live, "by": args.by,
                "figures": result.figures, "topics": coverage.topic_fingerprints(records),
                "newly_covered": result.newly_covered})
    return progress.finish("published", f"published {model.name} (model load {swap['load_seconds']} s, whole publish "
                           f"{progress.clock() - progress.started:.0f} s); previous: {Path(live).name}", 0)


def _rollback(args: argparse.Namespace) -> int:
    from desk.admin import publish as pub

    progress = Progress("rollback", args.report)
    try:
        live = pub.live_model()
        previous = next(
            (e["previous"] for e in reversed(pub.history()) if e["action"] in ("published", "rolled back")
             and Path(e["model"]).resolve() == Path(live).resolve() and e.get("previous")),
            None,
        )
        if previous is None or not Path(previous).exists():
            return progress.finish("failed", "no previous model to roll back to", 1)
        progress.phase(f"swap: the gateway loads {Path(previous).name} next to the live one")
        pub.swap(Path(previous))
    except pub.PublishError as exc:
        return progress.finish("failed", f"rollback failed, nothing changed live: {exc}", 1)
    pub.record({"action": "rolled back", "model": previous, "previous": live, "by": args.by})
    return progress.finish("rolled back", f"rolled back to {Path(previous).name}", 0)


def cmd_published(_: argparse.Namespace) -> int:
    """The model the servers start: the last one published (or rolled back to)."""
    from desk.admin import publish as pub

    model = pub.published_model()
    if model is None:
        print("nothing published yet: the first `make run` publishes the newest model", file=sys.stderr)
        return 1
    print(model)
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from desk.admin import review

    with new_session() as session:
        if args.review_command in ("accept", "dismiss"):
            if args.review_command == "accept" and not args.topic:
                print("accept needs --topic TOPIC", file=sys.stderr)
                return 1
            try:
                text = review.decide(
                    session, args.item, "accepted" if args.review_command == "accept" else "dismissed",
                    args.topic, args.by,
                )
            except ImportError_ as exc:
                print(f"nothing changed: {exc}", file=sys.stderr)
                return 1
            done = f"added to '{args.topic}' (live after the next `desk publish`)" if args.review_command == "accept" else "dismissed"
            print(f"{args.item}: {text!r} {done}")
            return 0
        items = review.queue(session)
    if not items:
        print("the review queue is empty")
    for item in items:
        suggestion = f"{item.suggested_topic} ({item.confidence:.2f})" if item.confidence is not None else (item.suggested_topic or "-")
        note = f"  note: {item.note}" if item.note else ""
        print(f"{item.id:8} {item.source:24} suggest {suggestion:34} {item.text!r}{note}")
    return 0


def cmd_analytics(args: argparse.Namespace) -> int:
    from desk.admin import analytics
    from desk.channels import turnlog

    if args.rebuild:
        from sqlalchemy import create_engine

        engine = create_engine(settings.tracker_url(), future=True)
        print(f"rebuilt {turnlog.rebuild(engine)} question rows from the stored events", file=sys.stderr)
        engine.dispose()
    try:
        figures = analytics.compute(args.days)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(figures, ensure_ascii=False, indent=1))
    elif args.format == "csv":
        print(analytics.to_csv(figures), end="")
    else:
        print(analytics.to_text(figures))
    return 0


def cmd_draft(args: argparse.Namespace) -> int:
    from desk.admin.draft import draft

    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    with new_session() as session:
        keywords = {r.id: [*r.keywords.zh, *r.keywords.en, r.title.zh] for r in all_records(session)}
    body = draft(text, keywords)
    if args.out:
        Path(args.out).write_text(body, encoding="utf-8")
        print(f"draft written to {args.out}")
    else:
        print(body, end="")
    return 0


def cmd_tracker_cleanup(args: argparse.Namespace) -> int:
    """Delete stored conversations inactive for longer than the retention period."""
    from desk.channels.stores import cleanup

    days = args.days or settings.tracker_retention_days()
    deleted = cleanup(days=days)
    print(f"deleted {deleted} conversation(s) inactive for more than {days} days")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="desk", description="Pudong talent desk admin tool")
    sub = p.add_subparsers(dest="command", required=True)

    policy = sub.add_parser("policy", help="the policy database").add_subparsers(dest="policy_command", required=True)
    imp = policy.add_parser("import", help="validate and upsert policy YAML files")
    imp.add_argument("files", nargs="+", help="files or directories of *.yml")
    imp.add_argument("--by", default=default_author(), help="who makes the change")
    imp.set_defaults(func=cmd_policy_import)
    seed = policy.add_parser("seed", help="import the files only if the database is empty (make run)")
    seed.add_argument("files", nargs="+")
    seed.add_argument("--by", default="seed")
    seed.set_defaults(func=cmd_policy_seed)
    policy.add_parser("list", help="list topics").set_defaults(func=cmd_policy_list)
    show = policy.add_parser("show", help="print one topic")
    show.add_argument("topic")
    show.set_defaults(func=cmd_policy_show)
    export = policy.add_parser("export", help="write topics as import files")
    export.add_argument("dir", nargs="?", default="export")
    export.set_defaults(func=cmd_policy_export)

    stale = policy.add_parser("stale", help="facts not checked for N months, or ending within 60 days")
    stale.add_argument("--months", type=int, default=STALE_AFTER_MONTHS)
    stale.add_argument("--json", action="store_true", help="machine-readable list")
    stale.set_defaults(func=cmd_policy_stale)
    hist = policy.add_parser("history", help="every change of a topic: version, time, who, source")
    hist.add_argument("topic")
    hist.set_defaults(func=cmd_policy_history)
    rev = policy.add_parser("revert", help="make a past version current again")
    rev.add_argument("topic")
    rev.add_argument("--to", type=int, required=True, metavar="VERSION")
    rev.add_argument("--by", default=default_author(), help="who makes the change")
    rev.set_defaults(func=cmd_policy_revert)

    data = sub.add_parser("data", help="training data").add_subparsers(dest="data_command", required=True)
    data.add_parser("generate", help="training data and jieba dictionary from the database").set_defaults(func=cmd_data_generate)

    ev = sub.add_parser("evaluate", help="held-out figures and a check that every topic is recognised")
    ev.add_argument("--model", default=None, help="model archive (default: newest in models/)")
    ev.set_defaults(func=cmd_evaluate)

    pb = sub.add_parser("publish", help="train, evaluate against the live model, swap if the gate passes")
    pb.add_argument("--by", default=default_author())
    pb.add_argument("--accept-coverage", action="store_true",
                    help="confirm that held-out out-of-scope questions a new or widened topic now answers are in scope")
    pb.add_argument("--report", default=None, help=argparse.SUPPRESS)  # JSON progress for the admin console
    pb.set_defaults(func=cmd_publish)
    rb = sub.add_parser("rollback", help="put the previously published model back")
    rb.add_argument("--by", default=default_author())
    rb.add_argument("--report", default=None, help=argparse.SUPPRESS)
    rb.set_defaults(func=cmd_rollback)
    sub.add_parser("published", help="the model the servers start (last published)").set_defaults(func=cmd_published)

    rv = sub.add_parser("review", help="questions that fell back, had low confidence or were marked wrong")
    rv.set_defaults(func=cmd_review, review_command="list")
    rv_sub = rv.add_subparsers(dest="review_command")
    for verb in ("accept", "dismiss"):
        item = rv_sub.add_parser(verb, help=f"{verb} a queue item")
        item.add_argument("item", help="item ID from `desk review`")
        item.add_argument("--topic", default=None, help="topic the question belongs to (accept)")
        item.add_argument("--by", default=default_author())
        item.set_defaults(func=cmd_review)

    an = sub.add_parser("analytics", help="questions per day, outcomes, unanswered, feedback accuracy, answer time")
    an.add_argument("--format", choices=("text", "csv", "json"), default="text")
    an.add_argument("--days", type=int, default=30)
    an.add_argument("--rebuild", action="store_true", help="derive the question rows again from all stored events")
    an.set_defaults(func=cmd_analytics)

    dr = sub.add_parser("draft", help="draft import YAML from a policy document (一、关于……)")
    dr.add_argument("file")
    dr.add_argument("--out", default=None, help="write to this file instead of stdout")
    dr.set_defaults(func=cmd_draft)

    database.add_parser(sub)
    roles.add_parser(sub)

    tr = sub.add_parser("train", help="generate data and train (skips when nothing changed)")
    tr.add_argument("--out", default=None, help="model directory (default: DESK_MODELS_DIR or models/)")
    tr.add_argument("--fixed-model-name", default=None)
    tr.add_argument("--force", action="store_true")
    tr.set_defaults(func=cmd_train)

    tk = sub.add_parser("tracker", help="the conversation store").add_subparsers(dest="tracker_command", required=True)
    cl = tk.add_parser("cleanup", help="delete conversations inactive for longer than the retention period")
    cl.add_argument("--days", type=int, default=None,
                    help=f"retention in days (default: DESK_TRACKER_RETENTION_DAYS or {settings.TRACKER_RETENTION_DAYS})")
    cl.set_defaults(func=cmd_tracker_cleanup)
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
