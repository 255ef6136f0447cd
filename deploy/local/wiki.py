"""A private MediaWiki (Debian's ``mediawiki`` package, SQLite) served by ``php -S`` on loopback.

Everything lives under one directory: ``conf/LocalSettings.php`` (plus ``conf/Extra.php``, the
caller's ``extra_settings``, rewritten on every ``up()`` without reinstalling), ``data/`` (the
SQLite files), ``logs/``, ``credentials.json`` (generated passwords, mode 0600) and
``server.pid``. The system's own ``/etc/mediawiki`` is never touched: ``MW_CONFIG_FILE`` points
MediaWiki at ours.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from deploy.local import processes
from deploy.local.processes import StackError

MW_DIR = Path("/usr/share/mediawiki")
BOT_NAME = "ConveneBot"
BOT_APP = "convene"
USERS = ("Alice", "Bob")
# Rights the bot's password grants: edit, create, and hide revisions (the harvest tests
# revision-delete and suppress comments the way an oversighter would).
BOT_GRANTS = (
    "basic,highvolume,editpage,createeditmovepage,editprotected,delete,protect,"
    "patrol,rollback,oversight,editmyoptions,editmywatchlist,viewmywatchlist"
)
USER_GRANTS = "basic,editpage,createeditmovepage"
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LocalWiki:
    """One throw-away wiki; ``up()`` is idempotent and ``down()`` stops its process group."""

    root: Path
    port: int
    lang: str = "en"
    timezone: str = "UTC"
    # Extra PHP appended to LocalSettings.php (e.g. wfLoadExtension of our extension).
    extra_settings: str = ""
    site_name: str = "Convene Wiki"
    host: str = "127.0.0.1"
    workers: int = 4
    # Where the server log goes; None means ``root/logs``.
    log_dir: Path | None = None
    _credentials: dict = field(default_factory=dict, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api.php"

    @property
    def family(self) -> str:
        """The pywikibot family (and code) name for this wiki."""
        return f"local{self.port}"

    def page_url(self, title: str) -> str:
        return f"{self.base_url}/index.php/{title.replace(' ', '_')}"

    @property
    def settings_file(self) -> Path:
        return self.root / "conf" / "LocalSettings.php"

    @property
    def pidfile(self) -> Path:
        return self.root / "server.pid"

    @property
    def extra_settings_file(self) -> Path:
        return self.root / "conf" / "Extra.php"

    @property
    def logfile(self) -> Path:
        if self.log_dir is not None:
            return self.log_dir / "wiki.log"
        return self.root / "logs" / "server.log"

    @property
    def _installed_marker(self) -> Path:
        return self.root / "installed.json"

    # -- credentials ---------------------------------------------------------------------

    @property
    def credentials(self) -> dict:
        """Generated passwords: ``{"ConveneBot": {"password":…, "botpassword":…}, "Alice": …}``."""
        if not self._credentials:
            path = self.root / "credentials.json"
            if path.is_file():
                self._credentials = json.loads(path.read_text())
            else:
                self._credentials = {
                    name: {
                        "password": "Pw-" + secrets.token_urlsafe(12),
                        # bot passwords must be exactly 32 characters
                        "botpassword": secrets.token_hex(16),
                    }
                    for name in (BOT_NAME, *USERS)
                }
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as fh:
                    json.dump(self._credentials, fh, indent=1)
        return self._credentials

    # -- lifecycle -----------------------------------------------------------------------

    def up(self, timeout: float = 30.0) -> LocalWiki:
        """Install (once) and serve the wiki; recover from a half-finished earlier attempt."""
        if self._install_is_current():
            # MediaWiki reads its settings on every request: no restart needed for a change.
            self._write_extra_settings()
        if self.is_up():
            return self
        if processes.is_running(self.pidfile):  # ours, but not answering: restart it
            processes.stop(self.pidfile)
        if processes.port_in_use(self.port, self.host):
            raise StackError(
                f"wiki: port {self.port} is already in use by another program; "
                f"choose another port (CONVENE_WIKI_API_URL) or stop that program"
            )
        if not self._install_is_current():
            self._install()
        env = {
            **os.environ,
            "MW_CONFIG_FILE": str(self.settings_file),
            "PHP_CLI_SERVER_WORKERS": str(self.workers),
        }
        # revalidate_freq=0: opcache sees an edited setting or extension file at once,
        # not up to 2 s later.
        processes.start_and_wait(
            [
                "php",
                "-d",
                "opcache.revalidate_freq=0",
                "-S",
                f"{self.host}:{self.port}",
                "-t",
                str(MW_DIR),
            ],
            pidfile=self.pidfile,
            logfile=self.logfile,
            ready=self.is_up,
            what=f"wiki on port {self.port}",
            timeout=timeout,
            env=env,
        )
        return self

    def down(self) -> bool:
        return processes.stop(self.pidfile)

    def is_up(self) -> bool:
        """The wiki answers the API with JSON (a missing LocalSettings answers 200 with HTML)."""
        if not processes.is_running(self.pidfile):
            return False
        try:
            with urllib.request.urlopen(
                f"{self.api_url}?action=query&meta=siteinfo&format=json", timeout=2
            ) as resp:
                return b'"generator"' in resp.read()
        except OSError:
            return False

    def _wanted_install(self) -> dict:
        # What install.php bakes in; extra_settings live in Extra.php and need no reinstall.
        return {"lang": self.lang, "timezone": self.timezone, "host": self.host, "port": self.port}

    def _write_extra_settings(self) -> None:
        text = (
            f"<?php\n// Written by Convene's local stack on every start; edits are lost.\n"
            f"{self.extra_settings}\n"
        )
        path = self.extra_settings_file
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
            # MediaWiki drops its parser cache when LocalSettings.php changes, not Extra.php.
            if self.settings_file.is_file():
                os.utime(self.settings_file)

    def is_installed(self) -> bool:
        """Installed, completely, with this language, time zone, host and port."""
        return self._install_is_current()

    def _install_is_current(self) -> bool:
        try:
            return json.loads(self._installed_marker.read_text()) == self._wanted_install()
        except (FileNotFoundError, ValueError):
            return False

    def _install(self) -> None:
        ensure_mediawiki_installed()
        for sub in ("data", "conf", "logs"):
            _rmtree(self.root / sub)
            (self.root / sub).mkdir(parents=True)
        self._installed_marker.unlink(missing_ok=True)
        creds = self.credentials
        env = {**os.environ, "MW_CONFIG_FILE": str(self.settings_file)}
        admin_password = creds[BOT_NAME]["password"] + "-admin"
        self._php(
            [
                "install.php",
                "--quiet",
                "--dbtype=sqlite",
                f"--dbpath={self.root / 'data'}",
                "--dbname=convenewiki",
                f"--confpath={self.root / 'conf'}",
                f"--server={self.base_url}",
                "--scriptpath=",
                f"--lang={self.lang}",
                f"--pass={admin_password}",
                "--extensions=ParserFunctions,Cite,Scribunto",
                "--skins=Vector",
                self.site_name,
                "WikiAdmin",
            ],
            env,
        )
        with self.settings_file.open("a") as fh:
            fh.write(self._test_settings())
        self._write_extra_settings()
        self._php(
            ["createAndPromote.php", "--bot", "--sysop", BOT_NAME, creds[BOT_NAME]["password"]], env
        )
        self._php(
            [
                "createBotPassword.php",
                "--appid",
                BOT_APP,
                "--grants",
                BOT_GRANTS,
                BOT_NAME,
                creds[BOT_NAME]["botpassword"],
            ],
            env,
        )
        for user in USERS:
            self._php(["createAndPromote.php", user, creds[user]["password"]], env)
            self._php(
                [
                    "createBotPassword.php",
                    "--appid",
                    BOT_APP,
                    "--grants",
                    USER_GRANTS,
                    user,
                    creds[user]["botpassword"],
                ],
                env,
            )
        # Written last: a wiki without it is half-installed and is installed again.
        self._installed_marker.write_text(json.dumps(self._wanted_install()))

    def _test_settings(self) -> str:
        logs = self.root / "logs"
        return f"""
