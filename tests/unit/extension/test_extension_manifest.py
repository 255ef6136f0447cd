"""The wiki extension's manifest, messages and the values it shares with the service agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from services.feedback.intake import MAX_TEXT_CHARS, Refusal
from services.feedback.models import TriageStatus
from services.web.widget_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER

EXT = Path(__file__).resolve().parents[3] / "wiki_extension" / "Convene"
MANIFEST = json.loads((EXT / "extension.json").read_text())
EN = json.loads((EXT / "i18n" / "en.json").read_text())
QQQ = json.loads((EXT / "i18n" / "qqq.json").read_text())
PHP = {p.relative_to(EXT).as_posix(): p.read_text() for p in EXT.rglob("*.php")}
WIDGET = MANIFEST["ResourceModules"]["ext.convene.widget"]
JS = (EXT / "modules" / "ext.convene.widget" / "widget.js").read_text()
STATUS_VALUES = [s.value for s in TriageStatus]


def class_file(name: str) -> Path:
    prefix = "MediaWiki\\Extension\\Convene\\"
    assert name.startswith(prefix), name
    return (
        EXT
        / MANIFEST["AutoloadNamespaces"][prefix]
        / (name[len(prefix) :].replace("\\", "/") + ".php")
    )


def test_manifest_version_and_every_setting_described():
    assert MANIFEST["manifest_version"] == 2
    assert MANIFEST["AutoloadNamespaces"] == {"MediaWiki\\Extension\\Convene\\": "src/"}
    assert set(MANIFEST["config"]) == {"ConveneServiceUrl", "ConveneSharedSecret", "ConveneTimeout"}
    for name, entry in MANIFEST["config"].items():
        assert "value" in entry and len(entry.get("description", "")) > 30, name


def test_every_class_named_in_the_manifest_exists_where_the_autoloader_looks():
    names = [
        MANIFEST["HookHandlers"]["main"]["class"],
        *(m["class"] for m in MANIFEST["APIModules"].values()),
        *MANIFEST["JobClasses"].values(),
    ]
    for name in names:
        path = class_file(name)
        assert path.is_file(), path
        short = name.rsplit("\\", 1)[-1]
        assert re.search(rf"^class {short}\b", path.read_text(), re.M), path
    for wiring in MANIFEST["ServiceWiringFiles"]:
        assert (EXT / wiring).is_file()
    for hook, handler in MANIFEST["Hooks"].items():
        assert handler in MANIFEST["HookHandlers"]
        assert f"function on{hook}(" in PHP["src/Hooks.php"], hook


def test_services_injected_into_api_modules_match_their_constructors():
    for name, module in MANIFEST["APIModules"].items():
        source = class_file(module["class"]).read_text()
        constructor = re.search(r"function __construct\((.*?)\)\s*\{", source, re.S).group(1)
        params = re.findall(r"(\w+) \$\w+", constructor)
        types = {"Convene.ServiceClient": "ServiceClient", "MainWANObjectCache": "WANObjectCache"}
        assert params[1:] == [types.get(s, s) for s in module["services"]], name


def test_resource_module_files_exist_and_its_messages_are_defined():
    base = EXT / WIDGET["localBasePath"]
    for file in (*WIDGET["packageFiles"], *WIDGET["styles"]):
        assert (base / file).is_file()
    assert set(WIDGET["messages"]) <= set(EN)
    used = set(re.findall(r"mw\.msg\(\s*'([a-z0-9-]+)'", JS))
    used |= set(re.findall(r"'(convene-status-[a-z-]+)'", JS))
    assert used == set(WIDGET["messages"])


def test_every_message_is_prefixed_and_documented():
    assert set(EN) == set(QQQ)
    for key in EN:
        if key == "@metadata":
            continue
        assert re.match(r"^(convene-|apihelp-convene|apierror-convene-)", key), key
        assert QQQ[key].strip(), key


def test_every_message_the_php_code_names_exists():
    named = set()
    for source in PHP.values():
        named |= set(re.findall(r"'((?:apierror|apihelp)-convene[a-z0-9-]*)'", source))
    assert named and named <= set(EN)
    for module in MANIFEST["APIModules"]:
        source = class_file(MANIFEST["APIModules"][module]["class"]).read_text()
        params = re.findall(r"^\t\t\t'(\w+)' => \[", source, re.M)
        assert params
        for param in params:
            assert f"apihelp-{module}-param-{param}" in EN, (module, param)
        assert f"apihelp-{module}-summary" in EN


def test_the_extension_and_the_service_agree_on_shared_values():
    comment = PHP["src/Api/ApiConveneComment.php"]
    assert re.search(rf"MAX_TEXT_CHARS = {MAX_TEXT_CHARS};", comment)
    status = PHP["src/Api/ApiConveneStatus.php"]
    listed = re.search(r"STATUSES = \[(.*?)\];", status, re.S).group(1)
    assert re.findall(r"'(\w+)'", listed) == STATUS_VALUES
    js_statuses = re.search(r"STATUS_MESSAGES = \{(.*?)\};", JS, re.S).group(1)
    assert re.findall(r"'(\w+)':", js_statuses) == STATUS_VALUES
    refusals = re.search(
        r"\$refusalMessages = \[(.*?)\];", PHP["src/Api/ServiceErrorResponse.php"], re.S
    ).group(1)
    assert set(re.findall(r"'(\w+)' =>", refusals)) <= {r.value for r in Refusal} | {
        "bad_signature"
    }
    client = PHP["src/ServiceClient.php"]
    assert f"'{SIGNATURE_HEADER}'" in client and f"'{TIMESTAMP_HEADER}'" in client


@pytest.mark.parametrize("path", sorted(PHP))
def test_php_files_declare_their_namespace(path):
    if path.startswith("src/") and path != "src/ServiceWiring.php":
        assert "namespace MediaWiki\\Extension\\Convene" in PHP[path]


def test_css_uses_no_physical_left_or_right():
    css = (EXT / "modules" / "ext.convene.widget" / "widget.css").read_text()
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert "inline-start" in rules
    assert not re.search(r"\b(left|right)\b", rules)


TRANSLATIONS = sorted(p.stem for p in (EXT / "i18n").glob("*.json") if p.stem not in ("en", "qqq"))


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_translations_keep_the_parameters_and_cover_what_readers_see(language):
    messages = json.loads((EXT / "i18n" / f"{language}.json").read_text(encoding="utf-8"))
    del messages["@metadata"]
    assert set(messages) <= set(EN)
    for key, text in messages.items():
        assert text.strip(), key
        assert set(re.findall(r"\$\d+", text)) == set(re.findall(r"\$\d+", EN[key])), key
        # Markup the English message has (code names) is kept; none is added.
        assert set(re.findall(r"</?\w+>", text)) == set(re.findall(r"</?\w+>", EN[key])), key
    # Everything the widget shows a reader, and every error it may pass on.
    reader_facing = set(WIDGET["messages"]) | {k for k in EN if k.startswith("apierror-")}
    assert reader_facing <= set(messages)
