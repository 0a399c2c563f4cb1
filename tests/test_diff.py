"""`infometis diff` in real git repositories made from the sample monorepo: each change's
markdown is compared with an expected file (tests/fixtures/diff/<case>.md, base commit as
{BASE})."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import git, invoke

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = Path(__file__).parent / "fixtures" / "diff"
SERVICE = {
    "apps/echo/base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
    "apps/echo/base/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: echo
spec:
  selector:
    matchLabels: {app: echo}
  template:
    metadata:
      labels: {app: echo}
    spec:
      containers:
        - name: echo
          image: hashicorp/http-echo:1.0.0
""",
    "apps/echo/dev/kustomization.yaml": "resources:\n  - ../base\n",
    "clusters/dev/apps/echo.yaml": """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: echo
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/echo/dev
  prune: true
  targetNamespace: infometis
  sourceRef:
    kind: GitRepository
    name: flux-system
""",
}
GENERATOR = (
    "configMapGenerator:\n  - name: registry-settings\n    literals:\n      - LOG_LEVEL=info\n"
)


@pytest.fixture
def repo(tmp_path) -> Path:
    """The sample monorepo, committed on main, with a branch `change` checked out."""
    target = tmp_path / "fleet"
    for part in ("clusters", "infrastructure", "apps", ".infometis.yaml", ".sops.yaml"):
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, target / part)
    (target / "apps/nifi-registry/base/kustomization.yaml").open("a").write(GENERATOR)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "base")
    git(target, "checkout", "-q", "-b", "change")
    return target


def edit(repo: Path, path: str, old: str, new: str) -> None:
    file = repo / path
    assert old in file.read_text()
    file.write_text(file.read_text().replace(old, new, 1))


def diff(repo: Path, *args: str):
    return invoke("diff", "--repo", str(repo), *args)


def expected(case: str, repo: Path, actual: str) -> str:
    """The expected markdown; UPDATE_EXPECTED=1 rewrites the file from `actual` (then read it!)."""
    base = git(repo, "rev-parse", "main").strip()[:12]
    if os.environ.get("UPDATE_EXPECTED"):
        (EXPECTED / f"{case}.md").write_text(actual.replace(base, "{BASE}"))
    return (EXPECTED / f"{case}.md").read_text().replace("{BASE}", base)


def bump_image(repo):
    edit(repo, "apps/kafka/dev/kustomization.yaml", "newTag: 4.1.0", "newTag: 4.1.1")


def add_service(repo):
    for path, text in SERVICE.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    edit(
        repo,
        "clusters/dev/apps/kustomization.yaml",
        "  - elasticsearch.yaml\n",
        "  - echo.yaml\n  - elasticsearch.yaml\n",
    )


def remove_resource(repo):
    edit(repo, "apps/kafka/base/kustomization.yaml", "  - poddisruptionbudget.yaml\n", "")


def change_generator_literal(repo):
    edit(repo, "apps/nifi-registry/base/kustomization.yaml", "LOG_LEVEL=info", "LOG_LEVEL=debug")


def touch_comment(repo):
    edit(repo, "apps/kafka/base/statefulset.yaml", "  # The node id", "  # The broker's node id")


CASES = {
    "bump-image": bump_image,
    "add-service": add_service,
    "remove-resource": remove_resource,
    "generator-rename": change_generator_literal,
    "comment-only": touch_comment,
}


@pytest.mark.parametrize("case", CASES)
def test_markdown_of_a_change(repo, case):
    CASES[case](repo)
    result = diff(repo, "-o", "markdown")
    assert result.stdout == expected(case, repo, result.stdout)
    assert result.exit_code == (0 if case == "comment-only" else 1)
    assert git(repo, "worktree", "list").count("\n") == 1  # the base's worktree is gone


