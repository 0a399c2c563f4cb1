"""The e2e workflow's readiness gate (.github/scripts/flux_ready.py) against recorded
`kubectl get kustomizations,helmreleases -A -o json` outputs, and the workflow's shape."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
GATE = ROOT / ".github" / "scripts" / "flux_ready.py"
STATES = ROOT / "tests" / "fixtures" / "flux-ready"
E2E = yaml.safe_load((ROOT / ".github" / "workflows" / "e2e.yaml").read_text())


def gate(state: str, *, stdin: str | None = None) -> subprocess.CompletedProcess:
    # the system's python3 on the runner: the script must need nothing but the standard library
    return subprocess.run(
        [sys.executable, "-I", str(GATE), state],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
    )


def test_a_ready_cluster_passes_and_suspended_objects_are_named():
    done = gate(str(STATES / "ready.json"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ready      HelmRelease traefik/traefik" in done.stdout
    assert "suspended  Kustomization flux-system/notifications (not checked)" in done.stdout
    assert "5 Kustomization(s), 2 HelmRelease(s) checked: all Ready" in done.stdout


def test_a_cluster_not_ready_fails_naming_each_object_and_why():
    done = gate(str(STATES / "not-ready.json"))
    assert done.returncode == 1
    failing = [line for line in done.stdout.splitlines() if line.startswith("NOT READY")]
    assert failing == [
        "NOT READY  Kustomization flux-system/kafka: Ready for generation 1, but the object is at "
        "generation 2",
        "NOT READY  Kustomization flux-system/grafana: Ready=False DependencyNotReady: "
        "dependency 'flux-system/infra-configs' is not ready",
        "NOT READY  HelmRelease traefik/traefik: Ready=False InstallFailed: Helm install failed "
        "for release traefik/traefik with chart traefik@37.1.1: context deadline exceeded",
    ]


@pytest.mark.parametrize("state", ["empty.json", "only-suspended.json"])
def test_a_cluster_with_nothing_synced_fails(state):
    done = gate(str(STATES / state))
    assert done.returncode == 1
    assert "no Flux Kustomization that is not suspended" in done.stdout


def test_an_object_never_reconciled_is_not_ready():
    listing = (
        '{"kind": "List", "items": [{"kind": "Kustomization", "metadata": {"name": "apps", '
        '"namespace": "flux-system"}}]}'
    )
    done = gate("-", stdin=listing)
    assert done.returncode == 1
    assert "NOT READY  Kustomization flux-system/apps: no Ready condition yet" in done.stdout


@pytest.mark.parametrize("text", ["not json", "[]"])
def test_unreadable_input_is_a_usage_error_without_a_traceback(text):
    done = gate("-", stdin=text)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "flux_ready.py:" in done.stderr


def test_the_workflow_runs_the_gate_and_waits_on_the_sync():
    steps = "\n".join(step.get("run", "") for step in E2E["jobs"]["dev-cluster"]["steps"])
    assert "python3 .github/scripts/flux_ready.py flux-state.json" in steps
    assert "wait: true" in steps  # the e2e Kustomization is Ready only when what it applied is
    assert "?(@.spec.suspend" not in steps


def test_the_workflow_runs_only_when_cluster_content_changes():
    paths = E2E[True]["pull_request"]["paths"]  # PyYAML reads the key `on` as True
    assert {"clusters/**", "infrastructure/**", "apps/**"} <= set(paths)
    assert not any(path.startswith(("tools/", "tests/")) for path in paths)


def test_installers_are_verified_by_pinned_sums():
    steps = "\n".join(step.get("run", "") for step in E2E["jobs"]["dev-cluster"]["steps"])
    assert "sha256sum --check --strict" in steps
    assert not re.search(
        r"\|\s*(sudo\s+(\S+=\S+\s+)*)?(ba)?sh\b", steps
    )  # nothing downloaded is piped into a shell
    for name in ("K0S_SHA256", "FLUX_SHA256"):
        assert name in E2E["env"]
        assert '[ -z "${!sum}" ]' in steps  # an unset sum fails before any download is trusted
