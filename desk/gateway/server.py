"""`python -m desk.gateway.server --port 5005 --model M`: serve the public port, run
``DESK_RASA_REPLICAS`` Rasa servers for the model on private ports, and swap models on request.

POST /_gateway/swap {"model": path} (Bearer RASA_AUTH_TOKEN): start as many Rasa processes
with the new model, wait until their model is loaded, switch traffic to all of them at once,
wait for the old processes' in-flight requests to finish, then stop them. Requests keep
flowing to the old processes while the new ones load, so nobody waits for a model load.
GET /_gateway/status says what is live.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import httpx
from aiohttp import web

from desk import settings
from desk.admin.priority import restore_foreground
from desk.admin.processes import Server, base_env, free_port, rasa_server, wait_model_loaded
from desk.gateway.proxy import Proxy

logger = logging.getLogger(__name__)
DRAIN_SECONDS = 30.0


WARM_UP = ("口岸签证需要什么材料", "how long is the R visa valid", "你好")
WARM_UP_SENDER = "_gateway_warm_up"


def warm_up(port: int, env: Dict[str, str]) -> None:
    """Run a few questions through the new process's whole turn (hotline channel, NLU,
    policies, action server, tracker store, structured answer) before it takes traffic:
    first use of each costs up to a second in a fresh process (jieba, classifiers, the
    policy catalogue, database connections), and no caller should pay it."""
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(timeout=30) as client:
        for text in WARM_UP:
            if env.get("DESK_STAFF_TOKEN"):  # a whole turn, NLU included
                client.post(f"{base}/webhooks/hotline/webhook", json={"sender": WARM_UP_SENDER, "message": text},
                            headers={"Authorization": f"Bearer {env['DESK_STAFF_TOKEN']}"})
            else:
                client.post(f"{base}/model/parse", params={"token": env["RASA_AUTH_TOKEN"]}, json={"text": text})


class Gateway:
    def __init__(self, endpoints: str, log_dir: Path, env: Dict[str, str]) -> None:
        self.proxy = Proxy()
        self.endpoints = endpoints
        self.log_dir = log_dir
        self.env = env
        self.replicas = settings.rasa_replicas()
        self.current: List[Server] = []
        self.model: Optional[str] = None
        self._lock = asyncio.Lock()

    def _start_rasa(self, model: str) -> tuple[Server, int]:
        """Start and warm up a Rasa process for ``model``. Next to a live one it loads in the
        background CPU class, so the live process keeps answering at full speed on a small
        machine, and gets normal priority back before it takes traffic."""
        port = free_port()
        background = bool(self.current)
        server = rasa_server(port, model, self.endpoints, self.env, self.log_dir, background=background).start()
        try:
            server.wait_ready()
            wait_model_loaded(port, self.env["RASA_AUTH_TOKEN"])
            warm_up(port, self.env)
            if background and server.process and not restore_foreground(server.process.pid):
                logger.warning("the new Rasa process keeps background priority (no CAP_SYS_NICE)")
        except Exception:
            server.stop()
            raise
        return server, port

    def _start_replicas(self, model: str) -> List[tuple[Server, int]]:
        """All replicas for ``model``, loaded one after another (on a small machine a second
        concurrent load only slows the live servers down); none if any fails to start."""
        started: List[tuple[Server, int]] = []
        try:
            for _ in range(self.replicas):
                started.append(self._start_rasa(model))
        except Exception:
            for server, _port in started:
                server.stop()
            raise
        return started

    async def swap(self, model: str) -> Dict[str, Any]:
        async with self._lock:
            started = time.monotonic()
            new = await asyncio.to_thread(self._start_replicas, model)
            loaded = time.monotonic() - started
            old, old_backends = self.current, list(self.proxy.backends)
            self.proxy.backends = [f"http://127.0.0.1:{port}" for _server, port in new]
            self.current, self.model = [server for server, _port in new], model
            drained = True
            for backend in old_backends:
                drained = await self.proxy.drained(backend, DRAIN_SECONDS) and drained
            for server in old:
                await asyncio.to_thread(server.stop)
            logger.info("model %s live on %d Rasa server(s) after %.1fs", model, len(new), loaded)
            return {"model": model, "load_seconds": round(loaded, 1), "drained": drained,
                    "replicas": len(new)}

    def stop(self) -> None:
        for server in self.current:
            server.stop()


def authorised(request: web.Request) -> bool:
    header = request.headers.get("Authorization", "")
    token = settings.secret("RASA_AUTH_TOKEN")
    return header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode())


def build_app(gateway: Gateway) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)

    async def status(request: web.Request) -> web.Response:
        if not authorised(request):
            return web.json_response({"error": "missing or wrong bearer token"}, status=401)
        return web.json_response({
            "model": gateway.model,
            "backends": [{"url": b, "served": gateway.proxy.served[b]} for b in gateway.proxy.backends],
        })

    async def swap(request: web.Request) -> web.Response:
        if not authorised(request):
            return web.json_response({"error": "missing or wrong bearer token"}, status=401)
        try:
            body = await request.json()
            model = str(body["model"])
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": "body must be {\"model\": \"path/to/model.tar.gz\"}"}, status=400)
        if not Path(model).is_file():
            return web.json_response({"error": f"no model file at {model}"}, status=400)
        try:
            return web.json_response(await gateway.swap(model))
        except Exception as exc:  # noqa: BLE001 - a failed candidate leaves the live model serving
            logger.exception("swap to %s failed", model)
            return web.json_response({"error": f"the new model did not start: {exc}"}, status=500)

    app.router.add_get("/_gateway/status", status)
    app.router.add_post("/_gateway/swap", swap)
    app.router.add_route("*", "/{tail:.*}", gateway.proxy.handle)

    async def cleanup(_: web.Application) -> None:
        await gateway.proxy.close()
        await asyncio.to_thread(gateway.stop)

    app.on_cleanup.append(cleanup)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5005)
    parser.add_argument("--model", required=True)
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument("--log-dir", default=str(settings.VAR_DIR / "logs"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    env = base_env({name: settings.secret(name) for name in settings.GENERATED_SECRETS})
    gateway = Gateway(str(Path(args.endpoints).resolve()), Path(args.log_dir), env)

    async def start(app: web.Application) -> None:
        await gateway.swap(str(Path(args.model).resolve()))

    app = build_app(gateway)
    app.on_startup.append(start)
    web.run_app(app, host="0.0.0.0", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
