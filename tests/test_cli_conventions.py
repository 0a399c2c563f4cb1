"""The command line as users of kubectl, flux and kubeconform expect it: -o is the format,
--output-file the file (the old spellings still work, with a warning), -q/-v, colour as
NO_COLOR and FORCE_COLOR say, and shell completion of the repository's names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import invoke

ROOT = Path(__file__).resolve().parents[1]
ANSI = "\x1b["


def test_o_is_the_format_and_output_file_the_file(tmp_path):
    printed = invoke("validate", "--repo", str(ROOT), "-o", "json")
    assert (
        printed.exit_code == 0
        and json.loads(printed.stdout)["version"] == 1
        and printed.stderr == ""
    )
    target = tmp_path / "report.sarif"
    written = invoke(
        "validate", "--repo", str(ROOT), "--output", "sarif", "--output-file", str(target)
    )
    assert written.stdout == "" and json.loads(target.read_text())["version"] == "2.1.0"


@pytest.mark.parametrize(
    ("command", "formats"),
    [
        (["graph", "dev"], ("text", "mermaid", "dot")),
        (["drift", "dev", "uat"], ("text", "markdown", "json")),
    ],
)
def test_every_command_with_formats_takes_o(command, formats):
    for name in formats:
        result = invoke(*command, "--repo", str(ROOT), "-o", name)
        assert result.exit_code in (0, 1) and result.stderr == "", (name, result.stderr)


def test_the_old_spellings_work_and_say_what_to_write_instead(tmp_path):
    old_format = invoke("validate", "--repo", str(ROOT), "--format", "json")
    assert json.loads(old_format.stdout)["version"] == 1
    assert "infometis: warning: --format json is deprecated: write -o json" in old_format.stderr
    target = tmp_path / "json"
    old_file = invoke("graph", "dev", "--repo", str(ROOT), "-o", str(target))
    assert old_file.stdout == "" and target.read_text().startswith("cluster dev")
    assert f"write --output-file {target}" in old_file.stderr


def test_two_formats_or_two_files_are_a_usage_error(tmp_path):
    formats = invoke("validate", "--repo", str(ROOT), "-o", "json", "--format", "text")
    assert formats.exit_code == 2 and "two formats; give one" in formats.stderr
    files = invoke(
        "graph",
        "--repo",
        str(ROOT),
        "-o",
        str(tmp_path / "a"),
        "--output-file",
        str(tmp_path / "b"),
    )
    assert files.exit_code == 2 and "two files; give one" in files.stderr


def test_quiet_lists_errors_only_and_verbose_says_what_was_read(fixture_repo):
    repo = fixture_repo("references-bad")
    everything = json.loads(invoke("validate", "--repo", str(repo), "-o", "json").stdout)
    quiet = json.loads(invoke("validate", "--repo", str(repo), "-o", "json", "-q").stdout)
    levels = {p["level"] for p in everything["problems"]}
    assert "error" in levels and levels - {"error"}  # the fixture has errors and other levels
    assert quiet["problems"] == [p for p in everything["problems"] if p["level"] == "error"]
    assert quiet["summary"] == everything["summary"]
    verbose = invoke("validate", "--repo", str(repo), "-v")
    assert (
        "infometis: cluster dev: " in verbose.stderr and "schemas of Kubernetes" in verbose.stderr
    )
    assert invoke("validate", "--repo", str(repo), "-q", "-v").exit_code == 2


@pytest.mark.parametrize(
    ("environment", "option", "coloured"),
    [
        ({}, [], False),  # not a terminal
        ({"FORCE_COLOR": "1"}, [], True),
        ({"FORCE_COLOR": "1", "NO_COLOR": ""}, [], True),  # an empty NO_COLOR says nothing
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, [], False),
        ({"NO_COLOR": "1"}, ["--color", "always"], True),  # the option overrides both
        ({"FORCE_COLOR": "1"}, ["--color", "never"], False),
    ],
)
def test_colour_follows_no_color_force_color_and_the_option(
    monkeypatch, environment, option, coloured
):
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    result = invoke("validate", "--repo", str(ROOT), "--cluster", "dev", *option)
    assert (ANSI in result.stdout) is coloured


def _complete(*words: str) -> list[str]:
    """What the shell would offer after `infometis WORDS…` (bash), from the real completion."""
    environment = dict(
        os.environ,
        _INFOMETIS_COMPLETE="bash_complete",
        COMP_WORDS=" ".join(("infometis", *words)),
        COMP_CWORD=str(len(words)),
    )
    done = subprocess.run(
        [sys.executable, "-m", "infometis.commands.main"],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line.split(",", 1)[1] for line in done.stdout.splitlines()]


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        (("build", ""), ["dev", "prod", "uat"]),
        (("validate", "--cluster", "p"), ["prod"]),
        (("promote", "dev", ""), ["dev", "prod", "uat"]),
        (
            ("validate", "--select", "flux-"),
            ["flux-depends-on", "flux-hygiene", "flux-path", "flux-source"],
        ),
        (("explain", "ima"), ["images"]),
        (("diff", "-o", ""), ["text", "markdown", "json"]),
    ],
)
def test_shell_completion_offers_the_repositorys_names(words, offered):
    assert _complete(*words) == offered


def test_a_reader_that_stops_reading_ends_the_command_quietly():
    read_end, write_end = os.pipe()
    os.close(read_end)  # closed before the command writes: its first write meets a broken pipe
    done = subprocess.run(
        [sys.executable, "-m", "infometis.commands.main", "explain", "images"],
        stdout=write_end,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(write_end)
    assert done.returncode == 141 and done.stderr == ""


def test_explain_names_the_check_once_with_its_level():
    first = invoke("explain", "images").stdout.splitlines()[0]
    assert first.startswith("images — every container image") and first.endswith(
        "(default level: error)"
    )
    assert first.count("images") == 1


def test_counts_are_said_in_words_not_with_a_plural_mark(fixture_repo):
    result = invoke("validate", "--repo", str(fixture_repo("duplicate-resource-bad")))
    summary = result.stdout.splitlines()[-1]
    assert summary.startswith("1 cluster, 3 Flux Kustomizations") and "1 error," in summary
    assert "(s)" not in result.stdout
