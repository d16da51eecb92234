"""Reverse proxy (HTTP and WebSocket) with a switchable backend and per-backend in-flight
counts, so an old backend is stopped only after its last request has been answered."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Callable, Optional

import aiohttp
from aiohttp import web

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "host", "content-length", "content-encoding",
}


def _forward_headers(headers: "aiohttp.typedefs.LooseHeaders") -> dict:
    return {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}


class Proxy:
    def __init__(self, backend: Optional[str] = None, timeout: float = 120.0) -> None:
        self.backend = backend
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

    async def handle(
        self, request: web.Request, body: bytes, on_unreachable: Callable[[str], None] = lambda _: None
    ) -> Optional[web.StreamResponse]:
        """The backend's response, or None when there is no backend or it cannot be reached
        (the caller answers for it; ``on_unreachable`` learns which backend failed)."""
        backend = self.backend
        if backend is None:
            return None
        self.inflight[backend] += 1
        try:
            if request.headers.get("Upgrade", "").lower() == "websocket":
                return await self._websocket(request, backend)
            response = await self._http(request, backend, body)
            if response is None:
                on_unreachable(backend)
            return response
        finally:
            self.inflight[backend] -= 1

    async def _http(self, request: web.Request, backend: str, body: bytes) -> Optional[web.Response]:
        session = await self.session()
        try:
            async with session.request(
                request.method, backend + request.raw_path, headers=_forward_headers(request.headers),
                data=body, allow_redirects=False,
            ) as upstream:
                payload = await upstream.read()
                return web.Response(status=upstream.status, body=payload, headers=_forward_headers(upstream.headers))
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return None

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
