"""The admin console's API, ``/admin/api/*`` on the web server (desk.web.serve hooks it in).

Every request needs ``Authorization: Bearer $DESK_ADMIN_TOKEN``: a role of its own (the
staff token does not work), sent in a header by the page's script, never a cookie, so another
site cannot make a signed-in browser call it (no CSRF). Answers are JSON; bad input gets a
4xx with ``{"error": ...}`` and changes nothing.

It is a thin layer over what the `desk` command does: the importer (desk.policies.importer),
the review queue (desk.admin.review), analytics (desk.admin.analytics). Publish and rollback
run the `desk` command itself as a background job (one at a time) with a JSON progress
report the page polls, so the console and the command line go through the same gate.
"""

from __future__ import annotations

import difflib
import hmac
import json
import logging
import re
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from desk import settings
from desk.channels.inputs import BadInput, json_object

logger = logging.getLogger(__name__)

PREFIX = "/admin/api/"
ROOT = PREFIX.rstrip("/")  # the API's own root: answers JSON like everything under it
METHODS = ("GET", "POST", "HEAD")  # HEAD: a GET without the body
MAX_BODY = 2 * 1024 * 1024
MAX_FILENAME = 120
JOB_REPORT = "admin-job.json"
JOB_LOG = "admin-job.log"
AUTHOR = "admin console"
TOPIC_ID = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
ITEM_ID = re.compile(r"^[tf][0-9]{1,18}$")

Reply = Tuple[int, Dict[str, Any]]


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def authorised(header: Optional[str]) -> bool:
    token = settings.secret("DESK_ADMIN_TOKEN")
    if not header or not header.startswith("Bearer ") or token == settings.secret("DESK_STAFF_TOKEN"):
        return False  # the two roles never share a token
    return hmac.compare_digest(header[len("Bearer "):].strip().encode(), token.encode())


# ---------------------------------------------------------------- background jobs


