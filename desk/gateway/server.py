"""`python -m desk.gateway.server --port 5005 --admin-port 5006 --model M`: the public port,
the loopback admin port, and the supervised Rasa server behind them.

Public port (``--host``, all interfaces by default): only the channels' webhooks
(``/webhooks/{rest,hotline,wechat}/...``), socket.io (``/socket.io/``) and ``GET /health``
(``{"status": "ok"}`` or 503 ``{"status": "unavailable"}``, no details). Everything else —
the Rasa HTTP API (``/model``, ``/conversations``, ``/status``, ``/domain``), model
management and the gateway's own operations — is a 404 there. Paths are matched on the raw,
undecoded path, so percent-encoding cannot reach anything else. CORS only for the allowed
origins (settings.cors_origins, and the desk's own pages: the request's host at the web
port), never with credentials.

Admin port (127.0.0.1 only):
- ``GET /_gateway/status`` (Bearer RASA_AUTH_TOKEN): model, backend, its pid and restarts,
  the action server's health.
- ``POST /_gateway/swap {"model": path}`` (Bearer RASA_AUTH_TOKEN): start a Rasa process with
  the new model, wait until it is loaded and warmed up, switch traffic, wait for the old
  process's in-flight requests, stop it. Nobody waits for a model load.
- ``GET /metrics``: Prometheus metrics (desk.observability).
- anything else: the Rasa HTTP API of the live backend (its own token rules apply).

Recovery: the Rasa backend is watched; when it dies, traffic stops going to it at once
(channels get their polite "temporarily unavailable" reply, desk.gateway.fallback) and it is
restarted with the same model, with a growing delay if it keeps crashing.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import re
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Optional
from urllib.parse import urlsplit

import httpx
import yaml
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from desk import observability, settings
from desk.admin.priority import restore_foreground
from desk.admin.processes import Server, base_env, free_port, rasa_server, wait_model_loaded
from desk.gateway import fallback
from desk.gateway.proxy import Proxy

logger = logging.getLogger(__name__)
DRAIN_SECONDS = 30.0
WATCH_SECONDS = 0.5
RESTART_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)  # seconds before the n-th quick restart
STABLE_SECONDS = 120.0  # a backend that lived this long resets the backoff

PUBLIC_PATH = re.compile(r"^/(?:webhooks/(rest|hotline|wechat)(?:/[a-z]*)?|socket\.io/?)$")
CORS_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "600",
}

WARM_UP = ("口岸签证需要什么材料", "how long is the R visa valid", "你好")
WARM_UP_SENDER = "_gateway_warm_up"


def warm_up(port: int, env: Dict[str, str]) -> None:
    """Run a few questions through the new process's whole turn (hotline channel, NLU,
    policies, action server, tracker store, structured answer) before it takes traffic:
    first use of each costs up to a second in a fresh process (jieba, classifiers, the
    policy catalogue, database connections), and no caller should pay it."""
    base = f"http://{settings.LOOPBACK}:{port}"
    with httpx.Client(timeout=30) as client:
        for text in WARM_UP:
            if env.get("DESK_STAFF_TOKEN"):  # a whole turn, NLU included
                client.post(f"{base}/webhooks/hotline/webhook", json={"sender": WARM_UP_SENDER, "message": text},
                            headers={"Authorization": f"Bearer {env['DESK_STAFF_TOKEN']}"})
            else:
                client.post(f"{base}/model/parse", params={"token": env["RASA_AUTH_TOKEN"]}, json={"text": text})


def action_health_url(endpoints: str) -> Optional[str]:
    try:
        url = yaml.safe_load(Path(endpoints).read_text(encoding="utf-8"))["action_endpoint"]["url"]
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        return None
    return str(url).rsplit("/webhook", 1)[0] + "/health"


class Gateway:
    def __init__(self, endpoints: str, log_dir: Path, env: Dict[str, str]) -> None:
        self.proxy = Proxy()
        self.endpoints = endpoints
        self.log_dir = log_dir
        self.env = env
        self.current: Optional[Server] = None
        self.model: Optional[str] = None
        self.restarts = 0
        self.started_at = 0.0
        self._quick_crashes = 0
        self._lock = asyncio.Lock()

    def _start_rasa(self, model: str) -> tuple[Server, int]:
        """Start and warm up a Rasa process for ``model``. Next to a live one it loads in the
        background CPU class, so the live process keeps answering at full speed on a small
        machine, and gets normal priority back before it takes traffic."""
        port = free_port()
        background = self.current is not None
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

    def _go_live(self, server: Server, port: int, model: str) -> None:
        self.proxy.backend = f"http://{settings.LOOPBACK}:{port}"
        self.current, self.model, self.started_at = server, model, time.monotonic()
        observability.BACKEND_UP.set(1)
        observability.set_model(model)

    async def swap(self, model: str) -> Dict[str, Any]:
        async with self._lock:
            started = time.monotonic()
            server, port = await asyncio.to_thread(self._start_rasa, model)
            loaded = time.monotonic() - started
            old, old_backend = self.current, self.proxy.backend
            self._go_live(server, port, model)
            drained = True
            if old is not None and old_backend:
                drained = await self.proxy.drained(old_backend, DRAIN_SECONDS)
                await asyncio.to_thread(old.stop)
            logger.info("model %s live after %.1fs", model, loaded)
            return {"model": model, "load_seconds": round(loaded, 1), "drained": drained}

    def backend_dead(self) -> bool:
        process = self.current.process if self.current else None
        return process is not None and process.poll() is not None

    def on_unreachable(self, backend: str) -> None:
        """A request could not reach ``backend``: if its process is gone, stop routing to
        it now rather than at the next watch tick."""
        if backend == self.proxy.backend and self.backend_dead():
            self.proxy.backend = None
            observability.BACKEND_UP.set(0)

    async def watch(self) -> None:
        """Restart the Rasa backend whenever its process has exited."""
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            if self.backend_dead() and not self._lock.locked():
                try:
                    await self._recover()
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - keep watching whatever happened
                    logger.exception("recovering the Rasa backend failed")

    async def _recover(self) -> None:
        async with self._lock:
            if not self.backend_dead() or self.model is None:
                return
            dead = self.current
            code = dead.process.poll() if dead and dead.process else None
            lived = time.monotonic() - self.started_at
            self.proxy.backend, self.current = None, None
            observability.BACKEND_UP.set(0)
            observability.RESTARTS.labels("rasa").inc()
            self.restarts += 1
            self._quick_crashes = 0 if lived > STABLE_SECONDS else self._quick_crashes + 1
            delay = RESTART_BACKOFF[min(self._quick_crashes, len(RESTART_BACKOFF)) - 1] if self._quick_crashes else 0
            logger.error("the Rasa backend exited (code %s) after %.0fs; restarting in %.0fs", code, lived, delay)
            attempt = 0
            while True:
                await asyncio.sleep(delay)
                try:
                    server, port = await asyncio.to_thread(self._start_rasa, self.model)
                    break
                except Exception as exc:  # noqa: BLE001 - try again, later
                    attempt += 1
                    delay = RESTART_BACKOFF[min(attempt, len(RESTART_BACKOFF) - 1)]
                    logger.error("restarting the Rasa backend failed (%s); next try in %.0fs", exc, delay)
            self._go_live(server, port, self.model)
            logger.info("the Rasa backend is back after a restart")

    def status(self) -> Dict[str, Any]:
        process = self.current.process if self.current else None
        action_url = action_health_url(self.endpoints)
        action_up: Optional[bool] = None
        if action_url:
            try:
                action_up = httpx.get(action_url, timeout=1.0).status_code == 200
            except httpx.HTTPError:
                action_up = False
        return {
            "model": self.model,
            "backend": self.proxy.backend,
            "backend_pid": process.pid if process else None,
            "backend_up": self.proxy.backend is not None and not self.backend_dead(),
            "restarts": self.restarts,
            "uptime_seconds": round(time.monotonic() - self.started_at, 1) if self.started_at else None,
            "action_server": action_url,
            "action_server_up": action_up,
        }

    def stop(self) -> None:
        if self.current:
            self.current.stop()


def authorised(request: web.Request) -> bool:
    header = request.headers.get("Authorization", "")
    token = settings.secret("RASA_AUTH_TOKEN")
    return header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode())


def allowed_origin(origin: Optional[str], host_header: Optional[str], web_port: int) -> bool:
    """An origin the browser may call the channels from: a configured one, or the desk's own
    pages (the host this request was sent to, at the web port)."""
    if not origin:
        return False
    origin = origin.rstrip("/")
    if origin in settings.cors_origins():
        return True
    parts = urlsplit(origin)
    host = (host_header or "").rsplit(":", 1)[0] if host_header and not host_header.startswith("[") else host_header
    return parts.scheme in ("http", "https") and parts.hostname == host and parts.port == web_port


def public_channel(request: web.Request) -> Optional[str]:
    """The channel of an allowed public path (checked on the raw path), else None."""
    raw = request.raw_path.split("?", 1)[0]
    match = PUBLIC_PATH.match(raw)
    if not match:
        return None
    return match.group(1) or "socketio"


def build_public_app(gateway: Gateway, web_port: int = settings.WEB_PORT) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)

    async def health(_: web.Request) -> web.Response:
        if gateway.proxy.backend and not gateway.backend_dead():
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "unavailable"}, status=503)

    async def channels(request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        observability.request_id.set(request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex[:16])
        channel = public_channel(request)
        if channel is None:
            return web.json_response({"error": "not found"}, status=404)
        origin = request.headers.get("Origin")
        cors = allowed_origin(origin, request.headers.get("Host"), web_port)
        if request.method == "OPTIONS":
            headers = {**CORS_HEADERS, "Access-Control-Allow-Origin": origin, "Vary": "Origin"} if cors else {}
            return web.Response(status=204, headers=headers)
        body = await request.read()
        result = await gateway.proxy.handle(request, body, gateway.on_unreachable)
        if result is None:  # no backend could take it
            result = fallback.unavailable(channel, request, body)
        if not isinstance(result, web.WebSocketResponse):  # socket.io's polling needs CORS too
            for name in [h for h in result.headers if h.lower().startswith("access-control-")]:
                del result.headers[name]
            if cors:
                result.headers["Access-Control-Allow-Origin"] = origin  # type: ignore[assignment]
                result.headers["Vary"] = "Origin"
        seconds = time.monotonic() - started
        observability.observe(channel, result.status, seconds)
        if request.method == "POST" and request.path.endswith("/webhook") and isinstance(result, web.Response):
            status = 503 if result.headers.get("X-Desk-Unavailable") else result.status
            observability.count_answer(channel, status, result.body if isinstance(result.body, bytes) else None)
        if channel == "wechat" and seconds > 4.5:
            observability.WECHAT_TIMEOUTS.inc()
        if result.status >= 500:
            logger.warning("%s %s answered %s in %.2fs", request.method, request.path, result.status, seconds)
        return result

    app.router.add_get("/health", health)
    app.router.add_route("*", "/{tail:.*}", channels)
    return app


def build_admin_app(gateway: Gateway) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)

    async def status(request: web.Request) -> web.Response:
        if not authorised(request):
            return web.json_response({"error": "missing or wrong bearer token"}, status=401)
        return web.json_response(await asyncio.to_thread(gateway.status))

    async def swap(request: web.Request) -> web.Response:
        if not authorised(request):
            return web.json_response({"error": "missing or wrong bearer token"}, status=401)
        try:
            body = await request.json()
            model = str(body["model"])
        except (ValueError, KeyError, TypeError, RecursionError):
            return web.json_response({"error": "body must be {\"model\": \"path/to/model.tar.gz\"}"}, status=400)
        if not Path(model).is_file():
            return web.json_response({"error": f"no model file at {model}"}, status=400)
        try:
            return web.json_response(await gateway.swap(model))
        except Exception as exc:  # noqa: BLE001 - a failed candidate leaves the live model serving
            logger.error("swap to %s failed: %s", model, exc)
            return web.json_response({"error": f"the new model did not start: {exc}"}, status=503)

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=generate_latest(observability.REGISTRY),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok" if gateway.proxy.backend else "unavailable"},
                                 status=200 if gateway.proxy.backend else 503)

    async def rasa_api(request: web.Request) -> web.StreamResponse:
        result = await gateway.proxy.handle(request, await request.read(), gateway.on_unreachable)
        return result if result is not None else web.json_response({"error": "no Rasa backend is up"}, status=503)

    app.router.add_get("/_gateway/status", status)
    app.router.add_post("/_gateway/swap", swap)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/health", health)
    app.router.add_route("*", "/{tail:.*}", rasa_api)
    return app


async def serve(gateway: Gateway, model: str, host: str, port: int, admin_port: int, web_port: int) -> None:
    public = web.AppRunner(build_public_app(gateway, web_port), access_log=None)
    admin = web.AppRunner(build_admin_app(gateway), access_log=None)
    await public.setup()
    await admin.setup()
    await web.TCPSite(admin, settings.LOOPBACK, admin_port).start()
    await gateway.swap(model)
    await web.TCPSite(public, host, port).start()
    logger.info("public port %s:%s, admin port %s:%s", host, port, settings.LOOPBACK, admin_port)
    watcher = asyncio.create_task(gateway.watch())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    import signal

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        watcher.cancel()
        await public.cleanup()
        await admin.cleanup()
        await gateway.proxy.close()
        await asyncio.to_thread(gateway.stop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=settings.public_host())
    parser.add_argument("--port", type=int, default=settings.PUBLIC_PORT)
    parser.add_argument("--admin-port", type=int, default=settings.ADMIN_PORT)
    parser.add_argument("--web-port", type=int, default=settings.WEB_PORT)
    parser.add_argument("--model", required=True)
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument("--log-dir", default=str(settings.VAR_DIR / "logs"))
    args = parser.parse_args()
    observability.configure_logging(None)  # JSON lines on stderr; the supervisor rotates them into gateway.log
    env = base_env({name: settings.secret(name) for name in settings.GENERATED_SECRETS})
    gateway = Gateway(str(Path(args.endpoints).resolve()), Path(args.log_dir), env)
    asyncio.run(serve(gateway, str(Path(args.model).resolve()), args.host, args.port, args.admin_port,
                      args.web_port))


if __name__ == "__main__":
    main()
