"""Error answers on the public port's channel paths (``/webhooks/...``) as JSON.

Callers of the channels (the staff console, the REST clients, monitoring) read ``{"error":
...}`` bodies; but the Rasa server answers a wrong method or an unknown path under a channel's
prefix with Sanic's HTML error page, and the WeChat channel refuses a request in plain text
(the WeChat servers ignore an error's body). The gateway rewrites such an answer to a JSON error
with the same status and headers (``Allow`` of a 405 included), so no error there is a page.
Successful answers are left alone: WeChat's ``echostr`` check and its XML replies are text.
"""

from __future__ import annotations

from aiohttp import web
from multidict import CIMultiDict

JSON_TYPE = "application/json"
# channels whose error answers are rewritten: socket.io keeps its own protocol's answers
JSON_ERROR_CHANNELS = frozenset({"rest", "hotline", "wechat"})
# a plain-text refusal this short is its own message (e.g. WeChat's "missing signature")
MAX_TEXT_MESSAGE_CHARS = 200
# headers describing the old body, not the answer
BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding"})


def needs_json_error(channel: str, result: web.StreamResponse) -> bool:
    """True for an error answer on a channel path whose body is not JSON already."""
    return (
        channel in JSON_ERROR_CHANNELS
        and isinstance(result, web.Response)
        and result.status >= 400
        and result.content_type != JSON_TYPE
    )


def error_message(method: str, result: web.Response) -> str:
    """What the error says: which methods a 405 allows, a short plain-text refusal's own
    words, else the status's reason ("not found")."""
    if result.status == 405:
        allowed = result.headers.get("Allow")
        return f"method {method} not allowed" + (f"; use {allowed}" if allowed else "")
    if result.content_type == "text/plain" and isinstance(result.body, bytes):
        text = " ".join(result.body.decode("utf-8", "replace").split())
        if text and len(text) <= MAX_TEXT_MESSAGE_CHARS:
            return text
    return (result.reason or "error").lower()


def as_json_error(method: str, result: web.Response) -> web.Response:
    """``result`` as ``{"error": message}`` with its status and its other headers."""
    headers = CIMultiDict((name, value) for name, value in result.headers.items() if name.lower() not in BODY_HEADERS)
    return web.json_response({"error": error_message(method, result)}, status=result.status, headers=headers)