class Jobs:
    """One publish or rollback at a time: `desk publish|rollback --report FILE` in its own
    process (it keeps going if the page is closed); the page polls ``state``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.process: Optional[subprocess.Popen] = None

    @property
    def report_path(self) -> Path:
        return settings.VAR_DIR / JOB_REPORT

    def start(self, command: str, extra: List[str]) -> Dict[str, Any]:
        with self._lock:
            if self.process is not None and self.process.poll() is None:
                raise ApiError(409, "a publish or rollback is already running")
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            self.report_path.unlink(missing_ok=True)
            log = open(settings.VAR_DIR / JOB_LOG, "wb")
            self.process = subprocess.Popen(
                [sys.executable, "-m", "desk.admin.cli", command, "--by", AUTHOR, "--report", str(self.report_path),
                 *extra],
                cwd=settings.PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
            log.close()
        return self.state()

    def state(self) -> Dict[str, Any]:
        try:
            report = json.loads(self.report_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            report = None
        running = self.process is not None and self.process.poll() is None
        if report and not running and report.get("status") == "running":
            report["status"] = "failed"  # the process died without saying so
            report["message"] = self._log_tail() or "the job stopped unexpectedly"
        return {"running": running, "report": report, "log": self._log_tail()}

    @staticmethod
    def _log_tail(lines: int = 30) -> str:
        try:
            text = (settings.VAR_DIR / JOB_LOG).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


JOBS = Jobs()


# ---------------------------------------------------------------- handlers


def _session():  # type: ignore[no-untyped-def]
    from desk.policies.db import new_session

    return new_session()


def topics(_: Dict[str, Any]) -> Reply:
    from sqlalchemy import select

    from desk.policies import models

    with _session() as session:
        rows = session.scalars(select(models.Topic).order_by(models.Topic.id)).all()
        return 200, {"topics": [
            {"id": t.id, "title": {"zh": t.title_zh, "en": t.title_en}, "status": t.status, "version": t.version,
             "updated_at": t.updated_at.isoformat(timespec="seconds") + "Z"} for t in rows
        ]}


def _topic_id(value: str) -> str:
    if not TOPIC_ID.match(value):
        raise ApiError(400, "topic id must be snake_case")
    return value


def versions(_: Dict[str, Any], topic: str) -> Reply:
    from desk.policies.importer import history

    with _session() as session:
        revisions = history(session, _topic_id(topic))
    if not revisions:
        raise ApiError(404, f"no topic '{topic}'")
    return 200, {"topic": topic, "versions": [
        {"version": r.version, "at": r.created_at.isoformat(timespec="seconds") + "Z", "by": r.author,
         "action": r.action, "source": r.source_file} for r in revisions
    ]}


def _int(query: Dict[str, List[str]], name: str, default: Optional[int] = None) -> int:
    values = query.get(name)
    if not values:
        if default is None:
            raise ApiError(400, f"'{name}' is required")
        return default
    try:
        return int(values[0])
    except ValueError:
        raise ApiError(400, f"'{name}' must be a whole number") from None


def diff(query: Dict[str, List[str]], topic: str) -> Reply:
    """A unified diff of two versions of a topic, in the import format."""
    from desk.policies.importer import history

    old, new = _int(query, "from"), _int(query, "to")
    with _session() as session:
        snapshots = {r.version: r.snapshot for r in history(session, _topic_id(topic))}
    missing = [v for v in (old, new) if v not in snapshots]
    if missing:
        raise ApiError(404, f"topic '{topic}' has no version {missing[0]}")

    def lines(version: int) -> List[str]:
        return yaml.safe_dump(snapshots[version], allow_unicode=True, sort_keys=False, width=1000).splitlines()

    body = list(difflib.unified_diff(lines(old), lines(new), f"v{old}", f"v{new}", lineterm=""))
    return 200, {"topic": topic, "from": old, "to": new, "diff": body}


def _field_errors(message: str) -> List[Dict[str, str]]:
    """The importer's message ("file: topic 'x': field 'a.b': problem; field ...") as one
    entry per field, for the page to list."""
    topic = re.search(r"topic ('[^']*'|#\d+)", message)
    label = topic.group(1).strip("'") if topic else None
    found = re.findall(r"field '([^']*)': ([^;]+)", message)
    return [{"topic": label, "field": f, "message": m.strip()} for f, m in found] or \
        [{"topic": label, "field": None, "message": message}]


def import_file(body: Dict[str, Any]) -> Reply:
    """Validate an uploaded import file with the importer and apply it whole, or nothing."""
    from desk.admin.coverage import record_exclusions
    from desk.admin.joblock import BUSY, publish_running
    from desk.policies.importer import all_records, import_records, read_policy_files
    from desk.policies.schema import SURROGATE, ImportError_

    name, content = body.get("filename"), body.get("text")
    if not isinstance(content, str) or not content.strip():
        raise ApiError(400, "'text' must be the file's content")
    if publish_running():  # its gate would judge the model on data it was not trained on
        raise ApiError(409, f"import refused, nothing changed: {BUSY}; import after it ends")
    name = Path(name if isinstance(name, str) and name.strip() else "upload.yml").name[:MAX_FILENAME]
    if not name.endswith((".yml", ".yaml")):
        raise ApiError(400, "the file must be a .yml or .yaml import file")
    lone = SURROGATE.search(content)  # (JSON's "\\ud800"): no character, and no file can hold it
    if lone:
        line = content.count("\n", 0, lone.start()) + 1
        raise ApiError(400, f"import refused, nothing changed: {name}: line {line}: a lone surrogate is no character")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(content, encoding="utf-8")
        try:
            records = read_policy_files([path])
        except ImportError_ as exc:
            message = str(exc).replace(str(path), name)
            return 400, {"error": f"import refused, nothing changed: {message}", "errors": _field_errors(message)}
        records = [(Path(name), record) for _, record in records]
        with _session() as session:
            before = {r.id: r for r in all_records(session)}
            report = import_records(session, records, AUTHOR)
            changed = [*report.added, *report.changed]
            left_out = record_exclusions(session, before, [r for r in all_records(session) if r.id in changed], AUTHOR)
    return 200, {"added": report.added, "changed": report.changed, "unchanged": report.unchanged,
                 "left_out_of_training": left_out}


def published(_: Dict[str, Any]) -> Reply:
    from desk.admin import publish as pub

    try:
        live: Optional[str] = pub.live_model()
    except pub.PublishError:
        live = None
    model = pub.published_model()
    entries = [{k: e.get(k) for k in ("at", "action", "model", "previous", "by", "reasons")} for e in pub.history()]
    for entry in entries:
        for key in ("model", "previous"):
            entry[key] = Path(entry[key]).name if entry[key] else None
    return 200, {"live": Path(live).name if live else None, "published": model.name if model else None,
                 "history": entries[-20:][::-1], "job": JOBS.state()}


def publish(body: Dict[str, Any]) -> Reply:
    accept = body.get("accept_coverage", False)
    if not isinstance(accept, bool):
        raise ApiError(400, "'accept_coverage' must be true or false")
    return 202, JOBS.start("publish", ["--accept-coverage"] if accept else [])


def rollback(_: Dict[str, Any]) -> Reply:
    return 202, JOBS.start("rollback", [])


def job(_: Dict[str, Any]) -> Reply:
    return 200, JOBS.state()


def review_list(_: Dict[str, Any]) -> Reply:
    from desk.admin.review import queue

    with _session() as session:
        return 200, {"items": [asdict(i) for i in queue(session)]}


def review_decide(body: Dict[str, Any], item: str) -> Reply:
    from desk.admin.review import decide
    from desk.policies.schema import ImportError_

    if not ITEM_ID.match(item):
        raise ApiError(400, "item id must look like t123 or f45")
    decision = body.get("decision")
    if decision not in ("accept", "dismiss"):
        raise ApiError(400, "'decision' must be 'accept' or 'dismiss'")
    topic = body.get("topic")
    if decision == "accept":
        if not isinstance(topic, str):
            raise ApiError(400, "accept needs 'topic'")
        _topic_id(topic)
    with _session() as session:
        try:
            text = decide(session, item, "accepted" if decision == "accept" else "dismissed",
                          topic if decision == "accept" else None, AUTHOR)
        except ImportError_ as exc:
            raise ApiError(404 if "no open review item" in str(exc) else 400, str(exc)) from None
    return 200, {"item": item, "decision": decision, "topic": topic, "text": text}


def stale(_: Dict[str, Any]) -> Reply:
    """Facts not checked for long or ending soon (`desk policy stale`, desk.policies.freshness
    from the knowledge work). HOOK: until that module is installed the console says so."""
    try:
        from desk.policies.freshness import stale_facts  # type: ignore[import-not-found]
    except ImportError:
        return 200, {"available": False, "facts": [],
                     "message": "The stale-facts check (`desk policy stale`) is not installed yet."}
    from desk.policies.importer import all_records

    with _session() as session:
        facts = stale_facts(all_records(session))
    return 200, {"available": True, "facts": [f.as_dict() for f in facts]}


def analytics(query: Dict[str, List[str]]) -> Reply:
    from desk.admin import analytics as an

    days = _int(query, "days", an.DEFAULT_DAYS)
    try:
        return 200, an.compute(days)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None


GET_ROUTES = {"auth": lambda _: (200, {"ok": True}), "topics": topics, "published": published, "job": job,
              "review": review_list, "stale": stale, "analytics": analytics}
POST_ROUTES = {"import": import_file, "publish": publish, "rollback": rollback}


def handles(path: str) -> bool:
    """Whether the web server's (decoded, normalised) ``path`` is the admin API's: every answer
    there is JSON, errors included, never the static server's HTML pages."""
    return path == ROOT or path.startswith(PREFIX)


