"""The local stack's reading of the configuration, and how it recognises its own processes."""

from __future__ import annotations

import os
import subprocess
from dataclasses import fields
from pathlib import Path

import pytest

from deploy.local import processes, stack
from deploy.local.processes import StackError
from deploy.local.stack import Stack
from services.config import Config, load_config


def make(tmp_path, **settings) -> Config:
    return load_config(
        env={},
        instance_file=Path("/nonexistent"),
        state_dir=tmp_path / "state",
        secret_key="s",
        **settings,
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:8765/api.php",
        "http://wiki.example.org:8765/api.php",
        "http://127.0.0.1:8765/w/api.php",
        "http://127.0.0.1/api.php",
    ],
)
def test_a_wiki_the_stack_cannot_serve_is_refused(tmp_path, url):
    with pytest.raises(StackError, match="CONVENE_WIKI_API_URL"):
        Stack(make(tmp_path, wiki_api_url=url))


def test_redis_elsewhere_is_refused(tmp_path):
    with pytest.raises(StackError, match="CONVENE_REDIS_URL"):
        Stack(make(tmp_path, redis_url="redis://cache.example.org:6379/0"))


def test_the_web_app_binds_to_loopback_only(tmp_path):
    with pytest.raises(StackError, match="CONVENE_WEB_HOST"):
        Stack(make(tmp_path, web_host="0.0.0.0"))


def test_ports_come_from_the_configuration(tmp_path):
    s = Stack(
        make(
            tmp_path,
            wiki_api_url="http://127.0.0.1:9123/api.php",
            redis_url="redis://127.0.0.1:9124/2",
            web_port=9125,
        )
    )
    assert (s.wiki_port, s.redis_port, s.web_url) == (9123, 9124, "http://127.0.0.1:9125")
    assert s.wiki.root == (tmp_path / "state" / "wiki").resolve()


def test_children_get_every_setting_and_the_stacks_pywikibot_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVENE_WEB_PORT", "1")  # the caller's environment does not leak in
    monkeypatch.setenv("PYWIKIBOT_NO_USER_CONFIG", "2")
    s = Stack(make(tmp_path, web_port=9125))
    env = s.child_env()
    assert {"CONVENE_" + f.name.upper() for f in fields(Config)} <= set(env)
    assert env["CONVENE_WEB_PORT"] == "9125"
    assert env["CONVENE_STATE_DIR"] == str((tmp_path / "state").resolve())
    assert env["PYWIKIBOT_DIR"] == env["CONVENE_PYWIKIBOT_DIR"] == str(s.pywikibot_dir)
    assert "PYWIKIBOT_NO_USER_CONFIG" not in env


def test_the_extension_is_loaded_when_the_repository_has_it(tmp_path, monkeypatch):
    manifest = tmp_path / "extension.json"
    monkeypatch.setattr(stack, "EXTENSION_JSON", manifest)
    assert Stack(make(tmp_path)).wiki.extra_settings == ""
    manifest.write_text("{}")
    settings = Stack(make(tmp_path)).wiki.extra_settings
    assert f"wfLoadExtension( 'Convene', \"{manifest}\" );" in settings


def test_a_pid_file_naming_someone_elses_process_is_not_ours(tmp_path):
    pidfile = tmp_path / "x.pid"
    # Our own pid, with a start time that is not ours: a recycled number.
    pidfile.write_text(f"{os.getpid()} 1\n")
    assert not processes.is_running(pidfile)
    assert processes.stop(pidfile) is False  # and nothing was signalled: we are still here
    assert not pidfile.exists()


def test_a_started_group_is_found_and_stopped_whole(tmp_path):
    pidfile, log = tmp_path / "g.pid", tmp_path / "g.log"
    # A leader with a child of its own, as php -S, gunicorn and Celery have.
    pid = processes.start(["sh", "-c", "sleep 30 & sleep 30; wait"], pidfile=pidfile, logfile=log)
    processes.wait_until(
        lambda: len(processes.group_members(pid)) >= 2, timeout=5, what="the child"
    )
    assert processes.is_running(pidfile)
    assert processes.stop(pidfile, timeout=2) is True
    assert processes.group_members(pid) == []
    assert not pidfile.exists()


def test_zombies_do_not_count_as_running(tmp_path):
    # A child that exited but was not reaped yet stays a zombie of its group.
    proc = subprocess.Popen(["true"], start_new_session=True)
    processes.wait_until(
        lambda: processes.group_members(proc.pid) == [], timeout=5, what="the exit"
    )
    pidfile = tmp_path / "z.pid"
    pidfile.write_text(f"{proc.pid}\n")
    assert not processes.is_running(pidfile)
    proc.wait()
