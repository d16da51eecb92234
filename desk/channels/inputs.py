"""What every public channel does to a user's message before it reaches the dialogue, and
the few phrases a channel says on its own (when the bot cannot answer at all; their words are
in data/texts.yml, ``channels``).

- Control characters are dropped (they cannot be typed, and some databases refuse NUL).
- A message starting with "/" is, to Rasa, an intent with entities (``/restart``,
  ``/intent{...}``) that skips understanding. From the public only the buttons' own
  payloads are accepted: ``/ask_<topic>`` with an optional ``{"aspect": "<aspect>"}``.
- Each channel has its own conversation ids (``conversation_id``), so a caller of one
  channel cannot write into another channel's conversation by reusing its id.
- JSON bodies are parsed with a depth limit, so deeply nested JSON is a 400, not a 500.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Optional

from desk import settings
from desk.dialogue import texts
from desk.language import detect

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
BUTTON_PAYLOAD = re.compile(r'^/ask_[a-z][a-z0-9_]{0,63}(\{"aspect": ?"[a-z_]{1,32}"\})?$')
COMMAND_PREFIX = "/"
# Deepest JSON a request body may have (ours are 2 levels; Python's parser recurses).
MAX_JSON_DEPTH = 20

class BadInput(ValueError):
    """A request refused before the dialogue, with the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class MessageTooLong(BadInput):
    """A message over the length limit in a well-formed request: a 413 on the hotline API, a
    polite "too long" reply on the chat channels (CONTRACT.md). ``start`` is its beginning,
    enough to reply in the user's language."""

    def __init__(self, message: str, start: str) -> None:
        super().__init__(message, 413)
        self.start = start


def phrase(key: str, text: Optional[str] = None) -> str:
    """A channel phrase (data/texts.yml ``channels``) in the language of ``text``, both
    languages when it has none."""
    language = detect(text or "") if text else None
    languages = [language] if language in texts.LANGUAGES else list(texts.LANGUAGES)
    values = {"hotline": texts.hotline(), "limit": f"{settings.MAX_MESSAGE_CHARS:,}"}
    return "\n".join(texts.text("channels", key, lang, **values) for lang in languages)


def clean_text(text: str) -> str:
    """The message without control characters, trimmed."""
    return CONTROL_CHARS.sub("", text).strip()


def is_command(text: str) -> bool:
    """True for a "/..." message that is not one of the buttons' payloads."""
    return text.startswith(COMMAND_PREFIX) and not BUTTON_PAYLOAD.match(text)


def public_text(text: str) -> str:
    """A public message made safe for the dialogue, or BadInput: empty, too long (413) or a
    command other than a button payload."""
    text = clean_text(text)
    if not text:
        raise BadInput("'message' must be a non-empty string")
    if len(text) > settings.MAX_MESSAGE_CHARS:
        raise MessageTooLong(f"'message' must be at most {settings.MAX_MESSAGE_CHARS} characters", text[:200])
    if is_command(text):
        raise BadInput("commands are not accepted; only the buttons' payloads /ask_<topic>")
    return text


def chat_text(text: str) -> str:
    """For chat channels, which cannot show an error: a command loses its "/" and is read as
    text, so "/restart" is a question like any other and never a Rasa command."""
    text = clean_text(text)
    while is_command(text):
        text = text[len(COMMAND_PREFIX):].strip()
    return text


def conversation_id(channel: str, sender: str) -> str:
    """The tracker's id for ``sender`` on ``channel``: one namespace per channel."""
    return f"{channel}:{sender}"


def sender_of(channel: str, conversation: str) -> str:
    """The channel's own sender id back from a conversation id."""
    prefix = f"{channel}:"
    return conversation[len(prefix):] if conversation.startswith(prefix) else conversation


def json_depth(value: Any, limit: int) -> int:
    """Nesting depth of parsed JSON, iteratively, stopping once past ``limit``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def json_object(body: bytes, max_bytes: int = settings.MAX_JSON_BODY_BYTES) -> Dict[str, Any]:
    """The JSON object of a request body, or BadInput (413 when too large, 400 otherwise).
    Nesting deep enough to exhaust the parser's recursion is a 400 like any other bad JSON."""
    if len(body) > max_bytes:
        raise BadInput(f"request body larger than {max_bytes} bytes", 413)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadInput("body must be a JSON object") from None
    if not isinstance(data, dict):
        raise BadInput("body must be a JSON object")
    if json_depth(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise BadInput("body is nested too deeply")
    return data


def short_error(exc: BaseException, limit: int = 200) -> str:
    """One short line for the log: the error's type and the start of its message (a Rasa
    error can carry a whole tracker, which must not be repeated per failed turn)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:limit]}{'…' if len(text) > limit else ''}"
