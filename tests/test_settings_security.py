"""Secrets and the gateway's rules that need no server: the local secrets file is private
from its creation, CORS origins, public paths."""

from __future__ import annotations

import importlib
import os
import stat
from pathlib import Path

import pytest

from desk import settings


def test_local_secrets_file_is_private_from_the_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_VAR_DIR", str(tmp_path / "var"))
    for name in settings.GENERATED_SECRETS:
        monkeypatch.delenv(name, raising=False)
    fresh = importlib.reload(settings)
    try:
        opened = []
        real_open = os.open

        def spy(path, flags, mode=0o777, *args, **kwargs):  # type: ignore[no-untyped-def]
            opened.append((str(path), mode))
            return real_open(path, flags, mode, *args, **kwargs)

        monkeypatch.setattr(os, "open", spy)
        token = fresh.secret("DESK_STAFF_TOKEN")
        assert opened and all(mode == 0o600 for _, mode in opened)
        assert stat.S_IMODE(fresh.LOCAL_SECRETS.stat().st_mode) == 0o600
        assert fresh.secret("DESK_STAFF_TOKEN") == token and fresh.secret("DESK_SESSION_SECRET")
        assert not list(fresh.LOCAL_SECRETS.parent.glob(".*.tmp"))
    finally:
        monkeypatch.undo()
        importlib.reload(settings)


def test_allowed_origins() -> None:
    from desk.gateway.server import allowed_origin

    allowed = ["http://127.0.0.1:8080", "https://www.pudong.gov.cn"]
    assert allowed_origin("https://www.pudong.gov.cn", allowed) and allowed_origin("http://127.0.0.1:8080", allowed)
    for origin in (None, "", "null", "https://evil.example", "http://127.0.0.1:8081",
                   "https://www.pudong.gov.cn.evil.example"):
        assert not allowed_origin(origin, allowed), origin


def test_public_paths() -> None:
    from desk.gateway.server import PUBLIC_PATH

    for path in ("/webhooks/rest/webhook", "/webhooks/hotline/webhook", "/webhooks/hotline/feedback",
                 "/webhooks/hotline/auth", "/webhooks/wechat/webhook", "/webhooks/rest/", "/socket.io/"):
        assert PUBLIC_PATH.match(path), path
    for path in ("/status", "/model", "/conversations/x/tracker", "/_gateway/status", "/metrics",
                 "/webhooks/rest/../../status", "/webhooks/%72est/webhook", "/webhooks/socketio/x", "/domain"):
        assert not PUBLIC_PATH.match(path), path
