"""Convene's settings: typed defaults, then an instance file, then ``CONVENE_*`` variables.

Every part of Convene (web, worker, CLI, bots, the local stack) reads its settings from
here, so one environment variable changes one thing everywhere.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

ENV_PREFIX = "CONVENE_"


class ConfigError(ValueError):
    """A setting that cannot be used, with the name of the setting."""


@dataclass(frozen=True)
class Config:
    # Where everything local lives: SQLite file, local stack, pywikibot files, logs.
    state_dir: Path = field(default_factory=lambda: Path.cwd() / ".state")
    # Empty means the SQLite file under state_dir.
    database_url: str = ""
    redis_url: str = "redis://127.0.0.1:6390/0"
    # The wiki Convene publishes to and harvests from.
    wiki_api_url: str = "http://127.0.0.1:8765/api.php"
    # pywikibot's family name for that wiki (code == family for a single-site wiki).
    wiki_family: str = "convene"
    # pywikibot's site code within that family; empty means the family name (single-site wiki).
    wiki_code: str = ""
    wiki_username: str = "ConveneBot"
    # The operator's pywikibot directory (user-config.py, user-password.py).
    # Empty means the one the local stack generates under state_dir.
    pywikibot_dir: str = ""
    web_host: str = "127.0.0.1"
    web_port: int = 5080
    secret_key: str = ""
    # Celery/kombu re-deliver an unacknowledged task after this long; one value, set
    # wherever either library reads it, and longer than any task runs.
    visibility_timeout: int = 3600
    harvest_interval_seconds: int = 300
    # How often the worker asks the wiki whether it answers (the health endpoint shows it).
    wiki_check_interval_seconds: float = 30.0
    # Seconds a wiki request may take before it is treated as failed.
    wiki_timeout: float = 30.0
    environment: str = "development"
    # Sign-in with a wiki account (MediaWiki OAuth 2, a confidential client registered on the
    # wiki); empty client id = local accounts only. The wiki URL defaults to wiki_api_url's.
    oauth_client_id: str = ""
    oauth_client_secret: str = ""
    oauth_wiki_url: str = ""
    # The secret the wiki's Convene extension signs its calls with (HMAC-SHA256), the same
    # value as its $wgConveneSharedSecret. Empty disables the widget endpoints (they answer 503).
    widget_shared_secret: str = ""
    # Megabytes of rendered triage-queue results each web process keeps (0: none); see
    # services.web.resultcache. Whatever it holds is dropped on the next write it concerns.
    result_cache_mb: int = 128

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.state_dir / 'convene.sqlite3'}"

    @property
    def pywikibot_path(self) -> Path:
        return Path(self.pywikibot_dir) if self.pywikibot_dir else self.state_dir / "pywikibot"

    @property
    def wiki_base_url(self) -> str:
        """The wiki's server and script path, e.g. ``http://127.0.0.1:8765``."""
        return self.wiki_api_url.rsplit("/api.php", 1)[0]

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)


def _coerce(name: str, kind: type, raw: Any) -> Any:
    try:
        if kind is Path:
            return Path(raw).expanduser()
        if kind is bool:
            return str(raw).lower() in {"1", "true", "yes", "on"}
        return kind(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name!r}: cannot read {raw!r} as {kind.__name__}") from exc


def load_config(
    env: Mapping[str, str] | None = None, instance_file: Path | None = None, **overrides: Any
) -> Config:
    """Build the configuration: defaults, instance file, environment, explicit overrides.

    The instance file is TOML (``CONVENE_CONFIG_FILE``, or ``instance/convene.toml``
    in the working directory); keys are the field names.
    """
    env = os.environ if env is None else env
    hints = get_type_hints(Config)
    known = {f.name for f in fields(Config)}
    values: dict[str, Any] = {}

    path = instance_file or Path(env.get(ENV_PREFIX + "CONFIG_FILE", "instance/convene.toml"))
    if path.is_file():
        with path.open("rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"{path}: {exc}") from exc
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"{path}: unknown settings {sorted(unknown)}")
        values.update(data)

    for name in known:
        key = ENV_PREFIX + name.upper()
        if key in env:
            values[name] = env[key]
    values.update({k: v for k, v in overrides.items() if v is not None})

    typed = {name: _coerce(name, hints[name], raw) for name, raw in values.items()}
    config = Config(**typed)
    if not config.secret_key:
        if config.is_production:
            raise ConfigError("setting 'secret_key' must be set in production (CONVENE_SECRET_KEY)")
        config = config.replace(secret_key=local_secret(config.state_dir))
    return config


def local_secret(state_dir: Path, name: str = "secret_key") -> str:
    """A per-installation secret kept in the state directory, never in the repository."""
    path = state_dir / name
    if path.is_file():
        return path.read_text().strip()
    state_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
