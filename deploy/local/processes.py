"""Background processes of the local stack, each in its own process group.

A process group matters: ``php -S`` with workers, Celery with its pool and gunicorn all fork
children that outlive a plain kill of the parent and keep its port (see the local MediaWiki
recipe). Stopping the group stops them all.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


# Children started by this process, kept so they are reaped (no zombies, no Popen warnings).
_children: dict[int, subprocess.Popen] = {}


class StackError(RuntimeError):
    """A part of the local stack could not be started or stopped; the message says which."""


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def is_running(pidfile: Path) -> bool:
    pid = read_pid(pidfile)
    if pid is None:
        return False
    try:
        os.killpg(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def start(argv: Sequence[str], *, pidfile: Path, logfile: Path,
          env: Mapping[str, str] | None = None, cwd: Path | None = None) -> int:
    """Start ``argv`` detached in a new session (its own process group); return its pid."""
    logfile.parent.mkdir(parents=True, exist_ok=True)
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    with open(logfile, "ab") as log, open(os.devnull, "rb") as devnull:
        proc = subprocess.Popen(list(argv), stdin=devnull, stdout=log, stderr=subprocess.STDOUT,
                                env=dict(env) if env is not None else None, cwd=cwd,
                                start_new_session=True)
    _children[proc.pid] = proc
    pidfile.write_text(str(proc.pid))
    return proc.pid


def stop(pidfile: Path, timeout: float = 10.0) -> bool:
    """Stop the process group named by ``pidfile``: TERM, then KILL. True if one was running."""
    pid = read_pid(pidfile)
    if pid is None:
        return False
    was_running = is_running(pidfile)
    if was_running:
        _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _group_alive(pid):
            time.sleep(0.05)
        if _group_alive(pid):
            _signal_group(pid, signal.SIGKILL)
            while _group_alive(pid):
                time.sleep(0.05)
    child = _children.pop(pid, None)
    if child is not None:
        child.wait()
    pidfile.unlink(missing_ok=True)
    return was_running


def wait_until(check: Callable[[], bool], *, timeout: float, what: str,
               alive: Callable[[], bool] | None = None, log: Path | None = None) -> None:
    """Poll ``check`` until it holds; fail with the log's tail if the process died or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if alive is not None and not alive():
            raise StackError(f"{what} exited while starting{_tail(log)}")
        time.sleep(0.1)
    raise StackError(f"{what} not ready after {timeout:.0f} s{_tail(log)}")


def _tail(log: Path | None, lines: int = 15) -> str:
    if log is None or not log.is_file():
        return ""
    text = log.read_text(errors="replace").splitlines()[-lines:]
    return f"; last lines of {log}:\n" + "\n".join(text)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    # A leader that is our own exited child stays a zombie until reaped; reap, then look again.
    child = _children.get(pid)
    if child is not None and child.poll() is not None:
        try:
            os.killpg(pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
    return True
