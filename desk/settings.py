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

GENERATED_SECRETS = ("DESK_STAFF_TOKEN", "RASA_AUTH_TOKEN", "WECHAT_TOKEN")


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
        LOCAL_SECRETS.write_text(body, encoding="utf-8")
        LOCAL_SECRETS.chmod(0o600)
    return values


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


def gateway_url() -> str:
    """Where the running desk's gateway (the public Rasa port) is, for `desk publish`."""
    return os.environ.get("DESK_GATEWAY_URL") or "http://127.0.0.1:5005"


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
