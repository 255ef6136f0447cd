"""The committed Codex build matches services/web/package.json and is not edited by hand."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import services.web

WEB = Path(services.web.__file__).resolve().parent


def test_codex_build_matches_package_json():
    wanted = json.loads((WEB / "package.json").read_text())["dependencies"]
    manifest = json.loads((WEB / "static" / "codex" / "MANIFEST.json").read_text())
    assert manifest["packages"] == wanted, "run `make codex` after changing package.json"
    for name, digest in manifest["files"].items():
        text = (WEB / "static" / "codex" / name).read_text()
        assert hashlib.sha256(text.encode()).hexdigest() == digest, f"{name} was edited by hand"
    assert (
        "--color-progressive" in (WEB / "static" / "codex" / "codex-design-tokens.css").read_text()
    )
    css = (WEB / "static" / "codex" / "codex-bidi.css").read_text()
    assert all(
        cls in css for cls in (".cdx-button", ".cdx-checkbox", ".cdx-table", "[dir='rtl']")
    ) or all(cls in css for cls in (".cdx-button", ".cdx-checkbox", ".cdx-table", "[dir=rtl]"))


def test_pages_use_only_local_assets(client):
    page = client.get("/auth/signin").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page  # no CDN
    for path in [
        "/static/codex/codex-bidi.css",
        "/static/codex/codex-design-tokens.css",
        "/static/convene.css",
        "/static/convene.js",
    ]:
        with client.get(path) as response:
            assert response.status_code == 200
