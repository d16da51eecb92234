"""Reverse proxy (HTTP and WebSocket) over a switchable set of backends (the Rasa servers,
``DESK_RASA_REPLICAS`` of them) with per-backend in-flight counts, so an old backend is
stopped only after its last request has been answered.

Requests go round-robin: conversations live in the shared tracker store, so any backend can
serve any turn. socket.io is the exception: its long-polling session exists only in the
process that opened it, so its requests stay on one backend per client address."""

from __future__ import annotations

import asyncio
import itertools
import zlib
from collections import Counter
from typing import List, Optional, Sequence

import aiohttp
from aiohttp import web

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "host", "content-length", "content-encoding",
}


def _forward_headers(headers: "aiohttp.typedefs.LooseHeaders") -> dict:
    return {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}


class Proxy:
    def __init__(self, backends: Sequence[str] = (), timeout: float = 120.0) -> None:
        self.backends: List[str] = list(backends)
        self._turn = itertools.count()
        self.served: Counter = Counter()
        self.inflight: Counter = Counter()
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None

    async def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout, auto_decompress=True,
                connector=aiohttp.TCPConnector(limit=200, keepalive_timeout=30),
            )
        return self._session

    async def close(self) -> None:
        if self._session:
            await self._session.close()

    async def drained(self, backend: str, timeout: float) -> bool:
        """Wait until no request to ``backend`` is in flight (True) or the timeout passes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.inflight[backend] > 0 and loop.time() < deadline:
            await asyncio.sleep(0.05)
        return self.inflight[backend] == 0

    def pick(self, request: web.Request) -> Optional[str]:
        """The backend for a request: round-robin, but one per client for socket.io."""
        backends = self.backends
        if not backends:
            return None
        if request.path.startswith("/socket.io"):
            return backends[zlib.crc32((request.remote or "").encode()) % len(backends)]
        return backends[next(self._turn) % len(backends)]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        backend = self.pick(request)
        if backend is None:
            return web.json_response({"error": "no model is loaded yet"}, status=503)
        self.served[backend] += 1
        self.inflight[backend] += 1
        try:
            if request.headers.get("Upgrade", "").lower() == "websocket":
                return await self._websocket(request, backend)
            return await self._http(request, backend)
        finally:
            self.inflight[backend] -= 1

    async def _http(self, request: web.Request, backend: str) -> web.Response:
        session = await self.session()
        try:
            async with session.request(
                request.method, backend + request.path_qs, headers=_forward_headers(request.headers),
                data=await request.read(), allow_redirects=False,
            ) as upstream:
                body = await upstream.read()
                return web.Response(status=upstream.status, body=body, headers=_forward_headers(upstream.headers))
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return web.json_response({"error": "the assistant is not reachable; please retry"}, status=502)

    async def _websocket(self, request: web.Request, backend: str) -> web.WebSocketResponse:
        client = web.WebSocketResponse()
        await client.prepare(request)
        session = await self.session()
        url = "ws" + backend[len("http"):] + request.path_qs
        try:
            async with session.ws_connect(url, headers=_forward_headers(request.headers)) as upstream:
                async def pump(source, target) -> None:  # type: ignore[no-untyped-def]
                    async for message in source:
                        if message.type == aiohttp.WSMsgType.TEXT:
                            await target.send_str(message.data)
                        elif message.type == aiohttp.WSMsgType.BINARY:
                            await target.send_bytes(message.data)
                        else:
                            break

                done, pending = await asyncio.wait(
                    [asyncio.create_task(pump(client, upstream)), asyncio.create_task(pump(upstream, client))],
                    return_when=asyncio.FIRST_COMPLETED,
                )
                for task in pending:
                    task.cancel()
        except aiohttp.ClientError:
            pass
        await client.close()
        return client
