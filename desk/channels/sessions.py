"""Web chat session ids issued by the server: a random part and an HMAC of it under
DESK_SESSION_SECRET, so a client can keep its session across reloads but cannot make one
up, or take over another's by guessing (128 random bits)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Optional

from desk import settings

SEPARATOR = "."
RANDOM_BYTES = 16
MAX_SESSION_CHARS = 128


def _signature(nonce: str) -> str:
    key = settings.secret("DESK_SESSION_SECRET").encode()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()[:32]


def issue() -> str:
    """A new signed session id ``<random>.<signature>``."""
    nonce = secrets.token_hex(RANDOM_BYTES)
    return f"{nonce}{SEPARATOR}{_signature(nonce)}"


def verify(session_id: object) -> Optional[str]:
    """The random part of a session id this server issued, else None (compared in constant
    time, so the signature cannot be found byte by byte)."""
    if not isinstance(session_id, str) or len(session_id) > MAX_SESSION_CHARS or SEPARATOR not in session_id:
        return None
    nonce, signature = session_id.rsplit(SEPARATOR, 1)
    if len(nonce) != 2 * RANDOM_BYTES or not all(c in "0123456789abcdef" for c in nonce):
        return None
    return nonce if hmac.compare_digest(signature.encode(), _signature(nonce).encode()) else None
