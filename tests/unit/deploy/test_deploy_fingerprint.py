"""The fingerprint the local stack restarts services by: code and settings, nothing else."""

from __future__ import annotations

from deploy.local import fingerprint


def _tree(root):
    (root / "services" / "web").mkdir(parents=True)
    (root / "bots").mkdir()
    (root / "services" / "web" / "app.py").write_text("x = 1\n")
    (root / "bots" / "bot.py").write_text("y = 2\n")
    return root


def test_the_digest_follows_the_code_and_ignores_caches(tmp_path):
    root = _tree(tmp_path)
    first = fingerprint.code_digest(root)
    assert fingerprint.code_digest(root) == first
    (root / "services" / "__pycache__").mkdir()
    (root / "services" / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    (root / "bots" / "bot.pyc").write_bytes(b"\1")
    (root / "README.md").write_text("not loaded by the services")
    assert fingerprint.code_digest(root) == first
    (root / "services" / "web" / "app.py").write_text("x = 2\n")
    assert fingerprint.code_digest(root) != first
    (root / "services" / "web" / "app.py").write_text("x = 1\n")
    (root / "services" / "web" / "app.py").rename(root / "services" / "web" / "moved.py")
    assert fingerprint.code_digest(root) != first  # a renamed file counts too


def test_settings_count_and_the_rest_of_the_environment_does_not():
    argv = ["python", "-m", "gunicorn"]
    base = fingerprint.service_fingerprint("code", argv, {"CONVENE_WEB_PORT": "5000", "HOME": "/a"})
    assert base == fingerprint.service_fingerprint(
        "code", argv, {"CONVENE_WEB_PORT": "5000", "HOME": "/b", "TERM": "x"}
    )
    assert base != fingerprint.service_fingerprint("code", argv, {"CONVENE_WEB_PORT": "5001"})
    assert base != fingerprint.service_fingerprint("other", argv, {"CONVENE_WEB_PORT": "5000"})
    assert base != fingerprint.service_fingerprint(
        "code", [*argv, "--workers", "3"], {"CONVENE_WEB_PORT": "5000"}
    )


def test_a_fingerprint_is_kept_beside_the_pid_file(tmp_path):
    pidfile = tmp_path / "web.pid"
    assert fingerprint.read(pidfile) == ""
    fingerprint.write(pidfile, "abc")
    assert fingerprint.read(pidfile) == "abc" and (tmp_path / "web.started-from").is_file()
