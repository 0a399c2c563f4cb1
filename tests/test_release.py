"""The release: the version the command reports, the licence and changelog that ship with it,
and the release workflow that builds and publishes a tag."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import infometis
import pytest
import yaml
from conftest import invoke
from github_standin import PYPI_TOKEN
from workflow_harness import SERVER, git

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_version_is_the_package_version_and_runs_nothing(monkeypatch):
    def no_process(*args, **kwargs):
        raise AssertionError(f"--version started a process: {args[:1]}")

    monkeypatch.setattr(subprocess.Popen, "__init__", no_process)
    result = invoke("--version")
    assert result.exit_code == 0, result.output
    assert result.output == f"infometis {PYPROJECT['project']['version']}\n"
    assert infometis.__version__ == PYPROJECT["project"]["version"]


def test_help_and_version_load_neither_the_checks_nor_the_reporters():
    """What `--help` and `--version` import decides how fast they answer: only the command line."""
    probe = (
        "import sys\nfrom infometis.commands.main import main\n"
        "for args in (['--help'], ['--version'], ['validate', '--help']):\n"
        "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('infometis')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = done.stdout.strip().splitlines()[-1]
    expected = [
        "infometis",
        "infometis.commands",
        "infometis.commands.cli_catalog",
        "infometis.commands.cli_grow",
        "infometis.commands.cli_promote",
        "infometis.commands.cli_render",
        "infometis.commands.completion",
        "infometis.commands.main",
        "infometis.commands.options",
        "infometis.commands.output",
        "infometis.model",
        "infometis.model.errors",
    ]
    assert loaded == str(expected), loaded


def test_the_report_formats_the_command_line_offers_are_the_reporters():
    from infometis.commands.options import REPORT_FORMATS
    from infometis.report import REPORTERS

    assert REPORT_FORMATS == tuple(sorted(REPORTERS))


def test_the_metadata_says_what_the_package_runs_on_and_where_it_lives():
    project = PYPROJECT["project"]
    floor = tuple(map(int, project["requires-python"].removeprefix(">=").split(".")))
    versions = [
        tuple(map(int, c.rsplit(" :: ", 1)[1].split(".")))
        for c in project["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert versions and min(versions) == floor
    assert {"Homepage", "Changelog", "Issues"} <= set(project["urls"])
    # the hooks' own tools are a dependency group, not part of what the package publishes
    assert {"ruff", "zizmor", "pre-commit"} <= {
        re.split(r"[<>=]", d)[0] for d in PYPROJECT["dependency-groups"]["dev"]
    }
    assert not any(
        re.split(r"[<>=]", d)[0] in ("ruff", "zizmor", "pre-commit")
        for d in project["optional-dependencies"]["test"]
    )


def test_the_licence_file_is_the_licence_pyproject_names():
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License") and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_the_changelog_has_an_entry_for_this_version():
    versions = re.findall(
        r"^## \[?v?(\d+\.\d+\.\d+[^\]\s]*)", (ROOT / "CHANGELOG.md").read_text(), re.M
    )
    assert versions and versions[0] == PYPROJECT["project"]["version"]


def release_run(act_session, github_api, infometis_release, tmp_path, tag):
    source = infometis_release.source
    if tag != infometis_release.tag:
        git(source, "tag", "-f", tag)
        subprocess.run(
            [
                "git",
                "-C",
                str(source),
                "push",
                "-q",
                "-f",
                f"https://{SERVER}/infometis/infometis.git",
                tag,
            ],
            check=True,
            capture_output=True,
            env=act_session.env(),
        )
    runner = act_session.checkout("infometis/infometis", tag, tmp_path / "runner")
    event = {
        "ref": f"refs/tags/{tag}",
        "repository": {"full_name": "infometis/infometis", "default_branch": "main"},
    }
    return act_session.run(
        runner,
        "push",
        event,
        github_api,
        workflow=str(runner / ".github/workflows/release.yaml"),
        env={
            "ACTIONS_ID_TOKEN_REQUEST_URL": f"{github_api.url}/oidc/token?api-version=2.0",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runner-request-token",
        },
        variables={"PYPI_INDEX": github_api.url, "PYPI_UPLOAD": f"{github_api.url}/legacy/"},
    )


@pytest.mark.act
def test_a_release_tag_builds_and_publishes_by_trusted_publishing(
    act_session, github_api, infometis_release, tmp_path
):
    done = release_run(act_session, github_api, infometis_release, tmp_path, infometis_release.tag)
    assert done.returncode == 0, done.log
    version = infometis_release.tag.removeprefix("v")
    assert sorted(upload["filename"] for upload in github_api.state.uploads) == [
        f"infometis-{version}-py3-none-any.whl",
        f"infometis-{version}.tar.gz",
    ]
    assert {upload["credentials"] for upload in github_api.state.uploads} == {
        f"__token__:{PYPI_TOKEN}"
    }
    [oidc] = [r for r in github_api.state.requests if r.path == "/oidc/token"]
    assert (
        oidc.token == "runner-request-token"
    )  # the job's own OIDC token, exchanged; no stored secret


@pytest.mark.act
def test_a_tag_that_is_not_the_version_publishes_nothing(
    act_session, github_api, infometis_release, tmp_path
):
    done = release_run(act_session, github_api, infometis_release, tmp_path, "v9.9.9")
    assert done.returncode != 0, done.log
    refused = f"the tag v9.9.9 is not {infometis_release.tag}, the version in pyproject.toml"
    assert refused in done.log, done.log  # the whole log: which step failed, and why
    assert github_api.state.uploads == [] and github_api.state.requests == []


def test_the_release_workflow_publishes_without_an_unverified_action():
    workflow = yaml.safe_load((ROOT / ".github/workflows/release.yaml").read_text())
    job = workflow["jobs"]["release"]
    assert workflow[True] == {"push": {"tags": ["v*"]}}
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step] == [
        "actions/checkout",
        "actions/setup-python",
    ]
