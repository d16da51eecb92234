"""Start, wait for and stop the servers (action server, Rasa server, web pages). Used by
`make run`, the end-to-end tests and the benchmark so all three run the stack the same way."""

from __future__ import annotations

import ctypes
import json
import logging
import logging.handlers
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Callable, Dict, List, Optional

import httpx

from desk import observability, settings
from desk.admin.priority import become_background

ROOT = settings.PROJECT_ROOT
PR_SET_PDEATHSIG = 1  # linux/prctl.h


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


ANSI = re.compile(r"\x1b\[[0-9;]*m")
LEVEL = re.compile(r"\b(DEBUG|INFO|WARNING|ERROR|CRITICAL)\b")


class LogPump(threading.Thread):
    """Copies a child's output into its log file as JSON lines (desk.observability): rotated,
    secrets masked, long lines cut; lines that already are JSON objects are kept as they are."""

    def __init__(self, stream: IO[bytes], path: Path, process: str) -> None:
        super().__init__(daemon=True, name=f"log:{process}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.stream, self.process = stream, process
        self.handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=observability.LOG_BYTES, backupCount=observability.LOG_BACKUPS, encoding="utf-8"
        )

    def line(self, raw: bytes) -> Optional[str]:
        text = ANSI.sub("", raw.decode("utf-8", "replace")).rstrip()
        if not text:
            return None
        if text.startswith("{") and text.endswith("}") and len(text) <= 2 * observability.MAX_LOG_CHARS:
            return observability.mask(text)
        level = LEVEL.search(text[:80])
        return json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                           "level": level.group(1) if level else "INFO", "process": self.process,
                           "message": observability.mask(text)}, ensure_ascii=False)

    def run(self) -> None:
        try:
            for raw in iter(self.stream.readline, b""):
                entry = self.line(raw)
                if entry:
                    self.handler.handle(logging.makeLogRecord({"msg": entry, "levelno": logging.INFO}))
        finally:
            self.handler.close()


def _child_setup(background: bool) -> None:
    """In the child before exec: die with the parent (a killed gateway must not leave its
    Rasa process running), and optionally take the background CPU class."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
    if background:
        become_background()


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
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=partial(_child_setup, self.background),
        )
        LogPump(self.process.stdout, self.log_path, self.name).start()  # type: ignore[arg-type]
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


def desk_serve(role: str) -> List[str]:
    """The role command a container runs for this server (desk.admin.roles): tests and
    `make run` start servers the same way a deployment does."""
    return [venv_bin("python"), "-m", "desk.admin.roles", role]


def action_server(port: int, env: Dict[str, str], log_dir: Path) -> Server:
    """The action server on loopback only (rasa_sdk reads its interface from SANIC_HOST):
    whoever reaches it can run any action with a forged tracker."""
    return Server(
        "action server",
        [*desk_serve("actions"), "--port", str(port)],
        f"http://{settings.LOOPBACK}:{port}/health",
        env,
        log_dir / "action-server.log",
    )


def rasa_server(
    port: int, model: str, endpoints: str, env: Dict[str, str], log_dir: Path,
    credentials: str = "credentials.yml", background: bool = False,
) -> Server:
    """A Rasa server on loopback; ``background`` starts it at background CPU priority
    (desk.admin.priority). Its API token is RASA_AUTH_TOKEN in ``env`` (desk.rasa_server
    passes it to Rasa inside the process, never on the command line); no CORS (the gateway
    answers browsers)."""
    return Server(
        "Rasa server",
        [
            venv_bin("python"), "-m", "desk.rasa_server", "run",
            "--model", model,
            "--interface", settings.LOOPBACK,
            "--port", str(port),
            "--enable-api",
            "--credentials", credentials,
            "--endpoints", endpoints,
        ],
        f"http://{settings.LOOPBACK}:{port}/",
        env,
        log_dir / "rasa-server.log",
        background=background,
    )


def wait_model_loaded(port: int, token: str, timeout: float = 240.0) -> None:
    """The Rasa server answers / before its model is loaded; /status tells when it is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:  # loopback only; httpx's request log (which would show the token) is kept off
            r = httpx.get(f"http://{settings.LOOPBACK}:{port}/status", params={"token": token}, timeout=2.0)
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
        [*desk_serve("web"), "--port", str(port), "--rasa-port", str(rasa_port)],
        f"http://127.0.0.1:{port}/",
        env,
        log_dir / "web.log",
    )


def gateway_server(port: int, model: str, endpoints: str, env: Dict[str, str], log_dir: Path,
                   admin_port: int = settings.ADMIN_PORT) -> Server:
    """The public Rasa port: a gateway that runs (and swaps) the Rasa server behind it, with
    its admin side on loopback ``admin_port``."""
    return Server(
        "gateway",
        [*desk_serve("rasa"), "--port", str(port), "--admin-port", str(admin_port),
         "--model", model, "--endpoints", endpoints, "--log-dir", str(log_dir)],
        f"http://{settings.LOOPBACK}:{port}/health",
        env,
        log_dir / "gateway.log",
    )


class Supervisor:
    """Keeps servers running: one that exits is started again, after a delay that grows
    while it keeps crashing soon after its start (RESTART_BACKOFF) and resets once it has
    run for STABLE_SECONDS."""

    RESTART_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)
    STABLE_SECONDS = 120.0

    def __init__(self, servers: List[Server], on_restart: Optional[Callable[[Server, int], None]] = None) -> None:
        self.servers = servers
        self.on_restart = on_restart
        self.restarts: Dict[str, int] = {s.name: 0 for s in servers}
        self._started: Dict[str, float] = {s.name: time.monotonic() for s in servers}
        self._quick: Dict[str, int] = {s.name: 0 for s in servers}
        self._due: Dict[str, float] = {}

    def tick(self) -> None:
        """Look once: schedule a restart for each exited server, start those that are due."""
        now = time.monotonic()
        for server in self.servers:
            if not server.process or server.process.poll() is None:
                continue
            name = server.name
            if name not in self._due:
                lived = now - self._started[name]
                self._quick[name] = 0 if lived > self.STABLE_SECONDS else self._quick[name] + 1
                delay = self.RESTART_BACKOFF[min(self._quick[name], len(self.RESTART_BACKOFF)) - 1] \
                    if self._quick[name] else 0.0
                self._due[name] = now + delay
                print(f"{name} exited (code {server.process.returncode}) after {lived:.0f}s; "
                      f"restarting in {delay:.0f}s (see {server.log_path})", file=sys.stderr, flush=True)
            elif now >= self._due[name]:
                del self._due[name]
                server.start()
                self._started[name] = now
                self.restarts[name] += 1
                if self.on_restart:
                    self.on_restart(server, self.restarts[name])
