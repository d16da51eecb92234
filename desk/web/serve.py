"""Static server for web/: the chat page at ``/``, the staff console at ``/staff``, a
``/config.js`` telling the pages where the Rasa server is, and ``/widget.js`` (the widget other
sites embed, with the list of sites allowed to, ``DESK_WIDGET_ORIGINS``, put in).

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
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import unquote, urlsplit

from desk import settings
from desk.dialogue.texts import page_texts
from desk.web import admin_api
from desk.web.origins import parse_origins, widget_origins

WEB_DIR = settings.PROJECT_ROOT / "web"
ROUTES = {"/": "/index.html", "/staff": "/staff.html", "/staff/": "/staff.html",
          "/admin": "/admin.html", "/admin/": "/admin.html"}
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


# ---------------------------------------------------------------- framing and the widget

# A client that stops sending halfway through a request frees its thread after this many seconds
# (each held one forever: 300 half-sent requests held 300 threads on the public port).
CLIENT_TIMEOUT_SECONDS = 30
# Connections waiting to be accepted (the standard library's default, 5, refuses a burst).
LISTEN_BACKLOG = 128
CHAT_PAGES = {"/", "/index.html"}  # the only page other sites may frame (the widget's panel)
WIDGET_SCRIPT = "widget.js"
WIDGET_CONFIG_PLACEHOLDER = "/*@desk-widget-config*/{}"


def frame_ancestors(path: str, widget_origins: Sequence[str]) -> str:
    """Who may frame ``path``: the chat page itself and the listed widget hosts; every other
    page (staff console, admin console, anything added later) nobody."""
    if path in CHAT_PAGES:
        return " ".join(["'self'", *widget_origins])
    return "'none'"


def framing_headers(path: str) -> List[Tuple[str, str]]:
    """X-Frame-Options for browsers without CSP frame-ancestors: DENY except on the chat page
    (whose host list only CSP can express)."""
    return [] if path in CHAT_PAGES else [("X-Frame-Options", "DENY")]


def widget_script(source: str, widget_origins: Sequence[str]) -> str:
    """web/widget.js with the allowed host origins put in; an unchanged file (placeholder
    missing) would show the widget nowhere, so that is an error."""
    if WIDGET_CONFIG_PLACEHOLDER not in source:
        raise ValueError(f"{WIDGET_SCRIPT} lacks its config placeholder {WIDGET_CONFIG_PLACEHOLDER}")
    config = json.dumps({"origins": list(widget_origins)}).replace("<", "\\u003c")
    return source.replace(WIDGET_CONFIG_PLACEHOLDER, config, 1)


def content_security_policy(origin: str, frame_ancestors: str) -> str:
    parts = urlsplit(origin)
    ws = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self' {origin} {ws}; base-uri 'none'; form-action 'self'; "
        f"object-src 'none'; frame-ancestors {frame_ancestors}"
    )


def catalogue() -> Tuple[List[Dict[str, str]], Dict[str, Dict[str, str]]]:
    """The served topics' titles, read once per config: as the welcome lists them (the page
    then shows the welcome without a list when the database cannot be read), and by topic id,
    the contacts too, for the staff console's topic labels (the hotline JSON names alternatives
    by id). Only what the served model knows, since the chat pages load the same config."""
    try:
        from desk.policies.published import advertised_titles, live_topic_ids
        from desk.policies.repository import shared_repository

        topics, live = shared_repository().all(), live_topic_ids()
        return advertised_titles(topics), {t.id: dict(t.title) for t in topics if live is None or t.id in live}
    except Exception:  # noqa: BLE001 - the pages must load even without a policy database
        return [], {}


class Handler(SimpleHTTPRequestHandler):
    """Files from web/ with security headers; ``/config.js`` is generated per request."""

    rasa_port = 5005
    rasa_url: Optional[str] = None
    widget_origins: Tuple[str, ...] = ()
    server_version = "desk-web"
    sys_version = ""
    timeout = CLIENT_TIMEOUT_SECONDS

    def _origin(self) -> str:
        return rasa_origin(self.headers.get("Host"), self.rasa_port, self.rasa_url)

    def end_headers(self) -> None:
        path = request_path(self.path)  # decoded and normalised: "/%73taff.html" is the console
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        # only the chat page may be framed, and only by itself and the listed widget hosts
        ancestors = frame_ancestors(path, self.widget_origins)
        self.send_header("Content-Security-Policy", content_security_policy(self._origin(), ancestors))
        for name, value in framing_headers(path):
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-cache")
        if not self.rasa_url:
            self.send_header("Vary", "Host")  # config.js and the CSP name the Rasa origin from Host
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = request_path(self.path)
        if not self._servable(path):
            return
        if admin_api.handles(path):
            admin_api.serve(self, "GET")
            return
        if path == "/config.js":
            self._send_config()
            return
        if path == "/" + WIDGET_SCRIPT:
            self._send_widget()
            return
        if path in ROUTES:
            self.path = ROUTES[path]
        super().do_GET()

    def do_POST(self) -> None:  # noqa: N802 - only the admin console's API takes posts
        if admin_api.handles(request_path(self.path)):
            admin_api.serve(self, "POST")
            return
        self.send_error(HTTPStatus.NOT_IMPLEMENTED, "Unsupported method ('POST')")  # as before the hook

    def do_HEAD(self) -> None:  # noqa: N802
        path = request_path(self.path)
        if not self._servable(path):
            return
        if admin_api.handles(path):
            admin_api.serve(self, "HEAD")
            return
        if path == "/" + WIDGET_SCRIPT:
            self._send_widget(head_only=True)
            return
        if path in ROUTES:
            self.path = ROUTES[path]
        super().do_HEAD()

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        """Under /admin/api the standard library's own errors (an unsupported method such as
        OPTIONS, a path no file can have) are JSON like the API's, not its HTML page."""
        if admin_api.handles(request_path(getattr(self, "path", None) or "")):
            admin_api.refuse(self, code, message)
            return
        super().send_error(code, message, explain)

    def _send_widget(self, head_only: bool = False) -> None:
        """widget.js with the allowed host origins put in (see widget_script)."""
        try:
            source = (Path(self.directory) / WIDGET_SCRIPT).read_text(encoding="utf-8")
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "not found")
            return
        body = widget_script(source, self.widget_origins).encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/javascript; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _servable(self, path: str) -> bool:
        """False (after a 404) for a path no file can have: a NUL made the file lookup raise
        and the connection drop without an answer."""
        if "\x00" in path:
            self.send_error(HTTPStatus.NOT_FOUND, "not found")
            return False
        return True

    def _send_config(self) -> None:
        listed, by_id = catalogue()
        config = {"rasaUrl": self._origin(), "texts": page_texts(listed), "topics": by_id}
        body = f"window.DESK_CONFIG = {json.dumps(config, ensure_ascii=False)};\n".encode()
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