def route(method: str, path: str, query: Dict[str, List[str]], body: Dict[str, Any]) -> Reply:
    parts = [unquote(p) for p in path[len(PREFIX):].split("/") if p]
    if method == "GET":
        if len(parts) == 1 and parts[0] in GET_ROUTES:
            return GET_ROUTES[parts[0]](query)
        if len(parts) == 3 and parts[0] == "topics" and parts[2] == "versions":
            return versions(query, parts[1])
        if len(parts) == 3 and parts[0] == "topics" and parts[2] == "diff":
            return diff(query, parts[1])
    if method == "POST":
        if len(parts) == 1 and parts[0] in POST_ROUTES:
            return POST_ROUTES[parts[0]](body)
        if len(parts) == 2 and parts[0] == "review":
            return review_decide(body, parts[1])
    known = parts and (parts[0] in GET_ROUTES or parts[0] in POST_ROUTES or parts[0] in ("topics", "review"))
    raise ApiError(405 if known else 404, "method not allowed" if known else "no such admin API")


def _read_body(handler: BaseHTTPRequestHandler) -> Dict[str, Any]:
    try:
        length = int(handler.headers.get("Content-Length") or 0)
    except ValueError:
        raise ApiError(400, "bad Content-Length") from None
    if length > MAX_BODY:
        raise ApiError(413, f"request body larger than {MAX_BODY // 1024 // 1024} MiB")
    raw = handler.rfile.read(length) if length > 0 else b""
    if not raw:
        return {}
    if "application/json" not in (handler.headers.get("Content-Type") or ""):
        raise ApiError(415, "send JSON (Content-Type: application/json)")
    try:  # the channels' reading: nesting deep enough to exhaust the parser is a 400, not a 503
        return json_object(raw, MAX_BODY)
    except BadInput as exc:
        raise ApiError(exc.status, str(exc)) from None