# ---- Convene local stack ----
$wgShowExceptionDetails = true;
$wgDebugLogGroups['exception'] = '{logs}/exception.log';
$wgDebugLogGroups['error'] = '{logs}/error.log';
// Loopback clients are our own tools and tests: no edit or login rate limits for them.
$wgRateLimitsExcludedIPs = [ '127.0.0.1', '::1' ];
$wgPasswordAttemptThrottle = [];
$wgLocaltimezone = '{self.timezone}';
// Let sysops hide revisions the way oversighters do on large wikis.
$wgGroupPermissions['sysop']['suppressrevision'] = true;
// Long consultations make long talk pages: allow 8 MB pages (MediaWiki's default is 2 MB).
$wgMaxArticleSize = 8192;
$wgGroupPermissions['sysop']['viewsuppressed'] = true;
require_once __DIR__ . '/Extra.php';
"""

    def _php(self, args: list[str], env: dict) -> None:
        script, *rest = args
        result = subprocess.run(
            ["php", str(MW_DIR / "maintenance" / script), *rest],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise StackError(
                f"wiki: {script} failed ({result.returncode}): "
                f"{(result.stderr or result.stdout).strip()[-2000:]}"
            )

    # -- pywikibot -----------------------------------------------------------------------

    def pywikibot_files(
        self, user: str = BOT_NAME, *, local_throttle: bool = True, family: str | None = None
    ) -> tuple[str, str]:
        """The text of ``user-config.py`` and ``user-password.py`` for ``user`` on this wiki.

        ``family`` names the wiki for pywikibot (default ``local<port>``); the local stack
        passes Convene's ``wiki_family`` so the bots and this file agree.
        """
        fam = family or self.family
        throttle = (
            """
