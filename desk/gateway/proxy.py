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
from typing import Callable, List, Optional, Sequence, Tuple

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

    async def handle(
        self, request: web.Request, body: bytes, on_unreachable: Callable[[str], None] = lambda _: None
    ) -> Optional[web.StreamResponse]:
        """The backend's response, or None when there is no backend or it cannot be reached
        (the caller answers for it; ``on_unreachable`` learns which backend failed, and a
        request that never reached a dead backend is tried once on another one)."""
        for _attempt in range(2):
            backend = self.pick(request)
            if backend is None:
                return None
            response, connected = await self._one(request, backend, body)
            if response is not None:
                return response
            on_unreachable(backend)
            if connected or backend in self.backends:
                return None  # it may have run the turn, or it is not known to be dead: no retry
        return None

    async def _one(self, request: web.Request, backend: str, body: bytes) -> Tuple[Optional[web.StreamResponse], bool]:
        """(response or None, whether the request may have reached the backend)."""
        self.served[backend] += 1
        self.inflight[backend] += 1
        try:
            if request.headers.get("Upgrade", "").lower() == "websocket":
                return await self._websocket(request, backend), True
            return await self._http(request, backend, body)
        finally:
            self.inflight[backend] -= 1

    async def _http(self, request: web.Request, backend: str, body: bytes) -> Tuple[Optional[web.Response], bool]:
        session = await self.session()
        try:
            async with session.request(
                request.method, backend + request.raw_path, headers=_forward_headers(request.headers),
                data=body, allow_redirects=False,
            ) as upstream:
                payload = await upstream.read()
                return web.Response(status=upstream.status, body=payload,
                                    headers=_forward_headers(upstream.headers)), True
        except aiohttp.ClientConnectorError:
            return None, False  # never reached it
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return None, True

    async def _websocket(self, request: web.Request, backend: str) -> web.WebSocketResponse:
        client = web.WebSocketResponse()
        await client.prepare(request)
        session = await self.session()
        url = "ws" + backend[len("http"):] + request.raw_path
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
