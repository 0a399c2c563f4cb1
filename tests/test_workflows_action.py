"""The composite action (action.yml), used from another repository whose GitOps tree sits in
deploy/, pinned to a release tag, run for real under act."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import invoke
from workflow_harness import ROOT, SERVER, git, push_event

SLUG = "acme/platform"
ROUTE = "deploy/apps/nifi/border/ingressroute.yaml"

WORKFLOW = """\
name: check
on: push
permissions: {{}}
jobs:
  validate:
    runs-on: ubuntu-24.04
    permissions:
      contents: read
      security-events: write
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - uses: {action}
        id: infometis
        with:
          repo: deploy
          fail-on-error: "false"
      - uses: github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e # v4.36.2
        with:
          sarif_file: ${{{{ steps.infometis.outputs.sarif-file }}}}
          category: infometis
      - name: Outputs
        env:
          EXIT_CODE: ${{{{ steps.infometis.outputs.exit-code }}}}
          ERRORS: ${{{{ steps.infometis.outputs.errors }}}}
          SARIF: ${{{{ steps.infometis.outputs.sarif-file }}}}
        run: |
          echo "outputs: exit-code=$EXIT_CODE errors=$ERRORS sarif-file=$SARIF"
          command -v infometis || echo "infometis is not on the caller's PATH"
"""


@pytest.fixture
def platform(act_session, infometis_release, tmp_path):
    """Another repository: its GitOps tree (this project's, with a route to a Service that does
    not exist) in deploy/."""
    work = tmp_path / "platform"
    for part in ("clusters", "infrastructure", "apps", ".infometis.yaml", ".sops.yaml"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(
            ROOT / part, work / "deploy" / part
        )
    route = work / ROUTE
    route.write_text(
        route.read_text().replace("          port: 8443\n", "          port: 8444\n", 1)
    )
    (work / ".github" / "workflows").mkdir(parents=True)
    (work / ".github" / "workflows" / "check.yaml").write_text(
        WORKFLOW.format(action=infometis_release.action)
    )
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "platform")
    act_session.origin(SLUG, work)
    return work


@pytest.mark.act
def test_the_action_from_another_repository_in_a_subfolder(
    act_session, github_api, infometis_release, platform, tmp_path
):
    runner = act_session.checkout(SLUG, "main", tmp_path / "runner")
    done = act_session.run(
        runner,
        "push",
        push_event(platform, "0" * 40),
        github_api,
        workflow=str(runner / ".github/workflows/check.yaml"),
        actions={infometis_release.action: infometis_release.source},
    )
    assert done.returncode == 0, done.log  # fail-on-error: false
    version = infometis_release.tag.removeprefix("v")
    assert re.search(
        rf"infometis {re.escape(version)}$", done.log, re.M
    )  # the release of the tag, installed
    annotation = re.compile(
        rf"::error title=infometis \[references\],file={re.escape(ROUTE)},line=15,col=\d+::"
    )
    assert annotation.search(done.log), done.log
    [outputs] = [line for line in done.log.splitlines() if "outputs: exit-code=" in line]
    assert "exit-code=1 errors=1 sarif-file=" in outputs and outputs.endswith("/infometis.sarif")
    assert "infometis is not on the caller's PATH" in done.log

    [upload] = github_api.state.sarifs
    [result] = [r for r in upload["sarif"]["runs"][0]["results"] if r["ruleId"] == "references"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == ROUTE and location["region"]["startLine"] == 15
    assert (
        platform / location["artifactLocation"]["uri"]
    ).is_file()  # the file, from the top level


@pytest.mark.act
def test_a_tag_that_does_not_match_the_version_fails_before_installing(
    act_session, github_api, infometis_release, platform, tmp_path
):
    moved = "infometis/infometis@v9.9.9"
    workflow = platform / ".github/workflows/check.yaml"
    workflow.write_text(workflow.read_text().replace(infometis_release.action, moved))
    git(platform, "commit", "-q", "-am", "a tag of another version")
    subprocess.run(
        ["git", "-C", str(platform), "push", "-q", f"https://{SERVER}/{SLUG}.git", "main"],
        check=True,
        capture_output=True,
        env=act_session.env(),
    )
    runner = act_session.checkout(SLUG, "main", tmp_path / "runner")
    done = act_session.run(
        runner,
        "push",
        push_event(platform, "0" * 40),
        github_api,
        workflow=str(runner / ".github/workflows/check.yaml"),
        actions={moved: infometis_release.source},
    )
    assert done.returncode != 0
    assert "this action's tag v9.9.9 does not match the version it would install" in done.log


def test_annotations_and_sarif_name_files_from_the_git_top_level(tmp_path):
    """The report layer alone: validate --repo deploy from the top level, and from inside deploy."""
    top = tmp_path / "top"
    for part in ("clusters", "infrastructure", "apps", ".infometis.yaml", ".sops.yaml"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(
            ROOT / part, top / "deploy" / part
        )
    route = top / ROUTE
    route.write_text(
        route.read_text().replace("          port: 8443\n", "          port: 8444\n", 1)
    )
    git(top, "init", "-q", "-b", "main")
    annotations = invoke("validate", "--repo", str(top / "deploy"), "-o", "github").output
    assert f"file={ROUTE},line=15," in annotations
    sarif = json.loads(invoke("validate", "--repo", str(top / "deploy"), "-o", "sarif").output)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    }
    assert ROUTE in uris and all(Path(top, uri).is_file() for uri in uris)
    text = invoke("validate", "--repo", str(top / "deploy"), "-o", "text").output
    assert (
        "apps/nifi/border/ingressroute.yaml:15" in text and ROUTE not in text
    )  # text stays repository-relative