# The local stack's wiki: nobody else edits it, so no throttling and no maxlag waits.
put_throttle = 0
minthrottle = 0
maxthrottle = 0
write_maxlag = 0
read_maxlag = 0
max_retries = 2
retry_wait = 1
retry_max = 2
noisysleep = 1000.0
socket_timeout = (3, 30)
"""
            if local_throttle
            else ""
        )
        config = (
            f"# pywikibot configuration generated by Convene's local stack\n"
            f"family_files[{fam!r}] = {self.api_url!r}\n"
            f"family = {fam!r}\nmylang = {fam!r}\n"
            f"usernames[{fam!r}]['*'] = {user!r}\n"
            f"password_file = 'user-password.py'\n{throttle}"
        )
        password = (
            f"({fam!r}, {fam!r}, {user!r}, BotPassword({BOT_APP!r}, "
            f"{self.credentials[user]['botpassword']!r}))\n"
        )
        return config, password

    def write_pywikibot_dir(
        self, directory: Path, user: str = BOT_NAME, family: str | None = None
    ) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        config, password = self.pywikibot_files(user, family=family)
        (directory / "user-config.py").write_text(config)
        pw = directory / "user-password.py"
        # Created 0600 before the password is written, never readable by others.
        fd = os.open(pw, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(password)
        pw.chmod(0o600)
        return directory

    def edit_as(self, user: str, edits: list[dict]) -> list[int]:
        """Save edits as ``user`` (``{"title", "text"|"append", "summary"}``); return revision ids.

        pywikibot logs in one account per process, so another user's edits run in a child
        process with that user's own pywikibot directory.
        """
        directory = self.write_pywikibot_dir(self.root / "pywikibot-users" / user, user)
        env = {**os.environ, "PYWIKIBOT_DIR": str(directory)}
        env.pop("PYWIKIBOT_NO_USER_CONFIG", None)
        result = subprocess.run(
            [sys.executable, "-m", "deploy.local.edit_as"],
            env=env,
            input=json.dumps(edits),
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
        )
        if result.returncode != 0:
            raise StackError(f"wiki: edits as {user} failed: {result.stderr.strip()[-2000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])


def ensure_mediawiki_installed() -> None:
    if not (MW_DIR / "includes" / "Defines.php").is_file():
        raise StackError("MediaWiki is not installed: run `make deps` (Debian package `mediawiki`)")
    modules = subprocess.run(["php", "-m"], capture_output=True, text=True).stdout.split()
    if "pdo_sqlite" not in modules:
        raise StackError("PHP lacks pdo_sqlite: run `make deps` (Debian package `php-sqlite3`)")


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def register_with_pywikibot(wiki: LocalWiki, password_file: Path) -> None:
    """Let this process's pywikibot log in to ``wiki`` as the bot, without throttling."""
    import pywikibot

    _, password_line = wiki.pywikibot_files(BOT_NAME)
    with password_file.open("a") as fh:
        fh.write(password_line)
    password_file.chmod(0o600)
    cfg = pywikibot.config
    cfg.password_file = str(password_file)
    cfg.family_files[wiki.family] = wiki.api_url
    cfg.usernames[wiki.family][wiki.family] = BOT_NAME
    # A private test wiki: no throttle, no maxlag waits, fail fast.
    cfg.put_throttle = 0
    cfg.minthrottle = 0
    cfg.maxthrottle = 0
    cfg.max_retries = 2
    cfg.retry_wait = 1
    cfg.retry_max = 2
    cfg.noisysleep = 1000.0
    cfg.socket_timeout = (3, 30)
