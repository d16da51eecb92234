"""Runtime settings read from the environment, each with a safe local default.

Tokens that protect an API default to a random value generated once per checkout and kept in
``var/local-secrets.env`` (git-ignored), so a fresh clone is never reachable with a
well-known token; set the variables to real secrets in production.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DESK_VAR_DIR", PROJECT_ROOT / "var"))
LOCAL_SECRETS = VAR_DIR / "local-secrets.env"

GENERATED_SECRETS = ("DESK_STAFF_TOKEN", "RASA_AUTH_TOKEN", "WECHAT_TOKEN", "DESK_SESSION_SECRET", "DESK_ADMIN_TOKEN")

# The longest message any channel accepts (CONTRACT.md: up to 10,000 characters get an answer;
# longer ones get 413 on the APIs and a polite "too long" on the chat channels).
MAX_MESSAGE_CHARS = 10_000
# A JSON body may carry the message \u-escaped plus the other fields: 6 bytes a character, 12 for
# one outside the BMP (an emoji is a surrogate pair, "\ud83d\ude00"), which still counts as one.
MAX_JSON_BODY_BYTES = MAX_MESSAGE_CHARS * 12 + 4096
# Stored conversations older than this (days since their last event) are deleted by
# `desk tracker cleanup`; DESK_TRACKER_RETENTION_DAYS overrides it.
TRACKER_RETENTION_DAYS = 180


def _read_local_secrets() -> dict[str, str]:
    if not LOCAL_SECRETS.exists():
        return {}
    values: dict[str, str] = {}
    for line in LOCAL_SECRETS.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def ensure_local_secrets() -> dict[str, str]:
    """Create random local tokens for the variables the environment does not set."""
    values = _read_local_secrets()
    missing = [name for name in GENERATED_SECRETS if name not in values]
    if missing:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        for name in missing:
            values[name] = secrets.token_urlsafe(24)
        body = "# Local development tokens (generated; not for production).\n"
        body += "".join(f"{k}={v}\n" for k, v in sorted(values.items()))
        _write_private(LOCAL_SECRETS, body)
    return values


def _write_private(path: Path, body: str) -> None:
    """Write ``body`` to a file that is mode 600 from the moment it exists (a new file
    created with O_EXCL next to it, then renamed over), so no other user can read it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def secret(name: str) -> str:
    """The environment's value, else the checkout's generated local value."""
    value = os.environ.get(name)
    if value:
        return value
    return ensure_local_secrets()[name]


def db_url() -> str:
    """SQLAlchemy URL of the policy database."""
    return os.environ.get("DESK_DB_URL") or f"sqlite:///{VAR_DIR / 'policies.db'}"


def tracker_url() -> str:
    """SQLAlchemy URL of the conversation tracker store."""
    return os.environ.get("DESK_TRACKER_URL") or f"sqlite:///{VAR_DIR / 'tracker.db'}"


def redis_url() -> str | None:
    """Redis URL for the shared lock store, or None for the in-memory one."""
    return os.environ.get("REDIS_URL") or None


def tracker_retention_days() -> int:
    """How many days an inactive conversation is kept (DESK_TRACKER_RETENTION_DAYS)."""
    value = os.environ.get("DESK_TRACKER_RETENTION_DAYS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else TRACKER_RETENTION_DAYS


MAX_RASA_REPLICAS = 16


def rasa_replicas() -> int:
    """How many Rasa servers the gateway runs behind the public port (DESK_RASA_REPLICAS)."""
    raw = os.environ.get("DESK_RASA_REPLICAS") or "1"
    try:
        count = int(raw)
    except ValueError:
        raise SystemExit(f"DESK_RASA_REPLICAS must be a whole number, not {raw!r}") from None
    if not 1 <= count <= MAX_RASA_REPLICAS:
        raise SystemExit(f"DESK_RASA_REPLICAS must be between 1 and {MAX_RASA_REPLICAS}, not {count}")
    return count


def build_dir() -> Path:
    """Where generated training data, domain part, config and jieba dictionary go."""
    return Path(os.environ.get("DESK_BUILD_DIR") or PROJECT_ROOT / "build")


# Where the processes listen. Only the gateway's public port and the web pages are reachable
# from outside (CONTRACT.md "Public surface"); everything else binds LOOPBACK.
LOOPBACK = "127.0.0.1"
PUBLIC_PORT, ADMIN_PORT, ACTION_PORT, WEB_PORT = 5005, 5006, 5055, 8080


def public_host() -> str:
    """Interface of the public port and the web pages (DESK_PUBLIC_HOST; all by default)."""
    return os.environ.get("DESK_PUBLIC_HOST") or "0.0.0.0"


def gateway_url() -> str:
    """The running desk's gateway admin side (loopback): publish/swap, status, metrics and
    the Rasa HTTP API, for `desk publish` and the admin console."""
    return os.environ.get("DESK_GATEWAY_URL") or f"http://{LOOPBACK}:{ADMIN_PORT}"


def models_dir() -> Path:
    """Where trained models are kept (the newest one is what `make run` serves)."""
    return Path(os.environ.get("DESK_MODELS_DIR") or PROJECT_ROOT / "models")


def newest_model() -> Optional[Path]:
    """The most recently trained (or re-confirmed) model in models_dir(), if any."""
    models = sorted(models_dir().glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def require_model() -> str:
    """newest_model() as a string, or exit with what to do."""
    model = newest_model()
    if model is None:
        raise SystemExit(f"no trained model in {models_dir()}: run `make train` first")
    return str(model)
