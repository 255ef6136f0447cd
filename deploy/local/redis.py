"""A private Redis on loopback with AOF persistence, so queued tasks survive a restart."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from deploy.local import processes
from deploy.local.processes import StackError


@dataclass
class LocalRedis:
    root: Path
    port: int
    host: str = "127.0.0.1"
    # Where the server log goes; None means ``root``.
    log_dir: Path | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    @property
    def pidfile(self) -> Path:
        return self.root / "redis.pid"

    @property
    def logfile(self) -> Path:
        return (self.log_dir or self.root) / "redis.log"

    def up(self, timeout: float = 15.0) -> LocalRedis:
        if self.is_up():
            return self
        if processes.is_running(self.pidfile):
            processes.stop(self.pidfile)
        if processes.port_in_use(self.port, self.host):
            raise StackError(
                f"redis: port {self.port} is already in use by another program; "
                f"choose another port (CONVENE_REDIS_URL) or stop that program"
            )
        server = shutil.which("redis-server")
        if server is None:
            raise StackError(
                "redis-server is not installed: run `make deps` (Debian package redis-server)"
            )
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        # appendonly + everysec: at most one second of queued tasks is lost on a crash.
        processes.start_and_wait(
            [
                server,
                "--port",
                str(self.port),
                "--bind",
                self.host,
                "--dir",
                str(data),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
                "--daemonize",
                "no",
                "--protected-mode",
                "yes",
            ],
            pidfile=self.pidfile,
            logfile=self.logfile,
            ready=self.is_up,
            what=f"redis on port {self.port}",
            timeout=timeout,
        )
        return self

    def down(self) -> bool:
        return processes.stop(self.pidfile)

    def is_up(self) -> bool:
        if not processes.is_running(self.pidfile):
            return False
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            return False
