"""A pull request that breaks a reference, run for real: validate.yaml and diff.yaml under act
on the project's own repository, against a bare origin and the GitHub API stand-in."""

from __future__ import annotations

import json
import re
import subprocess

import jsonschema
import pytest
from conftest import shared_or_skip
from workflow_harness import SERVER, copy_of_project, git

pytestmark = pytest.mark.act

SLUG = "acme/fleet"
ROUTE = "apps/nifi/border/ingressroute.yaml"
NUMBER = 7


def pull_request_event(work, base: str, *, fork: bool = False) -> dict:
    head_repo = "someone/fleet" if fork else SLUG
    return {
        "action": "synchronize",
        "number": NUMBER,
        "pull_request": {
            "number": NUMBER,
            "base": {"ref": "main", "sha": base, "repo": {"full_name": SLUG}},
            "head": {
                "ref": "break-route",
                "sha": git(work, "rev-parse", "HEAD"),
                "repo": {"full_name": head_repo},
            },
        },
        "repository": {
            "full_name": SLUG,
            "name": "fleet",
            "default_branch": "main",
            "owner": {"login": "acme"},
        },
    }


@pytest.fixture(scope="module")
def pull_request(act_session, tmp_path_factory):
    """The project with a commit on branch break-route that names a Service that does not exist."""
    work = copy_of_project(tmp_path_factory.mktemp("pr") / "fleet")
    base = git(work, "rev-parse", "HEAD")
    git(work, "checkout", "-q", "-b", "break-route")
    route = work / ROUTE
    lines = route.read_text().splitlines(keepends=True)
    assert lines[14].strip() == "port: 8443"
    lines[14] = lines[14].replace("8443", "8444")  # a port the Service nifi does not have
    route.write_text("".join(lines))
    git(work, "commit", "-q", "-am", "Route nifi to port 8444")
    act_session.origin(SLUG, work)
    git(work, "remote", "add", "origin", f"https://{SERVER}/{SLUG}.git")
    return work, base


def run(act_session, github_api, tmp_path, work, base, workflow, **options):
    runner = act_session.checkout(
        SLUG, git(work, "rev-parse", "HEAD"), tmp_path / f"runner-{workflow}"
    )
    event = pull_request_event(work, base, fork=options.pop("fork", False))
    return act_session.run(
        runner,
        "pull_request",
        event,
        github_api,
        workflow=str(runner / ".github" / "workflows" / f"{workflow}.yaml"),
        **options,
    )


def test_validate_annotates_the_broken_reference_and_uploads_valid_sarif(
    act_session, github_api, pull_request, tmp_path
):
    work, base = pull_request
    done = run(act_session, github_api, tmp_path, work, base, "validate", job="validate")
    assert done.returncode != 0, done.log
    annotation = re.compile(
        rf"::error title=infometis \[references\],file={re.escape(ROUTE)},line=15,col=\d+::"
        r".*Service infometis/nifi has no port 8444"
    )
    assert annotation.search(done.log), done.log
    assert "Failure - Main infometis validate (annotations on the pull request)" in done.log
    assert (
        "Success - Main pre-commit hooks (infometis validate ran above)" in done.log
    )  # the rest still runs

    [upload] = github_api.state.sarifs
    assert upload["category"] == "infometis" and upload["commit_sha"] == git(
        work, "rev-parse", "HEAD"
    )
    sarif = upload["sarif"]
    [result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "references"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == ROUTE and location["region"]["startLine"] == 15
    schema = json.loads(shared_or_skip("schemas", "sarif", "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(sarif, schema)


def test_diff_keeps_one_sticky_comment_and_a_second_push_edits_it(
    act_session, github_api, pull_request, tmp_path
):
    work, base = pull_request
    first = run(act_session, github_api, tmp_path, work, base, "diff")
    assert first.returncode == 0, first.log
    [comment] = github_api.state.comments
    assert comment["issue_number"] == NUMBER and comment["body"].startswith(
        "<!-- infometis-diff -->"
    )
    assert "IngressRoute.traefik.io/infometis/nifi" in comment["body"] and "8444" in comment["body"]

    # a second push to the pull request: the same comment, edited
    (work / ROUTE).write_text((work / ROUTE).read_text().replace("8444", "8445"))
    git(work, "commit", "-q", "-am", "Route nifi to port 8445")
    subprocess.run(
        ["git", "-C", str(work), "push", "-q", "origin", "break-route"],
        check=True,
        capture_output=True,
        env=act_session.env(),
    )
    second = run(act_session, github_api, tmp_path / "second", work, base, "diff")
    assert second.returncode == 0, second.log
    assert len(github_api.state.comments) == 1
    assert (
        "8445" in github_api.state.comments[0]["body"]
        and "8444" not in github_api.state.comments[0]["body"]
    )
    assert [r.method for r in github_api.state.requests if "/issues/comments/" in r.path] == [
        "PATCH"
    ]


def test_a_fork_pull_request_writes_only_to_the_step_summary(
    act_session, github_api, pull_request, tmp_path
):
    work, base = pull_request
    done = run(act_session, github_api, tmp_path, work, base, "diff", fork=True)
    assert done.returncode == 0, done.log
    assert "<!-- infometis-diff -->" in done.summary and "infometis diff" in done.summary
    assert (
        github_api.state.requests == []
    )  # a fork's token is read-only: nothing is written to GitHub
