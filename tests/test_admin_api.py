"""The admin console's API on the real web server (desk.web.serve + desk.web.admin_api) over
HTTP: its own token (the staff token is refused), JSON errors and 4xx for bad input that
change nothing, import with per-field errors, versions and diffs, review decisions,
analytics, and the headers that keep the console out of frames."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from desk import settings
from desk.admin import cli, joblock
from desk.policies.importer import history
from desk.web.serve import make_server

ADMIN, STAFF = "test-admin-token", "test-staff-token"
FIXTURE = Path(__file__).parent / "fixtures" / "driving_licence.yml"


@pytest.fixture
def web(loaded_sessions, db_url, tmp_path, monkeypatch) -> Iterator[str]:
    monkeypatch.setenv("DESK_DB_URL", db_url)
    monkeypatch.setenv("DESK_TRACKER_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("DESK_ADMIN_TOKEN", ADMIN)
    monkeypatch.setenv("DESK_STAFF_TOKEN", STAFF)
    monkeypatch.setenv("DESK_GATEWAY_URL", "http://127.0.0.1:9")  # no desk running
    server = make_server(0, 5005, host="127.0.0.1")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def call(web: str, method: str, path: str, token: str = ADMIN, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return httpx.request(method, f"{web}/admin/api/{path}", headers=headers, **kwargs)


def test_only_the_admin_token_works(web: str) -> None:
    assert call(web, "GET", "auth").status_code == 200
    for token in (STAFF, "wrong"):
        response = call(web, "GET", "topics", token)
        assert response.status_code == 401 and response.json() == {"error": "missing or wrong admin token"}
    assert httpx.get(f"{web}/admin/api/topics").status_code == 401
    page = httpx.get(f"{web}/admin")
    assert page.status_code == 200 and "Admin console" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_bad_requests_get_json_errors(web: str) -> None:
    assert call(web, "GET", "nothing").status_code == 404
    assert call(web, "POST", "topics").status_code == 405
    assert call(web, "GET", "topics/Bad-Id/versions").status_code == 400
    assert call(web, "GET", "topics/port_visa/diff?from=1&to=x").status_code == 400
    assert call(web, "GET", "topics/port_visa/diff?from=1&to=9").status_code == 404
    assert call(web, "GET", "analytics?days=0").status_code == 400
    wrong_type = call(web, "POST", "import", content=b"topics: []", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    assert call(web, "POST", "import", content=b"{", headers={"Content-Type": "application/json"}).status_code == 400
    for deep in (b"[" * 100_000 + b"]" * 100_000, b'{"a": ' + b"{" * 1500 + b"}" * 1501):  # was a 503
        nested = call(web, "POST", "import", content=deep, headers={"Content-Type": "application/json"})
        assert nested.status_code == 400 and nested.json()["error"]
    assert call(web, "POST", "review/t1", json={"decision": "maybe"}).status_code == 400
    assert call(web, "POST", "review/t1", json={"decision": "accept", "topic": "port_visa"}).status_code == 404
    assert call(web, "POST", "publish", json={"accept_coverage": "yes"}).status_code == 400


def test_import_with_field_errors_changes_nothing_then_imports(web: str, loaded_sessions) -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    broken = text.replace("status: in_force", "status: maybe").replace("    where:\n", "    wherever:\n")
    refused = call(web, "POST", "import", json={"filename": "licence.yml", "text": broken})
    assert refused.status_code == 400
    errors = refused.json()["errors"]
    assert {e["field"] for e in errors} == {"status", "wherever"}
    assert all(e["topic"] == "driving_licence" for e in errors)
    assert "/tmp" not in refused.json()["error"]
    assert "driving_licence" not in [t["id"] for t in call(web, "GET", "topics").json()["topics"]]
    # a lone surrogate (JSON "\\ud800") is no character: a 400 naming the line, not a 503
    lone = call(web, "POST", "import", content=json.dumps({"filename": "licence.yml", "text": text + "# \ud800\n"}).encode(),
                headers={"Content-Type": "application/json"})
    assert lone.status_code == 400 and "lone surrogate" in lone.json()["error"] and "line" in lone.json()["error"]
    assert "driving_licence" not in [t["id"] for t in call(web, "GET", "topics").json()["topics"]]

    imported = call(web, "POST", "import", json={"filename": "licence.yml", "text": text})
    assert imported.status_code == 200, imported.text
    body = imported.json()
    assert body["added"] == ["driving_licence"]
    assert "how do i convert my foreign driving licence" in body["left_out_of_training"]["driving_licence"]

    changed = call(web, "POST", "import", json={"filename": "licence.yml", "text": text.replace("通常需要", "一般需要")})
    assert changed.json()["changed"] == ["driving_licence"]
    versions = call(web, "GET", "topics/driving_licence/versions").json()["versions"]
    assert [v["version"] for v in versions] == [1, 2] and versions[0]["by"] == "admin console"
    diff = call(web, "GET", "topics/driving_licence/diff?from=1&to=2").json()["diff"]
    assert any(line.startswith("-") and "通常需要" in line for line in diff)
    assert any(line.startswith("+") and "一般需要" in line for line in diff)
    with loaded_sessions() as session:
        assert len(history(session, "driving_licence")) == 2


def test_review_published_stale_and_analytics(web: str, loaded_sessions) -> None:
    from desk.policies import models

    with loaded_sessions() as session:
        session.add(models.Feedback(staff_name="lin", sender="c", question="我老婆的签证怎么办", topic="talent_visa",
                                    correct=False, right_topic="family_permits"))
        session.commit()
    items = call(web, "GET", "review").json()["items"]
    assert [i["text"] for i in items] == ["我老婆的签证怎么办"]
    accepted = call(web, "POST", f"review/{items[0]['id']}", json={"decision": "accept", "topic": "family_permits"})
    assert accepted.status_code == 200 and accepted.json()["text"] == "我老婆的签证怎么办"
    assert call(web, "GET", "review").json()["items"] == []
    with loaded_sessions() as session:
        assert "我老婆的签证怎么办" in [e.text for e in session.get(models.Topic, "family_permits").examples]

    published = call(web, "GET", "published").json()
    assert published["live"] is None and published["job"]["running"] is False
    stale = call(web, "GET", "stale").json()
    assert stale["available"] is True and isinstance(stale["facts"], list)
    figures = call(web, "GET", "analytics?days=7").json()
    assert figures["questions"] == 0 and figures["feedback"][0]["topic"] == "talent_visa"


def test_no_import_and_no_second_publish_while_a_publish_runs(web: str, loaded_sessions, monkeypatch, tmp_path) -> None:
    """A publish trains on the database as it starts and gates on it as training ends: an import
    in between made the gate blame a topic the model never saw. The lock is a file, so the
    console and the command line see each other's publish."""
    monkeypatch.setattr(settings, "VAR_DIR", tmp_path)
    text = FIXTURE.read_text(encoding="utf-8")
    with joblock.publishing():
        busy = call(web, "POST", "import", json={"filename": "licence.yml", "text": text})
        assert busy.status_code == 409 and "publish" in busy.json()["error"]
        assert cli.main(["policy", "import", str(FIXTURE)]) == 1
        with pytest.raises(joblock.Busy), joblock.publishing():
            pass
        report = tmp_path / "report.json"
        assert cli.main(["rollback", "--report", str(report)]) == 1
        assert json.loads(report.read_text(encoding="utf-8"))["status"] == "failed"
    assert call(web, "GET", "topics/driving_licence/versions").status_code == 404  # nothing was imported
    assert call(web, "POST", "import", json={"filename": "licence.yml", "text": text}).status_code == 200


