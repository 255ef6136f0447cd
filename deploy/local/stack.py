"""The local stack: a private wiki, Redis, the web app, a Celery worker and beat, on loopback.

All state lives under ``config.state_dir``::

    wiki/        the MediaWiki install (LocalWiki)        redis/   Redis data (AOF) and pid
    web/         gunicorn's pid and control socket        worker/  the Celery worker's pid
    beat/        beat's pid and schedule file              pywikibot/  the bot's pywikibot files
    logs/        one log per part

Ports come from the configuration: the wiki's from ``wiki_api_url``, Redis's from
``redis_url``, the web app's from ``web_port``. ``up()`` is idempotent: a part that answers is
left alone, a dead or half-started one is restarted, a stale pid file is dropped; a port held
by another program stops everything before anything starts. Web, worker and beat started
from other code or settings than the checkout's are restarted (``fingerprint``). Every part
runs in its own process group, so ``down()`` leaves no process behind.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from deploy.local import fingerprint, processes
from deploy.local.processes import StackError
from deploy.local.redis import LocalRedis
from deploy.local.wiki import BOT_NAME, REPO_ROOT, LocalWiki
from services.config import Config, local_secret

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
EXTENSION_JSON = REPO_ROOT / "wiki_extension" / "Convene" / "extension.json"
CELERY_APP = "services.worker.app:celery_app"
PARTS = ("redis", "wiki", "web", "worker", "beat")
# The secret the wiki's extension signs its calls to the web app with (state dir, mode 0600).
WIDGET_SECRET_FILE = "widget_secret"


@dataclass
class PartStatus:
    """One part of the stack as ``status`` shows it."""

    name: str
    up: bool
    pid: int | None
    port: int | None
    url: str | None
    log: str
    detail: str = ""


@dataclass
class _Service:
    """A process of ours (web, worker, beat): how to start it and how to tell it is ready."""

    name: str
    argv: list[str]
    pidfile: Path
    logfile: Path
    ready: Callable[[], bool]
    port: int | None = None
    url: str | None = None
    start_timeout: float = 60.0
    stop_timeout: float = 20.0


class Stack:
    """The local stack for one configuration."""

    def __init__(self, config: Config, *, web_workers: int = 2, worker_concurrency: int = 2):
        self.config = config
        self.state = Path(config.state_dir).resolve()
        self.logs = self.state / "logs"
        self.pywikibot_dir = self.state / "pywikibot"
        wiki_host, self.wiki_port = _wiki_address(config.wiki_api_url)
        redis_host, self.redis_port = _redis_address(config.redis_url)
        if config.web_host not in LOOPBACK:
            raise StackError(
                f"web: the local stack binds to loopback only; web_host is "
                f"{config.web_host!r} (CONVENE_WEB_HOST)"
            )
        self.wiki = LocalWiki(
            self.state / "wiki",
            self.wiki_port,
            host=wiki_host,
            extra_settings=self._wiki_extra_settings(),
            log_dir=self.logs,
        )
        self.redis = LocalRedis(
            self.state / "redis", self.redis_port, host=redis_host, log_dir=self.logs
        )
        self.web_workers = web_workers
        self.worker_concurrency = worker_concurrency
        self.node = socket.gethostname()
        self._code: str | None = None  # the checkout's code digest, once read

    # -- the parts -----------------------------------------------------------------------

    @property
    def web_url(self) -> str:
        return f"http://{self.config.web_host}:{self.config.web_port}"

    def services(self) -> list[_Service]:
        python = sys.executable
        celery = [python, "-m", "celery", "-A", CELERY_APP]
        web_dir, worker_dir, beat_dir = (self.state / d for d in ("web", "worker", "beat"))
        web_argv = [
            python,
            "-m",
            "gunicorn",
            "--config",
            "python:services.web.gunicorn_conf",
            "--workers",
            str(self.web_workers),
            "--bind",
            f"{self.config.web_host}:{self.config.web_port}",
            "--access-logfile",
            str(self.logs / "web-access.log"),
            "--graceful-timeout",
            "10",
            "--timeout",
            "60",
        ]
        if _gunicorn_has_control_socket():
            # Its default lives in ~/.gunicorn and would be shared by every stack.
            web_argv += ["--control-socket", str(web_dir / "gunicorn.ctl")]
        web_argv.append("services.web:create_app()")
        return [
            _Service(
                "web",
                web_argv,
                web_dir / "web.pid",
                self.logs / "web.log",
                ready=self._web_answers,
                port=self.config.web_port,
                url=self.web_url,
            ),
            _Service(
                "worker",
                [
                    *celery,
                    "worker",
                    "--loglevel=INFO",
                    "--concurrency",
                    str(self.worker_concurrency),
                    "--hostname",
                    f"convene-worker@{self.node}",
                    "--without-gossip",
                    "--without-mingle",
                ],
                worker_dir / "worker.pid",
                self.logs / "worker.log",
                ready=lambda: self._pong(f"convene-worker@{self.node}"),
                stop_timeout=30.0,
            ),
            self._beat(celery, beat_dir),
        ]

    def _beat(self, celery: list[str], beat_dir: Path) -> _Service:
        argv = [
            *celery,
            "beat",
            "--loglevel=INFO",
            "--schedule",
            str(beat_dir / "celerybeat-schedule"),
        ]
        logfile = self.logs / "beat.log"
        if _beat_answers_pings():
            node = f"convene-beat@{self.node}"
            argv += ["--enable-remote-control", "--hostname", node]
            ready = lambda: self._pong(node)  # noqa: E731
        else:  # Celery before 5.7: beat cannot be pinged; its log says when it runs
            ready = lambda: "beat: Starting..." in _read(logfile)  # noqa: E731
        return _Service("beat", argv, beat_dir / "beat.pid", logfile, ready=ready)

    # -- commands ------------------------------------------------------------------------

    def up(self) -> list[PartStatus]:
        """Start whatever is not running and answering; leave the rest alone."""
        self.logs.mkdir(parents=True, exist_ok=True)
        self._refuse_taken_ports()
        self._ensure_widget_secret()
        self.redis.up()
        reinstall = not self.wiki.is_installed()
        self.wiki.up(timeout=60.0)
        self._write_pywikibot_dir(fresh_wiki=reinstall)
        env = self.child_env()
        restarted = {service.name for service in self.services() if self._ensure(service, env)}
        return [
            replace(s, detail="restarted: its code or settings changed")
            if s.name in restarted
            else s
            for s in self.status()
        ]

    def down(self) -> list[str]:
        """Stop every part, last started first; return the names of those that were running."""
        stopped = []
        for service in reversed(self.services()):
            if processes.stop(service.pidfile, service.stop_timeout, leader_first=True):
                stopped.append(service.name)
        if self.wiki.down():
            stopped.append("wiki")
        if self.redis.down():
            stopped.append("redis")
        return stopped[::-1]

    def status(self) -> list[PartStatus]:
        redis_up = self.redis.is_up()
        env = self.child_env()
        result = [
            PartStatus(
                "redis",
                redis_up,
                self._pid(self.redis.pidfile),
                self.redis_port,
                self.redis.url,
                str(self.redis.logfile),
            ),
            PartStatus(
                "wiki",
                self.wiki.is_up(),
                self._pid(self.wiki.pidfile),
                self.wiki_port,
                self.wiki.page_url("Main Page"),
                str(self.wiki.logfile),
            ),
        ]
        for service in self.services():
            running = processes.is_running(service.pidfile)
            up = running and (redis_up or service.name == "web") and service.ready()
            detail = "" if up else ("not answering" if running else "not running")
            if running and not redis_up and service.name != "web":
                detail = "running, but Redis is down"
            elif up and self._outdated(service, env):
                detail = "runs older code or settings: `convene stack up` restarts it"
            result.append(
                PartStatus(
                    service.name,
                    up,
                    self._pid(service.pidfile),
                    service.port,
                    service.url,
                    str(service.logfile),
                    detail,
                )
            )
        return result

    # -- helpers -------------------------------------------------------------------------

    def child_env(self) -> dict[str, str]:
        """The environment of web, worker and beat: this stack's settings, spelled out."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("CONVENE_") and k != "PYWIKIBOT_NO_USER_CONFIG"
        }
        config = self.config.replace(state_dir=self.state, pywikibot_dir=str(self.pywikibot_dir))
        for f in fields(Config):
            env["CONVENE_" + f.name.upper()] = str(getattr(config, f.name))
        env["PYWIKIBOT_DIR"] = str(self.pywikibot_dir)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _ensure(self, service: _Service, env: dict[str, str]) -> bool:
        """Start ``service`` unless it runs, answers and runs the checkout's code with these
        settings; returns whether it was running before and had to be restarted."""
        restarted = False
        if processes.is_running(service.pidfile):
            outdated = self._outdated(service, env)
            if service.ready() and not outdated:
                return False
            processes.stop(service.pidfile, service.stop_timeout, leader_first=True)
            restarted = outdated
        else:
            service.pidfile.unlink(missing_ok=True)  # stale: its process is gone
        if service.port is not None and processes.port_in_use(service.port, self.config.web_host):
            raise StackError(_taken(service.name, service.port))
        processes.start_and_wait(
            service.argv,
            pidfile=service.pidfile,
            logfile=service.logfile,
            ready=service.ready,
            what=service.name,
            timeout=service.start_timeout,
            env=env,
            cwd=REPO_ROOT,
        )
        fingerprint.write(service.pidfile, self._fingerprint(service, env))
        return restarted

    def _fingerprint(self, service: _Service, env: dict[str, str]) -> str:
        if self._code is None:  # read once per command: hashing the tree takes a moment
            self._code = fingerprint.code_digest()
        return fingerprint.service_fingerprint(self._code, service.argv, env)

    def _outdated(self, service: _Service, env: dict[str, str]) -> bool:
        """Whether the running ``service`` was started from other code or settings."""
        return fingerprint.read(service.pidfile) != self._fingerprint(service, env)

    def _refuse_taken_ports(self) -> None:
        """Stop before starting anything if a part's port is held by a program not ours."""
        checks = [
            ("redis", self.redis_port, self.redis.host, self.redis.pidfile),
            ("wiki", self.wiki_port, self.wiki.host, self.wiki.pidfile),
            ("web", self.config.web_port, self.config.web_host, self.state / "web" / "web.pid"),
        ]
        for name, port, host, pidfile in checks:
            # A part of ours holding its port is left alone or restarted by up().
            if not processes.is_running(pidfile) and processes.port_in_use(port, host):
                raise StackError(_taken(name, port))

    def _write_pywikibot_dir(self, *, fresh_wiki: bool) -> None:
        if fresh_wiki:
            # Cookies and caches of a wiki that no longer exists would confuse pywikibot.
            for stale in self.pywikibot_dir.glob("*.lwp"):
                stale.unlink()
            shutil.rmtree(self.pywikibot_dir / "apicache", ignore_errors=True)
            for cache in self.pywikibot_dir.glob("apicache-*"):
                shutil.rmtree(cache, ignore_errors=True)
        self.wiki.write_pywikibot_dir(self.pywikibot_dir, BOT_NAME, family=self.config.wiki_family)

    def _wiki_extra_settings(self) -> str:
        if not EXTENSION_JSON.is_file():
            return ""
        secret_file = self.state / WIDGET_SECRET_FILE
        return (
            f"wfLoadExtension( 'Convene', {json.dumps(str(EXTENSION_JSON))} );\n"
            f"$wgConveneServiceUrl = {json.dumps(self.web_url)};\n"
            f"// Read from the state directory, so the secret is in no settings file.\n"
            f"$wgConveneSharedSecret = trim( (string)@file_get_contents( "
            f"{json.dumps(str(secret_file))} ) );\n"
        )

    def _ensure_widget_secret(self) -> None:
        """One secret for the wiki's extension and the web app: the configured one, else one
        generated into the state directory; the web app gets it through child_env()."""
        path = self.state / WIDGET_SECRET_FILE
        secret = self.config.widget_shared_secret
        if not secret:
            secret = local_secret(self.state, WIDGET_SECRET_FILE)
        elif not path.is_file() or path.read_text().strip() != secret:
            self.state.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secret)
        self.config = self.config.replace(widget_shared_secret=secret)

    def _web_answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.web_url}/health", timeout=5) as resp:
                body = resp.read()
        except urllib.error.HTTPError as exc:  # 503 is an answer too: the app is serving
            body = exc.read()
        except OSError:
            return False
        try:
            return "database" in json.loads(body)
        except ValueError:
            return False

    def _pong(self, node: str) -> bool:
        """Whether Celery node ``node`` answers a remote-control ping through our Redis."""
        if not self.redis.is_up():
            return False
        from celery import Celery

        app = Celery("convene-stack", broker=self.redis.url, set_as_current=False)
        app.conf.broker_connection_retry = False
        app.conf.broker_connection_max_retries = 0
        try:
            replies = app.control.ping(destination=[node], timeout=1.0)
        except Exception:
            return False
        finally:
            app.close()
        return any(node in reply for reply in replies or [])

    @staticmethod
    def _pid(pidfile: Path) -> int | None:
        return processes.read_pid(pidfile) if processes.is_running(pidfile) else None


