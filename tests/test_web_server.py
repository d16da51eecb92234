"""The static server's helpers (where the pages find Rasa, the CSP) and the web chat
channel's input check, without starting anything."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx
import pytest

from desk.channels.webchat import MAX_MESSAGE_CHARS, message_fields, origin_checked
from desk.web.origins import (
    DEFAULT_WEB_ORIGINS,
    normalise_origin,
    origin_allowed,
    parse_origins,
    socket_origins,
    widget_origins,
)
from desk.web.serve import (
    WIDGET_CONFIG_PLACEHOLDER,
    content_security_policy,
    frame_ancestors,
    make_server,
    rasa_origin,
    request_hostname,
    widget_script,
)


@pytest.mark.parametrize(
    "host, expected",
    [
        ("localhost:8080", "localhost"),
        ("desk.example.gov.cn", "desk.example.gov.cn"),
        ("192.168.1.20:8080", "192.168.1.20"),
        ("[::1]:8080", "[::1]"),
        (None, "localhost"),
        ("", "localhost"),
        ('evil"</script>:1', "localhost"),
        ("a b:80", "localhost"),
    ],
)
def test_request_hostname(host, expected) -> None:
    assert request_hostname(host) == expected


def test_rasa_origin_and_csp() -> None:
    assert rasa_origin("desk.local:8080", 5005, None) == "http://desk.local:5005"
    assert rasa_origin("x", 5005, "https://api.example.org/") == "https://api.example.org"
    csp = content_security_policy("https://api.example.org", "'none'")
    assert "connect-src 'self' https://api.example.org wss://api.example.org" in csp
    assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp


def test_server_routes(tmp_path) -> None:
    (tmp_path / "index.html").write_text("<p>chat</p>", encoding="utf-8")
    (tmp_path / "staff.html").write_text("<p>staff</p>", encoding="utf-8")
    server = make_server(0, 5005, host="127.0.0.1", web_dir=tmp_path)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        assert httpx.get(f"{base}/").text == "<p>chat</p>"
        staff = httpx.get(f"{base}/staff")
        assert staff.text == "<p>staff</p>" and staff.headers["x-frame-options"] == "DENY"
        config = httpx.get(f"{base}/config.js", headers={"Host": "desk.local:8080"})
        assert config.text.startswith('window.DESK_CONFIG = {"rasaUrl": "http://desk.local:5005", "texts": {')
        assert "12345" in config.text and "Pudong Talent Desk" in config.text  # labels from data/texts.yml
        assert config.headers["content-type"].startswith("text/javascript")
        assert config.headers["vary"] == "Host"  # a shared cache keeps one per host, not the first one asked
        assert httpx.get(f"{base}/missing.js").status_code == 404
        assert httpx.post(f"{base}/").status_code == 501
        assert httpx.get(f"{base}/web/%00").status_code == 404
        assert httpx.get(f"{base}/%00staff.html").status_code == 404
        for sneaky in ("/%73taff.html", "/%53taff.html", "/x/../staff.html", "//staff.html", "/./staff"):
            response = httpx.get(f"{base}{sneaky}")
            if response.status_code == 200:  # whatever serves the console carries its headers
                assert response.headers["x-frame-options"] == "DENY", sneaky
                assert "frame-ancestors 'none'" in response.headers["content-security-policy"], sneaky
    finally:
        server.shutdown()
        server.server_close()


def test_webchat_message_fields() -> None:
    assert message_fields({"session_id": " s1 ", "message": " 你好 "}) == ("s1", "你好", {})
    assert message_fields({"session_id": "s1", "message": "hi", "metadata": {"a": 1}})[2] == {"a": 1}
    # counted as the other channels count, without the spaces around it (a pasted text ends in a newline)
    assert message_fields({"session_id": "s1", "message": "  " + "x" * MAX_MESSAGE_CHARS + "\n"})[1] == "x" * MAX_MESSAGE_CHARS
    for bad in (None, [], {"message": "hi"}, {"session_id": "s1"}, {"session_id": "s1", "message": "  "},
                {"session_id": "s1", "message": 3}, {"session_id": "x" * 129, "message": "hi"},
                {"session_id": "s1", "message": "x" * (MAX_MESSAGE_CHARS + 1)}):
        assert message_fields(bad) is None


# ---------------------------------------------------------------- widget: origins and framing


@pytest.mark.parametrize(
    "text, expected",
    [
        ("https://gov.example.cn", "https://gov.example.cn"),
        (" HTTPS://Gov.Example.CN:443/ ", "https://gov.example.cn"),
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
        ("http://localhost:80", "http://localhost"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_normalise_origin(text, expected) -> None:
    assert normalise_origin(text) == expected


@pytest.mark.parametrize(
    "bad", ["gov.example.cn", "ftp://gov.example.cn", "https://gov.example.cn/page", "https://*.example.cn",
            "https://user@gov.example.cn", "https://gov.example.cn:99999", "https://gov.example.cn?x=1", "*", "null"],
)
def test_malformed_origins_are_refused_by_name(bad) -> None:
    with pytest.raises(ValueError, match="origin"):
        parse_origins(f"https://ok.example.org,{bad}")


def test_origin_lists_from_the_environment() -> None:
    assert widget_origins({}) == [] and parse_origins("") == []
    env = {"DESK_WIDGET_ORIGINS": "https://a.example.cn, https://b.example.cn,https://a.example.cn"}
    assert widget_origins(env) == ["https://a.example.cn", "https://b.example.cn"]
    assert socket_origins(env) == [*DEFAULT_WEB_ORIGINS, "https://a.example.cn", "https://b.example.cn"]
    own = {"DESK_WEB_ORIGIN": "https://desk.example.cn"}
    assert socket_origins(own) == ["https://desk.example.cn"]
    assert origin_allowed(None, []) and origin_allowed("https://a.example.cn", ["https://a.example.cn"])
    assert not origin_allowed("https://evil.example", ["https://a.example.cn"])
    assert not origin_allowed("null", ["https://a.example.cn"])


def test_only_the_chat_page_may_be_framed_and_only_by_listed_hosts() -> None:
    hosts = ["https://a.example.cn", "https://b.example.cn"]
    assert frame_ancestors("/", hosts) == "'self' https://a.example.cn https://b.example.cn"
    assert frame_ancestors("/index.html", []) == "'self'"
    for path in ("/staff", "/staff.html", "/admin", "/admin.html", "/widget.js", "/anything"):
        assert frame_ancestors(path, hosts) == "'none'"


def test_widget_script_gets_the_allowed_origins() -> None:
    source = f"var CONFIG = {WIDGET_CONFIG_PLACEHOLDER};"
    assert widget_script(source, ["https://a.example.cn"]) == 'var CONFIG = {"origins": ["https://a.example.cn"]};'
    assert widget_script(source, []) == 'var CONFIG = {"origins": []};'
    with pytest.raises(ValueError, match="placeholder"):
        widget_script("var CONFIG = {};", [])
    real = (Path(__file__).resolve().parent.parent / "web" / "widget.js").read_text(encoding="utf-8")
    assert real.count(WIDGET_CONFIG_PLACEHOLDER) == 1


def test_server_framing_headers_and_widget_route(tmp_path) -> None:
    (tmp_path / "index.html").write_text("<p>chat</p>", encoding="utf-8")
    (tmp_path / "staff.html").write_text("<p>staff</p>", encoding="utf-8")
    (tmp_path / "widget.js").write_text(f"var CONFIG = {WIDGET_CONFIG_PLACEHOLDER};", encoding="utf-8")
    server = make_server(0, 5005, host="127.0.0.1", web_dir=tmp_path, embedders=["https://Gov.Example.cn/"])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        chat = httpx.get(f"{base}/?embed=1")
        assert chat.headers["content-security-policy"].endswith("frame-ancestors 'self' https://gov.example.cn")
        assert "x-frame-options" not in chat.headers
        for path in ("/staff", "/config.js", "/widget.js"):
            response = httpx.get(f"{base}{path}")
            assert response.headers["content-security-policy"].endswith("frame-ancestors 'none'"), path
            assert response.headers["x-frame-options"] == "DENY", path
        widget = httpx.get(f"{base}/widget.js")
        assert widget.status_code == 200 and widget.headers["content-type"] == "text/javascript; charset=utf-8"
        assert widget.text == 'var CONFIG = {"origins": ["https://gov.example.cn"]};'
        head = httpx.head(f"{base}/widget.js")
        assert head.status_code == 200 and head.headers["content-length"] == str(len(widget.content))
    finally:
        server.shutdown()
        server.server_close()


def test_socketio_connect_refuses_other_origins(monkeypatch) -> None:
    """The connect handler in front of Rasa's (a stand-in server object: unit test)."""
    monkeypatch.setenv("DESK_WEB_ORIGIN", "https://desk.example.cn")
    monkeypatch.setenv("DESK_WIDGET_ORIGINS", "https://gov.example.cn")
    calls = []

    async def stock(sid, environ, auth):  # Rasa's handler (JWT check when configured)
        calls.append(sid)
        return True

    class FakeServer:
        handlers = {"/": {"connect": stock}}

    connect = origin_checked(FakeServer(), None)

    def run(origin):
        environ = {"HTTP_ORIGIN": origin} if origin else {}
        return asyncio.run(connect("sid-1", environ, None))

    assert run("https://desk.example.cn") and run("https://gov.example.cn") and run(None)
    assert not run("https://evil.example") and not run("http://desk.example.cn")
    assert len(calls) == 3


def test_a_half_sent_request_frees_its_thread(tmp_path, monkeypatch) -> None:
    """A client that stops sending in the middle of its headers is dropped after the handler's
    timeout (a slow-loris client held a thread for good); the listen backlog takes bursts."""
    import socket
    import time

    from desk.web import serve

    assert serve.Handler.timeout == serve.CLIENT_TIMEOUT_SECONDS <= 60  # none by default in the standard library
    monkeypatch.setattr(serve.Handler, "timeout", 0.5)
    (tmp_path / "index.html").write_text("<p>chat</p>", encoding="utf-8")
    server = make_server(0, 5005, host="127.0.0.1", web_dir=tmp_path)
    assert server.request_queue_size == serve.LISTEN_BACKLOG >= 64
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(server.server_address[:2], timeout=5) as slow:
            slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and nothing more
            started = time.monotonic()
            assert slow.recv(100) == b""  # the server hung up
            assert time.monotonic() - started < 4
        assert httpx.get(f"http://127.0.0.1:{server.server_address[1]}/").text == "<p>chat</p>"
    finally:
        server.shutdown()
        server.server_close()