def _latin1_as_the_browser_sends_it(text: str) -> str:
    """admin.js sends ``file.text()``: the browser decodes the file as UTF-8, replacing what is
    not (a Latin-1 "é") with U+FFFD."""
    return text.encode("latin-1", errors="replace").decode("utf-8", errors="replace")


@pytest.mark.parametrize(
    "change, field, message",
    [
        # PyYAML's timestamp constructor raised a ValueError: a 503 "could not be completed"
        (lambda t: t.replace("status: in_force", "status: in_force\n    effective_from: 2027-02-30"),
         "effective_from", "'2027-02-30' is not a valid date"),
        (lambda t: t.replace("date: 2021-12-17", "date: 2024-13-45"), "sources[0].date", "'2024-13-45' is not a valid date"),
        (lambda t: t.replace("url: null", "url: 'javascript:alert(1)'"), "sources[0].url", "http:// or https:// link"),
        (lambda t: t.replace("Exchanging a foreign driving licence", "<img src=x onerror=alert(1)>"), "title.en",
         "contains HTML markup"),
        (lambda t: t.replace('en: ["how do I exchange', f'en: [{"q, " * 600}"how do I exchange'),
         "examples.en", "at most 500 per language"),
    ],
)
def test_bad_values_are_refused_by_topic_and_field(web: str, change, field: str, message: str) -> None:
    refused = call(web, "POST", "import", json={"filename": "licence.yml", "text": change(FIXTURE.read_text(encoding="utf-8"))})
    assert refused.status_code == 400, refused.text
    assert {"topic": "driving_licence", "field": field} == {k: refused.json()["errors"][0][k] for k in ("topic", "field")}
    assert message in refused.json()["errors"][0]["message"]
    assert "driving_licence" not in [t["id"] for t in call(web, "GET", "topics").json()["topics"]]


