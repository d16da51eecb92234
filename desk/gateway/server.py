"""`python -m desk.gateway.server --port 5005 --admin-port 5006 --model M`: the public port,
the loopback admin port, and the supervised Rasa server behind them.

Public port (``--host``, all interfaces by default): only the channels' webhooks
(``/webhooks/{rest,hotline,wechat}/...``), socket.io (``/socket.io/``) and ``GET /health``
(``{"status": "ok"}`` or 503 ``{"status": "unavailable"}``, no details). Everything else —
the Rasa HTTP API (``/model``, ``/conversations``, ``/status``, ``/domain``), model
management and the gateway's own operations — is a 404 there. Paths are matched on the raw,
undecoded path, so percent-encoding cannot reach anything else. CORS only for the allowed
origins (the desk's own pages, DESK_WEB_ORIGIN, and the widget hosts, DESK_WIDGET_ORIGINS),
never with credentials. Every error on a channel's path is a JSON ``{"error": ...}``: the Rasa
server's own 404 and 405 pages are HTML and WeChat's refusals plain text, so the gateway
rewrites them (status and headers, ``Allow`` included, kept; desk.gateway.errors).

Admin port (127.0.0.1 only):
- ``GET /_gateway/status`` (Bearer RASA_AUTH_TOKEN): model, backends (url, requests served,
  up, pid, uptime), restarts, the action server's health.
- ``POST /_gateway/swap {"model": path}`` (Bearer RASA_AUTH_TOKEN): start a Rasa process with
  the new model, wait until it is loaded and warmed up, switch traffic, wait for the old
  process's in-flight requests, stop it. Nobody waits for a model load.
- ``GET /metrics``: Prometheus metrics (desk.observability).
- anything else: the Rasa HTTP API of the live backend (its own token rules apply).

Rasa servers: ``DESK_RASA_REPLICAS`` of them (default 1), round-robin (socket.io sticky per
client); a swap replaces them all at once.

Recovery: every Rasa server is watched; when one dies, traffic stops going to it at once (the
others keep serving; with none left, channels get their polite "temporarily unavailable"
reply, desk.gateway.fallback) and it is restarted with the same model, with a growing delay
if it keeps crashing.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import re
import time
import uuid
import zlib
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import httpx
import yaml
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from desk import observability, settings
from desk.admin.priority import restore_foreground
from desk.admin.processes import Server, base_env, free_port, rasa_server, wait_model_loaded
from desk.channels import turnlog
from desk.gateway import fallback
from desk.gateway.errors import as_json_error, needs_json_error
from desk.gateway.proxy import Proxy
from desk.web.origins import socket_origins

logger = logging.getLogger(__name__)
DRAIN_SECONDS = 30.0
WATCH_SECONDS = 0.5
# How often a gateway that follows the published model (`desk serve rasa --follow-published`,
# several gateways sharing one models volume) looks for a new publish or rollback.
FOLLOW_SECONDS = 5.0
RESTART_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)  # seconds before the n-th quick restart
STABLE_SECONDS = 120.0  # a backend that lived this long resets the backoff

PUBLIC_PATH = re.compile(r"^/(?:webhooks/(rest|hotline|wechat)(?:/[a-z]*)?|socket\.io/?)$")
CORS_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "600",
}

WARM_UP = ("口岸签证需要什么材料", "how long is the R visa valid", "你好")
WARM_UP_SENDER = turnlog.WARM_UP_SENDER  # not counted in the analytics


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
    """The Rasa servers behind the public port (``DESK_RASA_REPLICAS`` of them), each
    watched: a dead one leaves the rotation at once and is started again."""

    def __init__(self, endpoints: str, log_dir: Path, env: Dict[str, str]) -> None:
        self.proxy = Proxy()
        self.endpoints = endpoints
        self.log_dir = log_dir
        self.env = env
        self.replicas = settings.rasa_replicas()
        self.live: List[Tuple[Server, str]] = []  # (process, its URL)
        self.model: Optional[str] = None
        self.restarts = 0
        self.started_at: Dict[str, float] = {}
        self._quick_crashes = 0
        self._lock = asyncio.Lock()

    @property
    def current(self) -> List[Server]:
        return [server for server, _url in self.live]

    def _start_rasa(self, model: str) -> tuple[Server, int]:
        """Start and warm up a Rasa process for ``model``. Next to a live one it loads in the
        background CPU class, so the live process keeps answering at full speed on a small
        machine, and gets normal priority back before it takes traffic."""
        port = free_port()
        background = bool(self.live)
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

    def _publish(self) -> None:
        """Route to the live servers whose process is running."""
        self.proxy.backends = [url for server, url in self.live if not dead(server)]
        observability.BACKEND_UP.set(len(self.proxy.backends))

    async def swap(self, model: str) -> Dict[str, Any]:
        async with self._lock:
            started = time.monotonic()
            new = await asyncio.to_thread(self._start_replicas, model)
            loaded = time.monotonic() - started
            old = self.live
            self.live = [(server, f"http://{settings.LOOPBACK}:{port}") for server, port in new]
            self.model = model
            now = time.monotonic()
            self.started_at = {url: now for _server, url in self.live}
            self._publish()
            observability.set_model(model)
            drained = True
            for _server, url in old:
                drained = await self.proxy.drained(url, DRAIN_SECONDS) and drained
            for server, _url in old:
                await asyncio.to_thread(server.stop)
            logger.info("model %s live on %d Rasa server(s) after %.1fs", model, len(new), loaded)
            return {"model": model, "load_seconds": round(loaded, 1), "drained": drained, "replicas": len(new)}

    def on_unreachable(self, backend: str) -> None:
        """A request could not reach ``backend``: if its process is gone, stop routing to
        it now rather than at the next watch tick."""
        if any(url == backend and dead(server) for server, url in self.live):
            self._publish()

    async def follow_published(self, published: Callable[[], Optional[Path]]) -> None:
        """Swap to the published model whenever a publish or rollback, made by any gateway's
        admin, records a new one. Acts on a *change* of the record only: a publish swaps first
        and records after, and the record must not send this gateway back meanwhile."""
        seen = await asyncio.to_thread(published)
        while True:
            await asyncio.sleep(FOLLOW_SECONDS)
            try:
                model = await asyncio.to_thread(published)
                if model == seen or model is None:
                    continue
                seen = model
                if str(model.resolve()) != self.model:
                    logger.info("published model changed to %s: swapping", model)
                    await self.swap(str(model.resolve()))
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - keep following; the live model keeps serving
                logger.exception("following the published model failed")

    async def watch(self) -> None:
        """Restart any Rasa server whose process has exited."""
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            if any(dead(server) for server in self.current) and not self._lock.locked():
                try:
                    await self._recover()
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - keep watching whatever happened
                    logger.exception("recovering a Rasa server failed")

    async def _recover(self) -> None:
        async with self._lock:
            for server, url in [(s, u) for s, u in self.live if dead(s)]:
                if self.model is None:
                    return
                self.live = [(s, u) for s, u in self.live if u != url]
                self._publish()
                observability.RESTARTS.labels("rasa").inc()
                self.restarts += 1
                lived = time.monotonic() - self.started_at.pop(url, time.monotonic())
                self._quick_crashes = 0 if lived > STABLE_SECONDS else self._quick_crashes + 1
                delay = RESTART_BACKOFF[min(self._quick_crashes, len(RESTART_BACKOFF)) - 1] if self._quick_crashes else 0
                code = server.process.poll() if server.process else None
                logger.error("Rasa server %s exited (code %s) after %.0fs; restarting in %.0fs", url, code, lived, delay)
                attempt = 0
                while True:
                    await asyncio.sleep(delay)
                    try:
                        replacement, port = await asyncio.to_thread(self._start_rasa, self.model)
                        break
                    except Exception as exc:  # noqa: BLE001 - try again, later
                        attempt += 1
                        delay = RESTART_BACKOFF[min(attempt, len(RESTART_BACKOFF) - 1)]
                        logger.error("restarting a Rasa server failed (%s); next try in %.0fs", exc, delay)
                new_url = f"http://{settings.LOOPBACK}:{port}"
                self.live.append((replacement, new_url))
                self.started_at[new_url] = time.monotonic()
                self._publish()
                logger.info("Rasa server %s replaces %s", new_url, url)

    def status(self) -> Dict[str, Any]:
        action_url = action_health_url(self.endpoints)
        action_up: Optional[bool] = None
        if action_url:
            try:
                action_up = httpx.get(action_url, timeout=1.0).status_code == 200
            except httpx.HTTPError:
                action_up = False
        now = time.monotonic()
        return {
            "model": self.model,
            "backends": [
                {"url": url, "served": self.proxy.served[url], "up": url in self.proxy.backends,
                 "pid": server.process.pid if server.process else None,
                 "uptime_seconds": round(now - self.started_at.get(url, now), 1)}
                for server, url in self.live
            ],
            "restarts": self.restarts,
            "action_server": action_url,
            "action_server_up": action_up,
        }

    def stop(self) -> None:
        for server in self.current:
            server.stop()


def dead(server: Server) -> bool:
    return server.process is not None and server.process.poll() is not None


def authorised(request: web.Request) -> bool:
    header = request.headers.get("Authorization", "")
    token = settings.secret("RASA_AUTH_TOKEN")
    return header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode())


def allowed_origin(origin: Optional[str], allowed: List[str]) -> bool:
    """An origin whose browser pages may call the channels: the desk's own pages and the
    widget hosts (desk.web.origins, the list socket.io connections are checked against)."""
    return bool(origin) and origin in allowed


def public_channel(request: web.Request) -> Optional[str]:
    """The channel of an allowed public path (checked on the raw path), else None."""
    raw = request.raw_path.split("?", 1)[0]
    match = PUBLIC_PATH.match(raw)
    if not match:
        return None
    return match.group(1) or "socketio"


def build_public_app(gateway: Gateway) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    origins = socket_origins()

    async def health(_: web.Request) -> web.Response:
        if gateway.proxy.backends:
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "unavailable"}, status=503)

    async def channels(request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        observability.request_id.set(request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex[:16])
        channel = public_channel(request)
        if channel is None:
            return web.json_response({"error": "not found"}, status=404)
        origin = request.headers.get("Origin")
        cors = allowed_origin(origin, origins)
        if request.method == "OPTIONS":
            headers = {**CORS_HEADERS, "Access-Control-Allow-Origin": origin, "Vary": "Origin"} if cors else {}
            return web.Response(status=204, headers=headers)
        try:
            body = await request.read()
        except web.HTTPException as refused:  # a body over client_max_size (413)
            return web.json_response({"error": refused.reason}, status=refused.status)
        except (RequestPayloadError, HttpProcessingError, zlib.error, EOFError, ValueError):
            # a gzip or deflate body that is not one (an encoding aiohttp lacks, br, it refuses itself
            # with a text 400 while reading the headers, before this handler)
            return web.json_response({"error": "the request body could not be decoded"}, status=400)
        result = await gateway.proxy.handle(request, body, gateway.on_unreachable)
        if result is None:  # no backend could take it
            result = fallback.unavailable(channel, request, body)
        if needs_json_error(channel, result):
            result = as_json_error(request.method, result)
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
        return web.json_response({"status": "ok" if gateway.proxy.backends else "unavailable"},
                                 status=200 if gateway.proxy.backends else 503)

    async def rasa_api(request: web.Request) -> web.StreamResponse:
        result = await gateway.proxy.handle(request, await request.read(), gateway.on_unreachable)
        return result if result is not None else web.json_response({"error": "no Rasa backend is up"}, status=503)

    app.router.add_get("/_gateway/status", status)
    app.router.add_post("/_gateway/swap", swap)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/health", health)
    app.router.add_route("*", "/{tail:.*}", rasa_api)
    return app


async def serve(gateway: Gateway, model: str, host: str, port: int, admin_port: int,
                follow_published: bool = False) -> None:
    public = web.AppRunner(build_public_app(gateway), access_log=None)
    admin = web.AppRunner(build_admin_app(gateway), access_log=None)
    await public.setup()
    await admin.setup()
    await web.TCPSite(admin, settings.LOOPBACK, admin_port).start()
    await gateway.swap(model)
    await web.TCPSite(public, host, port).start()
    logger.info("public port %s:%s, admin port %s:%s", host, port, settings.LOOPBACK, admin_port)
    watcher = asyncio.create_task(gateway.watch())
    follower = None
    if follow_published:
        from desk.admin.publish import published_model

        follower = asyncio.create_task(gateway.follow_published(published_model))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    import signal

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        watcher.cancel()
        if follower is not None:
            follower.cancel()
        await public.cleanup()
        await admin.cleanup()
        await gateway.proxy.close()
        await asyncio.to_thread(gateway.stop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=settings.public_host())
    parser.add_argument("--port", type=int, default=settings.PUBLIC_PORT)
    parser.add_argument("--admin-port", type=int, default=settings.ADMIN_PORT)
    parser.add_argument("--model", required=True)
    parser.add_argument("--follow-published", action="store_true",
                        help="swap whenever the published model changes (several gateways, one models volume)")
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument("--log-dir", default=str(settings.VAR_DIR / "logs"))
    args = parser.parse_args()
    observability.configure_logging(None)  # JSON lines on stderr; the supervisor rotates them into gateway.log
    env = base_env({name: settings.secret(name) for name in settings.GENERATED_SECRETS})
    gateway = Gateway(str(Path(args.endpoints).resolve()), Path(args.log_dir), env)
    asyncio.run(serve(gateway, str(Path(args.model).resolve()), args.host, args.port, args.admin_port,
                      args.follow_published))


if __name__ == "__main__":
    main()
