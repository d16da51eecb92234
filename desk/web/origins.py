"""Which web origins may embed or talk to the desk: one parser for ``DESK_WIDGET_ORIGINS``
(host sites that embed the widget) and ``DESK_WEB_ORIGIN`` (where the desk's own pages are
served), used by the static server (framing policy, widget.js) and by the socket.io channel
(which pages may open a chat connection).

An origin is ``scheme://host[:port]`` exactly as a browser sends it in an ``Origin`` header
(lower case, no path, no default port), so a listed origin is compared with ``==`` only.
A malformed entry is refused with a message naming it: a typo must not silently open or
close the desk to a site.
"""

from __future__ import annotations

import os
import re
from typing import Iterable, List, Mapping, Optional
from urllib.parse import urlsplit

WIDGET_ORIGINS_ENV = "DESK_WIDGET_ORIGINS"
WEB_ORIGIN_ENV = "DESK_WEB_ORIGIN"
# what `make run` serves the pages on (desk.admin.run.WEB_PORT)
DEFAULT_WEB_ORIGINS = ("http://localhost:8080", "http://127.0.0.1:8080")

HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])$")
DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(text: str) -> str:
    """``" HTTPS://Gov.Example.cn:443/ "`` → ``"https://gov.example.cn"``; ValueError when
    the text is not a plain http(s) origin (no path, query, credentials or wildcard)."""
    raw = text.strip()
    parts = urlsplit(raw.rstrip("/"))
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or parts.path or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"not a web origin (scheme://host[:port]): {raw!r}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"bad port in origin: {raw!r}") from None
    host = (parts.hostname or "").lower()
    if "[" in parts.netloc:
        host = f"[{host}]"
    if not HOST.match(host):
        raise ValueError(f"bad host name in origin: {raw!r}")
    return f"{scheme}://{host}" + (f":{port}" if port and port != DEFAULT_PORTS[scheme] else "")


def parse_origins(text: Optional[str]) -> List[str]:
    """A comma- (or space-) separated list of origins, normalised, duplicates dropped."""
    seen: List[str] = []
    for item in re.split(r"[,\s]+", text or ""):
        if item:
            origin = normalise_origin(item)
            if origin not in seen:
                seen.append(origin)
    return seen


def widget_origins(env: Optional[Mapping[str, str]] = None) -> List[str]:
    """Host sites allowed to embed the chat widget (``DESK_WIDGET_ORIGINS``; default none)."""
    return parse_origins((os.environ if env is None else env).get(WIDGET_ORIGINS_ENV))


def web_origins(env: Optional[Mapping[str, str]] = None) -> List[str]:
    """Where the desk's own pages are served (``DESK_WEB_ORIGIN``; default what `make run`
    serves: port 8080 on localhost)."""
    configured = parse_origins((os.environ if env is None else env).get(WEB_ORIGIN_ENV))
    return configured or list(DEFAULT_WEB_ORIGINS)


def socket_origins(env: Optional[Mapping[str, str]] = None) -> List[str]:
    """Browser origins the socket.io chat connection accepts: the desk's pages (the chat page,
    also when a host site frames it) and the listed widget hosts."""
    return _unique([*web_origins(env), *widget_origins(env)])


def origin_allowed(origin: Optional[str], allowed: Iterable[str]) -> bool:
    """True for a request without an ``Origin`` header (not a browser page: a browser always
    sends one for socket.io) or with one of ``allowed``."""
    return origin is None or origin in set(allowed)


def _unique(items: Iterable[str]) -> List[str]:
    out: List[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
