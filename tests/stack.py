"""A running assistant for end-to-end tests: real action server and Rasa server on free
ports, a policy database and a tracker store of their own, on the model `make test` trained
(DESK_TEST_MODEL) or one trained here."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional

import httpx

from desk.admin.processes import (
    ROOT,
    Server,
    action_server,
    base_env,
    free_port,
    gateway_server,
    rasa_server,
    wait_model_loaded,
    write_endpoints,
)
from desk.policies.db import new_session
from desk.policies.importer import import_paths

STAFF_TOKEN = "test-staff-token"
RASA_TOKEN = "test-rasa-token"


@dataclass
class Stack:
    workdir: Path
    model: str
    env: Dict[str, str]
    rasa_port: int = field(default_factory=free_port)
    admin_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    servers: Dict[str, Server] = field(default_factory=dict)
    gateway: bool = True

    @property
    def url(self) -> str:
        """The public port (channels, socket.io, /health)."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def api_url(self) -> str:
        """Where the Rasa HTTP API is: the gateway's loopback admin port (or, without a
        gateway, the Rasa server itself)."""
        return f"http://127.0.0.1:{self.admin_port if self.gateway else self.rasa_port}"

    def events(self, conversation: str) -> list:
        """Every stored event of a conversation (channel-namespaced id, e.g. "hotline:call-1")."""
        response = httpx.get(f"{self.api_url}/conversations/{conversation}/tracker", params={"token": RASA_TOKEN})
        assert response.status_code == 200, response.text
        return response.json()["events"]

    def _front(self) -> Server:
        """What listens on the public port: the gateway supervising a Rasa server, as
        `make run` serves it, or (gateway=False) the Rasa server alone."""
        endpoints, logs = str(self.workdir / "endpoints.yml"), self.workdir / "logs"
        if self.gateway:
            return gateway_server(self.rasa_port, self.model, endpoints, self.env, logs,
                                  admin_port=self.admin_port).start()
        return rasa_server(self.rasa_port, self.model, endpoints, self.env, logs).start()

    def start(self) -> "Stack":
        write_endpoints(self.workdir / "endpoints.yml", self.action_port)
        self.servers["action"] = action_server(self.action_port, self.env, self.workdir / "logs").start()
        self.servers["rasa"] = self._front()
        for server in self.servers.values():
            server.wait_ready()
        wait_model_loaded(self.admin_port if self.gateway else self.rasa_port, RASA_TOKEN)
        return self

    def restart_rasa(self) -> None:
        self.servers["rasa"].stop()
        self.servers["rasa"] = self._front()
        self.servers["rasa"].wait_ready()
        wait_model_loaded(self.admin_port if self.gateway else self.rasa_port, RASA_TOKEN)

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def ask(self, sender: str, message: str, token: Optional[str] = STAFF_TOKEN) -> Dict[str, Any]:
        response = self.hotline({"sender": sender, "message": message}, token)
        assert response.status_code == 200, response.text
        return response.json()

    def hotline(self, body: Any, token: Optional[str] = STAFF_TOKEN, raw: Optional[bytes] = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = f"{self.url}/webhooks/hotline/webhook"
        if raw is not None:
            return httpx.post(url, content=raw, headers={**headers, "Content-Type": "application/json"}, timeout=30)
        return httpx.post(url, json=body, headers=headers, timeout=30)


def build_stack(workdir: Path, model: Optional[str] = None) -> Stack:
    workdir.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{workdir / 'policies.db'}"
    with new_session(db_url) as session:
        import_paths(session, [str(ROOT / "data" / "policies")], author="test")
    env = base_env(
        {
            "DESK_DB_URL": db_url,
            "DESK_TRACKER_URL": f"sqlite:///{workdir / 'tracker.db'}",
            "DESK_STAFF_TOKEN": STAFF_TOKEN,
            "RASA_AUTH_TOKEN": RASA_TOKEN,
            "WECHAT_TOKEN": "test-wechat-token",
            "DESK_SESSION_SECRET": "test-session-secret",
            "DESK_VAR_DIR": str(workdir / "var"),
        }
    )
    model = model or os.environ.get("DESK_TEST_MODEL")
    if model:
        model = str((ROOT / model).resolve()) if not Path(model).is_absolute() else model
    if not model or not Path(model).exists():
        out = workdir / "models"
        subprocess.run(
            [sys.executable, "-m", "desk.admin.cli", "train", "--out", str(out), "--fixed-model-name", "desk-test"],
            cwd=ROOT, env=env, check=True,
        )
        model = str(out / "desk-test.tar.gz")
    return Stack(workdir, model, env)