def test_committed_head_and_json(repo):
    bump_image(repo)
    git(repo, "commit", "-q", "-am", "bump kafka in dev")
    git(repo, "checkout", "-q", "main")  # the working tree is not what is compared
    result = diff(repo, "--base", "main", "--head", "change", "-o", "json")
    document = json.loads(result.stdout)
    assert (
        result.exit_code == 1 and document["head"] == git(repo, "rev-parse", "change").strip()[:12]
    )
    assert [(c["cluster"], c["status"], c["resource"]) for c in document["changes"]] == [
        ("dev", "changed", "StatefulSet.apps/infometis/kafka")
    ]
    assert len(document["unchanged"]) == 27 and document["summary"]["uat"] == {
        "added": 0,
        "changed": 0,
        "removed": 0,
    }


def test_a_huge_change_stays_within_the_budget_and_says_what_it_cut(repo):
    for service in ("kafka", "elasticsearch", "nifi"):
        edit(
            repo,
            f"apps/{service}/base/kustomization.yaml",
            "app.kubernetes.io/part-of: infometis",
            "app.kubernetes.io/part-of: infometis\n      app.kubernetes.io/version: next",
        )
    full = diff(repo, "-o", "markdown").stdout
    summaries = diff(repo, "-o", "markdown", "--budget", "4000").stdout
    counts = diff(repo, "-o", "markdown", "--budget", "600").stdout
    assert len(full) > 4000 and "```diff" in full
    assert len(summaries) <= 4000 and "```diff" not in summaries and "Diffs left out" in summaries
    assert "- changed StatefulSet.apps/infometis/kafka (kafka)" in summaries
    assert (
        "Resources left out" in counts
        and "| `prod` | 0 | 14 | 0 |" in counts
        and "#### " not in counts
    )


