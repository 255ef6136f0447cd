"""The extension's PHPUnit suite, run against a real local wiki with the extension loaded."""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from extension_support import EXTENSION_DIR, extension_settings

RUNNER = EXTENSION_DIR / "tests" / "run-phpunit.php"
PHPUNIT = Path("/usr/share/php/PHPUnit/Autoload.php")
TEST_CLASSES = {
    "PageMarkersTest",
    "ServiceClientTest",
    "HooksTest",
    "NotifyServiceJobTest",
    "ApiConveneTest",
}


@pytest.fixture
def wiki(wiki_factory):
    return wiki_factory(extra_settings=extension_settings())


def run_phpunit(wiki, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "MW_CONFIG_FILE": str(wiki.settings_file), **(env or {})}
    return subprocess.run(
        ["php", str(RUNNER), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=EXTENSION_DIR,
    )


def test_the_phpunit_suite_passes_on_a_wiki_with_the_extension(wiki, tmp_path):
    assert PHPUNIT.is_file(), "PHPUnit is missing: run `make deps` (Debian package phpunit)"
    junit = tmp_path / "junit.xml"
    result = run_phpunit(wiki, "--log-junit", str(junit))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    suites = ET.parse(junit).getroot()
    total = suites.find("testsuite")
    counts = {k: int(total.get(k)) for k in ("tests", "failures", "errors", "skipped")}
    assert counts["failures"] == counts["errors"] == counts["skipped"] == 0, counts
    assert counts["tests"] >= 40
    ran = {case.get("class", "").rsplit("\\", 1)[-1] for case in suites.iter("testcase")}
    assert ran >= TEST_CLASSES


def test_the_runner_says_what_is_missing_without_a_wiki(wiki):
    result = run_phpunit(wiki, env={"MW_CONFIG_FILE": ""})
    assert result.returncode == 2
    assert "MW_CONFIG_FILE" in result.stderr
