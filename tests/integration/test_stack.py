"""The local stack on free ports in a private state directory: up, healthy through a real
worker and beat, idempotent, refusing taken ports, recovering a killed part, and leaving
nothing behind when it goes down. One stack serves the whole module (tests run in order)."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from deploy.local import fingerprint, processes
from deploy.local.processes import StackError, free_port
from deploy.local.stack import Stack
from services.config import load_config

CHECK_INTERVAL = 2.0


def stack_config(state: Path, **ports):
    wiki_port = ports.get("wiki", free_port())
    return load_config(
        env={},
        instance_file=Path("/nonexistent"),
        state_dir=state,
        wiki_api_url=f"http://127.0.0.1:{wiki_port}/api.php",
        redis_url=f"redis://127.0.0.1:{ports.get('redis', free_port())}/0",
        web_port=ports.get("web", free_port()),
        wiki_check_interval_seconds=CHECK_INTERVAL,
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    running = Stack(stack_config(tmp_path_factory.mktemp("stack") / "state"), worker_concurrency=1)
    running.up()
    yield running
    running.down()


def pids(stack: Stack) -> dict[str, int]:
    return {s.name: s.pid for s in stack.status()}


def health(stack: Stack) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{stack.web_url}/health", timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def cli_env(stack: Stack) -> dict[str, str]:
    config = stack.config
    return {
        "CONVENE_STATE_DIR": str(config.state_dir),
        "CONVENE_WIKI_API_URL": config.wiki_api_url,
        "CONVENE_REDIS_URL": config.redis_url,
        "CONVENE_WEB_PORT": str(config.web_port),
        "CONVENE_WIKI_CHECK_INTERVAL_SECONDS": str(CHECK_INTERVAL),
        "CONVENE_CONFIG_FILE": "/nonexistent",
        "CONVENE_DATABASE_URL": "",
    }


def test_every_part_is_up_with_its_pid_and_port(stack):
    statuses = {s.name: s for s in stack.status()}
    assert list(statuses) == ["redis", "wiki", "web", "worker", "beat"]
    assert all(s.up and s.pid for s in statuses.values()), statuses
    assert statuses["wiki"].port == stack.wiki_port
    assert statuses["redis"].port == stack.redis_port
    assert statuses["web"].port == stack.config.web_port
    for name in ("wiki", "redis", "web"):
        assert processes.port_in_use(statuses[name].port)
    # Each part is the leader of its own process group.
    assert all(os.getpgid(s.pid) == s.pid for s in statuses.values())
    state = Path(stack.config.state_dir)
    for sub in ("wiki", "redis", "web", "worker", "beat", "pywikibot", "logs"):
        assert (state / sub).is_dir(), sub
    assert (state / "pywikibot" / "user-password.py").stat().st_mode & 0o077 == 0


def test_health_reports_database_redis_and_wiki_up_through_worker_and_beat(stack):
    deadline = time.monotonic() + 60
    code, body = health(stack)
    while code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
        code, body = health(stack)
    assert code == 200, body
    assert body["database"]["ok"] and body["redis"]["ok"]
    assert body["wiki"]["state"] == "up"
    assert body["wiki"]["generator"].startswith("MediaWiki 1.39")
    assert body["wiki"]["wiki_api_url"] == stack.config.wiki_api_url
    # Beat keeps the answer fresh with no request asking for it.
    first = body["wiki"]["checked_at"]
    deadline = time.monotonic() + 6 * CHECK_INTERVAL
    while health(stack)[1]["wiki"]["checked_at"] == first and time.monotonic() < deadline:
        time.sleep(0.5)
    assert health(stack)[1]["wiki"]["checked_at"] != first
    assert "Sending due task check-wiki" in (stack.logs / "beat.log").read_text()


def test_up_again_changes_nothing(stack):
    before = pids(stack)
    started = time.monotonic()
    statuses = stack.up()
    assert time.monotonic() - started < 15
    assert {s.name: s.pid for s in statuses} == before
    assert all(s.up for s in statuses)


def test_status_on_the_command_line(stack):
    from services.cli import main

    result = CliRunner().invoke(main, ["stack", "status", "--json"], env=cli_env(stack))
    assert result.exit_code == 0, result.output
    parts = {p["name"]: p for p in json.loads(result.output)}
    assert parts["web"]["pid"] == pids(stack)["web"] and parts["web"]["up"] is True


def test_a_port_taken_by_another_program_is_refused_before_anything_starts(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        other = Stack(stack_config(tmp_path / "state", web=taken))
        with pytest.raises(StackError, match=f"web: port {taken} is already in use"):
            other.up()
    assert not any(s.up for s in other.status())
    assert not (tmp_path / "state" / "wiki" / "installed.json").exists()


def test_a_second_stack_on_the_same_ports_is_refused(stack, tmp_path):
    twin = Stack(stack.config.replace(state_dir=tmp_path / "twin"))
    with pytest.raises(StackError, match=f"port {stack.redis_port}"):
        twin.up()
    assert all(s.up for s in stack.status())


def test_a_killed_part_is_started_again_and_the_rest_left_alone(stack):
    before = pids(stack)
    os.killpg(before["worker"], signal.SIGKILL)
    os.killpg(before["web"], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        s.up for s in stack.status() if s.name in ("worker", "web")
    ):
        time.sleep(0.1)
    down = {s.name for s in stack.status() if not s.up}
    assert down == {"worker", "web"}

    after = {s.name: s.pid for s in stack.up()}
    assert after["worker"] != before["worker"] and after["web"] != before["web"]
    assert {k: after[k] for k in ("redis", "wiki", "beat")} == {
        k: before[k] for k in ("redis", "wiki", "beat")
    }
    assert all(s.up for s in stack.status())


def test_a_stale_pid_file_is_cleaned_and_its_part_started(stack):
    beat_pidfile = stack.state / "beat" / "beat.pid"
    processes.stop(beat_pidfile, leader_first=True)
    # A pid file left by a crash, naming a process that is not ours (our own pid).
    beat_pidfile.write_text(f"{os.getpid()} 1\n")
    statuses = {s.name: s for s in stack.up()}
    assert statuses["beat"].up and statuses["beat"].pid != os.getpid()


def test_down_leaves_no_process_and_no_listening_port(stack):
    statuses = stack.status()
    groups = [s.pid for s in statuses]
    ports = [s.port for s in statuses if s.port]
    assert set(stack.down()) == {"redis", "wiki", "web", "worker", "beat"}
    assert all(processes.group_members(pgid) == [] for pgid in groups)
    assert not any(processes.port_in_use(port) for port in ports)
    assert not any(s.up or s.pid for s in stack.status())
    assert stack.down() == []  # nothing left to stop


def test_services_started_from_other_code_are_restarted_and_the_data_keepers_left_alone(stack):
    stack.up()  # an earlier test may have taken it down
    before = pids(stack)
    # As if web and beat had been started before a `git pull`.
    for name in ("web", "beat"):
        fingerprint.write(stack.state / name / f"{name}.pid", "older-code")
    statuses = {s.name: s for s in stack.status()}
    assert statuses["web"].up and "older code" in statuses["web"].detail
    assert statuses["worker"].detail == ""

    after = {s.name: s for s in stack.up()}
    assert after["web"].pid != before["web"] and after["beat"].pid != before["beat"]
    assert "restarted" in after["web"].detail and "restarted" in after["beat"].detail
    assert {k: after[k].pid for k in ("redis", "wiki", "worker")} == {
        k: before[k] for k in ("redis", "wiki", "worker")
    }
    assert all(s.up and not s.detail for s in stack.status())
