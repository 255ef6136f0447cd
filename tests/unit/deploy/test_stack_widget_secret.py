"""The local stack gives the wiki's extension and the web app one shared secret, from the state
directory, never written into a settings file."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

from deploy.local.stack import EXTENSION_JSON, WIDGET_SECRET_FILE, Stack
from services.config import load_config


def make(tmp_path, **settings) -> Stack:
    return Stack(
        load_config(
            env={},
            instance_file=Path("/nonexistent"),
            state_dir=tmp_path / "state",
            secret_key="s",
            **settings,
        )
    )


def wiki_reads(settings: str, tmp_path) -> dict[str, str]:
    """What PHP makes of the stack's wiki settings (wfLoadExtension stubbed)."""
    script = tmp_path / "read.php"
    script.write_text(
        "<?php\nfunction wfLoadExtension( $n, $p ) { $GLOBALS['loaded'] = $p; }\n"
        + settings
        + "\necho json_encode( [ 'url' => $wgConveneServiceUrl, "
        "'secret' => $wgConveneSharedSecret, 'loaded' => $GLOBALS['loaded'] ] );\n"
    )
    out = subprocess.run(["php", str(script)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_a_secret_is_generated_into_the_state_dir_and_given_to_both_sides(tmp_path):
    stack = make(tmp_path, web_port=9125)
    settings = stack.wiki.extra_settings
    stack._ensure_widget_secret()
    path = tmp_path / "state" / WIDGET_SECRET_FILE
    secret = path.read_text()
    assert len(secret) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret not in settings
    assert stack.child_env()["CONVENE_WIDGET_SHARED_SECRET"] == secret
    assert wiki_reads(settings, tmp_path) == {
        "url": "http://127.0.0.1:9125",
        "secret": secret,
        "loaded": str(EXTENSION_JSON),
    }
    # The next start keeps it.
    again = make(tmp_path)
    again._ensure_widget_secret()
    assert again.config.widget_shared_secret == secret


def test_a_configured_secret_is_the_one_both_sides_use(tmp_path):
    stack = make(tmp_path, widget_shared_secret="operator-chosen")
    stack._ensure_widget_secret()
    assert (tmp_path / "state" / WIDGET_SECRET_FILE).read_text() == "operator-chosen"
    assert stack.child_env()["CONVENE_WIDGET_SHARED_SECRET"] == "operator-chosen"
    assert wiki_reads(stack.wiki.extra_settings, tmp_path)["secret"] == "operator-chosen"


def test_before_the_secret_exists_the_wiki_reads_an_empty_one_and_the_widget_stays_off(tmp_path):
    stack = make(tmp_path)
    assert wiki_reads(stack.wiki.extra_settings, tmp_path)["secret"] == ""