class WebServer(ThreadingHTTPServer):
    """The pages' server, with a listen backlog for bursts."""

    request_queue_size = LISTEN_BACKLOG


def make_server(port: int, rasa_port: int, rasa_url: Optional[str] = None, host: str = "0.0.0.0",
                web_dir: Path = WEB_DIR, embedders: Optional[Sequence[str]] = None) -> ThreadingHTTPServer:
    """``embedders``: origins allowed to embed the widget (default: ``DESK_WIDGET_ORIGINS``)."""
    allowed = tuple(widget_origins() if embedders is None else parse_origins(",".join(embedders)))
    handler = type("DeskHandler", (Handler,), {"rasa_port": rasa_port, "rasa_url": rasa_url,
                                               "widget_origins": allowed})
    return WebServer((host, port), partial(handler, directory=str(web_dir)))


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--rasa-url", help="public URL of the Rasa server (behind a proxy), "
                        "instead of http://<page host>:<rasa-port>")
    parser.add_argument("--host", default="0.0.0.0", help="interface to listen on")
    args = parser.parse_args(argv)
    try:
        embedders = widget_origins()
    except ValueError as exc:  # a malformed entry: refuse to start rather than guess
        parser.exit(2, f"DESK_WIDGET_ORIGINS: {exc}\n")
    server = make_server(args.port, args.rasa_port, args.rasa_url, args.host, embedders=embedders)
    print(f"serving web/ on http://{args.host}:{args.port}/ (Rasa: {args.rasa_url or f'port {args.rasa_port}'}; "
          f"widget hosts: {', '.join(embedders) or 'none'})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
