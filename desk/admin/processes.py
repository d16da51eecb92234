"""Start, wait for and stop the servers (action server, Rasa server, web pages). Used by
`make run`, the end-to-end tests and the benchmark so all three run the stack the same way."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import httpx

from desk import settings
from desk.admin.priority import become_background

ROOT = settings.PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def venv_bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def base_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("SANIC_REGISTER", "false")
    env.update(extra or {})
    return env


@dataclass
class Server:
    name: str
    command: List[str]
    health_url: str
    env: Dict[str, str]
    log_path: Path
    background: bool = False
    process: Optional[subprocess.Popen] = field(default=None, repr=False)

    def start(self) -> Server:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=become_background if self.background else None,
        )
        return self

    def wait_ready(self, timeout: float = 240.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early; see {self.log_path}")
            try:
                if httpx.get(self.health_url, timeout=2.0).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{self.name} not ready after {timeout:.0f}s; see {self.log_path}")

    def stop(self, timeout: float = 20.0) -> None:
        if not self.process or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=5)


def action_server(port: int, env: Dict[str, str], log_dir: Path) -> Server:
    return Server(
        "action server",
        [venv_bin("python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        f"http://127.0.0.1:{port}/health",
        env,
        log_dir / "action-server.log",
    )


def rasa_server(
    port: int, model: str, endpoints: str, env: Dict[str, str], log_dir: Path,
    credentials: str = "credentials.yml", background: bool = False,
) -> Server:
    """A Rasa server; ``background`` starts it at background CPU priority (desk.admin.priority)."""
    return Server(
        "Rasa server",
        [
            venv_bin("python"), "-m", "desk.rasa_server", "run",
            "--model", model,
            "--port", str(port),
            "--enable-api",
            "--auth-token", env["RASA_AUTH_TOKEN"],
            "--credentials", credentials,
            "--endpoints", endpoints,
            "--cors", "*",
        ],
        f"http://127.0.0.1:{port}/",
        env,
        log_dir / "rasa-server.log",
        background=background,
    )


def wait_model_loaded(port: int, token: str, timeout: float = 240.0) -> None:
    """The Rasa server answers / before its model is loaded; /status tells when it is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/status", params={"token": token}, timeout=2.0)
            if r.status_code == 200 and r.json().get("model_file"):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise TimeoutError("Rasa server did not load its model in time")


def write_endpoints(path: Path, action_port: int) -> Path:
    text = (ROOT / "endpoints.yml").read_text(encoding="utf-8").replace(
        "http://localhost:5055/webhook", f"http://127.0.0.1:{action_port}/webhook"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def web_server(port: int, rasa_port: int, env: Dict[str, str], log_dir: Path) -> Optional[Server]:
    """The static web pages, if the project has them."""
    web_dir = ROOT / "web"
    if not (web_dir / "index.html").exists():
        return None
    return Server(
        "web pages",
        [venv_bin("python"), "-m", "desk.web.serve", "--port", str(port), "--rasa-port", str(rasa_port)],
        f"http://127.0.0.1:{port}/",
        env,
        log_dir / "web.log",
    )


def gateway_server(port: int, model: str, endpoints: str, env: Dict[str, str], log_dir: Path) -> Server:
    """The public Rasa port: a gateway that runs (and swaps) the Rasa server behind it."""
    return Server(
        "gateway",
        [venv_bin("python"), "-m", "desk.gateway.server", "--port", str(port), "--model", model,
         "--endpoints", endpoints, "--log-dir", str(log_dir)],
        f"http://127.0.0.1:{port}/",
        env,
        log_dir / "gateway.log",
    )