def test_a_file_that_is_not_utf8_is_refused_as_on_the_command_line(web: str, tmp_path: Path, capsys) -> None:
    latin1 = FIXTURE.read_text(encoding="utf-8").replace("Exchanging a foreign", "Caf\xe9 foreign")
    path = tmp_path / "licence.yml"
    path.write_bytes(latin1.encode("latin-1", errors="replace"))
    assert cli.main(["policy", "import", str(path)]) == 1
    on_the_command_line = capsys.readouterr().err.strip().replace(str(path), "licence.yml")
    refused = call(web, "POST", "import", json={"filename": "licence.yml", "text": _latin1_as_the_browser_sends_it(latin1)})
    assert refused.status_code == 400
    assert refused.json()["error"] == on_the_command_line
    assert "licence.yml: not UTF-8 text (line 5)" in on_the_command_line
    assert "driving_licence" not in [t["id"] for t in call(web, "GET", "topics").json()["topics"]]


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/admin/api", 404), ("POST", "/admin/api", 404), ("GET", "/admin/api/", 404),  # an HTML 404 before
        ("OPTIONS", "/admin/api/import", 405), ("PUT", "/admin/api/import", 405),  # an HTML 501 before
        ("DELETE", "/admin/api/topics", 405), ("PATCH", "/admin", 501), ("OPTIONS", "/admin/api", 405),
        ("BREW", "/admin/api/topics", 405), ("GET", "/admin/api/%00", 404),
    ],
)
def test_everything_under_the_api_answers_json(web: str, method: str, path: str, status: int) -> None:
    response = httpx.request(method, web + path, headers={"Authorization": f"Bearer {ADMIN}"})
    assert response.status_code == status
    if path.startswith("/admin/api"):
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert response.json()["error"]
        if status == 405:
            assert response.headers["allow"] == "GET, POST, HEAD" and method in response.json()["error"]
    else:  # the pages keep the standard library's answers
        assert response.headers["content-type"].startswith("text/html")


def test_a_preflight_needs_no_token_and_a_refused_body_is_not_read_as_the_next_request(web: str) -> None:
    assert httpx.options(f"{web}/admin/api/import").status_code == 405
    with httpx.Client(headers={"Authorization": f"Bearer {ADMIN}"}) as client:
        put = client.put(f"{web}/admin/api/import", content=b"GET /admin/api/auth HTTP/1.1\r\n\r\n")
        assert put.status_code == 405
        assert client.get(f"{web}/admin/api/auth").json() == {"ok": True}
        head = client.head(f"{web}/admin/api/topics")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-type"] == "application/json; charset=utf-8"
