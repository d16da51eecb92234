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
