"""Promotion by merging, run for real: .github/workflows/promote.yaml under act, pushing to a bare
`origin` and opening pull requests on the GitHub API stand-in, through three stages.

The repository's default branch is `trunk` and its server a GitHub Enterprise name: the
workflow may assume neither `main` nor github.com."""

from __future__ import annotations

import re
import subprocess

import pytest
from workflow_harness import SERVER, copy_of_project, git, push_event

pytestmark = pytest.mark.act

SLUG = "acme/fleet"
TOKEN = "promote-token-4f1c"
KAFKA = "apps/kafka/{}/kustomization.yaml"


@pytest.fixture
def fleet(act_session, tmp_path):
    """A developer's clone of the project (default branch trunk) and its bare origin."""
    work = copy_of_project(tmp_path / "fleet", branch="trunk")
    act_session.origin(SLUG, work)
    git(work, "remote", "add", "origin", f"https://{SERVER}/{SLUG}.git")
    return work


def push(act_session, work):
    subprocess.run(
        ["git", "-C", str(work), "push", "-q", "origin", "HEAD:refs/heads/trunk", "--tags"],
        check=True,
        capture_output=True,
        env=act_session.env(),
    )


def run_promote(act_session, github_api, tmp_path, name, event_name, event):
    runner = act_session.checkout(SLUG, "trunk", tmp_path / name)
    run = act_session.run(
        runner,
        event_name,
        event,
        github_api,
        workflow=str(runner / ".github/workflows/promote.yaml"),
        secrets={"INFOMETIS_PROMOTE_TOKEN": TOKEN},
        variables={"INFOMETIS_PROMOTE_ON_PUSH": "dev uat prod"},
    )
    assert run.returncode == 0, run.log
    return run


def branch_file(bare, branch, path):
    return git(bare, "show", f"refs/heads/{branch}:{path}")


def bump_dev_kafka(work, tag):
    path = work / KAFKA.format("dev")
    path.write_text(re.sub(r"newTag: \S+", f"newTag: {tag}", path.read_text(), count=1))
    git(work, "commit", "-q", "-am", f"kafka {tag} in dev")


def merge(act_session, work, branch):
    """Merging the pull request: its branch merged into trunk, pushed."""
    subprocess.run(
        ["git", "-C", str(work), "fetch", "-q", "origin"],
        check=True,
        capture_output=True,
        env=act_session.env(),
    )
    git(work, "merge", "-q", "--no-ff", "-m", f"Merge {branch}", f"origin/{branch}")
    push(act_session, work)


def test_promotion_by_merging_through_three_stages(act_session, github_api, fleet, tmp_path):
    bare = act_session.folder / "git" / f"{SLUG}.git"
    before = git(fleet, "rev-parse", "HEAD")
    bump_dev_kafka(fleet, "4.2.0")
    push(act_session, fleet)

    # a push that bumps dev: a branch promote/dev-to-uat/… on origin and one pull request
    run = run_promote(
        act_session,
        github_api,
        tmp_path,
        "run-1",
        "push",
        push_event(fleet, before, default_branch="trunk", ref="refs/heads/trunk"),
    )
    [pull] = github_api.state.pulls
    branch = pull["head"]["ref"]
    assert branch.startswith("promote/dev-to-uat/") and pull["base"]["ref"] == "trunk", pull
    assert pull["title"] == "Promote dev to uat"
    assert "apps/kafka/uat/kustomization.yaml:9" in pull["body"] and "4.0.0 → 4.2.0" in pull["body"]
    assert "newTag: 4.2.0" in branch_file(bare, branch, KAFKA.format("uat"))
    assert "Promoted-To: uat" in git(bare, "log", "-1", "--format=%B", branch)
    assert {request.token for request in github_api.state.requests} == {TOKEN}
    assert "nothing of uat changed in this push" in run.log

    # the same push again: the open pull request is updated, no second one
    run_promote(
        act_session,
        github_api,
        tmp_path,
        "run-2",
        "push",
        push_event(fleet, before, default_branch="trunk", ref="refs/heads/trunk"),
    )
    assert len(github_api.state.pulls) == 1
    assert [
        r.method for r in github_api.state.requests if r.path.endswith(f"/pulls/{pull['number']}")
    ] == ["PATCH"]

    # merging it is a push that changes uat: the next stage's pull request
    before = git(fleet, "rev-parse", "HEAD")
    merge(act_session, fleet, branch)
    pull["state"] = "closed"
    run_promote(
        act_session,
        github_api,
        tmp_path,
        "run-3",
        "push",
        push_event(fleet, before, default_branch="trunk", ref="refs/heads/trunk"),
    )
    assert len(github_api.state.pulls) == 2
    second = github_api.state.pulls[1]
    assert (
        second["head"]["ref"].startswith("promote/uat-to-prod/")
        and second["base"]["ref"] == "trunk"
    )
    assert (
        "apps/kafka/prod/kustomization.yaml:9" in second["body"]
        and "3.9.1 → 4.2.0" in second["body"]
    )
    assert "newTag: 4.2.0" in branch_file(bare, second["head"]["ref"], KAFKA.format("prod"))

    # by hand, dev → uat again: uat already pins what dev pins; nothing is pushed or opened
    dispatch = {
        "inputs": {"src": "dev", "dst": "uat"},
        "ref": "refs/heads/trunk",
        "repository": push_event(fleet, before, default_branch="trunk")["repository"],
    }
    heads = git(bare, "for-each-ref", "--format=%(refname)")
    run = run_promote(act_session, github_api, tmp_path, "run-4", "workflow_dispatch", dispatch)
    assert "nothing to promote: uat already pins what dev pins" in run.log
    assert (
        len(github_api.state.pulls) == 2
        and git(bare, "for-each-ref", "--format=%(refname)") == heads
    )
