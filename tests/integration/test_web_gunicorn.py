"""The web app as gunicorn serves it with Convene's settings (``services.web.gunicorn_conf``):
loaded and warmed once in the master, then forked into workers that answer from what the
master made, on their own database connections, and see every write at once."""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.request
from pathlib import Path

import pytest
from web_app_support import scene  # noqa: F401  (fixture)

from deploy.local import processes
from services.feedback import queries
from services.web.auth import users

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(config, db, scene):
    port = processes.free_port()
    env = {
        **os.environ,
        "CONVENE_STATE_DIR": str(config.state_dir),
        "CONVENE_DATABASE_URL": config.sqlalchemy_url,
        "CONVENE_SECRET_KEY": "test-secret",
        "CONVENE_CONFIG_FILE": "/nonexistent",
    }
    log, pidfile = config.state_dir / "gunicorn.log", config.state_dir / "gunicorn.pid"

    def answers() -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5)
            return True
        except OSError:
            return False

    processes.start_and_wait(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:services.web.gunicorn_conf",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "info",
            "services.web:create_app()",
        ],
        pidfile=pidfile,
        logfile=log,
        ready=answers,
        what="gunicorn",
        timeout=30,
        env=env,
        cwd=ROOT,
    )
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        processes.stop(pidfile, timeout=30)


def _call(url: str, token: str, method: str = "GET", body: dict | None = None) -> dict:
    request = urllib.request.Request(
        url,
        method=method,
        data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_workers_forked_from_a_warmed_master_answer_and_see_writes(server, db, scene):
    base, log = server
    with db.session() as s:
        _, token = users.issue_token(s, users.get_user(s, scene["triager"]), "tests")
        expected = [
            i
            for i, _ in queries.page_keys(
                s,
                queries.QueueFilter(consultation_ids=(scene["c1"],)),
                {scene["c1"], scene["c2"]},
                limit=50,
            ).rows
        ]
    # The master warmed up before it forked: both consultations' indexes were made there.
    assert "web app warmed up" in log.read_text() and "'indexes': 2" in log.read_text()
    frozen = int(re.search(r"(\d+) objects frozen", log.read_text()).group(1))
    assert frozen > 10_000  # the app and what it made, out of the cycle collector's reach
    # Enough calls that both workers answer (each on its own connections).
    for _ in range(8):
        page = _call(f"{base}/api/v1/feedback?consultation={scene['c1']}", token)
        assert [item["id"] for item in page["items"]] == expected
    _call(f"{base}/api/v1/feedback/{scene['french']}", token, "PATCH", {"status": "accepted"})
    for _ in range(4):
        page = _call(f"{base}/api/v1/feedback?consultation={scene['c1']}&status=accepted", token)
        assert [item["id"] for item in page["items"]] == [scene["french"]]
