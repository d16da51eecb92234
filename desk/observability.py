"""Metrics (Prometheus, served on the loopback admin port only) and logs (one JSON object a
line, with a request id, rotated), for the gateway: the one process every request passes.

Logs never carry a secret: ``token=...`` in URLs and ``Bearer ...`` headers are masked, and
a message is cut at MAX_LOG_CHARS (a failed Rasa turn once wrote 74 KB of tracker per
request)."""

from __future__ import annotations

import contextvars
import json
import logging
import logging.handlers
import re
import time
from pathlib import Path
from typing import Optional

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

MAX_LOG_CHARS = 2000
LOG_BYTES = 10 * 1024 * 1024  # rotate at 10 MB, keep LOG_BACKUPS old files
LOG_BACKUPS = 5
SECRET = re.compile(r"(?i)(token=|bearer\s+|auth[_-]token[\"'=:\s]+)[^\s&\"',;]+")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

REGISTRY = CollectorRegistry()
REQUESTS = Counter("desk_requests_total", "Requests on the public port", ["channel", "status"], registry=REGISTRY)
LATENCY = Histogram(
    "desk_request_seconds", "Time to answer a request on the public port", ["channel"], registry=REGISTRY,
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
ANSWERS = Counter("desk_answers_total", "Channel answers by outcome", ["channel", "outcome"], registry=REGISTRY)
MODEL = Gauge("desk_model_info", "The model being served (1 for the live one)", ["model"], registry=REGISTRY)
RESTARTS = Counter("desk_restarts_total", "Restarts of a crashed component", ["component"], registry=REGISTRY)
BACKEND_UP = Gauge("desk_backend_up", "1 while a Rasa backend takes traffic", registry=REGISTRY)
WECHAT_TIMEOUTS = Counter(
    "desk_wechat_timeouts_total", "WeChat callbacks answered late or with the unavailable reply", registry=REGISTRY
)


def mask(text: str) -> str:
    """``text`` with tokens masked and cut to MAX_LOG_CHARS."""
    text = SECRET.sub(lambda m: m.group(1) + "***", text)
    return text if len(text) <= MAX_LOG_CHARS else text[:MAX_LOG_CHARS] + f"… ({len(text)} chars)"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, request id, message (masked, cut)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            message += f" [{type(exc).__name__}: {exc}]"  # one line, no traceback of a tracker
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or request_id.get(),
            "message": mask(message),
        }
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(log_file: Optional[Path], level: int = logging.INFO) -> None:
    """JSON lines to ``log_file`` (rotated) or, without one, to stderr. httpx's request log
    (which wrote URLs with the Rasa token) is kept to warnings."""
    handler: logging.Handler
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS,
                                                       encoding="utf-8")
    else:
        handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def channel_of(path: str) -> str:
    """The channel a public path belongs to, for metric labels (bounded set)."""
    if path.startswith("/webhooks/"):
        name = path.split("/")[2]
        return name if name in ("rest", "hotline", "wechat") else "other"
    if path.startswith("/socket.io"):
        return "socketio"
    return "other"


def observe(channel: str, status: int, seconds: float) -> None:
    REQUESTS.labels(channel, str(status)).inc()
    LATENCY.labels(channel).observe(seconds)


def set_model(model: Optional[str]) -> None:
    MODEL.clear()
    if model:
        MODEL.labels(Path(model).name).set(1)


def outcome(channel: str, status: int, body: Optional[bytes]) -> str:
    """What a channel answer was, for desk_answers_total: a policy answer, a handoff, another
    reply (small talk, clarification), refused bad input, unavailable, or an error."""
    if status == 503:
        return "unavailable"
    if 400 <= status < 500:
        return "refused"
    if status >= 500:
        return "error"
    if channel == "hotline" and body:
        try:
            reply = json.loads(body)
        except ValueError:
            return "other"
        if reply.get("handoff"):
            return "handoff"
        return "policy" if reply.get("topic") else "other"
    return "answered"


def count_answer(channel: str, status: int, body: Optional[bytes]) -> None:
    if channel in ("rest", "hotline", "wechat"):
        ANSWERS.labels(channel, outcome(channel, status, body)).inc()