def test_secret_values_never_show(repo):
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-key\ntype: Opaque\n"
        "stringData:\n  key: {}\n"
    )
    (repo / "apps/kafka/base/secret.yaml").write_text(secret.format("first-value-1234"))
    edit(
        repo,
        "apps/kafka/base/kustomization.yaml",
        "  - statefulset.yaml\n",
        "  - statefulset.yaml\n  - secret.yaml\n",
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a secret")
    (repo / "apps/kafka/base/secret.yaml").write_text(secret.format("second-value-5678"))
    result = diff(repo, "--base", "change", "-o", "json")
    changes = json.loads(result.stdout)["changes"]
    assert {c["resource"] for c in changes} == {"Secret/infometis/api-key"} and len(changes) == 3
    assert "first-value" not in result.stdout and "second-value" not in result.stdout
    assert re.search(
        r"-  key: <redacted [0-9a-f]{8}>\n\+  key: <redacted [0-9a-f]{8}>", changes[0]["diff"]
    )


def test_trouble_exits_2_with_a_message(repo):
    result = diff(repo, "--base", "no-such-ref")
    assert result.exit_code == 2 and "--base 'no-such-ref' is not a commit" in result.stderr
    edit(repo, "apps/kafka/dev/kustomization.yaml", "  - ../base\n", "  - ../missing\n")
    result = diff(repo)
    assert (
        result.exit_code == 2
        and "head: apps/kafka/dev/kustomization.yaml:6:5: error [kustomize-build]" in result.stderr
    )
    assert "the head revision does not render" in result.stderr
    assert git(repo, "worktree", "list").count("\n") == 1


# A change to a Flux Kustomization's own spec, or to what it substitutes from, changes what
# that Kustomization renders: the diff shows the rendered effect, not only the object's YAML.
def change_path(repo):
    edit(repo, "clusters/dev/apps/kafka.yaml", "path: ./apps/kafka/dev", "path: ./apps/kafka/base")


def inline_substitute(repo):
    edit(
        repo,
        "clusters/dev/apps/grafana.yaml",
        "    substituteFrom:\n",
        "    substitute:\n      domain: staging.example.net\n    substituteFrom:\n",
    )


def add_target_namespace(repo):
    edit(
        repo,
        "clusters/dev/notifications.yaml",
        "  postBuild:\n",
        "  targetNamespace: monitoring\n  postBuild:\n",
    )


def settings_value(repo):
    edit(
        repo,
        "clusters/dev/cluster-settings.yaml",
        "domain: dev.infometis.internal",
        "domain: dev.example.net",
    )


RENDERED_EFFECT = {
    change_path: ("changed", "StatefulSet.apps/infometis/kafka"),
    inline_substitute: ("changed", "IngressRoute.traefik.io/infometis/grafana"),
    add_target_namespace: ("added", "Alert.notification.toolkit.fluxcd.io/monitoring/"),
    settings_value: ("changed", "IngressRoute.traefik.io/infometis/grafana"),
}


@pytest.mark.parametrize("change", RENDERED_EFFECT, ids=lambda change: change.__name__)
@pytest.mark.parametrize("committed", [False, True], ids=["working-tree", "commits"])
def test_a_change_to_what_a_flux_kustomization_renders_shows_its_effect(repo, change, committed):
    change(repo)
    head = ()
    if committed:  # both sides from commits: the head is not the working tree
        git(repo, "commit", "-q", "-am", "change")
        git(repo, "checkout", "-q", "main")
        head = ("--head", "change")
    result = diff(repo, "--base", "main", *head, "-o", "json")
    document = json.loads(result.stdout)
    status, resource = RENDERED_EFFECT[change]
    found = [(c["cluster"], c["status"], c["resource"]) for c in document["changes"]]
    assert result.exit_code == 1
    assert any(
        cluster == "dev" and s == status and r.startswith(resource) for cluster, s, r in found
    ), found
    assert all(cluster == "dev" for cluster, _, _ in found), found


def test_filters_limit_bytes_and_an_external_diff_tool(repo, monkeypatch):
    bump_image(repo)
    settings_value(repo)
    kinds = {
        c["resource"].split("/")[0] for c in json.loads(diff(repo, "-o", "json").stdout)["changes"]
    }
    assert {"StatefulSet.apps", "IngressRoute.traefik.io", "ConfigMap"} <= kinds
    kept = json.loads(diff(repo, "-o", "json", "--skip-kinds", "ConfigMap,IngressRoute").stdout)[
        "changes"
    ]
    assert {c["resource"].split("/")[0] for c in kept} == kinds - {
        "ConfigMap",
        "IngressRoute.traefik.io",
    }
    selected = json.loads(diff(repo, "-o", "json", "-l", "app.kubernetes.io/name=kafka").stdout)[
        "changes"
    ]
    assert [c["resource"] for c in selected] == ["StatefulSet.apps/infometis/kafka"]
    namespaced = json.loads(diff(repo, "-o", "json", "--namespace", "flux-system").stdout)[
        "changes"
    ]
    assert {c["resource"] for c in namespaced} == {
        "ConfigMap/flux-system/cluster-settings",
        "IngressRoute.traefik.io/flux-system/flux-webhook",
    }
    limited = json.loads(diff(repo, "-o", "json", "--limit-bytes", "200").stdout)["changes"]
    assert all(len(c["diff"].encode()) <= 260 for c in limited)
    assert any("more bytes left out (--limit-bytes)" in c["diff"] for c in limited)
    monkeypatch.setenv("DIFF", "diff -u -r")
    result = diff(repo, "--skip-kinds", "ConfigMap,IngressRoute")
    assert result.exit_code == 1
    assert "+++ head/dev/StatefulSet.apps_infometis_kafka.yaml" in result.stdout
    assert (
        "+        image: apache/kafka:4.1.1" in result.stdout
        and "IngressRoute" not in result.stdout
    )


def test_an_external_diff_tool_that_fails_is_trouble(repo, monkeypatch):
    bump_image(repo)
    monkeypatch.setenv("DIFF", "diff --no-such-option")
    result = diff(repo)
    assert result.exit_code == 2 and "DIFF=diff --no-such-option failed (exit 2)" in result.stderr
