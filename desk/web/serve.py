"""Static server for web/: the chat page at ``/``, the staff console at ``/staff`` and a
``/config.js`` telling the pages where the Rasa server is.

Standard library only (``http.server.ThreadingHTTPServer``): the pages are a few small
files, so no framework or extra dependency. It serves files from web/ only (no directory
listings), GET/HEAD only, with nosniff and a Content-Security-Policy that allows scripts,
styles and images from itself and connections (HTTP and WebSocket) to the Rasa server only.
"""

from __future__ import annotations

import argparse
import json
import posixpath
import re
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

from desk import settings

WEB_DIR = settings.PROJECT_ROOT / "web"
ROUTES = {"/": "/index.html", "/staff": "/staff.html", "/staff/": "/staff.html"}
HOSTNAME = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$")
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}


def request_hostname(host_header: Optional[str]) -> str:
    """The hostname of a Host header ("example.org:8080" → "example.org"); "localhost" when
    it is missing or not a plain hostname, so nothing odd reaches the script or the CSP."""
    host = (host_header or "").strip()
    if host.startswith("["):
        name = host[: host.find("]") + 1] if "]" in host else ""
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name if HOSTNAME.match(name) else "localhost"


def request_path(raw: str) -> str:
    """The path a request really asks for: percent-decoded and normalised the way the file
    lookup will see it, so "/%73taff.html" or "/x/../staff.html" get the staff console's
    headers too."""
    path = unquote(urlsplit(raw).path)
    normal = posixpath.normpath(path) if path else "/"
    if path.endswith("/") and normal != "/":
        normal += "/"
    return normal if normal.startswith("/") else "/" + normal


def rasa_origin(host_header: Optional[str], rasa_port: int, rasa_url: Optional[str]) -> str:
    """Where the browser reaches Rasa: a configured public URL, else the page's host name
    with the Rasa port (what `make run` and the tests use)."""
    if rasa_url:
        return rasa_url.rstrip("/")
    return f"http://{request_hostname(host_header)}:{rasa_port}"


def content_security_policy(origin: str, frame_ancestors: str) -> str:
    parts = urlsplit(origin)
    ws = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {origin} {ws}; base-uri 'none'; form-action 'self'; "
        f"object-src 'none'; frame-ancestors {frame_ancestors}"
    )


class Handler(SimpleHTTPRequestHandler):
    """Files from web/ with security headers; ``/config.js`` is generated per request."""

    rasa_port = 5005
    rasa_url: Optional[str] = None
    server_version = "desk-web"
    sys_version = ""

    def _origin(self) -> str:
        return rasa_origin(self.headers.get("Host"), self.rasa_port, self.rasa_url)

    def end_headers(self) -> None:
        staff = request_path(self.path).lower().startswith("/staff")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        # the chat page is meant to be embedded by other sites; the staff console is not
        self.send_header("Content-Security-Policy", content_security_policy(self._origin(), "'none'" if staff else "*"))
        if staff:
            self.send_header("X-Frame-Options", "DENY")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = request_path(self.path)
        if path == "/config.js":
            self._send_config()
            return
        if path in ROUTES:
            self.path = ROUTES[path]
        super().do_GET()

    def do_HEAD(self) -> None:  # noqa: N802
        path = request_path(self.path)
        if path in ROUTES:
            self.path = ROUTES[path]
        super().do_HEAD()

    def _send_config(self) -> None:
        body = f"window.DESK_CONFIG = {json.dumps({'rasaUrl': self._origin()})};\n".encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/javascript; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def list_directory(self, path: str):  # type: ignore[no-untyped-def]
        self.send_error(HTTPStatus.NOT_FOUND, "not found")
        return None

    def guess_type(self, path: str) -> str:  # type: ignore[override]
        return TYPES.get(Path(path).suffix.lower(), "application/octet-stream")


def make_server(port: int, rasa_port: int, rasa_url: Optional[str] = None, host: str = "0.0.0.0",
                web_dir: Path = WEB_DIR) -> ThreadingHTTPServer:
    handler = type("DeskHandler", (Handler,), {"rasa_port": rasa_port, "rasa_url": rasa_url})
    return ThreadingHTTPServer((host, port), partial(handler, directory=str(web_dir)))


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--rasa-url", help="public URL of the Rasa server (behind a proxy), "
                        "instead of http://<page host>:<rasa-port>")
    parser.add_argument("--host", default="0.0.0.0", help="interface to listen on")
    args = parser.parse_args(argv)
    server = make_server(args.port, args.rasa_port, args.rasa_url, args.host)
    print(f"serving web/ on http://{args.host}:{args.port}/ (Rasa: {args.rasa_url or f'port {args.rasa_port}'})",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
