"""The admin loop end to end: a new topic imported from a file goes live through `desk
publish` (train, gate, swap behind the gateway) while questions keep coming, with zero failed
requests; `desk rollback` puts the previous model back; a broken dataset is refused by the
gate and changes nothing live."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import httpx
import pytest

from desk.admin.coverage import topic_fingerprints
from desk.admin.processes import (
    ROOT,
    action_server,
    free_port,
    gateway_server,
    wait_model_loaded,
    write_endpoints,
)
from desk.policies.db import new_session
from desk.policies.importer import all_records
from tests.stack import RASA_TOKEN, STAFF_TOKEN, build_stack

pytestmark = pytest.mark.stack
# A topic on a subject the desk used to refuse (out of scope in the held-out set): the publish
# confirms the newly covered questions. (A planned residence sub-measure is no longer a good
# new topic: the residence-permit record now answers it with its own warning.)
FIXTURE = Path(__file__).parent / "fixtures" / "driving_licence.yml"


class Desk:
    def __init__(self, workdir: Path) -> None:
        stack = build_stack(workdir)  # policy DB, env and the test model
        self.workdir, self.model, self.root = workdir, stack.model, ROOT
        self.port, self.admin_port, action_port = free_port(), free_port(), free_port()
        self.env: Dict[str, str] = {
            **stack.env,
            "DESK_BUILD_DIR": str(workdir / "build"),
            "DESK_MODELS_DIR": str(workdir / "models"),
            "DESK_GATEWAY_URL": f"http://127.0.0.1:{self.admin_port}",
        }
        self.endpoints = write_endpoints(workdir / "endpoints.yml", action_port)
        self.action = action_server(action_port, self.env, workdir / "logs").start()
        self.gateway = gateway_server(self.port, self.model, str(self.endpoints), self.env, workdir / "logs",
                                      admin_port=self.admin_port).start()
        self.action.wait_ready()
        self.gateway.wait_ready()
        wait_model_loaded(self.admin_port, RASA_TOKEN)
        # what `make run` records on its first start: the serving model and the topics it knows
        with new_session(self.env["DESK_DB_URL"]) as session:
            topics = topic_fingerprints(all_records(session))
        var = Path(self.env["DESK_VAR_DIR"])
        var.mkdir(parents=True, exist_ok=True)
        (var / "published.json").write_text(json.dumps([{"action": "initial", "model": self.model, "topics": topics,
                                                         "at": "2026-01-01T00:00:00+00:00"}]), encoding="utf-8")

    def restart(self) -> None:
        """Stop the gateway (and its Rasa process) and start it again on the model a
        restart of `make run` serves: the last published one (`desk published`)."""
        published = self.desk("published")
        assert published.returncode == 0, published.stderr
        self.gateway.stop()
        self.gateway = gateway_server(self.port, published.stdout.strip(), str(self.endpoints), self.env,
                                      self.workdir / "logs", admin_port=self.admin_port).start()
        self.gateway.wait_ready()
        wait_model_loaded(self.admin_port, RASA_TOKEN)

    def desk(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "desk.admin.cli", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=1200,
        )

    def ask(self, sender: str, message: str, client: Optional[httpx.Client] = None) -> httpx.Response:
        return (client or httpx).post(  # type: ignore[attr-defined]
            f"http://127.0.0.1:{self.port}/webhooks/hotline/webhook",
            json={"sender": sender, "message": message},
            headers={"Authorization": f"Bearer {STAFF_TOKEN}"}, timeout=60,
        )

    def live(self) -> str:
        return httpx.get(f"http://127.0.0.1:{self.admin_port}/_gateway/status",
                         headers={"Authorization": f"Bearer {RASA_TOKEN}"}).json()["model"]

    def stop(self) -> None:
        self.gateway.stop()
        self.action.stop()


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Desk:
    running = Desk(tmp_path_factory.mktemp("publish"))
    yield running
    running.stop()


class Load:
    """Questions that keep coming from two callers while a publish runs. Each caller keeps
    one HTTP connection (as a WeChat server or the staff console does, so the figures are
    the desk's, not the client's connection set-up) and starts a new conversation every
    ten questions, like callers on a hotline."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.timed: List[Tuple[float, float]] = []  # (monotonic start, latency in s)
        self.errors: List[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,)) for i in range(2)]

    @property
    def latencies(self) -> List[float]:
        return [latency for _, latency in self.timed]

    def _run(self, caller: int) -> None:
        messages = ["口岸签证需要什么材料", "how long is the R visa valid", "那需要多久？"]
        i = 0
        with httpx.Client(timeout=60) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    response = self.desk.ask(f"load-{caller}-{i // 10}", messages[i % 3], client)
                    if response.status_code != 200:
                        self.errors.append(str(response.status_code))
                except httpx.HTTPError as exc:
                    self.errors.append(type(exc).__name__)
                self.timed.append((started, time.monotonic() - started))
                i += 1
                time.sleep(0.05)

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def test_publish_new_topic_without_failed_requests(desk: Desk) -> None:
    before = desk.ask("new-topic", "how do I exchange my foreign driving licence").json()
    assert before["topic"] != "driving_licence"
    imported = desk.desk("policy", "import", str(FIXTURE), "--by", "test-admin")
    assert imported.returncode == 0, imported.stderr
    old_model = desk.live()
    with Load(desk) as load:
        published = desk.desk("publish", "--by", "test-admin", "--accept-coverage")
    assert published.returncode == 0, published.stdout + published.stderr
    latencies: List[float] = sorted(load.latencies)
    print(f"\nduring publish: {len(latencies)} requests, errors {len(load.errors)}, "
          f"max {latencies[-1]:.2f}s, p99 {latencies[int(len(latencies) * 0.99) - 1]:.2f}s")
    assert load.errors == [] and len(latencies) > 10
    assert desk.live() != old_model
    after = desk.ask("new-topic-2", "外国驾照怎么换成中国驾照").json()
    assert after["topic"] == "driving_licence"
    # the record has no steps, so "how" gets where its facts stop; what to bring, its materials and source
    materials = desk.ask("new-topic-3", "换中国驾照要带哪些材料").json()
    assert materials["topic"] == "driving_licence"
    assert any("公安部令第162号" in r for r in materials["replies"])  # cites the new record's source

    rolled = desk.desk("rollback", "--by", "test-admin")
    assert rolled.returncode == 0, rolled.stderr
    assert desk.live() == old_model
    desk.restart()  # a restart keeps the rolled-back model, not the newer file
    assert desk.live() == old_model


def test_gate_refuses_a_broken_dataset(desk: Desk, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = FIXTURE.read_text(encoding="utf-8").replace("driving_licence", "driving_licence_copy")
    broken.write_text(text, encoding="utf-8")  # a second topic with the same examples as the first
    desk.desk("policy", "import", str(broken))
    live = desk.live()
    refused = desk.desk("publish")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "gate refused" in refused.stderr and "recognised from only" in refused.stderr
    assert desk.live() == live
    newest = max(Path(desk.env["DESK_MODELS_DIR"]).glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    assert newest.resolve() != Path(live).resolve()  # the refused candidate is the newest file
    desk.restart()  # a restart serves the published model, not the refused newer file
    assert desk.live() == live
