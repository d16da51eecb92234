"""Background CPU priority for publish work (desk.admin.priority) and the gate's figures
cache (desk.admin.publish.model_figures), on real processes and files."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest

from desk import settings
from desk.admin import publish
from desk.admin.priority import restore_foreground

SLEEPER = "import threading, time; threading.Thread(target=time.sleep, args=(30,)).start(); time.sleep(30)"


def policies(pid: int) -> List[int]:
    return [os.sched_getscheduler(int(t.name)) for t in Path(f"/proc/{pid}/task").iterdir()]


def test_background_process_and_its_threads_get_normal_priority_back() -> None:
    from desk.admin.priority import become_background

    child = subprocess.Popen([sys.executable, "-c", SLEEPER], preexec_fn=become_background)
    try:
        time.sleep(0.5)
        assert policies(child.pid) and set(policies(child.pid)) == {os.SCHED_IDLE}
        if not restore_foreground(child.pid):
            pytest.skip("this machine does not allow raising priority (no CAP_SYS_NICE)")
        assert set(policies(child.pid)) == {os.SCHED_OTHER}
    finally:
        child.kill()
        child.wait()


def test_gate_figures_are_evaluated_once_per_model(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(settings, "VAR_DIR", tmp_path)
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"model one")
    questions = [{"text": "口岸签证要多久", "lang": "zh", "topic": "port_visa", "aspect": "duration"},
                 {"text": "how to open a bank account", "lang": "en", "topic": None, "aspect": None}]
    calls: List[str] = []

    def predictor(text: str):
        calls.append(text)
        return ("port_visa", "duration", "ask_port_visa") if "签证" in text else (None, None, "out_of_scope")

    first = publish.model_figures(model, questions, ["port_visa"], predictor)
    assert first["topic"] == 1.0 and first["oos_rejection"] == 1.0 and len(calls) == 2
    assert publish.model_figures(model, questions, ["port_visa"], predictor) == first and len(calls) == 2
    publish.model_figures(model, questions, ["port_visa", "new_topic"], predictor)  # other topics known
    assert len(calls) == 4
    model.write_bytes(b"model two")  # another model under the same name
    publish.model_figures(model, questions, ["port_visa"], predictor)
    assert len(calls) == 6
