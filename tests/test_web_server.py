"""The static server's helpers (where the pages find Rasa, the CSP) and the web chat
channel's input check, without starting anything."""

from __future__ import annotations

import threading

import httpx
import pytest

from desk.channels.webchat import MAX_MESSAGE_CHARS, message_fields
from desk.web.serve import content_security_policy, make_server, rasa_origin, request_hostname


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
        assert config.text == 'window.DESK_CONFIG = {"rasaUrl": "http://desk.local:5005"};\n'
        assert config.headers["content-type"].startswith("text/javascript")
        assert httpx.get(f"{base}/missing.js").status_code == 404
        assert httpx.post(f"{base}/").status_code == 501
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
    for bad in (None, [], {"message": "hi"}, {"session_id": "s1"}, {"session_id": "s1", "message": "  "},
                {"session_id": "s1", "message": 3}, {"session_id": "x" * 129, "message": "hi"},
                {"session_id": "s1", "message": "x" * (MAX_MESSAGE_CHARS + 1)}):
        assert message_fields(bad) is None