def serve(handler: BaseHTTPRequestHandler, method: str) -> None:
    """Answer one /admin/api request on ``handler`` (the web server's request handler)."""
    parts = urlsplit(handler.path)
    body: Optional[Dict[str, Any]] = None
    try:
        if method not in METHODS:  # before the token: a browser's preflight (OPTIONS) carries none
            raise _not_allowed(method)
        if not authorised(handler.headers.get("Authorization")):
            raise ApiError(401, "missing or wrong admin token")
        body = _read_body(handler) if method == "POST" else {}
        status, payload = route("GET" if method == "HEAD" else method, parts.path, parse_qs(parts.query), body)
    except ApiError as exc:
        status, payload = exc.status, {"error": str(exc)}
    except Exception:  # noqa: BLE001 - the details go to the log, the page gets a clean error
        logger.exception("admin API %s %s failed", method, parts.path)
        status, payload = 503, {"error": "the request could not be completed; see the web server's log"}
    if body is None and _declares_body(handler):
        handler.close_connection = True  # its unread body would be taken for the next request
    _send(handler, status, payload)


def _not_allowed(method: str) -> ApiError:
    return ApiError(405, f"method {method} not allowed: the admin API takes {', '.join(METHODS)}")


def _declares_body(handler: BaseHTTPRequestHandler) -> bool:
    headers = getattr(handler, "headers", None)
    return headers is not None and bool(headers.get("Transfer-Encoding") or
                                        (headers.get("Content-Length") or "0").strip() not in ("", "0"))


def refuse(handler: BaseHTTPRequestHandler, status: int, message: Optional[str]) -> None:
    """The web server's own errors on an admin API path, as JSON. The standard library answers a
    method it has no ``do_`` handler for (OPTIONS, PUT, DELETE...) with 501: here that is a 405."""
    if status == HTTPStatus.NOT_IMPLEMENTED:
        error = _not_allowed(handler.command or "?")
        status, message = error.status, str(error)
    handler.close_connection = True  # the request may not have been read to its end
    _send(handler, status, {"error": message or HTTPStatus(status).phrase})


def _send(handler: BaseHTTPRequestHandler, status: int, payload: Dict[str, Any]) -> None:
    data = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    handler.send_response(status if status in HTTPStatus._value2member_map_ else 400)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    handler.send_header("Cache-Control", "no-store")
    if status == HTTPStatus.METHOD_NOT_ALLOWED:
        handler.send_header("Allow", ", ".join(METHODS))
    if handler.close_connection:
        handler.send_header("Connection", "close")
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(data)