def status_as_json(statuses: list[PartStatus]) -> str:
    return json.dumps([asdict(s) for s in statuses], indent=1)


def _taken(part: str, port: int) -> str:
    setting = {
        "wiki": "CONVENE_WIKI_API_URL",
        "redis": "CONVENE_REDIS_URL",
        "web": "CONVENE_WEB_PORT",
    }[part]
    return (
        f"{part}: port {port} is already in use by another program; stop it, or give the "
        f"{part} another port ({setting})"
    )


def _wiki_address(api_url: str) -> tuple[str, int]:
    parts = urlsplit(api_url)
    if (
        parts.scheme != "http"
        or parts.hostname not in LOOPBACK
        or parts.path != "/api.php"
        or parts.port is None
    ):
        raise StackError(
            f"wiki: the local stack serves its wiki at http://127.0.0.1:PORT/api.php; "
            f"wiki_api_url is {api_url!r} (CONVENE_WIKI_API_URL)"
        )
    return parts.hostname, parts.port


def _redis_address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "redis" or parts.hostname not in LOOPBACK:
        raise StackError(
            f"redis: the local stack runs Redis on loopback; redis_url is {url!r} "
            f"(CONVENE_REDIS_URL)"
        )
    return parts.hostname, parts.port or 6379


def _beat_answers_pings() -> bool:
    from celery.app.defaults import NAMESPACES

    return "enable_remote_control" in NAMESPACES["beat"]


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def _gunicorn_has_control_socket() -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(s.name == "control_socket" for s in KNOWN_SETTINGS)
