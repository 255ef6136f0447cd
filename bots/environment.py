"""Where pywikibot finds its configuration, settled before pywikibot is imported."""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from pathlib import Path


def prepare_pywikibot(env: MutableMapping[str, str] | None = None) -> None:
    """Set ``PYWIKIBOT_DIR`` from Convene's settings unless the operator already chose one."""
    env = os.environ if env is None else env
    if "pywikibot" in sys.modules or "PYWIKIBOT_DIR" in env:
        return
    state = Path(env.get("CONVENE_STATE_DIR", Path.cwd() / ".state"))
    directory = Path(env.get("CONVENE_PYWIKIBOT_DIR") or state / "pywikibot")
    config_file = directory / "user-config.py"
    if not config_file.is_file():
        # No configuration yet: Convene registers the wiki itself (bots.site.get_site). The
        # empty file keeps pywikibot's caches and cookies here, not in the working directory.
        directory.mkdir(parents=True, exist_ok=True)
        config_file.write_text("# Convene registers its wiki at run time (bots/site.py)\n")
    env["PYWIKIBOT_DIR"] = str(directory)
