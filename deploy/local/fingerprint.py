"""What a service of the local stack was started from: the code it runs and how it was started.

Gunicorn and Celery load the code once, so a stack left running across ``git pull`` would go
on serving the old code. ``Stack.up`` compares a running service's fingerprint with the
checkout's and restarts the services whose code or settings changed (the wiki and Redis keep
running: they hold data, and the wiki reads the extension's files on every request).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from deploy.local.wiki import REPO_ROOT

# What web, worker and beat import or serve: the packages, their templates, catalogues and
# static files. ``deploy`` only launches them.
CODE_DIRS = ("services", "bots")
SKIPPED_PARTS = {"__pycache__", ".pytest_cache"}
SKIPPED_SUFFIXES = {".pyc", ".pyo"}


def code_digest(root: Path = REPO_ROOT, dirs: Iterable[str] = CODE_DIRS) -> str:
    """A digest of every file the services load from ``root``: names and contents."""
    digest = hashlib.sha256()
    for top in dirs:
        for path in sorted((root / top).rglob("*")):
            if (
                not path.is_file()
                or path.suffix in SKIPPED_SUFFIXES
                or SKIPPED_PARTS.intersection(path.relative_to(root).parts)
            ):
                continue
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def service_fingerprint(code: str, argv: Iterable[str], env: Mapping[str, str]) -> str:
    """The code digest with the command line and the settings a service gets (``CONVENE_*``
    and pywikibot's directory): a change to any of them calls for a restart."""
    settings = {k: v for k, v in env.items() if k.startswith("CONVENE_") or k == "PYWIKIBOT_DIR"}
    payload = json.dumps([code, list(argv), sorted(settings.items())], separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def fingerprint_file(pidfile: Path) -> Path:
    """Where the fingerprint of the process named by ``pidfile`` is kept."""
    return pidfile.with_suffix(".started-from")


def read(pidfile: Path) -> str:
    try:
        return fingerprint_file(pidfile).read_text().strip()
    except FileNotFoundError:
        return ""


def write(pidfile: Path, fingerprint: str) -> None:
    fingerprint_file(pidfile).write_text(fingerprint + "\n")
