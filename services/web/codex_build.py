"""Write the Codex build the dashboard serves from the npm packages (``make codex``).

The dashboard uses Codex's CSS-only components, so only CSS is needed: the design tokens
and the bidirectional stylesheets of the components the templates use, concatenated. The
build is committed (static/codex/) so servers and CI need no Node; MANIFEST.json records
the package versions and file hashes, and a test checks them against package.json.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "static" / "codex"
COMPONENTS = [
    "CdxButton",
    "CdxCheckbox",
    "CdxField",
    "CdxLabel",
    "CdxTextInput",
    "CdxTextArea",
    "CdxSelect",
    "CdxMessage",
    "CdxInfoChip",
    "CdxCard",
    "CdxTable",
]
HEADER = (
    "/*! {name} {version} | GPL-2.0-or-later | Wikimedia Foundation and contributors | "
    "https://doc.wikimedia.org/codex/ | built for Convene by services/web/codex_build.py */\n"
)


def _package(modules: Path, name: str) -> tuple[Path, str]:
    root = modules / "@wikimedia" / name
    return root, json.loads((root / "package.json").read_text())["version"]


def build(modules: Path, out: Path = OUT) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    tokens_root, tokens_version = _package(modules, "codex-design-tokens")
    codex_root, codex_version = _package(modules, "codex")
    files = {
        "codex-design-tokens.css": HEADER.format(
            name="@wikimedia/codex-design-tokens", version=tokens_version
        )
        + (tokens_root / "dist" / "theme-wikimedia-ui.css").read_text(),
        "codex-bidi.css": HEADER.format(name="@wikimedia/codex", version=codex_version)
        + "\n".join(
            (codex_root / "dist" / "modules" / f"{c}-bidi.css").read_text() for c in COMPONENTS
        ),
    }
    manifest = {
        "packages": {
            "@wikimedia/codex": codex_version,
            "@wikimedia/codex-design-tokens": tokens_version,
        },
        "components": COMPONENTS,
        "files": {},
    }
    for name, text in files.items():
        (out / name).write_text(text)
        manifest["files"][name] = hashlib.sha256(text.encode()).hexdigest()
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


if __name__ == "__main__":
    modules = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "node_modules"
    print(json.dumps(build(modules)["packages"]))
