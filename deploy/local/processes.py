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
        return int(pidfile.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def is_running(pidfile: Path) -> bool:
    """True while any live (non-zombie) process of the group named by ``pidfile`` remains."""
    pid = _owned_pid(pidfile)
    return pid is not None and _group_alive(pid)


def _owned_pid(pidfile: Path) -> int | None:
    """The pid in ``pidfile`` unless that number now belongs to a process we did not start.

    The pid file also records the leader's start time: a stale file whose pid was reused by
    an unrelated process must never lead us to signal that process. (While any member of our
    group lives, the kernel does not hand the group's number to a new process.)
    """
    try:
        pid_text, *rest = pidfile.read_text().split()
        pid = int(pid_text)
    except (FileNotFoundError, ValueError):
        return None
    recorded = rest[0] if rest else None
    current = _start_time(pid)
    if recorded is not None and current is not None and current != recorded:
        return None
    return pid


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split()[19]


def group_members(pgid: int) -> list[int]:
    """The live processes of process group ``pgid``; zombies (exited, not yet reaped) excluded.

    Zombies matter here: an orphan's zombie lingers until PID 1 reaps it (some container
    inits never do), and ``killpg(pgid, 0)`` still succeeds on it although it holds no port.
    """
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # exited while we looked
            continue
        # Fields after the command name, which is in parentheses and may contain spaces.
        fields = stat[stat.rfind(")") + 2 :].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def start(
    argv: Sequence[str],
    *,
    pidfile: Path,
    logfile: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start ``argv`` detached in a new session (its own process group); return its pid."""
    logfile.parent.mkdir(parents=True, exist_ok=True)
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    with open(logfile, "ab") as log, open(os.devnull, "rb") as devnull:
        proc = subprocess.Popen(
            list(argv),
            stdin=devnull,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    _children[proc.pid] = proc
    pidfile.write_text(f"{proc.pid} {_start_time(proc.pid) or ''}".strip() + "\n")
    return proc.pid


def stop(pidfile: Path, timeout: float = 10.0, *, leader_first: bool = False) -> bool:
    """Stop the process group named by ``pidfile``: TERM, then KILL. True if one was running.

    ``leader_first`` sends TERM to the leader alone and gives it ``timeout`` to shut its
    children down itself (a Celery worker re-queues its unacknowledged tasks, gunicorn lets
    requests finish); whatever is left of the group then gets TERM, and KILL after that.
    """
    pid = _owned_pid(pidfile)
    if pid is None:
        pidfile.unlink(missing_ok=True)
        return False
    was_running = _group_alive(pid)
    if was_running:
        if leader_first:
            _signal(pid, signal.SIGTERM)
            _wait_group_gone(pid, timeout)
        if _group_alive(pid):
            _signal_group(pid, signal.SIGTERM)
            _wait_group_gone(pid, timeout)
        if _group_alive(pid):
            _signal_group(pid, signal.SIGKILL)
            if not _wait_group_gone(pid, 10.0):
                raise StackError(
                    f"process group {pid} ({pidfile}) survived SIGKILL: {group_members(pid)}"
                )
    child = _children.pop(pid, None)
    if child is not None:
        child.wait()
    pidfile.unlink(missing_ok=True)
    return was_running


def start_and_wait(
    argv: Sequence[str],
    *,
    pidfile: Path,
    logfile: Path,
    ready: Callable[[], bool],
    what: str,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start ``argv`` as ``start`` does, then wait until ``ready`` holds (or fail with its log)."""
    pid = start(argv, pidfile=pidfile, logfile=logfile, env=env, cwd=cwd)
    wait_until(ready, timeout=timeout, what=what, alive=lambda: is_running(pidfile), log=logfile)
    return pid


def wait_until(
    check: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    alive: Callable[[], bool] | None = None,
    log: Path | None = None,
) -> None:
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


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_group_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _group_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _group_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    # A leader that is our own exited child stays a zombie until reaped: reap it here.
    child = _children.get(pid)
    if child is not None:
        child.poll()
    return bool(group_members(pid))
